"""Uploads and removal: files checked, saved under a safe name and indexed; removed documents unindexed.

Uploads are checked before anything touches the disk: a known file type, a size limit and a
safe name. Accepted files are saved into ``DATA_DIR/uploads`` and indexed by the pipeline;
a file that the loaders then refuse is deleted again, so the folder only holds indexed files.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from assistant.index import DocumentRecord, IndexBusy  # IndexBusy: what upload and remove raise (the page catches it here)
from assistant.ingest import IngestReport
from assistant.ingest.loaders import supported_suffixes
from assistant.pipeline import Pipeline
from assistant.settings import Settings

Progress = Callable[[int, int, str], None]
UPLOAD_FOLDER = "uploads"
MAX_NAME = 96


@dataclass(frozen=True)
class Rejection:
    """A file that was not indexed, and the one-line reason shown for it."""

    name: str
    reason: str


@dataclass
class UploadResult:
    """What happened to a batch of uploaded files."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    report: IngestReport | None = None


def uploads_dir(settings: Settings) -> Path:
    """Where uploaded files are kept: ``DATA_DIR/uploads``."""
    return Path(settings.data_dir) / UPLOAD_FOLDER


def accepted_types() -> list[str]:
    """File name endings accepted for upload, without dots, sorted (``["docx", "htm", ...]``)."""
    return sorted(s.lstrip(".") for s in supported_suffixes())


def safe_filename(name: str) -> str:
    """A file name that is safe to write inside the uploads folder.

    Directory parts are dropped (``../../etc/passwd`` -> ``passwd``), accents are folded to
    ASCII, anything other than letters, digits, ``.``, ``-`` and ``_`` becomes ``-``, leading
    dots are removed (no hidden files), the extension is lower-cased and the stem is cut to
    keep the whole name within 96 characters.

    Example: ``"C:\\\\Users\\\\Ana\\\\Évaluation finale (v2).PDF"`` -> ``"Evaluation-finale-v2.pdf"``.
    """
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_.") or "document"
    suffix = re.sub(r"[^a-z0-9]", "", suffix.lower())
    stem = stem[: MAX_NAME - len(suffix) - 1]
    return f"{stem}.{suffix}" if suffix else stem


def check_upload(name: str, size: int, max_bytes: int) -> str | None:
    """Why a file cannot be uploaded, or ``None`` when it may be.

    Args:
        name: The name the browser sent.
        size: Its size in bytes.
        max_bytes: The largest accepted size.
    """
    suffix = Path(safe_filename(name)).suffix.lower()
    if suffix not in supported_suffixes():
        kinds = ", ".join(accepted_types())
        return f"'{suffix or 'no extension'}' files are not accepted (use {kinds})"
    if size == 0:
        return "the file is empty"
    if size > max_bytes:
        return f"the file is {size / 1_048_576:.1f} MB, above the {max_bytes / 1_048_576:.0f} MB limit"
    return None


def upload(pipeline: Pipeline, files: Iterable[tuple[str, bytes]], on_progress: Progress | None = None) -> UploadResult:
    """Check, save and index uploaded files.

    Each file is checked (:func:`check_upload`), saved under a safe name in
    :func:`uploads_dir` (a different file already holding that name is never overwritten:
    the new one gets a ``-2``, ``-3`` ... suffix) and the saved files are indexed together.
    Files the loaders refuse are deleted again and reported with the loader's reason.

    Args:
        pipeline: Where the files are indexed.
        files: ``(name as sent by the browser, content)`` pairs.
        on_progress: Receives ``(done, total, file name)`` while indexing.

    Raises:
        IndexBusy: Another ingest (a CLI run, another session's upload) holds the index; its
            message says "an ingest is running, try again in a moment". Nothing is saved then.
    """
    with pipeline.writing("upload", wait=0):  # take the lock before saving, so a refused upload leaves no file
        return _upload(pipeline, files, on_progress)


def _upload(pipeline: Pipeline, files: Iterable[tuple[str, bytes]], on_progress: Progress | None) -> UploadResult:
    result = UploadResult()
    folder = uploads_dir(pipeline.settings)
    max_bytes = pipeline.settings.ingest.max_file_mb * 1_048_576
    saved: dict[Path, str] = {}
    for name, data in files:
        reason = check_upload(name, len(data), max_bytes)
        if reason:
            result.rejected.append(Rejection(name, reason))
            continue
        folder.mkdir(parents=True, exist_ok=True)
        path = _free_path(folder, safe_filename(name), data)
        if path in saved:  # the same bytes twice in one batch
            continue
        path.write_bytes(data)
        saved[path] = name
    if not saved:
        return result
    report = pipeline.ingest(sorted(saved), progress=False, on_progress=on_progress)
    result.report = report
    by_source = {str(p.resolve()): name for p, name in saved.items()}
    result.added = [by_source.get(s, Path(s).name) for s in report.added]
    result.updated = [by_source.get(s, Path(s).name) for s in report.updated]
    result.unchanged = [by_source.get(s, Path(s).name) for s in report.unchanged]
    for failed, reason in report.failed:
        path = Path(failed)
        result.rejected.append(Rejection(saved.get(path, path.name), reason))
        path.unlink(missing_ok=True)
    return result


def _free_path(folder: Path, name: str, data: bytes) -> Path:
    """``folder/name``, unless a file with other content holds it: then ``stem-2.ext``, ``stem-3.ext`` ..."""
    path = folder / name
    digest = hashlib.sha256(data).digest()
    n = 1
    while path.exists() and hashlib.sha256(path.read_bytes()).digest() != digest:
        n += 1
        path = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
    return path


def remove(pipeline: Pipeline, doc_id: str) -> DocumentRecord | None:
    """Remove a document from the index; an uploaded file is deleted from the uploads folder too.

    Files outside the uploads folder (the shipped corpus) are never deleted, only unindexed.
    Returns the removed record, or ``None`` if no such document is indexed.

    Raises:
        IndexBusy: An ingest is running (the page says so rather than waiting for it).
    """
    record = pipeline.remove(doc_id, wait=0)
    if record is not None and is_uploaded(pipeline.settings, record.source):
        Path(record.source).unlink(missing_ok=True)
    return record


def is_uploaded(settings: Settings, source: str) -> bool:
    """Whether an indexed source path is a file in the uploads folder."""
    return Path(source).parent.resolve() == uploads_dir(settings).resolve()
