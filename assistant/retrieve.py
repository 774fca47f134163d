"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by reciprocal rank fusion, with filters."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.index import Index
from assistant.ingest.metadata import DOC_TYPES, DocumentMeta
from assistant.ingest.structure import Unit
from assistant.settings import RetrievalSettings


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

    def to_document(self) -> Document:
        """As a LangChain ``Document`` (citation fields in metadata)."""
        return Document(
            page_content=self.text,
            id=self.id,
            metadata={
                "id": self.id, "doc_id": self.doc_id, "title": self.title, "source": self.source,
                "page": self.page, "section": self.section, "start": self.start, "end": self.end,
                "score": self.score, "dense": self.dense, "lexical": self.lexical, "rank": self.rank,
            },
        )


@dataclass
class SearchResult:
    """Fused passages plus what the answer step needs to judge them."""

    query: str
    passages: list[Passage]
    best_dense: float | None
    timings: dict[str, float] = field(default_factory=dict)


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

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> SearchResult:
        """Retrieve the ``k`` best passages for ``query``.

        Both sides return ``candidates`` passages from the documents the filters admit; RRF
        merges the two rankings and the top ``k`` are loaded from the manifest.
        """
        s = self.settings
        k = k or s.k
        n = max(s.candidates, k)
        timings: dict[str, float] = {}
        self.index.refresh()  # another process committed: see its vectors (one SQLite read otherwise)
        allowed = self.allowed_docs(filters)

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
        # Vectors without a manifest row (another writer's batch not committed yet, or an
        # interrupted one) are not citable: they are dropped before fusion, so they neither
        # take a place in the top k nor keep the answer from abstaining.
        listed = self.index.manifest.listed([i for i, _ in dense] + [i for i, _ in lexical])
        dense = [(i, d) for i, d in dense if i in listed]
        lexical = [(i, b) for i, b in lexical if i in listed]
        fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]], [s.dense_weight, s.lexical_weight], s.rrf_k)[:k]
        dense_of, lexical_of = dict(dense), dict(lexical)
        records = self.index.manifest.chunks([i for i, _ in fused])
        passages = []
        for rank, (cid, score) in enumerate(fused, start=1):
            rec = records.get(cid)
            if rec is None:  # removed between the two reads by another writer's commit
                continue
            passages.append(
                Passage(
                    id=cid, doc_id=rec.doc_id, title=rec.title, source=rec.source, page=rec.page,
                    section=rec.section, text=rec.text, start=rec.start, end=rec.end,
                    sentences=rec.sentences, score=score, dense=dense_of.get(cid),
                    lexical=lexical_of.get(cid), rank=rank, units=rec.units,
                )
            )
        timings["fuse"] = time.perf_counter() - t
        best = max((d for _, d in dense), default=None)
        return SearchResult(query=query, passages=passages, best_dense=best, timings=timings)


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
