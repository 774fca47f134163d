"""Server mode's manifest: the document records live in the Chroma server beside the passages, so app instances keep no state of their own.

Two collections on the server: the passages (vectors, text, and in metadata everything a
citation and BM25 need) and ``<collection>-documents``, one record per document with a 1-d
placeholder embedding (Chroma requires one), the document text, and in metadata its source,
content hash, metadata and the ids of its passages. An instance writes a document's passages
first and its document record last: the record is the commit marker, so a passage no record
lists is either another instance's batch in flight or the leftover of a killed run. The
documents collection's metadata holds ``revision``, a fresh uuid written after every change;
instances compare it (at most every ``revision_ttl`` seconds) to know when their cached view
and their BM25 index are stale.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from assistant.index.cache import RevisionCache
from assistant.index.manifest import ChunkRecord, DocumentRecord
from assistant.ingest.metadata import DocumentMeta
from assistant.ingest.structure import Unit

if TYPE_CHECKING:
    from assistant.index import PreparedDocument
    from assistant.index.store import VectorStore

PLACEHOLDER = [1.0]


@dataclass(frozen=True)
class _Doc:
    record: DocumentRecord
    chunks: tuple[str, ...]


@dataclass(frozen=True)
class _View:
    """Every committed document record, as read at one revision."""

    revision: str
    docs: dict[str, _Doc]
    listed: frozenset[str]


class SharedManifest:
    """The manifest API of :class:`assistant.index.manifest.Manifest`, kept in the Chroma server.

    Args:
        store: The passages' vector store (its client reaches the server).
        revision_ttl: Seconds a read revision is trusted before the server is asked again.
        cache_rows: Decoded passages kept for the current revision (each one is a server round trip saved).
    """

    def __init__(self, store: "VectorStore", revision_ttl: float = 1.0, cache_rows: int = 8192) -> None:
        self.store = store
        self.revision_ttl = revision_ttl
        self._rows: RevisionCache[str, ChunkRecord] = RevisionCache(cache_rows)
        self.name = f"{store.settings.collection}-documents"
        self._lock = threading.Lock()
        self._view: _View | None = None
        self._revision: tuple[float, str] | None = None
        # Every passage's (doc_id, section) at one revision, noted while the BM25 corpus is read (it
        # reads every passage's metadata anyway): ranking then needs no round trip for its candidates.
        self._places: tuple[str, dict[str, tuple[str, str]]] | None = None
        self.collection = self._collection()

    def _collection(self) -> Any:
        return self.store.client.get_or_create_collection(self.name, embedding_function=None, metadata={"revision": uuid.uuid4().hex})

    def close(self) -> None:
        """Nothing to release (the client belongs to the store)."""

    # -- revision and the cached view -------------------------------------------------------

    @property
    def revision(self) -> str:
        """The shared revision (asked of the server at most every ``revision_ttl`` seconds)."""
        now = time.monotonic()
        cached = self._revision
        if cached is not None and now - cached[0] < self.revision_ttl:
            return cached[1]
        try:
            revision = str((self.store.client.get_collection(self.name).metadata or {}).get("revision", ""))
        except Exception:  # the collection was dropped by a reset elsewhere: recreate it
            self.collection = self._collection()
            revision = str(self.collection.metadata.get("revision", ""))
        self._revision = (now, revision)
        return revision

    generation = revision
    """BM25 snapshots are keyed by the revision in server mode."""

    def _bump(self, vectors: str | None = None) -> None:
        # modify() replaces the whole metadata: carry the recorded vector space over.
        if vectors is None:
            vectors = (self.store.client.get_collection(self.name).metadata or {}).get("vectors")
        revision = uuid.uuid4().hex
        self.collection.modify(metadata={"revision": revision, **({"vectors": vectors} if vectors else {})})
        self._revision = (time.monotonic(), revision)

    @property
    def vector_space(self) -> dict | None:
        """What the stored vectors were made with, or ``None`` if never recorded (asked of the server)."""
        raw = (self.store.client.get_collection(self.name).metadata or {}).get("vectors")
        return json.loads(raw) if raw else None

    def set_vector_space(self, value: dict) -> None:
        """Record what the stored vectors are made with, with a new revision."""
        self._bump(json.dumps(value, sort_keys=True))

    def view(self) -> _View:
        """All document records at the current revision (read again only when it changed)."""
        revision = self.revision
        view = self._view
        if view is not None and view.revision == revision:
            return view
        with self._lock:
            if self._view is not None and self._view.revision == revision:
                return self._view
            docs = self._read_docs()
            self._view = _View(revision, docs, frozenset(i for d in docs.values() for i in d.chunks))
            return self._view

    def _read_docs(self) -> dict[str, _Doc]:
        docs: dict[str, _Doc] = {}
        total = self.collection.count()
        for offset in range(0, total + 1000, 1000):
            got = self.collection.get(include=["metadatas"], limit=1000, offset=offset)
            for doc_id, m in zip(got["ids"], got["metadatas"]):
                record = DocumentRecord(
                    doc_id=doc_id, source=m["source"], content_hash=m["content_hash"],
                    meta=DocumentMeta.model_validate_json(m["meta"]), n_chunks=int(m["n_chunks"]), ingested_at=m["ingested_at"],
                )
                docs[doc_id] = _Doc(record, tuple(json.loads(m["chunks"])))
            if len(got["ids"]) < 1000:
                break
        return docs

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see one view (the cached one); nothing to lock on the server."""
        yield None

    # -- writing -----------------------------------------------------------------------------

    def commit(self, docs: Sequence["PreparedDocument"]) -> dict[str, set[str]]:
        """Write the document records (the commit marker), then a new revision.

        Returns:
            For each replaced document, the passage ids its previous record listed (the only
            ones its writer may delete: another instance's passages are never in that set
            unless that instance's record was the one replaced).
        """
        docs = list(docs)
        if not docs:
            return {}
        old = self._records([d.doc_id for d in docs])
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.collection.upsert(
            ids=[d.doc_id for d in docs],
            embeddings=[PLACEHOLDER] * len(docs),
            documents=[d.text for d in docs],
            metadatas=[
                {"source": d.source, "content_hash": d.content_hash, "meta": d.meta.model_dump_json(), "n_chunks": len(d.chunks),
                 "ingested_at": now, "chunks": json.dumps([c.id for c in d.chunks])}
                for d in docs
            ],
        )
        self._bump()
        return {doc_id: set(chunks) for doc_id, chunks in old.items()}

    def drop(self, doc_id: str) -> set[str]:
        """Delete one document record (its passages are then unlisted); returns the ids it listed."""
        old = self._records([doc_id])
        self.collection.delete(ids=[doc_id])
        self._bump()
        return set(old.get(doc_id, ()))

    def clear(self) -> None:
        """Drop every document record."""
        try:
            self.store.client.delete_collection(self.name)
        except Exception:  # absent already
            pass
        self.collection = self._collection()
        self._revision = None

    def _records(self, ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The passage ids the current records of ``ids`` list (read now, not from the cache)."""
        got = self.collection.get(ids=list(ids), include=["metadatas"])
        return {i: tuple(json.loads(m["chunks"])) for i, m in zip(got["ids"], got["metadatas"])}

    def committed_ids(self) -> set[str]:
        """Passage ids listed by any document record, read now (not from the cache)."""
        return {i for d in self._read_docs().values() for i in d.chunks}

    # -- documents ---------------------------------------------------------------------------

    def hash_of(self, source: str) -> str | None:
        """Content hash recorded for a source path, if indexed."""
        return self.hashes().get(source)

    def hashes(self) -> dict[str, str]:
        """Every indexed source and its content hash."""
        return {d.record.source: d.record.content_hash for d in self.view().docs.values()}

    def sources(self) -> dict[str, str]:
        """Every indexed doc id and its source path."""
        return {i: d.record.source for i, d in self.view().docs.items()}

    def find(self, source_or_id: str) -> DocumentRecord | None:
        """A document by its source path, its doc id, or a unique file name."""
        import os
        from pathlib import Path

        docs = self.view().docs
        if source_or_id in docs:
            return docs[source_or_id].record
        wanted = {source_or_id, os.path.realpath(source_or_id)}
        rows = [d.record for d in docs.values() if d.record.source in wanted]
        if not rows:
            rows = [d.record for d in docs.values() if Path(d.record.source).name == Path(source_or_id).name]
        return rows[0] if len(rows) == 1 else None

    def documents(self) -> list[DocumentRecord]:
        """Every indexed document, by title."""
        return sorted((d.record for d in self.view().docs.values()), key=lambda r: r.meta.title.lower())

    def titled(self, names: Sequence[str]) -> set[str]:
        """Ids of the documents whose title holds any of ``names`` (case as written)."""
        return {d.doc_id for d in self.documents() if any(n in d.meta.title for n in names)}

    def text(self, doc_id: str) -> str:
        """The full text of a document as it was chunked."""
        got = self.collection.get(ids=[doc_id], include=["documents"])
        return got["documents"][0] if got["ids"] else ""

    def has_passages(self) -> bool:
        """Whether any passage is committed (what ``ask`` checks per question)."""
        return bool(self.view().listed)

    def counts(self) -> tuple[int, int]:
        """``(documents, passages)``."""
        view = self.view()
        return len(view.docs), len(view.listed)

    # -- passages ----------------------------------------------------------------------------

    def chunk_ids(self) -> set[str]:
        """Ids of every committed passage."""
        return set(self.view().listed)

    def chunk_id_list(self) -> list[str]:
        """Committed passage ids as listed by their documents (a duplicate would show)."""
        return [i for d in self.view().docs.values() for i in d.chunks]

    def lexical_snapshot(self) -> tuple[str, tuple[list[str], list[str], list[str]]]:
        """The revision and the committed passages' ``(ids, doc_ids, embed_texts)`` of one view."""
        view = self.view()
        return view.revision, self._corpus(view)

    def lexical_corpus(self) -> tuple[list[str], list[str], list[str]]:
        """``(ids, doc_ids, embed_texts)`` of all committed passages, read from the server, in a stable order."""
        return self._corpus(self.view())

    def _corpus(self, view: _View) -> tuple[list[str], list[str], list[str]]:
        rows, places = [], {}
        for pid, meta, _ in self._passages(sorted(view.listed)):
            rows.append((meta["doc_id"], int(meta["position"]), pid, meta.get("embed_text", "")))
            places[pid] = (meta["doc_id"], meta["section"])
        rows.sort()
        self._places = (view.revision, places)
        return [r[2] for r in rows], [r[0] for r in rows], [r[3] for r in rows]

    def _passages(self, ids: Sequence[str]) -> Iterator[tuple[str, dict, str]]:
        for i in range(0, len(ids), 1000):
            got = self.store.collection.get(ids=list(ids[i : i + 1000]), include=["metadatas", "documents"])
            yield from zip(got["ids"], got["metadatas"], got["documents"])

    def locate(self, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """``(doc_id, section)`` of each committed passage of ``ids``.

        Taken from the places noted with the BM25 corpus of the current revision, so only the
        winners' full rows are read from the server afterwards (as the embedded manifest does);
        any passage not noted there has its whole row read and cached (one round trip).
        """
        view = self.view()
        places = self._places[1] if self._places is not None and self._places[0] == view.revision else {}
        found = {i: places[i] for i in ids if i in places and i in view.listed}
        missing = [i for i in ids if i not in found]
        if missing:
            found.update((i, (r.doc_id, r.section)) for i, r in self.chunks(missing).items())
        return found

    def chunks(self, ids: Sequence[str]) -> dict[str, ChunkRecord]:
        """Committed passages by id, with title and source for citations (remembered until the revision changes)."""
        view = self.view()
        found = self._rows.get_many(view.revision, ids)
        missing = [i for i in dict.fromkeys(ids) if i in view.listed and i not in found]
        if not missing:
            return found
        fresh: dict[str, ChunkRecord] = {}
        for pid, m, text in self._passages(missing):
            fresh[pid] = ChunkRecord(
                id=pid, doc_id=m["doc_id"], position=int(m["position"]), start=int(m["start"]), end=int(m["end"]),
                page=m.get("page"), section=m["section"], text=text, sentences=tuple(tuple(s) for s in json.loads(m.get("sentences", "[]"))),
                title=m["title"], source=m["source"], units=tuple(Unit.from_json(u) for u in json.loads(m.get("units", "[]"))),
            )
        self._rows.put_many(view.revision, fresh)
        found.update(fresh)
        return found

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]:
        """A document's passages in order."""
        doc = self.view().docs.get(doc_id)
        if doc is None:
            return []
        found = self.chunks(list(doc.chunks))
        return sorted((found[i] for i in doc.chunks if i in found), key=lambda c: c.position)

    def for_embedding(self, ids: Sequence[str]) -> list[tuple[str, str, str, dict]]:
        """Nothing: in server mode a passage's text lives only with its vector, so a lost one cannot be embedded again here."""
        return []
