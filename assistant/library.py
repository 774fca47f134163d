"""The library: what is indexed (facets, readable documents), first-launch indexing, safe uploads and removal.

Uploads are checked before anything touches the disk: a known file type, a size limit and a
safe name. Accepted files are saved into ``DATA_DIR/uploads`` and indexed by the pipeline;
a file that the loaders then refuse is deleted again, so the folder only holds indexed files.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from assistant.index import DocumentRecord, IndexBusy
from assistant.ingest import IngestReport
from assistant.ingest.loaders import supported_suffixes
from assistant.pipeline import Pipeline
from assistant.settings import Settings

Progress = Callable[[int, int, str], None]
UPLOAD_FOLDER = "uploads"
MAX_NAME = 96


# -- what is indexed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Facets:
    """The values the filters can take, read from the indexed documents."""

    doc_types: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    years: tuple[int, int] | None = None


def facets(documents: Iterable[DocumentRecord]) -> Facets:
    """Sorted distinct doc types, audiences and tags, and the (earliest, latest) year."""
    docs = list(documents)
    years = [d.meta.year for d in docs if d.meta.year is not None]
    return Facets(
        doc_types=tuple(sorted({d.meta.doc_type for d in docs})),
        audiences=tuple(sorted({a for d in docs for a in d.meta.audience})),
        tags=tuple(sorted({t for d in docs for t in d.meta.tags})),
        years=(min(years), max(years)) if years else None,
    )


@dataclass(frozen=True)
class Section:
    """One section of a document as it was chunked: its heading, page, text and passage count."""

    title: str
    level: int
    page: int | None
    text: str
    passages: int


@dataclass(frozen=True)
class DocumentView:
    """A document ready to read: its record and its sections in order."""

    record: DocumentRecord
    sections: list[Section]


_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def read_document(pipeline: Pipeline, doc_id: str) -> DocumentView | None:
    """A document's sections, rebuilt from its passages and the stored text.

    Consecutive passages sharing a section (and page) form one section whose text runs from
    the first passage's start to the last one's end, so the overlap between passages is
    shown once. A leading Markdown heading line becomes the section title and level.
    Returns ``None`` when no such document is indexed.
    """
    manifest = pipeline.index.manifest
    record = manifest.find(doc_id)
    if record is None:
        return None
    text = manifest.text(record.doc_id)
    groups: list[list] = []
    for chunk in manifest.document_chunks(record.doc_id):
        if groups and (groups[-1][0].section, groups[-1][0].page) == (chunk.section, chunk.page):
            groups[-1].append(chunk)
        else:
            groups.append([chunk])
    sections = []
    for group in groups:
        body = text[group[0].start : max(c.end for c in group)].strip()
        level, title = 2, group[0].section
        lines = body.split("\n", 1)
        match = _HEADING.match(lines[0])
        if match:
            level, title = len(match.group(1)), match.group(2)
            body = lines[1].strip() if len(lines) > 1 else ""
        sections.append(Section(title or record.meta.title, level, group[0].page, body, len(group)))
    return DocumentView(record, sections)


def find_section(view: DocumentView, heading: str | None) -> int | None:
    """Index of the section a search result names (``"A > B"`` or ``"B"``), or ``None``.

    The last part of a section path is its own heading; the first section whose title
    matches it (ignoring case) wins.
    """
    if not heading:
        return None
    leaf = heading.split(" > ")[-1].strip().lower()
    return next((i for i, s in enumerate(view.sections) if s.title.strip().lower() == leaf), None)


def reference_list(meta) -> list[str]:
    """A document's front-matter references as APA lines (Markdown, DOIs and URLs as links)."""
    from assistant.export import apa_markdown
    from assistant.references import Cited, citation_key, works

    return apa_markdown([Cited(f"{citation_key(w)}-{i}", w) for i, w in enumerate(works(meta))])


def table_rows(documents: Iterable[DocumentRecord]) -> list[dict[str, str | int]]:
    """One row per document for the Library table (Title, Type, Year, Passages, Authors, Audience, Tags, File)."""
    from assistant.sources import DOC_TYPE_LABELS

    return [
        {
            "Title": d.meta.title,
            "Type": DOC_TYPE_LABELS.get(d.meta.doc_type, d.meta.doc_type),
            "Year": str(d.meta.year or ""),
            "Passages": d.n_chunks,
            "Authors": "; ".join(d.meta.authors),
            "Audience": ", ".join(d.meta.audience),
            "Tags": ", ".join(d.meta.tags),
            "File": Path(d.source).name,
        }
        for d in documents
    ]


# -- first launch ------------------------------------------------------------------------------


def build_if_empty(pipeline: Pipeline, on_progress: Progress | None = None) -> IngestReport | None:
    """Index ``settings.corpus_dir`` when nothing is indexed yet.

    Returns:
        The ingest report, or ``None`` when the index already had documents or the corpus
        folder is missing or empty (then there is nothing to build from).
    """
    if pipeline.index.manifest.counts()[0] > 0:
        return None
    corpus = Path(pipeline.settings.corpus_dir)
    if not corpus.is_dir() or not any(p.is_file() for p in corpus.rglob("*")):
        return None
    return pipeline.ingest([corpus], progress=False, on_progress=on_progress)


# -- admin -------------------------------------------------------------------------------------


def admin_enabled(settings: Settings) -> bool:
    """Whether an admin token is configured at all (otherwise the library is read-only)."""
    return settings.ui.admin_token is not None and bool(settings.ui.admin_token.get_secret_value())


def is_admin(settings: Settings, token: str | None) -> bool:
    """Whether ``token`` is the configured admin token (compared in constant time)."""
    if not token or not admin_enabled(settings):
        return False
    return hmac.compare_digest(token.strip().encode(), settings.ui.admin_token.get_secret_value().encode())


# -- uploads -----------------------------------------------------------------------------------


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
    with pipeline.index.writing("upload", wait=0):  # take the lock before saving, so a refused upload leaves no file
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
