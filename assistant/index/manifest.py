"""The manifest: a SQLite record of every indexed document, its content hash and its passages.

It is the source of truth for "what is indexed". A document's rows are written in one
transaction *after* its vectors are stored, so a crash at any moment leaves either the old
state or the new one, never half of each. The ``generation`` counter changes with every
commit, which tells derived indexes (BM25, a long-lived Chroma client) when they are stale;
other processes read it too, so it is their revision stamp.

Each thread gets its own SQLite connection (WAL mode, a busy timeout): Streamlit serves every
session on a thread of its own, and a shared connection would let one session read another's
uncommitted rows or fail inside another's transaction.

Decoded passage rows are remembered per revision (:class:`~assistant.index.cache.RevisionCache`):
a question reads ~100 candidate rows and often whole documents, and decoding their JSON again
each time cost more than the SQL. A commit anywhere changes the revision, which drops them; so
every change goes through :meth:`Manifest.transaction` (a row edited by hand in SQLite, without
a new revision, is not seen until the next commit).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Sequence

from assistant.index.cache import RevisionCache, RevisionTable
from assistant.ingest.chunking import Chunk
from assistant.ingest.metadata import DocumentMeta
from assistant.ingest.structure import Unit

PLACES_AFTER = 3
"""Reads at one revision before every passage's place is held in memory (:meth:`Manifest.locate`)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT UNIQUE NOT NULL,
    content_hash TEXT NOT NULL,
    meta TEXT NOT NULL,
    text TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    page INTEGER,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    embed_text TEXT NOT NULL,
    sentences TEXT NOT NULL,
    units TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, position);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class DocumentRecord:
    """One indexed document."""

    doc_id: str
    source: str
    content_hash: str
    meta: DocumentMeta
    n_chunks: int
    ingested_at: str


@dataclass(frozen=True)
class ChunkRecord:
    """One stored passage with its document's citation fields."""

    id: str
    doc_id: str
    position: int
    start: int
    end: int
    page: int | None
    section: str
    text: str
    sentences: tuple[tuple[int, int], ...]
    title: str
    source: str
    units: tuple[Unit, ...] = ()


class _Connection(sqlite3.Connection):
    """A connection that can be weakly referenced (the base class cannot)."""


class Manifest:
    """SQLite-backed record of documents and passages.

    Args:
        path: The SQLite file.
        busy_timeout: Seconds a statement waits for another connection's write lock.
        cache_rows: Decoded passages (and documents' passage lists) kept for the current revision.
    """

    def __init__(self, path: Path, busy_timeout: float = 30.0, cache_rows: int = 8192) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.busy_timeout = busy_timeout
        self._rows: RevisionCache[str, ChunkRecord] = RevisionCache(cache_rows)
        self._doc_rows: RevisionCache[str, tuple[str, ...]] = RevisionCache(cache_rows)
        self._places: RevisionTable[str, tuple[str, str]] = RevisionTable(PLACES_AFTER if cache_rows > 0 else 0)
        self._local = threading.local()
        # Weak: a connection goes (and closes) with its thread; Streamlit runs each rerun on a new one.
        self._all: weakref.WeakSet[sqlite3.Connection] = weakref.WeakSet()
        self._all_lock = threading.Lock()
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(chunks)")}
        if "units" not in columns:  # a manifest written before evidence units were recorded
            self.db.execute("ALTER TABLE chunks ADD COLUMN units TEXT NOT NULL DEFAULT '[]'")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.busy_timeout, check_same_thread=False, isolation_level=None, factory=_Connection)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        with self._all_lock:
            self._all.add(db)
        return db

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def close(self) -> None:
        """Close every thread's connection."""
        with self._all_lock:
            for db in list(self._all):
                db.close()
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self, bump: bool = True) -> Iterator[sqlite3.Connection]:
        """All-or-nothing write on this thread's connection; bumps the generation on commit."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            if bump:
                db.execute(
                    "INSERT INTO state(key, value) VALUES('generation', '1') "
                    "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                )
                # A fresh uuid beside the counter: a data dir deleted and rebuilt can reach the same
                # generation again, never the same revision.
                db.execute("INSERT OR REPLACE INTO state(key, value) VALUES('revision', ?)", (uuid.uuid4().hex,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees one committed state (e.g. a generation and its passages)."""
        db = self.db
        if db.in_transaction:  # already inside one (a write on this thread): it is consistent too
            yield db
            return
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    @property
    def revision(self) -> str:
        """Changes with every commit, in this process or another; one cheap read (checked per query)."""
        row = self.db.execute("SELECT value FROM state WHERE key = 'revision'").fetchone()
        return row[0] if row else ""

    @property
    def generation(self) -> int:
        """Changes whenever the set of passages changes."""
        row = self.db.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    @property
    def vector_space(self) -> dict | None:
        """What the stored vectors were made with (``{"model", "backend", "space"}``), or ``None`` if never recorded."""
        row = self.db.execute("SELECT value FROM state WHERE key = 'vectors'").fetchone()
        return json.loads(row[0]) if row else None

    def set_vector_space(self, value: dict) -> None:
        """Record what the stored vectors are made with; a new revision, so other processes read it again."""
        with self.transaction(bump=False) as db:
            db.execute("INSERT OR REPLACE INTO state(key, value) VALUES('vectors', ?)", (json.dumps(value, sort_keys=True),))
            db.execute("INSERT OR REPLACE INTO state(key, value) VALUES('revision', ?)", (uuid.uuid4().hex,))

    # -- documents ---------------------------------------------------------------------------

    def hash_of(self, source: str) -> str | None:
        """Content hash recorded for a source path, if indexed."""
        row = self.db.execute("SELECT content_hash FROM documents WHERE source = ?", (source,)).fetchone()
        return row[0] if row else None

    def hashes(self) -> dict[str, str]:
        """Every indexed source and its content hash."""
        return dict(self.db.execute("SELECT source, content_hash FROM documents"))

    def put(self, db: sqlite3.Connection, doc_id: str, source: str, content_hash: str, meta: DocumentMeta, text: str, chunks: Sequence[Chunk]) -> None:
        """Replace one document's rows (call inside :meth:`transaction`)."""
        db.execute("DELETE FROM documents WHERE source = ? OR doc_id = ?", (source, doc_id))
        db.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
            (doc_id, source, content_hash, meta.model_dump_json(), text, len(chunks), datetime.now(timezone.utc).isoformat(timespec="seconds")),
        )
        db.executemany(
            "INSERT INTO chunks (id, doc_id, position, start, end, page, section, text, embed_text, sentences, units) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    c.id, doc_id, c.position, c.start, c.end, c.page, c.section, c.text, c.embed_text, json.dumps(c.sentences),
                    json.dumps([u.to_json() for u in c.units]),
                )
                for c in chunks
            ],
        )

    def commit(self, docs: Sequence) -> dict[str, set[str]]:
        """Write prepared documents in one transaction; returns the passage ids each replaced document listed before."""
        with self.transaction() as db:
            old: dict[str, set[str]] = {}
            for doc in docs:
                rows = db.execute(
                    "SELECT c.id FROM chunks c JOIN documents d USING(doc_id) WHERE d.source = ? OR d.doc_id = ?", (doc.source, doc.doc_id)
                )
                old[doc.doc_id] = {r[0] for r in rows}
                self.put(db, doc.doc_id, doc.source, doc.content_hash, doc.meta, doc.text, doc.chunks)
        return {k: v for k, v in old.items() if v}

    def drop(self, doc_id: str) -> set[str]:
        """Delete one document in a transaction of its own; returns the passage ids it listed."""
        with self.transaction() as db:
            ids = {r[0] for r in db.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))}
            self.delete(db, doc_id)
        return ids

    def clear(self) -> None:
        """Forget every document."""
        with self.transaction() as db:
            db.execute("DELETE FROM chunks")
            db.execute("DELETE FROM documents")

    def delete(self, db: sqlite3.Connection, doc_id: str) -> None:
        """Remove one document and its passages (call inside :meth:`transaction`)."""
        db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def find(self, source_or_id: str) -> DocumentRecord | None:
        """A document by its source path (as stored, or relative to the working folder), its doc id, or a unique file name."""
        rows = self.db.execute(
            "SELECT doc_id, source, content_hash, meta, n_chunks, ingested_at FROM documents WHERE source IN (?, ?) OR doc_id = ?",
            (source_or_id, os.path.realpath(source_or_id), source_or_id),
        ).fetchall()
        if not rows:
            name = Path(source_or_id).name
            rows = [
                r for r in self.db.execute("SELECT doc_id, source, content_hash, meta, n_chunks, ingested_at FROM documents")
                if Path(r[1]).name == name
            ]
        return _doc(rows[0]) if len(rows) == 1 else None

    def documents(self) -> list[DocumentRecord]:
        """Every indexed document, by title."""
        rows = self.db.execute("SELECT doc_id, source, content_hash, meta, n_chunks, ingested_at FROM documents")
        return sorted((_doc(r) for r in rows), key=lambda d: d.meta.title.lower())

    def titled(self, names: Sequence[str]) -> set[str]:
        """Ids of the documents whose title holds any of ``names`` (case as written), found in SQL: no document is decoded."""
        found: set[str] = set()
        for name in names:
            found.update(r[0] for r in self.db.execute("SELECT doc_id FROM documents WHERE instr(json_extract(meta, '$.title'), ?) > 0", (name,)))
        return found

    def text(self, doc_id: str) -> str:
        """The full text of a document as it was chunked."""
        row = self.db.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else ""

    # -- passages ----------------------------------------------------------------------------

    def chunk_ids(self) -> set[str]:
        """Ids of every stored passage."""
        return {r[0] for r in self.db.execute("SELECT id FROM chunks")}

    def lexical_corpus(self) -> tuple[list[str], list[str], list[str]]:
        """``(ids, doc_ids, embed_texts)`` of all passages in a stable order (BM25 input)."""
        rows = self.db.execute("SELECT id, doc_id, embed_text FROM chunks ORDER BY doc_id, position").fetchall()
        return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    def chunk_id_list(self) -> list[str]:
        """Every stored passage id as a list (a duplicate would show)."""
        return [r[0] for r in self.db.execute("SELECT id FROM chunks")]

    def sources(self) -> dict[str, str]:
        """Every indexed doc id and its source path."""
        return dict(self.db.execute("SELECT doc_id, source FROM documents"))

    def for_embedding(self, ids: Sequence[str]) -> list[tuple[str, str, str, dict]]:
        """``(id, embed_text, text, vector-store metadata)`` of stored passages, to embed them again."""
        out = []
        for r in self._chunk_rows("c.id, c.embed_text, c.text, c.doc_id, c.section, c.position, c.start, c.end, c.page, d.meta, d.source", ids):
            meta = DocumentMeta.model_validate_json(r[9])
            out.append((r[0], r[1], r[2], vector_metadata(r[3], r[10], meta, r[4], r[5], r[6], r[7], r[8])))
        return out

    def _chunk_rows(self, columns: str, ids: Sequence[str]) -> Iterator[tuple]:
        """``columns`` of the passages ``ids`` joined with their documents, 500 ids per query (SQLite's bound-parameter limit)."""
        for i in range(0, len(ids), 500):
            part = list(ids[i : i + 500])
            marks = ",".join("?" * len(part))
            yield from self.db.execute(f"SELECT {columns} FROM chunks c JOIN documents d USING(doc_id) WHERE c.id IN ({marks})", part)

    def lexical_snapshot(self) -> tuple[int, tuple[list[str], list[str], list[str]]]:
        """The generation and :meth:`lexical_corpus`, read in one transaction (so they belong together)."""
        with self.snapshot():
            return self.generation, self.lexical_corpus()

    @contextmanager
    def _reading(self) -> Iterator[str]:
        """A read transaction, and the revision under which what it reads may be cached.

        ``""`` means "do not cache": inside this thread's own write (its rows are not committed)
        or in a manifest that never committed (it has no revision to tell states apart by).
        """
        if self.db.in_transaction:
            yield ""
            return
        with self.snapshot():
            yield self.revision

    def locate(self, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """``(doc_id, section)`` of each of ``ids`` the manifest lists: what ranking needs before the winners' rows are read.

        From the table of every passage's place once the revision has lasted a few reads
        (:class:`~assistant.index.cache.RevisionTable`), else by SQL.
        """
        with self._reading() as revision:
            places = self._places.get(revision) if revision else None
            if places is None and revision and self._places.due(revision):
                places = self._places.put(revision, self._all_places())
            if places is not None:
                return {i: places[i] for i in ids if i in places}
            cached = self._rows.get_many(revision, ids) if revision else {}
            found = {i: (r.doc_id, r.section) for i, r in cached.items()}
            missing = [i for i in dict.fromkeys(ids) if i not in found]
            for i in range(0, len(missing), 500):
                part = missing[i : i + 500]
                rows = self.db.execute(f"SELECT id, doc_id, section FROM chunks WHERE id IN ({','.join('?' * len(part))})", part)
                found.update((r[0], (r[1], r[2])) for r in rows)
        return found

    def _all_places(self) -> dict[str, tuple[str, str]]:
        """Every passage's ``(doc_id, section)`` (inside :meth:`_reading`); equal pairs are one tuple, a few per document."""
        pairs: dict[tuple[str, str], tuple[str, str]] = {}
        return {r[0]: pairs.setdefault((r[1], r[2]), (r[1], r[2])) for r in self.db.execute("SELECT id, doc_id, section FROM chunks")}

    def chunks(self, ids: Sequence[str]) -> dict[str, ChunkRecord]:
        """Passages by id, with title and source for citations (ids not indexed are left out)."""
        with self._reading() as revision:
            return self._chunks(revision, ids)

    def _chunks(self, revision: str, ids: Sequence[str]) -> dict[str, ChunkRecord]:
        """:meth:`chunks` inside :meth:`_reading`: cached rows of ``revision``, the others read and decoded."""
        found = self._rows.get_many(revision, ids) if revision else {}
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if not missing:
            return found
        fresh: dict[str, ChunkRecord] = {}
        columns = "c.id, c.doc_id, c.position, c.start, c.end, c.page, c.section, c.text, c.sentences, d.meta, d.source, c.units"
        for r in self._chunk_rows(columns, missing):
            fresh[r[0]] = ChunkRecord(
                id=r[0], doc_id=r[1], position=r[2], start=r[3], end=r[4], page=r[5], section=r[6], text=r[7],
                sentences=tuple(tuple(s) for s in json.loads(r[8])), title=json.loads(r[9])["title"], source=r[10],
                units=tuple(Unit.from_json(u) for u in json.loads(r[11])),
            )
        if revision:
            self._rows.put_many(revision, fresh)
        found.update(fresh)
        return found

    def document_chunks(self, doc_id: str) -> list[ChunkRecord]:
        """A document's passages in order."""
        with self._reading() as revision:
            ids = self._doc_rows.get(revision, doc_id) if revision else None
            if ids is None:
                ids = tuple(r[0] for r in self.db.execute("SELECT id FROM chunks WHERE doc_id = ? ORDER BY position", (doc_id,)))
                if revision:
                    self._doc_rows.put(revision, doc_id, ids)
            found = self._chunks(revision, ids)
        return [found[i] for i in ids]

    def has_passages(self) -> bool:
        """Whether any passage is indexed: what ``ask`` checks per question (``counts`` reads every row: 1.5 ms at 100k passages)."""
        return self.db.execute("SELECT EXISTS(SELECT 1 FROM chunks)").fetchone()[0] == 1

    def counts(self) -> tuple[int, int]:
        """``(documents, passages)``."""
        docs = self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        chunks = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return int(docs), int(chunks)


def vector_metadata(doc_id: str, source: str, meta: DocumentMeta, section: str, position: int, start: int, end: int, page: int | None) -> dict:
    """The metadata stored with a passage's vector (what filters and citations need)."""
    fields: dict = {
        "doc_id": doc_id, "title": meta.title, "source": source, "section": section, "position": position,
        "start": start, "end": end, "doc_type": meta.doc_type,
    }
    if page is not None:
        fields["page"] = page
    if meta.year is not None:
        fields["year"] = meta.year
    return fields


def _doc(row: tuple) -> DocumentRecord:
    return DocumentRecord(
        doc_id=row[0], source=row[1], content_hash=row[2], meta=DocumentMeta.model_validate_json(row[3]),
        n_chunks=row[4], ingested_at=row[5],
    )
