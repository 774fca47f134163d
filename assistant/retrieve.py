"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by reciprocal rank fusion, with filters."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence, TypeVar

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.index import Index
from assistant.ingest.metadata import DOC_TYPES, DocumentMeta
from assistant.ingest.structure import Unit
from assistant.settings import RetrievalSettings

if TYPE_CHECKING:
    from assistant.index.manifest import ChunkRecord


class FilterError(ValueError):
    """A filter the user wrote that we cannot apply (the message says why)."""


@dataclass(frozen=True)
class Filters:
    """Metadata restrictions applied to both retrievers (values within one field are OR-ed)."""

    doc_types: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None

    @property
    def active(self) -> bool:
        """True when anything is restricted."""
        return bool(self.doc_types or self.audiences or self.tags or self.year_min is not None or self.year_max is not None)

    def admits(self, meta: DocumentMeta) -> bool:
        """Whether a document passes. Documents without a year fail a year filter."""
        if self.doc_types and meta.doc_type not in self.doc_types:
            return False
        if self.audiences and not set(self.audiences) & set(meta.audience):
            return False
        if self.tags and not set(self.tags) & set(meta.tags):
            return False
        if self.year_min is not None and (meta.year is None or meta.year < self.year_min):
            return False
        if self.year_max is not None and (meta.year is None or meta.year > self.year_max):
            return False
        return True

    @classmethod
    def parse(cls, items: Sequence[str]) -> "Filters":
        """Read ``key=value`` strings.

        Keys: ``doc_type``, ``audience``, ``tag``/``tags`` (comma-separated values are OR-ed),
        ``year`` (``2016`` or ``2008..2016``), ``year_min``, ``year_max``.

        Raises:
            FilterError: Unknown key, missing ``=`` or a bad value.
        """
        fields: dict[str, Any] = {"doc_types": [], "audiences": [], "tags": []}
        for item in items:
            key, sep, value = item.partition("=")
            key, value = key.strip().lower().replace("-", "_"), value.strip()
            if not sep or not value:
                raise FilterError(f"filter '{item}' must look like key=value")
            values = [v.strip().lower() for v in value.split(",") if v.strip()]
            if key in ("doc_type", "type"):
                bad = [v for v in values if v not in DOC_TYPES]
                if bad:
                    raise FilterError(f"unknown doc_type '{bad[0]}' (use one of {', '.join(DOC_TYPES)})")
                fields["doc_types"] += values
            elif key == "audience":
                fields["audiences"] += values
            elif key in ("tag", "tags"):
                fields["tags"] += values
            elif key == "year":
                low, dots, high = value.partition("..")
                fields["year_min"] = _year(low, item) if low else None
                fields["year_max"] = _year(high, item) if dots and high else (fields["year_min"] if not dots else None)
            elif key == "year_min":
                fields["year_min"] = _year(value, item)
            elif key == "year_max":
                fields["year_max"] = _year(value, item)
            else:
                raise FilterError(f"unknown filter key '{key}' (use doc_type, audience, tags, year, year_min, year_max)")
        low, high = fields.get("year_min"), fields.get("year_max")
        if low is not None and high is not None and low > high:
            raise FilterError(f"year range {low}..{high} is reversed (write the earlier year first)")
        return cls(
            doc_types=tuple(dict.fromkeys(fields["doc_types"])),
            audiences=tuple(dict.fromkeys(fields["audiences"])),
            tags=tuple(dict.fromkeys(fields["tags"])),
            year_min=fields.get("year_min"),
            year_max=fields.get("year_max"),
        )


def _year(text: str, item: str) -> int:
    if not text.strip().isdigit():
        raise FilterError(f"filter '{item}': year must be a number like 2016 or a range like 2008..2016")
    return int(text)


@dataclass
class Passage:
    """One retrieved passage with everything a citation needs."""

    id: str
    doc_id: str
    title: str
    source: str
    page: int | None
    section: str
    text: str
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]
    score: float
    dense: float | None = None
    lexical: float | None = None
    rank: int = 0
    units: tuple[Unit, ...] = ()
    """Lists, table rows and definitions inside ``text`` (see :mod:`assistant.ingest.structure`)."""
    relevance: float = 0.0
    """How well the passage matches, 0..1, for people (see :func:`relevance`); not comparable to ``score``."""

    def to_document(self) -> Document:
        """As a LangChain ``Document`` (citation fields in metadata)."""
        return Document(
            page_content=self.text,
            id=self.id,
            metadata={
                "id": self.id, "doc_id": self.doc_id, "title": self.title, "source": self.source,
                "page": self.page, "section": self.section, "start": self.start, "end": self.end,
                "score": self.score, "dense": self.dense, "lexical": self.lexical, "rank": self.rank,
                "relevance": self.relevance,
            },
        )


@dataclass
class SearchResult:
    """Fused passages plus what the answer step needs to judge them.

    ``more`` holds, for each document among ``passages``, its further candidates that the
    per-document cap held back (best first); it is empty when the search was not capped.
    """

    query: str
    passages: list[Passage]
    best_dense: float | None
    timings: dict[str, float] = field(default_factory=dict)
    more: dict[str, list[Passage]] = field(default_factory=dict)
    similarity: dict[str, float] = field(default_factory=dict)
    """Cosine of every dense candidate (shown or not) to the query: how close in meaning each
    passage is, for the composer to weigh sections the passages shown did not include."""


# A reference list matches many queries by its paper titles alone ("Australia", "boundary"),
# yet never answers one: retrieval ranks it below body text for search and answers alike, and
# answers never quote it. A method card's "Additional resources" is a reading list of links too.
REFERENCE_SECTION = re.compile(
    r"(^|>\s*)(references?|reference list|bibliography|works cited|literature cited|sources|further reading|reading list"
    r"|(?:additional |further |other )?resources|useful links)\s*$",
    re.IGNORECASE,
)


# Cosine similarity (query vs passage) mapped onto 0..1 for display. Off-topic questions peak
# near 0.27 and on-topic passages sit at 0.45-0.72 on the shipped corpus, so 0.2 -> 0 and
# 0.6 -> 1: a passage at cosine 0.5 shows 0.75, one at 0.3 (the abstention line) 0.25.
RELEVANCE_FLOOR, RELEVANCE_CEILING = 0.2, 0.6


def relevance(cosine: float) -> float:
    """A passage's cosine similarity to the query as a 0..1 match strength (see the constants above)."""
    return min(1.0, max(0.0, (cosine - RELEVANCE_FLOOR) / (RELEVANCE_CEILING - RELEVANCE_FLOOR)))


def is_reference_section(section: str) -> bool:
    """Whether a section path ends in a References/Bibliography heading ("Title > References")."""
    return bool(REFERENCE_SECTION.search(section.strip()))


def rrf(rankings: Sequence[Sequence[str]], weights: Sequence[float], k: int) -> list[tuple[str, float]]:
    """Reciprocal rank fusion.

    ``score(d) = sum_i weights[i] / (k + rank_i(d))`` with ranks starting at 1; ties keep
    the order of first appearance (dense list first).

    Example: with k = 60 and equal weights, a passage ranked 1 and 3 scores
    1/61 + 1/63 = 0.03227, ahead of one ranked 2 in one list only (1/62 = 0.01613).
    """
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        if weight == 0:
            continue
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: i for i, item in enumerate(dict.fromkeys(i for r in rankings for i in r))}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))


@dataclass
class _Candidate:
    """A fused candidate before its row is read: what ranking and the per-document cap need."""

    id: str
    doc_id: str
    score: float
    relevance: float
    rank: int = 0


_Ranked = TypeVar("_Ranked", Passage, _Candidate)


class HybridSearcher:
    """Dense + BM25 search over an :class:`Index`.

    Args:
        index: The stored passages.
        embeddings: Anything with ``encode(list[str]) -> ndarray`` of unit vectors.
        settings: Fusion weights, candidate counts and the RRF constant.
    """

    def __init__(self, index: Index, embeddings: Any, settings: RetrievalSettings | None = None) -> None:
        self.index = index
        self.embeddings = embeddings
        self.settings = settings or RetrievalSettings()

    def allowed_docs(self, filters: Filters | None) -> list[str] | None:
        """Document ids passing ``filters`` (``None`` when nothing is filtered)."""
        if filters is None or not filters.active:
            return None
        return [d.doc_id for d in self.index.manifest.documents() if filters.admits(d.meta)]

    def search(self, query: str, k: int | None = None, filters: Filters | None = None, per_document: int | None = None) -> SearchResult:
        """Retrieve the ``k`` best passages for ``query``.

        Both sides return ``candidates`` passages from the documents the filters admit; RRF
        merges the two rankings. Passages in a References/Bibliography section have their
        fused score multiplied by ``reference_weight`` and the list is re-sorted (ties keep
        the fusion order), then the top ``k`` are taken.

        Args:
            query: The words to search for.
            k: Passages to return (default ``settings.k``).
            filters: Metadata restrictions applied to both sides.
            per_document: At most this many passages per document (``None`` or 0: no cap).
                Held-back candidates of the documents shown go to ``SearchResult.more``.
        """
        s = self.settings
        k = k or s.k
        n = max(s.candidates, k)
        timings: dict[str, float] = {}
        self.index.refresh()  # another process committed: see its vectors (one SQLite read otherwise)
        allowed = self.allowed_docs(filters)

        space = getattr(self.embeddings, "vector_space", None)
        if space is not None and s.dense_weight > 0:
            self.index.check_vectors(space)  # never a query vector from another backend against these vectors

        t = time.perf_counter()
        vector = self.embeddings.encode_query(query) if s.dense_weight > 0 else None
        timings["embed"] = time.perf_counter() - t

        t = time.perf_counter()
        dense = self.index.store.query(vector, n, allowed) if vector is not None else []
        timings["dense"] = time.perf_counter() - t

        t = time.perf_counter()
        lexical = self.index.refresh_lexical().search(query, n, allowed) if s.lexical_weight > 0 else []
        timings["bm25"] = time.perf_counter() - t

        t = time.perf_counter()
        # Every candidate's document and section are read (at most 2 x candidates): demotion needs
        # the section, the per-document cap the document. Vectors without a manifest row (another
        # writer's batch not committed yet, or an interrupted one) are not citable: they are
        # dropped before fusion, so they neither take a place in the top k nor keep the answer
        # from abstaining.
        located = self.index.manifest.locate([i for i, _ in dense] + [i for i, _ in lexical])
        dense = [(i, d) for i, d in dense if i in located]
        lexical = [(i, b) for i, b in lexical if i in located]
        fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]], [s.dense_weight, s.lexical_weight], s.rrf_k)
        dense_of, lexical_of = dict(dense), dict(lexical)
        # A passage BM25 found but the dense side did not rank is less similar than the dense
        # list's last one: that similarity is an upper bound for its match strength.
        floor = min((d for _, d in dense), default=None)
        # Without a dense side: the fused score's share of first place on every side (2/61 with rrf_k = 60).
        best_possible = max((s.dense_weight + s.lexical_weight) / (s.rrf_k + 1), 1e-12)
        ranked: list[_Candidate] = []
        for cid, score in fused:
            doc_id, section = located[cid]
            cosine = dense_of.get(cid, floor)
            strength = relevance(cosine) if cosine is not None else min(1.0, score / best_possible)
            if s.reference_weight != 1 and is_reference_section(section):
                score *= s.reference_weight
                strength *= s.reference_weight
            ranked.append(_Candidate(cid, doc_id, score, strength))
        ranked.sort(key=lambda c: -c.score)  # stable: equal scores keep the fusion order
        shown, held, records = self._read_winners(ranked, k, per_document)

        def passage(c: _Candidate) -> Passage:
            rec = records[c.id]
            return Passage(
                id=c.id, doc_id=rec.doc_id, title=rec.title, source=rec.source, page=rec.page,
                section=rec.section, text=rec.text, start=rec.start, end=rec.end,
                sentences=rec.sentences, score=c.score, dense=dense_of.get(c.id),
                lexical=lexical_of.get(c.id), rank=c.rank, relevance=c.relevance, units=rec.units,
            )

        passages = [passage(c) for c in shown]
        more = {doc_id: [passage(c) for c in held_back] for doc_id, held_back in held.items()}
        timings["fuse"] = time.perf_counter() - t
        best = max((d for _, d in dense), default=None)
        return SearchResult(query=query, passages=passages, best_dense=best, timings=timings, more=more, similarity=dense_of)

    def _read_winners(
        self, ranked: list[_Candidate], k: int, per_document: int | None,
    ) -> tuple[list[_Candidate], dict[str, list[_Candidate]], dict[str, ChunkRecord]]:
        """:func:`diversify` the ranking, then read the full rows of only what it shows or holds back.

        A commit by another writer between reading the candidates' places and their rows can
        remove some: they are dropped and the rest diversified again, so ``k`` are still shown
        when ``k`` remain (what reading every row first gave).
        """
        records: dict[str, ChunkRecord] = {}
        while True:
            for c in ranked:
                c.rank = 0
            shown, held = diversify(ranked, k, per_document)
            wanted = [c.id for c in shown] + [c.id for held_back in held.values() for c in held_back]
            records.update(self.index.manifest.chunks([i for i in wanted if i not in records]))
            gone = {i for i in wanted if i not in records}
            if not gone:
                return shown, held, records
            ranked = [c for c in ranked if c.id not in gone]


def diversify(ranked: Sequence[_Ranked], k: int, per_document: int | None) -> tuple[list[_Ranked], dict[str, list[_Ranked]]]:
    """The first ``k`` passages taking at most ``per_document`` from any one document.

    Walks the ranking best first; a passage whose document already has ``per_document``
    shown is held back under its document in the second return value (as are, once ``k``
    are shown, the further passages of documents already shown). Shown passages are
    numbered 1..k in ``rank``; held-back ones keep ``rank`` 0.

    Example: ranking ``a1 a2 a3 a4 b1 c1`` with ``k = 4`` and ``per_document = 2`` shows
    ``a1 a2 b1 c1`` and holds back ``{a: [a3, a4]}``.
    """
    shown: list[_Ranked] = []
    held: dict[str, list[_Ranked]] = {}
    count: dict[str, int] = {}
    for p in ranked:
        cap_reached = bool(per_document) and count.get(p.doc_id, 0) >= per_document
        if len(shown) < k and not cap_reached:
            count[p.doc_id] = count.get(p.doc_id, 0) + 1
            p.rank = len(shown) + 1
            shown.append(p)
        elif per_document and p.doc_id in count:
            held.setdefault(p.doc_id, []).append(p)
        elif len(shown) >= k and not per_document:
            break
    return shown, held


class HybridRetriever(BaseRetriever):
    """LangChain retriever over :class:`HybridSearcher` (``k`` in the constructor or per call)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: Any
    k: int = 5
    filters: Filters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None, filters: Filters | None = None
    ) -> list[Document]:
        result = self.searcher.search(query, k=k or self.k, filters=filters or self.filters)
        return [p.to_document() for p in result.passages]
