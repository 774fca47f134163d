"""The naive LangChain recipe a user would copy from a tutorial, run on the same model.

Recipe: read the files, ``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)``
(characters: the tutorial defaults, ~220 word pieces, so most chunks fit the 256-piece encoder
window), ``HuggingFaceEmbeddings`` on the same bundled all-MiniLM-L6-v2,
``Chroma.from_documents`` (default L2 space, default HNSW) and ``similarity_search`` (k=4,
the default). No BM25, no heading trail, no answer composition.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from bench.embcache import EmbeddingCache
from bench.measure import timed

CHUNK_SIZE, CHUNK_OVERLAP = 1000, 200


def naive_embeddings(model_path: Path):
    """``HuggingFaceEmbeddings`` on the bundled model, exactly as the recipe builds it."""
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(model_name=str(model_path))


class CachedEmbeddings(Embeddings):
    """The recipe's embeddings behind the bench cache: only for the (untimed) nDCG index."""

    def __init__(self, inner: Embeddings, cache: EmbeddingCache) -> None:
        self.inner, self.cache = inner, cache

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        encode = lambda part: np.asarray(self.inner.embed_documents(part), dtype=np.float32)  # noqa: E731
        return self.cache.get(texts, encode).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def split(documents: list[Document]) -> list[Document]:
    """The recipe's splitter."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP).split_documents(documents)


def naive_ingest(files: Sequence[Path], embedding: Embeddings, persist: Path) -> tuple[object, dict]:
    """Index files the naive way; the clock runs from reading the files to the stored collection.

    Returns:
        The LangChain ``Chroma`` store and ``{seconds, cpu_seconds, chunks, files}``.
    """
    from langchain_chroma import Chroma

    with timed() as clock:
        docs = [Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": str(p)}) for p in files]
        chunks = split(docs)
        store = Chroma.from_documents(chunks, embedding, persist_directory=str(persist), collection_name="naive")
    return store, {"seconds": clock.wall, "cpu_seconds": clock.cpu, "chunks": len(chunks), "files": len(files)}


def naive_store(documents: list[Document], embedding: Embeddings, persist: Path, collection: str = "naive"):
    """Split ``documents`` and store them with ``Chroma.from_documents``, as the recipe does."""
    from langchain_chroma import Chroma

    return Chroma.from_documents(split(documents), embedding, persist_directory=str(persist), collection_name=collection)


def paired_latencies(calls: Mapping[str, Callable[[str], object]], queries: Sequence[str], warmup: int = 5) -> dict[str, list[float]]:
    """Seconds per call for each named function, alternating them query by query.

    Alternating means a burst of load from other jobs on the machine hits every contender
    alike, which keeps their ratio meaningful on a shared machine.
    """
    for q in queries[:warmup]:
        for call in calls.values():
            call(q)
    out: dict[str, list[float]] = {name: [] for name in calls}
    for q in queries:
        for name, call in calls.items():
            t = time.perf_counter()
            call(q)
            out[name].append(time.perf_counter() - t)
    return out
