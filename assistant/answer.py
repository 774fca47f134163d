"""Extractive answers: choose sentences from retrieved passages, cite each one, verify, or abstain."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

from assistant.retrieve import Passage, SearchResult
from assistant.settings import AnswerSettings

ABSTAIN_TEXT = (
    "I could not find an answer to this in the indexed documents. "
    "The closest passages are shown below; they may not answer the question."
)
NO_INDEX_TEXT = "Nothing is indexed yet: add documents with `assistant ingest PATH` first."

MARKER = re.compile(r"\[(\d+)\]")


class VerificationError(AssertionError):
    """A composed answer broke its own citation rules (a bug, never user error)."""


@dataclass
class Citation:
    """What marker ``[n]`` in an answer points to."""

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

    def to_json(self) -> dict:
        """The CLI contract's citation object (plus the highlight span)."""
        return {
            "n": self.n, "doc_id": self.doc_id, "title": self.title, "source": self.source,
            "page": self.page, "section": self.section, "text": self.text, "score": round(self.score, 6),
            "chunk_id": self.chunk_id, "sentence": self.sentence, "span": list(self.span),
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
class _Candidate:
    passage: Passage
    span: tuple[int, int]
    terms: frozenset[str]
    score: float

    @property
    def text(self) -> str:
        return self.passage.text[self.span[0] : self.span[1]]


class ExtractiveComposer:
    """Builds a 2-5 sentence answer from passages, one citation per sentence.

    Sentence score = passage weight x :func:`sentence_relevance`, where the passage weight is its
    fused score relative to the best passage (halved in reference lists). Sentences are picked by
    maximal marginal relevance so the answer does not say the same thing twice, and the answer
    reads in that order: the best-supported sentence first.

    Args:
        analyse: Text -> list of analysed terms (the BM25 analyser, so "spanners" matches "spanner").
        idf: Analysed terms -> inverse document frequencies.
        settings: Sentence counts, diversity and the abstention threshold.
        ignore: Analysed terms that never count as question content ("what", "does", "how"):
            the BM25 analyser keeps them, and a sentence must not win for containing "do".
    """

    def __init__(self, analyse: Callable[[Sequence[str]], list[list[str]]], idf: Callable[[Sequence[str]], dict[str, float]], settings: AnswerSettings | None = None, ignore: frozenset[str] = frozenset()) -> None:
        self.analyse = analyse
        self.idf = idf
        self.settings = settings or AnswerSettings()
        self.ignore = ignore

    def should_abstain(self, result: SearchResult) -> bool:
        """True when nothing retrieved is close enough to the question."""
        return not result.passages or result.best_dense is None or result.best_dense < self.settings.abstain_below

    def compose(self, question: str, result: SearchResult) -> Answer:
        """Answer ``question`` from ``result`` (or abstain), verified before it is returned."""
        passages = result.passages
        if self.should_abstain(result):
            return Answer(question, ABSTAIN_TEXT, True, [], passages, result.query, result.best_dense)
        chosen = self._select(question, passages[: self.settings.passages])
        if not chosen:
            return Answer(question, ABSTAIN_TEXT, True, [], passages, result.query, result.best_dense)
        citations: list[Citation] = []
        parts: list[str] = []
        for n, cand in enumerate(chosen, start=1):
            p = cand.passage
            citations.append(
                Citation(n, p.id, p.doc_id, p.title, p.source, p.page, p.section, p.text, cand.text, cand.span, p.score)
            )
            parts.append(f"{cand.text} [{n}]")
        answer = Answer(question, " ".join(parts), False, citations, passages, result.query, result.best_dense)
        verify(answer)
        return answer

    def _select(self, question: str, passages: Sequence[Passage]) -> list[_Candidate]:
        s = self.settings
        q_seq = [t for t in self.analyse([question])[0] if t not in self.ignore]
        q_terms = list(dict.fromkeys(q_seq))
        weights = self.idf(q_terms)
        q_pairs = set(zip(q_seq, q_seq[1:]))
        top = max((p.score for p in passages), default=0.0) or 1.0
        texts = [p.text[a:b] for p in passages for a, b in p.sentences]
        analysed = iter(self.analyse(texts)) if texts else iter(())
        pool: list[_Candidate] = []
        seen: set[str] = set()
        for p in passages:
            weight = p.score / top
            if REFERENCE_SECTION.search(p.section):
                weight *= 0.5  # a bibliography entry rarely answers a question by itself
            for a, b in p.sentences:
                seq = next(analysed)
                key = p.text[a:b].lower()
                if key in seen or MARKER.search(key):
                    # Skip the same sentence seen in an overlapping passage, and sentences that
                    # carry their own "[3]"-style references: those would read as our markers.
                    continue
                seen.add(key)
                pool.append(_Candidate(p, (a, b), frozenset(seq), weight * sentence_relevance(seq, q_terms, weights, q_pairs)))
        if not pool:
            return []
        best = max(c.score for c in pool)
        chosen: list[_Candidate] = []
        while pool and len(chosen) < s.max_sentences:
            def mmr(c: _Candidate) -> float:
                overlap = max((_jaccard(c.terms, o.terms) for o in chosen), default=0.0)
                return s.diversity * c.score - (1 - s.diversity) * overlap * best
            pick = max(pool, key=mmr)
            if len(chosen) >= s.min_sentences and (pick.score < s.relative_cutoff * best or mmr(pick) <= 0):
                break
            chosen.append(pick)
            pool.remove(pick)
        return chosen


REFERENCE_SECTION = re.compile(r"(^|> )(references|bibliography|sources|further reading)$", re.IGNORECASE)


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
    appearance, and every cited sentence is exactly the text at its span inside its passage. An
    extractive answer must also say each cited sentence word for word before its marker (a
    generated one words it itself; :mod:`assistant.generate` checks the support).

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
        if not answer.generated_by and f"{c.sentence} [{c.n}]" not in answer.text:
            raise VerificationError(f"citation [{c.n}]: the cited sentence is not what the answer says")


def to_dict(answer: Answer) -> dict:
    """Plain-data copy of an answer (for session state and feedback logs)."""
    return asdict(answer)
