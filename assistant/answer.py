"""Extractive answers: hand over the passage unit that answers the question, cite it, verify, or abstain.

The question's kind (:mod:`assistant.question`) decides what is looked for (the readers live in
:mod:`assistant.compose`):

- procedure → the best-matching list of steps, item for item, under a line naming its source;
- definition → the sentence that defines the term, then up to two that elaborate it;
- comparison → a labelled definition of each thing, then a sentence that contrasts them (or
  a plain statement that none does);
- factoid → the sentence holding the expected type of answer (a name, a year, a number, a place);
- findings / reason → sentences from findings sections or giving a reason;
- anything else → the best sentences by term coverage, picked by maximal marginal relevance.

Only cleaned evidence is quoted (:mod:`assistant.evidence`). Citations are grouped by passage:
one marker per passage, reused by every sentence or step quoted from it, numbered 1..n in order
of first appearance. When a key word of the question appears in none of the passages, the answer
says so first rather than passing off a near-topic answer as the answer.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

from assistant.compose import Composition, Line
from assistant.compose.base import heading
from assistant.compose.cues import FACETS, facets_asked
from assistant.evidence import SENTENCE_ENDS, is_reference_section
from assistant.question import FRAME_WORDS, NUMBER_WORDS, SOURCE_WORDS, QuestionAnalysis, analyse_question, last_sentence, split_question, with_topic_for_pronouns
from assistant.retrieve import Passage, SearchResult
from assistant.settings import AnswerSettings

ABSTAIN_TEXT = (
    "I could not find an answer to this in the indexed documents. "
    "The closest passages are shown below; they may not answer the question."
)
ABSTAIN_NOTHING_CLOSE = "I could not find an answer to this in the indexed documents, and no passage comes close to it."
NO_INDEX_TEXT = "Nothing is indexed yet: add documents with `assistant ingest PATH` first."

MARKER = re.compile(r"\[(\d+)\]")


WHO_ASKED = re.compile(r"\s*who\b", re.I)
"""A question sentence asking who ("We're running user tests. Who needs to be in the room, and what does each person do?")."""


class VerificationError(AssertionError):
    """A composed answer broke its own citation rules (a bug, never user error)."""


@dataclass
class Citation:
    """What marker ``[n]`` in an answer points to: one passage and what was quoted from it.

    ``sentence`` and ``span`` are the first quote (the CLI contract's fields); ``quotes`` lists
    every span quoted from this passage, in the order the answer uses them.
    """

    n: int
    chunk_id: str
    doc_id: str
    title: str
    source: str
    page: int | None
    section: str
    text: str
    sentence: str
    span: tuple[int, int]
    score: float
    quotes: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.quotes:
            self.quotes = [tuple(self.span)]

    @property
    def sentences(self) -> list[str]:
        """The quoted words, one entry per quote."""
        return [self.text[a:b] for a, b in self.quotes]

    def to_json(self) -> dict:
        """The CLI contract's citation object (plus the highlight spans)."""
        return {
            "n": self.n, "doc_id": self.doc_id, "title": self.title, "source": self.source,
            "page": self.page, "section": self.section, "text": self.text, "score": round(self.score, 6),
            "chunk_id": self.chunk_id, "sentence": self.sentence, "span": list(self.span),
            "quotes": [{"span": [a, b], "text": self.text[a:b]} for a, b in self.quotes],
        }


@dataclass
class Answer:
    """A composed answer, its citations, and the passages it was drawn from."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation]
    passages: list[Passage] = field(default_factory=list)
    query: str = ""
    confidence: float | None = None
    generated_by: str | None = None
    """The chat model that worded the answer (``None``: sentences quoted from the passages)."""
    dropped: list = field(default_factory=list)
    """Generated sentences not shown (:class:`assistant.generate.Dropped`), with the reason."""
    note: str | None = None
    """Why the answer is not what was asked for (e.g. the chat model could not be reached)."""
    kind: str | None = None
    """The kind of answer the question asked for (:data:`assistant.question.KINDS`)."""
    merged: bool = False
    """True when the question was read as a follow-up and searched together with the previous topic."""

    def to_json(self) -> dict:
        """The CLI contract's answer object; ``closest`` lists passages when abstaining.

        Generated answers add ``generated_by`` and ``dropped``; a fallback adds ``note``.
        """
        out = {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
        }
        if self.kind:
            out["kind"] = self.kind
        if self.query and self.query != self.question:
            out["query"] = self.query
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 4)
        if self.abstained:
            out["closest"] = [passage_json(p) for p in self.passages]
        if self.generated_by:
            out["generated_by"] = self.generated_by
        if self.dropped:
            out["dropped"] = [d.to_json() for d in self.dropped]
        if self.note:
            out["note"] = self.note
        return out


def passage_json(p: Passage) -> dict:
    """A search result in the CLI contract's shape."""
    return {
        "rank": p.rank, "doc_id": p.doc_id, "title": p.title, "source": p.source, "page": p.page,
        "section": p.section, "text": p.text, "score": round(p.score, 6), "chunk_id": p.id,
        "dense": None if p.dense is None else round(p.dense, 4),
    }



class ExtractiveComposer:
    """Builds an answer from passages by the kind of question, every quote cited and verified.

    Sentence score = passage weight x :func:`sentence_relevance` x a factor for the question's
    kind, where the passage weight is its fused score relative to the best passage. Lists are
    scored as a whole (see :meth:`_best_list`).

    Args:
        analyse: Text -> list of analysed terms (the BM25 analyser, so "spanners" matches "spanner").
        idf: Analysed terms -> inverse document frequencies.
        settings: Sentence counts, diversity and the abstention thresholds.
        ignore: Analysed terms that never count as question content ("what", "does", "how").
        expand: Document id -> all its passages in order, to complete a list cut across passages
            (``None``: only the retrieved passages are used).
    """

    def __init__(
        self, analyse: Callable[[Sequence[str]], list[list[str]]], idf: Callable[[Sequence[str]], dict[str, float]],
        settings: AnswerSettings | None = None, ignore: frozenset[str] = frozenset(),
        expand: Callable[[str], list[Passage]] | None = None,
    ) -> None:
        self._analyse = analyse
        self._analysed: dict[str, list[str]] = {}
        self.idf = idf
        self.settings = settings or AnswerSettings()
        self.ignore = ignore
        self.expand = expand
        self.frame = frozenset(t for terms in analyse(sorted(FRAME_WORDS)) for t in terms)
        self.numbers = frozenset(t for terms in analyse(sorted(NUMBER_WORDS)) for t in terms)
        self.asking_for_sources = frozenset(t for terms in analyse(sorted(SOURCE_WORDS)) for t in terms)

    def analyse(self, texts: Sequence[str]) -> list[list[str]]:
        """The analyser, remembering passage texts: the same passages come back question after question."""
        found = {t: self._analysed.get(t) for t in texts}
        missing = [t for t, terms in found.items() if terms is None]
        if missing:
            fresh = dict(zip(missing, self._analyse(missing)))
            found.update(fresh)
            if len(self._analysed) > 50_000:  # bounded; other threads keep their local copy meanwhile
                self._analysed = {}
            self._analysed.update(fresh)
        return [found[t] for t in texts]

    def should_abstain(self, result: SearchResult) -> bool:
        """True when nothing retrieved is close enough to the question."""
        return not result.passages or result.best_dense is None or result.best_dense < self.settings.abstain_below

    def abstain(self, question: str, result: SearchResult, kind: str | None = None) -> Answer:
        """An abstention listing only passages above the relevance floor, never a bibliography."""
        floor = self.settings.closest_floor
        closest = [
            p for p in result.passages
            if not is_reference_section(p.section) and (p.dense is None or p.dense >= floor)
        ]
        text = ABSTAIN_TEXT if closest else ABSTAIN_NOTHING_CLOSE
        return Answer(question, text, True, [], closest, result.query, result.best_dense, kind=kind)

    def compose(self, question: str, result: SearchResult, analysis: QuestionAnalysis | None = None) -> Answer:
        """Answer ``question`` from ``result`` (or abstain), verified before it is returned.

        Args:
            question: The user's words (what the answer must answer).
            result: Retrieved passages, best first.
            analysis: The question's kind and subjects (analysed here when not given).
        """
        analysis = analysis or analyse_question(question)
        if self.should_abstain(result):
            return self.abstain(question, result, analysis.kind)
        passages = [p for p in result.passages[: self.settings.passages] if not is_reference_section(p.section)]
        extra = [p for p in result.passages[self.settings.passages :] if not is_reference_section(p.section)]
        ctx = Composition(self, question, analysis, passages, extra, query=result.query, similarity=result.similarity)
        parts = self.two_parts(question, result.query, passages, extra, result.similarity, alone=ctx)
        lines, block = parts if parts is not None else (ctx.compose(), False)
        block = block or ctx.as_block
        if not lines:
            return self.abstain(question, result, analysis.kind)
        missing = ctx.missing_terms()
        unstated = ctx.count_not_stated(lines) if parts is None else None
        if unstated:
            lines.insert(0, Line(prefix=unstated))
        elif missing:
            words = " or ".join(f"“{w}”" for w in missing)
            lines.insert(0, Line(prefix=f"The passages found do not mention {words}; this is the closest the documents come."))
        elif result.best_dense is not None and result.best_dense < self.settings.loose_below:
            # "What should I do if a service user discloses abuse?" finds a digital-inclusion guide that mentions abuse once
            lines.insert(0, Line(prefix="The documents match this question only loosely; check that the passages below answer it."))
        answer = render(question, lines, result, analysis.kind, joiner="\n" if block else " ")
        verify(answer)
        return answer

    def two_parts(
        self, question: str, query: str, passages: list[Passage], extra: list[Passage], similarity: dict[str, float] | None = None,
        alone: Composition | None = None,
    ) -> tuple[list[Line], bool] | None:
        """Each part of a two-part question answered in its own form, or ``None`` for a one-part question.

        Returns the lines and whether any part is a block (steps, a list, labelled comparisons).

        "What is social return on investment and what are its limits?" wants a definition, then a
        list; the second part borrows the first's topic words for "its". Two factoid parts ("Who
        created the ladder, and in which journal?") stay one question: one sentence often holds both.
        A sentence quoted for the first part is not repeated for the second.

        A yes-no question after a comma ("How should we run that review, and does it need Paperwork
        Reduction Act clearance?") leans on the first: the whole question is answered as if asked
        alone (``alone``), then the second part from the documents that answer cites first.
        """
        parts = split_question(question)
        if len(parts) != 2:
            return None
        first, second = analyse_question(parts[0]), analyse_question(parts[1])
        if first.subjects:  # "What is distributed leadership, and how does it differ from shared leadership?"
            second = with_topic_for_pronouns(second, first.subjects[0], terms_only=True)
        whole, each = facets_asked(question), [facets_asked(part) for part in parts]
        if whole and (not any(each) or (len(whole) == 1 and all(e == whole for e in each)) or (whole == ["roles"] and (first.answer_type == "person" or WHO_ASKED.match(last_sentence(parts[0]))))):
            # One facet asked across both parts ("Who needs to be involved in the evaluation, and what is
            # each of them responsible for?"), in each ("Who are the main players, and what is each
            # responsible for?"), or who does what asked after a "who" ("Who has to take part, and what
            # is each of them responsible for?"): one question, answered by the section giving it.
            return None
        if first.kind == second.kind == "factoid" and first.answer_type == second.answer_type:
            return None  # "When was it set up and when did it close?": one sentence often holds both
        borrowed = " ".join(first.topic)
        rest = query[len(question.strip()) :].strip() if query.startswith(question.strip()) else ""
        lines: list[Line] = []
        block = False
        used: set[tuple[str, int]] = set()
        then = (parts[1], second, f"{parts[1]} {borrowed} {rest}")
        if second.kind == "yes-no" and alone is not None:  # only the comma split makes a yes-no second part
            lines = alone.compose()
            own_facets = [FACETS[name][1] for name in each[1] if name not in each[0]]
            if lines and own_facets and all(any(cue.search(heading(q.passage)) for cue in own_facets) for line in lines for q in line.quotes):
                # The whole question was answered by the section the yes-no part asks for ("... raise any PRA
                # issues?" finds a card's "Considerations for use in government"): the first part is asked alone.
                alone = Composition(self, parts[0], first, passages, extra, query=f"{parts[0]} {rest}".strip(), similarity=similarity)
                lines = alone.compose()
            block = alone.as_block
            used = {(q.passage.doc_id, q.doc_offset) for line in lines for q in line.quotes}
            cited = list(dict.fromkeys(q.passage.doc_id for line in lines for q in line.quotes))
            own = sorted(passages, key=lambda p: cited.index(p.doc_id) if p.doc_id in cited else len(cited))
            if own_facets and cited and self.expand is not None:
                # The section asked for from the document answering the first part, though not retrieved: "... and do
                # we need PRA clearance?" after the interface-audit card's steps is its considerations, not another card's.
                facet = [x for x in self.expand(cited[0]) if any(cue.search(heading(x)) for cue in own_facets)]
                if facet:
                    taken = {x.id for x in facet}
                    own = facet + [p for p in own if p.doc_id == cited[0] and p.id not in taken]
            asks = [(*then, own)]
        else:
            asks = [(parts[0], first, f"{parts[0]} {rest}", passages), (*then, passages)]
        for part, analysis, words, pool in asks:
            ctx = Composition(self, part, analysis, pool, extra, query=words.strip(), similarity=similarity)
            part_lines = []
            for line in ctx.compose():
                kept = [q for q in line.quotes if (q.passage.doc_id, q.doc_offset) not in used]
                if line.quotes and not kept:
                    continue
                part_lines.append(Line(kept, prefix=line.prefix))
            if any(line.quotes for line in part_lines):
                lines.extend(part_lines)
                block = block or ctx.as_block
                used.update((q.passage.doc_id, q.doc_offset) for line in part_lines for q in line.quotes)
        return lines, block


ENDINGS = tuple(SENTENCE_ENDS + "?:;")
"""Characters a quote may end on in prose; one ending otherwise (a list item quoted as a sentence) is followed by a full stop (:func:`render`)."""


def render(question: str, lines: Sequence[Line], result: SearchResult, kind: str | None, joiner: str = " ") -> Answer:
    """Number the passages in order of first use and write the answer text.

    Each quote is followed by its passage's marker; a passage quoted twice keeps its number.
    """
    numbers: dict[str, int] = {}
    citations: dict[str, Citation] = {}
    texts: list[str] = []
    for line in lines:
        parts = []
        for q in line.quotes:
            p = q.passage
            if p.id not in numbers:
                numbers[p.id] = len(numbers) + 1
                citations[p.id] = Citation(
                    numbers[p.id], p.id, p.doc_id, p.title, p.source, p.page, p.section, p.text, q.text, q.span, p.score, [q.span],
                )
            elif q.span not in citations[p.id].quotes:
                citations[p.id].quotes.append(q.span)
            # A list item quoted as a sentence ("In 2018, Louisville Open Data partnered with ...") has no full stop of
            # its own; in running prose one follows its marker, so that the next sentence does not run on from it.
            stop = "." if line.prefix in ("", "Pitfall: ") and not q.text.rstrip().endswith(ENDINGS) else ""
            parts.append(f"{q.text} [{numbers[p.id]}]{stop}")
        texts.append((line.prefix + " ".join(parts)).strip())
    text = joiner.join(t for t in texts if t)
    passages = list(result.passages)
    return Answer(question, text, False, list(citations.values()), passages, result.query, result.best_dense, kind=kind)


def verify(answer: Answer) -> None:
    """Check an answer's citation invariants.

    Every marker resolves to a citation, every citation is used, numbering is 1..n in order of
    appearance, and every quote is exactly the text at its span inside its passage. An extractive
    answer must also say each quote word for word right before its marker (a generated one words
    it itself; :mod:`assistant.generate` checks the support).

    Raises:
        VerificationError: Any rule is broken.
    """
    if answer.abstained:
        if MARKER.search(answer.text):
            raise VerificationError("an abstention must not carry citation markers")
        return
    by_n = {c.n: c for c in answer.citations}
    if len(by_n) != len(answer.citations):
        raise VerificationError("duplicate citation numbers")
    marks = [int(m) for m in MARKER.findall(answer.text)]
    if not marks:
        raise VerificationError("answer has no citation markers")
    dangling = sorted(set(marks) - set(by_n))
    if dangling:
        raise VerificationError(f"markers {dangling} point to no citation")
    unused = sorted(set(by_n) - set(marks))
    if unused:
        raise VerificationError(f"citations {unused} are never referenced")
    if list(dict.fromkeys(marks)) != list(range(1, len(by_n) + 1)):
        raise VerificationError("markers are not numbered 1..n in order of appearance")
    for c in answer.citations:
        a, b = c.span
        if not (0 <= a < b <= len(c.text)) or c.text[a:b] != c.sentence:
            raise VerificationError(f"citation [{c.n}]: the sentence is not at its span in the passage")
        for qa, qb in c.quotes:
            if not (0 <= qa < qb <= len(c.text)):
                raise VerificationError(f"citation [{c.n}]: a quote lies outside its passage")
            if not answer.generated_by and f"{c.text[qa:qb]} [{c.n}]" not in answer.text:
                raise VerificationError(f"citation [{c.n}]: the cited sentence is not what the answer says")


def to_dict(answer: Answer) -> dict:
    """Plain-data copy of an answer (for session state and feedback logs)."""
    return asdict(answer)
