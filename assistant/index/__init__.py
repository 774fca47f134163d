"""The index: Chroma vectors + BM25 + the SQLite manifest, kept in step with one another."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.index.lexical import LexicalIndex
from assistant.index.manifest import ChunkRecord, DocumentRecord, Manifest
from assistant.index.store import StoreUnavailable, VectorStore
from assistant.ingest.chunking import Chunk
from assistant.ingest.metadata import DocumentMeta
from assistant.settings import Settings

__all__ = ["ChunkRecord", "DocumentRecord", "Index", "PreparedDocument", "StoreUnavailable"]


@dataclass
class PreparedDocument:
    """A parsed and chunked document waiting to be stored."""

    doc_id: str
    source: str
    content_hash: str
    meta: DocumentMeta
    text: str
    chunks: list[Chunk]
    replaces: bool = False


class Index:
    """Everything that is stored, behind one object.

    Write order for each batch of documents: vectors into Chroma (deterministic ids, so a
    repeated write is harmless) -> manifest rows committed in one transaction -> stale vectors of
    replaced documents deleted -> BM25 rebuilt from the manifest. Removal and reset also change
    the manifest first. So Chroma may briefly hold vectors the manifest does not list, never the
    reverse: a crash before the commit leaves the manifest unchanged, the next run redoes the
    batch (reusing vectors already stored), and :meth:`reconcile` deletes any vectors the
    manifest does not know.
    """

    def __init__(self, settings: Settings, store: VectorStore | None = None) -> None:
        self.settings = settings
        data = Path(settings.data_dir)
        data.mkdir(parents=True, exist_ok=True)
        self.manifest = Manifest(data / "manifest.sqlite3")
        self.store = store or VectorStore(settings.store, data / "chroma")
        self.lexical = LexicalIndex(data / "bm25", settings.retrieval)

    # -- writing -------------------------------------------------------------------------------

    def missing(self, ids: Sequence[str]) -> set[str]:
        """Passage ids that still need an embedding."""
        return set(ids) - self.store.existing(ids)

    def write(self, docs: Sequence[PreparedDocument], vectors: dict[str, np.ndarray]) -> None:
        """Store a batch of documents; ``vectors`` holds embeddings for passages not yet in Chroma."""
        ids, embs, texts, metas = [], [], [], []
        for doc in docs:
            for chunk in doc.chunks:
                if chunk.id in vectors:
                    ids.append(chunk.id)
                    embs.append(vectors[chunk.id])
                    texts.append(chunk.text)
                    metas.append(_chroma_meta(doc, chunk))
        if ids:
            self.store.upsert(ids, np.vstack(embs), texts, metas)
        with self.manifest.transaction() as db:
            for doc in docs:
                self.manifest.put(db, doc.doc_id, doc.source, doc.content_hash, doc.meta, doc.text, doc.chunks)
        for doc in docs:
            if doc.replaces:
                stale = self.store.ids_of(doc.doc_id) - {c.id for c in doc.chunks}
                self.store.delete(sorted(stale))

    def remove(self, source_or_id: str) -> DocumentRecord | None:
        """Delete one document everywhere; returns it, or ``None`` if no single document matches."""
        record = self.manifest.find(source_or_id)
        if record is None:
            return None
        with self.manifest.transaction() as db:
            self.manifest.delete(db, record.doc_id)
        self.store.delete(sorted(self.store.ids_of(record.doc_id)))
        self.refresh_lexical()
        return record

    def reconcile(self) -> int:
        """Delete vectors the manifest does not list (left by an interrupted run). Returns how many."""
        orphans = self.store.all_ids() - self.manifest.chunk_ids()
        self.store.delete(sorted(orphans))
        return len(orphans)

    def reset(self) -> None:
        """Forget everything."""
        with self.manifest.transaction() as db:
            db.execute("DELETE FROM chunks")
            db.execute("DELETE FROM documents")
        self.store.reset()
        self.refresh_lexical()

    # -- reading -------------------------------------------------------------------------------

    def refresh_lexical(self, force: bool = False) -> LexicalIndex:
        """The BM25 index, rebuilt from the manifest if it is stale."""
        generation = self.manifest.generation
        if not force and self.lexical.generation == generation:
            return self.lexical
        if not force and self.lexical.load() and self.lexical.generation == generation:
            return self.lexical
        ids, doc_ids, texts = self.manifest.lexical_corpus()
        self.lexical.build(ids, doc_ids, texts, generation)
        return self.lexical

    def stats(self) -> dict[str, int]:
        """Counts of documents, passages and stored vectors."""
        documents, chunks = self.manifest.counts()
        return {"documents": documents, "chunks": chunks, "vectors": self.store.count()}

    def close(self) -> None:
        """Release the manifest connection."""
        self.manifest.close()


def _chroma_meta(doc: PreparedDocument, chunk: Chunk) -> dict:
    meta: dict = {
        "doc_id": doc.doc_id,
        "title": doc.meta.title,
        "source": doc.source,
        "section": chunk.section,
        "position": chunk.position,
        "start": chunk.start,
        "end": chunk.end,
        "doc_type": doc.meta.doc_type,
    }
    if chunk.page is not None:
        meta["page"] = chunk.page
    if doc.meta.year is not None:
        meta["year"] = doc.meta.year
    return meta
