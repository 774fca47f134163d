"""Extractive answers: hand over the passage unit that answers the question, cite it, verify, or abstain.

The question's kind (:mod:`assistant.question`) decides what is looked for:

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

from assistant.evidence import (
    FINDINGS_SECTION,
    PITFALL_LEAD,
    STEPS_SECTION,
    Quote,
    is_pitfall_section,
    is_reference_section,
    quotable_item,
    quotable_sentence,
    sentence_quotes,
)
from assistant.question import FRAME_WORDS, WORD, QuestionAnalysis, analyse_question, split_question
from assistant.ingest.structure import Unit
from assistant.retrieve import Passage, SearchResult
from assistant.settings import AnswerSettings

ABSTAIN_TEXT = (
    "I could not find an answer to this in the indexed documents. "
    "The closest passages are shown below; they may not answer the question."
)
ABSTAIN_NOTHING_CLOSE = "I could not find an answer to this in the indexed documents, and no passage comes close to it."
NO_INDEX_TEXT = "Nothing is indexed yet: add documents with `assistant ingest PATH` first."

MARKER = re.compile(r"\[(\d+)\]")
FINDING_CUE = re.compile(r"\b(found|showed|shown|reported|reports|concluded|concludes|suggests?|suggested|evidence|increased?|reduced?|improved?|rose|fell|per cent|percent|\d+(?:\.\d+)?\s?%|led to|resulted in)\b", re.I)
REASON_CUE = re.compile(r"\b(because|since|so that|reasons?|due to|leads? to|led to|in order to|as a result|which means|therefore|so\b|cause[sd]?|why)\b", re.I)
CONTRAST_CUE = re.compile(r"\b(whereas|while|unlike|differs?|different|difference|distinction|distinguish\w*|in contrast|by contrast|rather than|compared with|as opposed to|but)\b", re.I)
ANSWER_TYPE_CUE = {
    "person": re.compile(r"\b[A-Z][a-z’'-]+(?:,? (?:and|&) [A-Z][a-z’'-]+)*,? (?:et al\.? )?\((?:19|20)\d\d[a-z]?\)|\b(?:by|wrote|authors?|coined|introduced|developed|proposed|founded|created|led by)\b[^.]*\b[A-Z][a-z]+"),
    "date": re.compile(r"\b(?:1[5-9]\d\d|20\d\d)\b|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"),
    "number": re.compile(r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion)\b", re.I),
    "place": re.compile(r"(?<!^)\b(?:in|at|from|across|throughout|of)\s+(?:the\s+)?[A-Z][a-z]+"),
    "source": re.compile(r"\b(?:journal|published in|Review|Quarterly|Press|Journal|Policy|Studies|Management|Administration)\b"),
}
# A sentence saying where and when a work appeared ("... published ... in Public Management Review, volume 17").
PUBLICATION = re.compile(r"\bpublished\b|\b(?:volume|vol\.|issue)\s+\d|\bpages\s+\d|\b(?:University|Georgetown|Oxford|Cambridge|Policy) Press\b")
PUBLICATION_WANTED = re.compile(r"\b(?:publish\w*|journal|book|article|paper|report|where|when|year|who wrote|written)\b", re.I)
TWO_PART = re.compile(r"[,;]?\s+and\s+(?:in\s+|from\s+|at\s+)?(?:what|where|when|who|how|which|why|did|does|is|was)\b", re.I)
KEY_TERMS_SECTION = re.compile(r"\b(?:key terms|glossary|definitions?|what \w+(?: \w+)? means|what counts as)\b", re.I)
# "X is also / not / often ...": a sentence about X, not one that says what X is.
NOT_DEFINING = re.compile(r"^\W*(?:\w+[\s-]+){0,6}?(?:is|are)\s+(?:also|not|often|sometimes|usually|still|only|rarely|never|more|less|most|likely|particularly|especially|worth|important|useful|efficient|common|popular|widely|increasingly|best|the\s+right)\b", re.I)
EXPLAINING_SECTION = re.compile(r"\b(?:explained|defined|definitions?|key terms|what (?:is|are)\b|about the|background|introduction|overview|in brief|why\b)", re.I)
WHY_SECTION = re.compile(r"\s*(?:why\b|the case for\b|reasons\b)", re.I)
EXAMPLES_LEAD = re.compile(r"\b(?:for example|for instance|examples?(?: include| are| of)?|such as|e\.g\.)\b[^.]{0,30}$", re.I)
COUNTED = re.compile(r"\b\d[\d,.]*%?\s+((?:[\w'-]+\s+){0,2}[\w'-]+)")
CONTENTS_WANTED = re.compile(r"\b(?:go(?:es)?\s+(?:into|in)|include[sd]?|contain|cover(?:ed)?|be\s+in|involve|entail|consist\s+of)\b", re.I)
CONTENTS_SECTION = re.compile(r"\b(?:include[sd]?|contents?|contains?|covers?|checklist|what goes|sections?|elements?|headings)\b", re.I)
LIST_MAX = 8
"""Items shown from a long list; a list of up to LIST_WHOLE items is shown whole (cutting 2 of 10 steps loses advice)."""
LIST_WHOLE = 10


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


@dataclass
class Line:
    """One line of a composed answer: framing words, then quotes each followed by its marker."""

    quotes: list[Quote] = field(default_factory=list)
    prefix: str = ""
    """Our words before the quotes: "1. ", "**Co-design:** ", "Pitfall: ", or a whole framing line."""


@dataclass
class _Scored:
    quote: Quote
    terms: frozenset[str]
    score: float


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
        ctx = _Context(self, question, analysis, passages, extra, query=result.query)
        lines = self.two_parts(question, result.query, passages, extra)
        if lines is None:
            lines = ctx.compose()
        block = ctx.as_block or any(line.prefix.startswith(("1. ", "- ", "**")) for line in lines)
        if not lines:
            return self.abstain(question, result, analysis.kind)
        missing = ctx.missing_terms()
        if missing:
            words = " or ".join(f"“{w}”" for w in missing)
            lines.insert(0, Line(prefix=f"The passages found do not mention {words}; this is the closest the documents come."))
        answer = render(question, lines, result, analysis.kind, joiner="\n" if block else " ")
        verify(answer)
        return answer

    def two_parts(self, question: str, query: str, passages: list[Passage], extra: list[Passage]) -> list[Line] | None:
        """Each part of a two-part question answered in its own form, or ``None`` for a one-part question.

        "What is social return on investment and what are its limits?" wants a definition, then a
        list; the second part borrows the first's topic words for "its". Two factoid parts ("Who
        created the ladder, and in which journal?") stay one question: one sentence often holds both.
        A sentence quoted for the first part is not repeated for the second.
        """
        parts = split_question(question)
        if len(parts) != 2:
            return None
        first, second = analyse_question(parts[0]), analyse_question(parts[1])
        if first.kind == second.kind == "factoid" and first.answer_type == second.answer_type:
            return None  # "When was it set up and when did it close?": one sentence often holds both
        borrowed = " ".join(first.topic)
        rest = query[len(question.strip()) :].strip() if query.startswith(question.strip()) else ""
        lines: list[Line] = []
        used: set[tuple[str, int]] = set()
        for part, analysis, words in ((parts[0], first, f"{parts[0]} {rest}"), (parts[1], second, f"{parts[1]} {borrowed} {rest}")):
            ctx = _Context(self, part, analysis, passages, extra, query=words.strip())
            part_lines = []
            for line in ctx.compose():
                kept = [q for q in line.quotes if (q.passage.doc_id, q.doc_offset) not in used]
                if line.quotes and not kept:
                    continue
                part_lines.append(Line(kept, prefix=line.prefix))
            if any(line.quotes for line in part_lines):
                lines.extend(part_lines)
                used.update((q.passage.doc_id, q.doc_offset) for line in part_lines for q in line.quotes)
        return lines


class _Context:
    """One composition: the question, its passages, and the scored evidence drawn from them."""

    def __init__(
        self, composer: ExtractiveComposer, question: str, analysis: QuestionAnalysis, passages: list[Passage], extra: list[Passage],
        query: str | None = None,
    ) -> None:
        self.c = composer
        self.s = composer.settings
        self.question = question
        self.analysis = analysis
        self.passages = list(passages)  # add_sections grows this pool; the caller's list stays as it was
        self.extra = list(extra)
        self.as_block = False
        # Frame words ("get", "make") say nothing about the topic, unless capitalised inside a name ("Making It Work").
        # A follow-up is scored with the topic it borrowed ("Which rungs count as tokenism on it?" + "ladder participation").
        words = query if query and query.startswith(question.strip()) else question
        named = {t for terms in composer.analyse([w for w in WORD.findall(words)[1:] if w[:1].isupper()]) for t in terms}
        q_seq = [t for t in composer.analyse([words])[0] if t not in composer.ignore and (t not in composer.frame or t in named)]
        self.q_seq = q_seq
        self.q_terms = list(dict.fromkeys(q_seq))
        self.weights = composer.idf(self.q_terms)
        self.q_pairs = set(zip(q_seq, q_seq[1:]))
        top = max((p.score for p in passages), default=0.0) or 1.0
        self.weight = {p.id: p.score / top for p in passages + extra}
        self.pitfalls_wanted = bool(PITFALL_LEAD.search(question))
        self.contents_wanted = bool(CONTENTS_WANTED.search(question))
        self.publication_wanted = bool(PUBLICATION_WANTED.search(question)) or analysis.answer_type in ("source", "date")
        self.two_part = bool(TWO_PART.search(question))  # "Which journal ..., and what did it find?"
        self.list_scores: list[tuple] = []  # (score, coverage, heading+title coverage, section) of each list weighed, for inspection
        self.listed = composer.analyse([analysis.listed])[0][0] if analysis.listed and composer.analyse([analysis.listed])[0] else None
        self.prose_section: tuple[str, str] | None = None  # a prose section that answers better than any list
        self._head: dict[str, float] = {}
        self.add_sections()

    def add_sections(self, docs: int = 2) -> None:
        """Bring in the sections of the best documents that hold this kind of answer.

        "What did Making It Work find?" retrieves passages *about* Making It Work; its "What the
        evaluations found" section may not be among them. For findings questions the findings
        sections, and for procedures the passages holding lists, of the two best documents join
        the pool, weighted at 0.9 x their document's best passage.
        """
        kind = self.analysis.kind
        if kind not in ("findings", "procedure", "list") or self.c.expand is None:
            return
        best: dict[str, float] = {}
        for p in self.passages:
            best[p.doc_id] = max(best.get(p.doc_id, 0.0), self.weight.get(p.id, 0.0))
        have = {p.id for p in self.passages}
        for doc_id in sorted(best, key=best.get, reverse=True)[:docs]:
            for p in self.c.expand(doc_id):
                if p.id in have or is_reference_section(p.section):
                    continue
                wanted = FINDINGS_SECTION.search(p.section) if kind == "findings" else any(u.kind == "list" for u in p.units)
                if wanted:
                    self.passages.append(p)
                    self.weight[p.id] = 0.9 * best[doc_id]
                    have.add(p.id)

    # -- dispatch ----------------------------------------------------------------------------

    def compose(self) -> list[Line]:
        kind = self.analysis.kind
        if kind in ("procedure", "list"):
            lines = self.procedure()
            if lines:
                self.as_block = True
                return lines
        if kind == "definition":
            lines = self.definition(self.analysis.subjects[0])
            if lines:
                return lines
        if kind == "findings":
            lines = self.findings()
            if lines:
                return lines
        if kind == "comparison":
            lines = self.comparison()
            if lines:
                self.as_block = True
                return lines
        return self.sentences()

    # -- sentences ---------------------------------------------------------------------------

    def scored_sentences(self, passages: Sequence[Passage]) -> list[_Scored]:
        quotes = [q for p in passages for q in sentence_quotes(p)]
        if not quotes:
            return []
        analysed = self.c.analyse([q.text for q in quotes])
        seen: set[str] = set()
        out: list[_Scored] = []
        for q, terms in zip(quotes, analysed):
            key = q.text.lower()
            if key in seen:  # the same sentence in an overlapping passage
                continue
            seen.add(key)
            score = self.weight.get(q.passage.id, 0.0) * sentence_relevance(terms, self.q_terms, self.weights, self.q_pairs)
            out.append(_Scored(q, frozenset(terms), score * self.kind_factor(q)))
        return out

    def kind_factor(self, q: Quote) -> float:
        """How much a sentence's form suits the kind of answer wanted."""
        kind, text = self.analysis.kind, q.text
        factor = 1.0 + 0.3 * self.head_coverage(q.passage)  # the heading says what the passage is about
        if self.prose_section == (q.passage.doc_id, q.passage.section):
            factor *= 1.5
        if q.role == "pitfall":
            factor *= 1.2 if self.pitfalls_wanted else 0.6
        if PUBLICATION.search(text) and not self.publication_wanted:
            factor *= 0.5  # where a study appeared is not what it found, nor how to do anything
        if kind == "findings":
            factor *= 1.6 if FINDINGS_SECTION.search(q.passage.section) else 1.2 if FINDING_CUE.search(text) else 0.7
        elif kind == "reason":
            factor *= 1.3 if REASON_CUE.search(text) else 0.85
        elif kind == "factoid" and self.analysis.answer_type:
            types = self.analysis.answer_types or (self.analysis.answer_type,)
            wanted = any(ANSWER_TYPE_CUE[t].search(text) for t in types) or (self.two_part and FINDING_CUE.search(text))
            factor *= 1.4 if wanted else 0.7
            if "number" in types and self.counts_asked_thing(text):
                factor *= 1.4  # "How many nurses?": "8,000 nurses" counts the very thing asked about
        return factor

    def counts_asked_thing(self, text: str) -> bool:
        """Whether a number in ``text`` is followed, within three words, by one of the question's terms."""
        following = [m.group(1) for m in COUNTED.finditer(text)]
        if not following:
            return False
        q = set(self.q_terms)
        return any(q & set(terms) for terms in self.c.analyse(following))

    def sentences(self) -> list[Line]:
        """The best 2-4 sentences by maximal marginal relevance, grouped by passage in document order."""
        pool = self.scored_sentences(self.passages)
        if not pool:
            return []
        s = self.s
        most = 2 if self.analysis.kind == "factoid" and not self.two_part else s.max_sentences
        least = 1 if self.analysis.kind == "factoid" else s.min_sentences
        best = max(c.score for c in pool)
        chosen: list[_Scored] = []
        while pool and len(chosen) < most:
            def mmr(c: _Scored) -> float:
                overlap = max((_jaccard(c.terms, o.terms) for o in chosen), default=0.0)
                return s.diversity * c.score - (1 - s.diversity) * overlap * best
            pick = max(pool, key=mmr)
            if len(chosen) >= least and (pick.score < s.relative_cutoff * best or mmr(pick) <= 0):
                break
            chosen.append(pick)
            pool.remove(pick)
        return [Line([c.quote for c in group], prefix="Pitfall: " if group[0].quote.role == "pitfall" else "") for group in _grouped(chosen)]

    def findings(self, most: int = 4) -> list[Line]:
        """The best finding sentence, read on in its paragraph: a study's findings follow one another.

        "What did the NAO find?" is answered by the sentence that introduces the NAO's report and
        the ones after it ("The NAO estimated ... concluded ... also found ..."), which need not
        repeat the question's words. The anchor is the best-scoring sentence from a findings
        section or carrying a finding cue; the sentences after it in the same passage follow, up
        to ``most`` in all.
        """
        pool = [
            c for c in self.scored_sentences(self.passages)
            if c.quote.role != "pitfall" and (FINDINGS_SECTION.search(c.quote.passage.section) or FINDING_CUE.search(c.quote.text))
        ]
        if not pool:
            return []
        anchor = max(pool, key=lambda c: c.score).quote
        own = [q for q in sentence_quotes(anchor.passage) if q.role != "pitfall"]
        after = [q for q in own if q.span[0] >= anchor.span[1]][: most - 1]
        before = [q for q in own if q.span[1] <= anchor.span[0] and not PUBLICATION.search(q.text)]
        room = most - 1 - len(after)  # a finding closing its paragraph is read with the sentences leading up to it
        quotes = (before[-room:] if room > 0 else []) + [anchor] + after
        if len(quotes) < 2:
            return []
        return [Line(quotes)]

    # -- procedures and lists ----------------------------------------------------------------

    def procedure(self) -> list[Line]:
        """The best-matching list as numbered steps under a line naming where it comes from."""
        found = self.best_list()
        if found is None:
            return self.procedure_fallback()
        items, title, section, total, lead = found
        count = self.analysis.count
        where = f"“{title}”" + (f", section “{section}”" if section else "")
        focused = self.focus(items, f"{title} {section} {lead}")
        if focused == [] and self.coverage(self.c.analyse([f"{section} {lead}"])[0]) < 0.25:
            # No item bears on the question's own words, and the heading does not name what is asked either
            # (a scenario such as "after one partner bid alone" need not reappear in the steps for it).
            return self.procedure_fallback()
        if count:
            focused = None
        if focused:
            shown = focused[:LIST_MAX]
            framing = f"From {where}, the {len(shown)} of its {total} points that bear on this:"
        else:
            shown = items[: count or (total if total <= LIST_WHOLE else LIST_MAX)]
            framing = f"From {where} (the first {len(shown)} of its {total} points):" if len(shown) < total else f"From {where}:"
        if count and count > total:
            framing = f"The documents give {total} points, not {count}, in {where}:"
        lines = [Line(prefix=framing)]
        ordered = self.analysis.kind == "procedure"
        for i, q in enumerate(shown, start=1):
            lines.append(Line([q], prefix=f"{i}. " if ordered else "- "))
        return lines

    def procedure_fallback(self) -> list[Line]:
        """No list answers the question: sentences instead, saying so when a plan of N steps was asked for."""
        if self.prose_section is not None:
            lines = self.section_sentences(*self.prose_section)
            if lines:
                return lines
        if not self.analysis.count or self.analysis.kind != "procedure":
            return []
        lines = self.sentences()
        if lines:
            lines.insert(0, Line(prefix=f"The documents set out no {self.analysis.count}-step plan for this; the closest guidance they give:"))
        return lines

    def section_sentences(self, doc_id: str, section: str, most: int = 5) -> list[Line]:
        """A prose section that answers a list or how-to question, read in order ("The first ... The second ...")."""
        passages = [p for p in self.passages + self.extra if p.doc_id == doc_id and p.section == section]
        if self.c.expand is not None:
            passages += [p for p in self.c.expand(doc_id) if p.section == section]
        by_offset: dict[int, Quote] = {}
        for p in passages:
            for q in sentence_quotes(p):
                if q.role != "pitfall":
                    by_offset.setdefault(q.doc_offset, q)
        quotes = [by_offset[k] for k in sorted(by_offset)][:most]
        if len(quotes) < 2:
            return []
        lines: list[Line] = []
        for q in quotes:  # one line per passage, in document order
            if lines and lines[-1].quotes[-1].passage.id == q.passage.id:
                lines[-1].quotes.append(q)
            else:
                lines.append(Line([q]))
        return lines

    def best_list(self) -> tuple[list[Quote], str, str, int, str] | None:
        """``(items, title, section, total items, lead-in)`` of the list that best answers the question, or ``None``.

        List score = 0.20 x passage weight + 0.20 x coverage of the question's terms by the whole
        list (with its document's title: a method card's steps need not repeat the method's name) + 0.35 x their coverage by its section heading and lead-in + 0.10 x by the document
        title + 0.05 if numbered + 0.05 if the heading or lead-in reads like steps - 0.40 for a
        pitfalls list (unless pitfalls are asked for). A list must hold two quotable items, cover
        30% of the question's weighted terms, 20% with its title, heading and lead-in together,
        and score 0.35. A prose section whose heading covers the question 0.3 better than the
        list's wins instead ("Setting up the partnership board" over a governance checklist).

        Example: a numbered "Step-by-step: paying people" list in the top passage (weight 1)
        covering 80% of the terms, 50% in its heading and 40% in its title, scores
        0.20 + 0.16 + 0.175 + 0.04 + 0.05 + 0.05 = 0.675.
        """
        groups: dict[tuple[str, int], tuple[Passage, Unit, float]] = {}
        for p in self.passages:
            for u in p.units:
                if u.kind == "list":
                    w = self.weight.get(p.id, 0.0)
                    if (p.doc_id, u.key) not in groups or groups[(p.doc_id, u.key)][2] < w:
                        groups[(p.doc_id, u.key)] = (p, u, w)
        scored = []
        for (doc_id, key), (p, u, weight) in groups.items():
            items = self.list_items(doc_id, key, [q for q in self.passages if q.doc_id == doc_id])
            if len(items) < 2:
                continue
            lead = p.text[u.lead[0] : u.lead[1]] if u.lead else ""
            whole, head, title = self.c.analyse([" ".join([p.title, p.section, lead] + [q.text for q in items]), f"{p.section} {lead}", p.title])
            pitfall = is_pitfall_section(p.section) or bool(lead and PITFALL_LEAD.search(lead))
            steps = bool(STEPS_SECTION.search(f"{p.section} {lead}"))
            coverage, head_cov = self.coverage(whole), self.coverage(head)
            if self.contents_wanted:  # "what should go into an agreement": a list of contents, not the steps of making one
                steps = bool(CONTENTS_SECTION.search(f"{p.section} {lead}"))
            score = 0.20 * weight + 0.20 * coverage + 0.35 * head_cov + 0.10 * self.coverage(title) + 0.05 * u.ordered + 0.05 * steps
            named = bool(self.listed and _has(set(head), self.listed))
            if named:
                score += 0.10  # "what roles ...": a list under "The role of leaders" is a list of roles
            if WHY_SECTION.match(p.section.rsplit(" > ", 1)[-1]):  # "Why payment by results can crowd out collaboration"
                score += 0.10 if self.analysis.kind == "reason" else -0.15 if self.analysis.kind == "procedure" else 0.0
            if EXAMPLES_LEAD.search(lead) and self.analysis.kind == "procedure" and not (self.listed or "").startswith("exampl"):
                score -= 0.15  # "For example:" introduces instances, not the steps to take
            if count := self.analysis.count:  # "the three functions": a list of exactly three is very likely the one
                if self.analysis.kind == "list" and len(items) != count:
                    continue  # a list of six checks is not "the three components"; prose may name them
                score += 0.10 if len(items) == count else 0.0
            if pitfall and not self.pitfalls_wanted:
                score -= 0.40
            self.list_scores.append((round(score, 3), round(coverage, 2), round(self.coverage(head + title), 2), p.section))
            if coverage >= (0.20 if named else 0.30) and self.coverage(head + title) >= 0.20 and score >= 0.35:
                scored.append((score, head_cov, doc_id, key, p, lead, named))
        if not scored:
            prose = self.best_prose()
            if prose[0] >= 0.4:
                self.prose_section = (prose[1].doc_id, prose[1].section)
            return None
        score, head_cov, doc_id, key, p, lead, named = max(scored, key=lambda t: t[0])
        # Within one document the title's words say nothing about which section answers, so headings are
        # compared on the question's other words ("starting conditions" in an Ansell and Gash question).
        best_prose = self.best_prose(exclude=p.section, doc_id=p.doc_id)
        if best_prose[0] >= self.section_coverage(p, lead) + 0.25 and not named:  # "The limits of SROI" lists the limits asked for
            self.prose_section = (best_prose[1].doc_id, best_prose[1].section)
            return None
        docs = self.c.expand(doc_id) if self.c.expand else []
        items = self.list_items(doc_id, key, [q for q in self.passages if q.doc_id == doc_id] + docs)
        return items, p.title, p.section, len(items), lead

    def best_prose(self, exclude: str | None = None, doc_id: str | None = None) -> tuple[float, Passage | None]:
        """The well-ranked passage without a list whose heading best covers the question (see :meth:`section_coverage`).

        Against a list, only sections of the list's own document compete: headings are compared on the
        question's words beyond the document's title, which differ from one document to another.
        """
        explaining = self.analysis.kind == "procedure"  # a how-to question is not answered by "Creaming and parking explained"
        prose = [
            (self.section_coverage(q), q) for q in self.passages
            if self.weight.get(q.id, 0) >= 0.5 and q.section and q.section != exclude and (doc_id is None or q.doc_id == doc_id)
            and not any(u.kind == "list" for u in q.units) and not (explaining and EXPLAINING_SECTION.search(q.section))
        ]
        return max(prose, key=lambda t: t[0], default=(0.0, None))

    def section_coverage(self, p: Passage, lead: str = "") -> float:
        """How much of the question, beyond the words of the document's title, a passage's heading (and list lead-in) covers."""
        title = set(self.c.analyse([p.title])[0])
        rest = [t for t in self.q_terms if not _has(title, t)]
        total = sum(self.weights.get(t, 0.0) for t in rest)
        if not rest or not total:
            return 0.0
        present = set(self.c.analyse([f"{p.section} {lead}"])[0])
        return sum(self.weights.get(t, 0.0) for t in rest if _has(present, t)) / total

    def head_coverage(self, p: Passage) -> float:
        """How much of the question a passage's section heading covers (cached per passage)."""
        if p.id not in self._head:
            self._head[p.id] = self.coverage(self.c.analyse([p.section])[0]) if p.section else 0.0
        return self._head[p.id]

    def focus(self, items: list[Quote], context: str) -> list[Quote] | None:
        """The items of a list that bear on what the question adds to the list's own subject.

        Focus terms are the question's terms missing from the list's title, heading and lead-in
        ("pay" in a payment question answered from a workshop-preparation list). When they carry
        40% or more of the question's weight, only items scoring at least half the best item on
        them are kept. Returns ``None`` to keep the whole list (no focus, or nearly every item
        bears on it) and ``[]`` when the focus carries 60% of the question and no item covers a
        third of it: then the list is about something else and is not offered as the answer.
        """
        if len(items) <= 5:
            return None
        covered = set(self.c.analyse([context])[0])
        focus = [t for t in self.q_terms if not _has(covered, t)]
        total = sum(self.weights.get(t, 0.0) for t in self.q_terms) or 1.0
        focus_weight = sum(self.weights.get(t, 0.0) for t in focus)
        if focus_weight < 0.4 * total:
            return None
        per_item = [
            sum(self.weights.get(t, 0.0) for t in focus if _has(set(terms), t))
            for terms in self.c.analyse([q.text for q in items])
        ]
        best = max(per_item, default=0.0)
        if best < focus_weight / 3 and focus_weight >= 0.6 * total:
            return []
        kept = [q for q, w in zip(items, per_item) if w >= 0.5 * best]
        return kept if 2 <= len(kept) < len(items) - 1 else None

    def list_items(self, doc_id: str, key: int, passages: Sequence[Passage]) -> list[Quote]:
        """One list's quotable items in document order, each from the best-ranked passage holding it."""
        by_offset: dict[int, Quote] = {}
        for p in passages:
            for u in p.units:
                if u.kind != "list" or u.key != key or p.doc_id != doc_id:
                    continue
                for span in u.items:
                    quoted = quotable_item(p.text, span)
                    if quoted is not None:
                        by_offset.setdefault(p.start + quoted[0], Quote(p, quoted, "step"))
        return [by_offset[k] for k in sorted(by_offset)]

    # -- definitions and comparisons ---------------------------------------------------------

    def definition(self, subject: str) -> list[Line]:
        """The defining sentence first, then at most two that elaborate it from the same passage."""
        found = self.find_definition(subject)
        if found is None:
            return []
        first, rest = found
        return [Line([first] + rest[:2])]

    def find_definition(self, subject: str, passages: Sequence[Passage] | None = None) -> tuple[Quote, list[Quote]] | None:
        """The sentence defining ``subject`` (best match, best passage) and the quotable sentences after it."""
        want = set(self.c.analyse([subject])[0])
        if not want:
            return None
        best: tuple[float, Quote] | None = None
        for p in passages if passages is not None else self.passages + self.extra:
            if is_reference_section(p.section):
                continue
            for u in p.units:
                if u.kind != "definition":
                    continue
                got = set(self.c.analyse([u.term])[0])
                if not got or not want <= got or len(got - want) > 1:
                    continue
                quoted = quotable_sentence(p.text, (u.start, u.end))
                if quoted is None:
                    continue
                text = p.text[quoted[0] : quoted[1]]
                score = self.weight.get(p.id, 0.0) + (1.0 if got == want else 0.6)
                score += 0.3 if KEY_TERMS_SECTION.search(p.section) else 0.0
                score -= 0.8 if NOT_DEFINING.search(text) else 0.0  # "Signposting is also efficient ..." says something of it
                if best is None or score > best[0]:
                    best = (score, Quote(p, quoted, "definition"))
        if best is None:
            return None
        first = best[1]
        # In a "Key terms" paragraph the next sentence defines the next term: that is no elaboration.
        others = [(u.start, u.end) for u in first.passage.units if u.kind == "definition" and set(self.c.analyse([u.term])[0]) != want]
        after = [
            q for q in sentence_quotes(first.passage)
            if q.span[0] >= first.span[1] and q.role != "pitfall" and not any(a <= q.span[0] < b for a, b in others)
        ]
        return first, after

    def comparison(self) -> list[Line]:
        """A labelled definition of each compared thing, then the sentence that contrasts them.

        Each defined thing gets one sentence more on what it does; a thing the documents do not
        define gets the best sentence naming it instead, so a three-way comparison is not cut short.
        """
        subjects = self.analysis.subjects
        defined: dict[str, Line] = {}
        for subject in subjects:
            found = self.find_definition(subject)
            if found is not None:
                defined[subject] = Line([found[0]], prefix=f"**{_capital(subject)}:** ")
        if not defined:
            return []
        used = {(q.passage.doc_id, q.doc_offset) for line in defined.values() for q in line.quotes}
        # The sentence setting them side by side may sit anywhere in the documents that define them.
        docs = dict.fromkeys(q.passage.doc_id for line in defined.values() for q in line.quotes)
        more = [p for d in docs for p in (self.c.expand(d) if self.c.expand else []) if not is_reference_section(p.section)]
        for p in more:
            self.weight.setdefault(p.id, 0.8)
        have = {p.id for p in self.passages + self.extra}
        pool = self.scored_sentences(self.passages + self.extra + [p for p in more if p.id not in have])
        lines: list[Line] = []
        for subject in subjects:
            more_on = self.about(subject, [c for c in pool if (c.quote.passage.doc_id, c.quote.doc_offset) not in used], subjects)
            line = defined.get(subject) or (Line([], prefix=f"**{_capital(subject)}:** ") if more_on else None)
            if line is None:
                continue
            if more_on is not None:
                line.quotes.append(more_on)
                used.add((more_on.passage.doc_id, more_on.doc_offset))
            lines.append(line)
        contrast = self.contrast(subjects, used, pool)
        if contrast is not None:
            lines.append(Line([contrast], prefix="**How they relate:** "))
        else:
            lines.append(Line(prefix="The documents define them separately but do not contrast them directly."))
        return lines

    def about(self, subject: str, pool: Sequence[_Scored], subjects: Sequence[str]) -> Quote | None:
        """The best sentence naming ``subject`` (as a phrase) and none of the other compared things, if any."""
        others = [s for s in subjects if s.lower() != subject.lower()]
        best: _Scored | None = None
        for c in pool:
            if c.quote.role == "pitfall" or not self.names(c.quote.text, subject) or any(self.names(c.quote.text, o) for o in others):
                continue
            if best is None or c.score > best.score:
                best = c
        return best.quote if best else None

    def names(self, text: str, phrase: str) -> bool:
        """Whether ``text`` contains ``phrase`` as consecutive analysed terms ("co-design", not "co-creation ... designing")."""
        want = self.c.analyse([phrase])[0]
        seq = self.c.analyse([text])[0]
        n = len(want)
        return bool(want) and any(seq[i : i + n] == want for i in range(len(seq) - n + 1))

    def contrast(self, subjects: Sequence[str], used: set, pool: Sequence[_Scored]) -> Quote | None:
        """The sentence that best sets the compared things against each other, if any names both."""
        best: tuple[float, Quote] | None = None
        for scored in pool:
            q = scored.quote
            if (q.passage.doc_id, q.doc_offset) in used:
                continue
            if not all(self.names(q.text, s) for s in subjects):
                continue
            score = scored.score + (0.5 if CONTRAST_CUE.search(q.text) else 0.0)
            if best is None or score > best[0]:
                best = (score, q)
        return best[1] if best else None

    # -- coverage ----------------------------------------------------------------------------

    def coverage(self, terms: Sequence[str]) -> float:
        """IDF-weighted share of the question's terms found in ``terms`` (a stem prefix counts: pay ~ payment)."""
        total = sum(self.weights.get(t, 0.0) for t in self.q_terms) or 1.0
        present = set(terms)
        return sum(self.weights.get(t, 0.0) for t in self.q_terms if _has(present, t)) / total

    def missing_terms(self) -> list[str]:
        """Nouns of the question that none of the passages contains, when they carry weight.

        Only words that name things count: lemminflect's dictionary must know them as nouns and
        not as verbs ("employers", "council"; not "came", "support"), or not know them at all (a
        name such as "Buurtzorg"); frame words ("plan", "journal") and words of three letters or
        fewer are left out. A word counts as present when a passage has it, its singular or its
        lemma at the start of a word ("employer" in "employers'"); stems are not used here, since
        "employers" and "employment" share one. The words are reported only when they carry 10%
        or more of the question's IDF weight.
        """
        from lemminflect import getAllLemmas

        candidates = []
        for w in self.analysis.topic:
            word = re.sub(r"['’]s$", "", w.lower().strip("'’\""))  # "programme's" is "programme"
            if len(word) <= 3 or word in FRAME_WORDS or word == self.analysis.listed:  # "criticisms" names the answer's form
                continue
            pos = getAllLemmas(word)
            if pos and ("NOUN" not in pos or "VERB" in pos):
                continue
            forms = {word, _singular(word), *pos.get("NOUN", ())}
            candidates.append((word, forms))
        if not candidates:
            return []
        # The source path counts: "the Sunlight guide" is named by its folder, sunlight_informed_communities/.
        haystack = " ".join(f"{p.title} {p.source} {p.section} {p.text}" for p in self.passages + self.extra).lower()
        missing = [w for w, forms in candidates if not any(re.search(rf"\b{re.escape(f)}", haystack) for f in forms)]
        if not missing:
            return []
        total = sum(self.weights.get(t, 0.0) for t in self.q_terms) or 1.0
        lost = sum(self.weights.get(t, 0.0) for terms in self.c.analyse(missing) for t in set(terms))
        return missing if lost >= 0.1 * total else []


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 4:
        return word[:-1]
    return word


def _has(present: set[str], term: str) -> bool:
    """``term`` or a word it is a stem prefix of ("pay" in "payment"), for stems of 3+ letters."""
    if term in present:
        return True
    return len(term) >= 3 and any(t.startswith(term) and len(t) - len(term) <= 4 for t in present)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _grouped(chosen: Sequence[_Scored]) -> list[list[_Scored]]:
    """Chosen sentences grouped by passage (passages in order of their best sentence), each group in document order."""
    order: dict[str, list[_Scored]] = {}
    for c in chosen:
        order.setdefault(c.quote.passage.id, []).append(c)
    groups = []
    for group in order.values():
        group.sort(key=lambda c: c.quote.span[0])
        # A pitfall never shares a line with ordinary sentences: its label must not spill over them.
        body = [c for c in group if c.quote.role != "pitfall"]
        pitfalls = [c for c in group if c.quote.role == "pitfall"]
        groups.extend(g for g in (body, pitfalls) if g)
    return groups


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
            parts.append(f"{q.text} [{numbers[p.id]}]")
        texts.append((line.prefix + " ".join(parts)).strip())
    text = joiner.join(t for t in texts if t)
    passages = list(result.passages)
    return Answer(question, text, False, list(citations.values()), passages, result.query, result.best_dense, kind=kind)


def sentence_relevance(terms: Sequence[str], q_terms: Sequence[str], weights: dict[str, float], q_pairs: set[tuple[str, str]]) -> float:
    """How well one sentence answers the question, from 0.25 (no shared term) to 1.

    ``0.25 + 0.45 x coverage + 0.15 x lead + 0.15 x phrase`` where coverage is the IDF-weighted
    share of question terms in the sentence, lead the same share within the sentence's first six
    terms (definitions name their subject first: "A wicked problem is ..."), and phrase the share
    of the question's adjacent term pairs that stay adjacent in the sentence ("making it work").

    Example: question terms {wick: 2.0, problem: 1.0}, sentence "A wicked problem is ..." ->
    coverage 1, lead 1, phrase 1 -> 1.0; a sentence with "problem" late and alone -> 0.25 + 0.15 = 0.40.
    """
    total = sum(weights.get(t, 0.0) for t in q_terms) or 1.0
    present = set(terms)
    lead_terms = set(terms[:6])
    coverage = sum(weights.get(t, 0.0) for t in q_terms if t in present) / total
    lead = sum(weights.get(t, 0.0) for t in q_terms if t in lead_terms) / total
    pairs = set(zip(terms, terms[1:]))
    phrase = len(q_pairs & pairs) / len(q_pairs) if q_pairs else coverage
    return 0.25 + 0.45 * coverage + 0.15 * lead + 0.15 * phrase


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


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
