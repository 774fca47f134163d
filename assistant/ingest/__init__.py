"""Ingestion: find files, load them, attach metadata, chunk, embed in batches and store."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from assistant.ingest.chunking import PASSAGE_FORMAT, Chunk, Chunker, time_limit
from assistant.ingest.ignore import ignore_rule
from assistant.ingest.loaders import SIDECAR_SUFFIX, IngestError, LoadedDocument, load, load_sidecar, sidecar_path, supported_suffixes
from assistant.ingest.metadata import DOC_TYPES, DocumentMeta, build_meta
from assistant.settings import IngestSettings

MB = 1_048_576

__all__ = [
    "DOC_TYPES",
    "Chunk",
    "Chunker",
    "DocumentMeta",
    "IngestError",
    "IngestReport",
    "LoadedDocument",
    "discover",
    "doc_id_for",
    "run_ingest",
]


@dataclass
class IngestReport:
    """What one ingest run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return not self.failed

    def summary(self) -> str:
        """One line for people."""
        line = (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.failed)} failed, {len(self.skipped)} skipped; {self.chunks} passages stored "
            f"({self.embedded} embedded)"
        )
        return line + (f"; {len(self.removed)} removed (files gone)" if self.removed else "")


def doc_id_for(source: str, root: str | os.PathLike | None = None) -> str:
    """Readable document id that survives moving the corpus: slug of the file name plus a hash of its path inside ``root``.

    ``root`` is the folder that was ingested; without one (a file ingested by itself) the path
    inside it is the file name. So ``corpus/guidance/x.md`` ingested as part of ``corpus/``
    keeps its id when ``corpus/`` is copied, moved or mounted elsewhere. The id starts with the
    slug of the file stem (the gold set names documents by stem).
    """
    inside = Path(os.path.relpath(source, root)).as_posix() if root is not None else Path(source).name
    return _slug_id(source, inside)


def _slug_id(source: str, hashed: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", Path(source).stem.lower()).strip("-")[:48] or "doc"
    return f"{stem}-{hashlib.sha1(hashed.encode()).hexdigest()[:8]}"


def discover(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """Files under ``paths`` (recursively, sorted, each file once), each with a skip reason or ``None``.

    Inside a folder, hidden files and what the folder's ``.assistantignore`` names are left out.

    Yields:
        ``(path, None)`` for files to ingest; ``(path, reason)`` for files that are not
        ingested (unsupported type); ``(path, "missing")`` for paths that do not exist.
    """
    supported = supported_suffixes()
    seen: set[str] = set()
    for root in paths:
        root = Path(root)
        if root.is_file():
            candidates: Iterable[Path] = [root]
        elif root.is_dir():
            ignored = ignore_rule(root)
            # A broken link is listed too, so that it is reported as unreadable, not silently lost.
            candidates = sorted(
                p for p in root.rglob("*")
                if (p.is_file() or (p.is_symlink() and not p.exists()))
                and not any(part.startswith(".") for part in p.relative_to(root).parts)
                and not ignored(p)
            )
        else:
            yield root, "missing"
            continue
        for path in candidates:
            if path.name.endswith(SIDECAR_SUFFIX):
                continue
            # Overlapping arguments (a folder and a file inside it) name a file twice: index it once.
            source = _source(path)
            if source in seen:
                continue
            seen.add(source)
            if path.suffix.lower() not in supported:
                yield path, f"unsupported file type '{path.suffix or path.name}'"
            else:
                yield path, None


Embed = Callable[[list[str]], "object"]


def run_ingest(
    paths: Sequence[Path],
    index: "Index",
    embed: Embed,
    chunker: Chunker,
    *,
    batch_chunks: int = 256,
    encode_batch: int = 64,
    progress: bool | None = None,
    report_line: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    prune: bool = False,
    limits: IngestSettings | None = None,
) -> IngestReport:
    """Index files and folders.

    Documents are parsed and chunked one at a time, then embedded and stored in batches of about
    ``batch_chunks`` passages (so the encoder works on full batches even for short documents).
    A batch is encoded on a second thread while this one reads and chunks the next documents;
    batches are stored in order, on this thread, as they come back. Unchanged files (same
    content hash) cost a read and a hash, no parsing or embedding.

    Args:
        paths: Files or folders (recursive).
        index: Where passages are stored.
        embed: Function from texts to a matrix of unit vectors.
        chunker: Passage cutter.
        batch_chunks: Passages per storage batch (one manifest commit).
        encode_batch: Passages per ``embed`` call. The encoder thread checks between calls
            whether the run was interrupted, so Ctrl-C waits for at most one call.
        progress: Show a tqdm bar (``None`` = only on a terminal).
        report_line: Receives one line per failed or skipped file.
        on_progress: Called as ``(done, total, file name)`` after each file (for UIs).
        prune: Afterwards, remove indexed documents under the given folders whose files no longer exist.
        limits: Size, page, unpacked-size and time limits per file (defaults when ``None``).
            Whatever goes wrong reading one file (over a limit, a parser's error, a missing
            optional package, memory) fails that file alone with a one-line reason.

    Returns:
        Counts and per-file outcomes.
    """
    from tqdm import tqdm

    from assistant.index import PreparedDocument

    report = IngestReport()
    limits = limits or IngestSettings()
    say = report_line or (lambda line: None)
    found = list(discover(paths))
    known = index.manifest.hashes()
    known_ids = index.manifest.sources()  # doc id -> source: recognises a moved file by its id
    claimed: dict[str, str] = {}  # doc id -> source, this run
    pending: list[PreparedDocument] = []
    pending_chunks = 0
    encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-encoder")
    stop = threading.Event()

    def encode(texts: list[str]) -> list:
        """Runs on the encoder thread, one ``embed`` call at a time until done or stopped."""
        vectors: list = []
        for start in range(0, len(texts), encode_batch):
            if stop.is_set():
                raise CancelledError("ingest interrupted")
            vectors.extend(embed(texts[start : start + encode_batch]))
        return vectors

    in_flight: tuple[list[PreparedDocument], list[Chunk], Future] | None = None

    def store() -> None:
        """Wait for the batch being encoded, then write it (Chroma, manifest, stale vectors)."""
        nonlocal in_flight
        if in_flight is None:
            return
        docs, todo, vectors = in_flight
        in_flight = None
        index.write(docs, {c.id: v for c, v in zip(todo, vectors.result())})
        report.embedded += len(todo)
        report.chunks += sum(len(d.chunks) for d in docs)
        for d in docs:
            (report.updated if d.replaces else report.added).append(d.source)

    def flush() -> None:
        """Hand the pending documents to the encoder thread; store the batch before them meanwhile."""
        nonlocal pending, pending_chunks, in_flight
        if not pending:
            return
        ids = [c.id for d in pending for c in d.chunks]
        missing = index.missing(ids)
        # Longest first, as sentence-transformers orders one call: each embed call pads little.
        todo = sorted((c for d in pending for c in d.chunks if c.id in missing), key=lambda c: -len(c.embed_text))
        if todo:
            vectors = encoder.submit(encode, [c.embed_text for c in todo])
        else:  # every passage is stored already (a rerun after a crash): no need to load the model
            vectors = Future()
            vectors.set_result([])
        store()  # the previous batch, encoded while these documents were read and chunked
        in_flight = (pending, todo, vectors)
        pending, pending_chunks = [], 0

    def take(path: Path, skip: str | None) -> None:
        """Read one file; queue it for encoding unless it is unchanged, unsupported or bad."""
        nonlocal pending_chunks
        name = str(path)
        if skip == "missing":
            report.failed.append((name, "no such file or directory"))
            say(f"{name}: no such file or directory")
            return
        if skip:
            report.skipped.append((name, skip))
            say(f"{name}: skipped, {skip}")
            return
        source = _source(path)
        try:
            size = path.stat().st_size
            if size > limits.max_file_mb * MB:  # refused before a byte is read
                reason = f"file is {size / MB:.0f} MB, above the {limits.max_file_mb} MB limit (ASSISTANT_INGEST__MAX_FILE_MB)"
                report.failed.append((name, reason))
                say(f"{name}: {reason}")
                return
            data = path.read_bytes()
            content_hash = _content_hash(path, data)
        except OSError as exc:
            reason = f"unreadable ({exc.strerror or exc})"
            report.failed.append((name, reason))
            say(f"{name}: {reason}")
            return
        if known.get(source) == content_hash:
            report.unchanged.append(source)
            return
        doc_id = _doc_id(path, source, paths, known_ids, claimed)
        chunker.tokenizer  # loaded (first file only) outside the file's time limit
        try:
            prepared = _within(limits.parse_timeout, _prepare, path, source, data, content_hash, chunker, doc_id, limits)
        except Exception as exc:  # noqa: BLE001 - a parser's ImportError, MemoryError or bug costs this file, not the run
            reason = str(exc) if isinstance(exc, IngestError) else f"could not be read ({_first_line(exc)})"
            report.failed.append((name, reason))
            say(f"{name}: {reason}")
            return
        prepared.replaces = source in known or doc_id in known_ids
        pending.append(prepared)
        pending_chunks += len(prepared.chunks)
        if pending_chunks >= batch_chunks:
            flush()

    bar = tqdm(found, unit="file", disable=(None if progress is None else not progress), desc="Indexing")
    try:
        for done, (path, skip) in enumerate(bar, start=1):
            take(path, skip)
            if on_progress:
                on_progress(done, len(found), path.name)
        flush()
        store()
    except Exception:
        index.refresh_lexical()  # the batches stored before the failure are found by keyword too
        raise
    finally:
        # An interrupted run drops the batch still being encoded (never stored, so a rerun redoes
        # it) rather than waiting for the encoder to finish it.
        stop.set()
        encoder.shutdown(wait=False, cancel_futures=True)
        bar.close()
    if prune:
        # Only under the folders of this run: in server mode the manifest also lists other
        # instances' documents, whose paths mean nothing on this machine.
        under = [os.path.join(os.path.realpath(p), "") for p in paths if Path(p).is_dir()]
        for doc_id, source in index.manifest.sources().items():
            if any(source.startswith(u) for u in under) and not os.path.lexists(source) and index.remove(doc_id) is not None:
                report.removed.append(source)
    index.reconcile(embed)
    index.refresh_lexical()
    return report


def _doc_id(path: Path, source: str, roots: Sequence[Path], known: dict[str, str], claimed: dict[str, str]) -> str:
    """The id a file is stored under (see :func:`doc_id_for`).

    Two different files can share a path inside their roots (``a/notes.md`` and ``b/notes.md``
    ingested as ``a`` and ``b``): when the id is already taken by another file that still
    exists, or by another file of this run, the file's full path is hashed instead.
    """
    root = next((r for r in roots if r.is_dir() and path.is_relative_to(r)), None)
    doc_id = doc_id_for(str(path), root)
    owner = claimed.get(doc_id) or known.get(doc_id)
    if owner is not None and owner != source and (doc_id in claimed or os.path.lexists(owner)):
        doc_id = _slug_id(source, source)
    claimed[doc_id] = source
    return doc_id


def _content_hash(path: Path, data: bytes) -> str:
    """Hash of a file's bytes and of its sidecar's: editing only the sidecar re-indexes the file.

    The passage format version is mixed in, so an index built by an older chunker re-cuts each
    document once instead of serving passages without their recorded structure.
    """
    digest = hashlib.sha256(f"passages-v{PASSAGE_FORMAT}\n".encode())
    digest.update(data)
    sidecar = sidecar_path(path)
    if sidecar is not None:
        digest.update(sidecar.read_bytes())
    return digest.hexdigest()


def _source(path: Path) -> str:
    """The name a file is indexed under: its absolute path, links resolved.

    ``os.path.realpath`` rather than ``Path.resolve``, which raises on a link loop: that file is
    reported as unreadable like any other, not allowed to stop the run.
    """
    return os.path.realpath(path)


def _within(seconds: float, fn: Callable, *args):
    """``fn(*args)``, given up with an :class:`IngestError` after ``seconds``.

    Python cannot stop a thread from outside: the chunker checks the same deadline on every
    measurement and stops; a parser caught in a loop is left on its daemon thread (it ends
    with the process) while the run goes on to the next file.
    """
    box: dict[str, object] = {}

    def run() -> None:
        try:
            with time_limit(seconds):  # the chunker stops measuring once the caller has given up
                box["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, name="ingest-parse", daemon=True)
    worker.start()
    worker.join(seconds)
    # The chunker's own deadline (TimeoutError) can end the thread just before join gives up.
    if worker.is_alive() or isinstance(box.get("error"), TimeoutError):
        raise IngestError(f"parsing took longer than {seconds:g} s (ASSISTANT_INGEST__PARSE_TIMEOUT); given up")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


def _first_line(exc: BaseException) -> str:
    """``Type: first line of the message`` (just the type for an empty message, as MemoryError has)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:160]}" if lines else type(exc).__name__


def _prepare(path: Path, source: str, data: bytes, content_hash: str, chunker: Chunker, doc_id: str, limits: IngestSettings) -> "PreparedDocument":
    from assistant.index import PreparedDocument

    doc = load(path, data, limits)
    meta = build_meta(path, doc.text, doc.meta, load_sidecar(path))
    chunks = chunker.chunk(doc, doc_id, content_hash, meta.title)
    if not chunks:
        raise IngestError("no indexable text after cleaning")
    return PreparedDocument(doc_id, source, content_hash, meta, doc.text, chunks)


if False:  # pragma: no cover - for type checkers only
    from assistant.index import Index, PreparedDocument
