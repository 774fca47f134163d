"""The index: Chroma vectors + BM25 + the SQLite manifest, kept in step with one another."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from assistant.embeddings import LEGACY_SPACE, VectorSpace
from assistant.index.lexical import LexicalIndex
from assistant.index.manifest import ChunkRecord, DocumentRecord, Manifest, vector_metadata
from assistant.index.store import StoreUnavailable, VectorStore
from assistant.ingest.chunking import Chunk
from assistant.ingest.metadata import DocumentMeta
from assistant.settings import Settings

__all__ = ["ChunkRecord", "DocumentRecord", "Index", "IndexBusy", "PreparedDocument", "StoreUnavailable", "VectorSpaceMismatch"]

BUSY_TEXT = "an ingest is running, try again in a moment"


class IndexBusy(RuntimeError):
    """Another process (or session) is writing to this index and the caller chose not to wait that long.

    The message starts with "an ingest is running, try again in a moment" and names the writer.
    """

    def __init__(self, holder: str, waited: float) -> None:
        self.holder = holder
        self.waited = waited
        after = f" (gave up after {waited:.0f} s)" if waited > 0 else ""
        super().__init__(f"{BUSY_TEXT}: {holder}{after}")


class VectorSpaceMismatch(RuntimeError):
    """The index holds vectors made another way (another backend or model) than this encoder's; one line, with the fix."""

    def __init__(self, recorded: VectorSpace, encoder: VectorSpace) -> None:
        self.recorded, self.encoder = recorded, encoder
        if recorded.space.startswith("partial:"):
            text = f"a reindex with the {recorded.backend} backend was interrupted, so this index mixes vectors: run `assistant reindex` again"
        else:
            made = f"the {recorded.backend} backend ({recorded.space}" + (f", model {recorded.model})" if recorded.model != encoder.model else ")")
            runs = f"{encoder.backend} ({encoder.space}" + (f", model {encoder.model})" if recorded.model != encoder.model else ")")
            text = (
                f"this index holds vectors made by {made} but the encoder is {runs}, and the two do not mix: "
                f"run `assistant reindex` to re-embed it, or set ASSISTANT_EMBEDDING__BACKEND={recorded.backend}"
            )
        super().__init__(text)


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

    Several processes may open one data dir. Writers take the data dir's lock
    (:meth:`writing`), so there is one at a time and a reconcile never meets another writer's
    uncommitted vectors. Readers check the manifest's revision before each search
    (:meth:`refresh`) and reopen the embedded Chroma client when another process committed,
    because a long-lived client's ``query()`` does not see other processes' vectors.
    """

    def __init__(self, settings: Settings, store: VectorStore | None = None) -> None:
        self.settings = settings
        data = Path(settings.data_dir)
        data.mkdir(parents=True, exist_ok=True)
        self.store = store or VectorStore(settings.store, data / "chroma")
        self.shared = not self.store.embedded
        """Server mode: the manifest lives in the Chroma server, shared by every app instance."""
        if self.shared:
            from assistant.index.shared import SharedManifest

            self.manifest: Manifest | SharedManifest = SharedManifest(self.store, settings.store.revision_ttl, settings.store.passage_cache)
        else:
            self.manifest = Manifest(data / "manifest.sqlite3", cache_rows=settings.store.passage_cache)
        self.lexical = LexicalIndex(data / "bm25", settings.retrieval)
        from filelock import FileLock

        # thread_local: each thread takes the lock through its own file descriptor, so two
        # Streamlit sessions of one process exclude each other as two processes do.
        self._lock = FileLock(data / "writer.lock", thread_local=True)
        self._holder_file = data / "writer.json"
        self._seen_revision = self.manifest.revision
        self._refresh_lock = threading.Lock()
        self._space: tuple[str, VectorSpace | None] | None = None

    # -- one writer, fresh readers -------------------------------------------------------------

    def holder(self) -> str:
        """Who holds the writer lock, as people read it (pid, host, since when, doing what)."""
        try:
            info = json.loads(self._holder_file.read_text())
            return f"{info['doing']} by pid {info['pid']} on {info['host']} since {info['since']}"
        except (OSError, ValueError, KeyError):
            return "another process holds the index lock"

    @contextmanager
    def writing(self, doing: str = "ingest", wait: float | None = None, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the data dir's writer lock for the block (re-entrant on one thread).

        Args:
            doing: What this writer does, shown to a writer that has to wait.
            wait: Seconds to wait for another writer (``None``: ``store.writer_wait``; 0: do not wait).
            on_wait: Receives one line when this call has to wait.

        Raises:
            IndexBusy: The lock was still held after ``wait`` seconds.
        """
        from filelock import Timeout

        if self._lock.is_locked:  # this thread holds it already: nested write
            with self._lock:
                yield
            return
        wait = self.settings.store.writer_wait if wait is None else wait
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            holder = self.holder()
            if wait <= 0:
                raise IndexBusy(holder, 0) from None
            if on_wait:
                on_wait(f"waiting for the index lock ({holder}); giving up after {wait:.0f} s")
            try:
                self._lock.acquire(timeout=wait)
            except Timeout:
                raise IndexBusy(self.holder(), wait) from None
        try:
            self._holder_file.write_text(json.dumps({
                "pid": os.getpid(), "host": socket.gethostname(), "doing": doing,
                "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }))
            self.refresh()  # write through a client that has seen the last writer's vectors
            yield
        finally:
            self._lock.release()

    def refresh(self) -> None:
        """Reopen the vector store when another process committed since this one last looked (one SQLite read)."""
        revision = self.manifest.revision
        if revision == self._seen_revision:
            return
        with self._refresh_lock:
            revision = self.manifest.revision
            if revision != self._seen_revision:
                self.store.reopen()
                self._seen_revision = revision

    def _committed(self) -> None:
        """Note this writer's own commit (its client has seen its own vectors: no reopen needed)."""
        self._seen_revision = self.manifest.revision

    # -- which vectors ------------------------------------------------------------------------

    def vector_space(self) -> VectorSpace | None:
        """What the stored vectors were made with (``None``: no passages yet); an index from before this was recorded is torch's.

        Read again only when the manifest's revision changed (one cached value per revision).
        """
        revision = self.manifest.revision
        cached = self._space
        if cached is not None and cached[0] == revision:
            return cached[1]
        recorded = self.manifest.vector_space
        if recorded is not None:
            space: VectorSpace | None = VectorSpace.from_json(recorded)
        else:
            space = LEGACY_SPACE if self.manifest.counts()[1] else None
        self._space = (revision, space)
        return space

    def check_vectors(self, encoder: VectorSpace) -> None:
        """Refuse to search stored vectors with a query vector made another way.

        Raises:
            VectorSpaceMismatch: The index was built with another backend or model.
        """
        recorded = self.vector_space()
        if recorded is not None and not recorded.compatible(encoder):
            raise VectorSpaceMismatch(recorded, encoder)

    def claim_vectors(self, encoder: VectorSpace, drop_orphans: bool = False) -> None:
        """Before vectors made by ``encoder`` are stored: check them against the index, or record them in an empty one.

        Call with the writer lock held. An index without passages takes any encoder. Vectors
        that Chroma still holds without a manifest row (a killed run's) are of the recorded
        kind, not necessarily ours: with ``drop_orphans`` they are deleted when the kind
        changes, otherwise such a change is refused (a rerun would reuse them).

        Raises:
            VectorSpaceMismatch: The index holds passages (or leftover vectors) made another way.
        """
        raw = self.manifest.vector_space
        recorded = VectorSpace.from_json(raw) if raw is not None else None
        if self.manifest.counts()[1]:
            recorded = recorded or LEGACY_SPACE
            if not recorded.compatible(encoder):
                raise VectorSpaceMismatch(recorded, encoder)
            if raw is None:
                self.manifest.set_vector_space(LEGACY_SPACE.to_json())
            return
        if raw == encoder.to_json():
            return
        if recorded is not None and not recorded.compatible(encoder) and self.store.count():
            if not drop_orphans:
                raise VectorSpaceMismatch(recorded, encoder)
            self.store.reset()
        self.manifest.set_vector_space(encoder.to_json())

    def reindex(self, encoder: VectorSpace, embed: Callable[[list[str]], np.ndarray]) -> int:
        """Embed every listed passage again with ``embed`` and record ``encoder`` as the index's kind of vectors.

        While it runs the index is marked as being reindexed, so a query (or a killed run's
        leftover) is refused with "run `assistant reindex` again" rather than mixing vectors.
        Returns how many passages were embedded.
        """
        with self.writing("reindex"):
            ids = sorted(self.manifest.chunk_ids())
            self.manifest.set_vector_space({**encoder.to_json(), "space": f"partial:{encoder.space}"})
            done = self.restore(ids, embed)
            self.manifest.set_vector_space(encoder.to_json())
            self._committed()
            return done

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
                    metas.append(_chroma_meta(doc, chunk, self.shared))
        with self.writing():
            if ids:
                self.store.upsert(ids, np.vstack(embs), texts, metas)
            previous = self.manifest.commit(docs)
            self._committed()
            for doc in docs:
                new = {c.id for c in doc.chunks}
                if self.shared:
                    # Only what the replaced record listed: another instance's passages of the
                    # same document (written, not yet committed) are not ours to delete.
                    self.store.delete(sorted(previous.get(doc.doc_id, set()) - new))
                elif doc.replaces:
                    self.store.delete(sorted(self.store.ids_of(doc.doc_id) - new))

    def remove(self, source_or_id: str, wait: float | None = None) -> DocumentRecord | None:
        """Delete one document everywhere; returns it, or ``None`` if no single document matches.

        ``wait`` is passed to :meth:`writing` (0: raise :class:`IndexBusy` at once while another writer runs).
        """
        with self.writing("remove", wait=wait):
            record = self.manifest.find(source_or_id)
            if record is None:
                return None
            listed = self.manifest.drop(record.doc_id)
            self._committed()
            self.store.delete(sorted(listed if self.shared else self.store.ids_of(record.doc_id)))
            self.refresh_lexical()
            return record

    def reconcile(self, embed: Callable[[list[str]], np.ndarray] | None = None) -> int:
        """Make Chroma hold exactly the manifest's passages. Returns how many orphan vectors were deleted.

        Orphans (vectors no manifest row lists, left by an interrupted run) are deleted; this
        runs under the writer lock, so no other writer can have vectors in flight. Passages the
        manifest lists but Chroma lacks are embedded again with ``embed`` (when given), so a
        lost vector is repaired rather than reported "unchanged" forever.
        """
        with self.writing("reconcile"):
            if self.shared:
                return self._reconcile_shared()
            listed, stored = self.manifest.chunk_ids(), self.store.all_ids()
            orphans = stored - listed
            self.store.delete(sorted(orphans))
            missing = sorted(listed - stored)
            if missing and embed is not None:
                self.restore(missing, embed)
            return len(orphans)

    def _reconcile_shared(self) -> int:
        """Server mode: delete only passages no document record lists *and* written over ``orphan_grace`` seconds ago.

        Other instances write their passages before their records, so a young unlisted passage
        may be a batch about to be committed; an old one is the leftover of a killed run.
        """
        stored = self.store.written_at()
        listed = self.manifest.committed_ids()
        cutoff = time.time() - self.settings.store.orphan_grace
        orphans = sorted(i for i, at in stored.items() if i not in listed and at < cutoff)
        self.store.delete(orphans)
        return len(orphans)

    def restore(self, ids: Sequence[str], embed: Callable[[list[str]], np.ndarray]) -> int:
        """Embed listed passages again and store their vectors (text and metadata from the manifest)."""
        rows = self.manifest.for_embedding(ids)
        for i in range(0, len(rows), 256):
            part = rows[i : i + 256]
            vectors = np.asarray(embed([r[1] for r in part]), dtype=np.float32)
            self.store.upsert([r[0] for r in part], vectors, [r[2] for r in part], [r[3] for r in part])
        return len(rows)

    def reset(self) -> None:
        """Forget everything."""
        with self.writing("reset"):
            self.manifest.clear()
            self._committed()
            self.store.reset()
            self.refresh_lexical()

    # -- reading -------------------------------------------------------------------------------

    def refresh_lexical(self, force: bool = False) -> LexicalIndex:
        """The BM25 index, loaded from disk or rebuilt from the manifest if it is stale.

        One thread loads or builds while the others wait for it (rather than all building).
        The generation and the passages are read in one SQLite read transaction, so the
        snapshot's ids are exactly that generation's.
        """
        lexical = self.lexical
        if not force and lexical.generation == self.manifest.generation:
            return lexical
        with lexical.swap_lock:
            generation = self.manifest.generation
            if not force and lexical.generation == generation:
                return lexical
            if not force and lexical.load() and lexical.generation == generation:
                return lexical
            generation, (ids, doc_ids, texts) = self.manifest.lexical_snapshot()
            lexical.build(ids, doc_ids, texts, generation)
        return lexical

    def stats(self) -> dict[str, int]:
        """Counts of documents, passages and stored vectors."""
        documents, chunks = self.manifest.counts()
        return {"documents": documents, "chunks": chunks, "vectors": self.store.count()}

    def close(self) -> None:
        """Release the manifest connection."""
        self.manifest.close()


def _chroma_meta(doc: PreparedDocument, chunk: Chunk, shared: bool) -> dict:
    meta = vector_metadata(doc.doc_id, doc.source, doc.meta, chunk.section, chunk.position, chunk.start, chunk.end, chunk.page)
    if shared:  # server mode keeps no local manifest: BM25 and citations read these back from Chroma
        meta.update(
            embed_text=chunk.embed_text, sentences=json.dumps(chunk.sentences), units=json.dumps([u.to_json() for u in chunk.units]),
            written_at=time.time(),
        )
    return meta
