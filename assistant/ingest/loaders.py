"""Loaders: turn one file (Markdown, text, PDF, DOCX, HTML) into text plus raw metadata.

Every loader returns a :class:`LoadedDocument` whose ``text`` is Markdown-flavoured plain text
(headings as ``#`` lines) so that one chunker serves every format. PDFs keep their page
boundaries. Anything that cannot be read raises :class:`IngestError` with a one-line reason.
"""

from __future__ import annotations

import io
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

import frontmatter
import yaml

from assistant.ingest.headings import headings
from assistant.ingest.structure import strip_html
from assistant.settings import IngestSettings

MB = 1_048_576


class IngestError(Exception):
    """A file that cannot be indexed; the message is the one-line reason shown to the user."""


@dataclass(frozen=True)
class Page:
    """One PDF page inside the document text: ``text[start:end]`` is page ``number``."""

    number: int
    start: int
    end: int
    section: str = ""


@dataclass
class LoadedDocument:
    """A file's text and whatever metadata the file itself carries."""

    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    pages: list[Page] = field(default_factory=list)


TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
SIDECAR_SUFFIX = ".meta.yaml"


def supported_suffixes() -> set[str]:
    """File name endings the loaders understand."""
    return TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}


def load(path: Path, data: bytes, limits: IngestSettings | None = None) -> LoadedDocument:
    """Read one file.

    Args:
        path: The file (its suffix chooses the loader; it is not read again).
        data: The file's bytes.
        limits: Page cap for PDFs, unpacked-size cap for DOCX (defaults when ``None``).

    Returns:
        The document text and raw metadata.

    Raises:
        IngestError: Empty, binary, undecodable, corrupt, encrypted, text-less or over-limit input.
    """
    limits = limits or IngestSettings()
    if not data.strip():
        raise IngestError("empty file")
    suffix = path.suffix.lower()
    loader: Callable[[bytes], LoadedDocument]
    if suffix in {".md", ".markdown"}:
        loader = _load_markdown
    elif suffix in {".txt", ".text"}:
        loader = _load_text
    elif suffix in HTML_SUFFIXES:
        loader = _load_html
    elif suffix == ".pdf":
        loader = partial(_load_pdf, max_pages=limits.max_pdf_pages)
    elif suffix == ".docx":
        loader = partial(_load_docx, max_unpacked_mb=limits.max_unpacked_mb)
    else:
        raise IngestError(f"unsupported file type '{suffix or path.name}'")
    doc = loader(data)
    if not doc.text.strip():
        raise IngestError("no text found in the file")
    return doc


def decode_text(data: bytes) -> str:
    """Decode bytes that claim to be text, refusing binary content.

    UTF-8 first (with or without BOM); otherwise the encoding charset-normalizer finds
    (so a Latin-1 note is read, not rejected). UTF-16 without a BOM is recognised by its NULs
    falling on every other byte; a few stray NULs in a text file are dropped.

    Raises:
        IngestError: The bytes are binary or match no text encoding.
    """
    from charset_normalizer import from_bytes

    sample = data[:65536]
    nuls = sample.count(0)
    if nuls > len(sample) * 0.2 and max(sample[0::2].count(0), sample[1::2].count(0)) > nuls * 0.9:
        best = from_bytes(data).best()
        if best is not None and best.encoding.startswith("utf_16"):
            return str(best).lstrip("\ufeff")
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if controls > len(sample) * 0.05:
        raise IngestError("binary content, not text")
    data = data.replace(b"\x00", b"")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise IngestError("undecodable text (not UTF-8 and no other text encoding fits)")
    return str(best)


SUMMARY_KEYS = ("what", "description", "summary", "abstract")
"""Front-matter fields holding a Markdown page's own summary, read as its opening paragraph: the first that has text.

An 18F method card says what its method is in "what"; its "description" is usually the same words, but two cards
carry another card's ("Design hypothesis": "A listing and analysis of all the content on an existing website ...",
the content audit's) and one has none ("Five whys")."""
PURPOSE_KEYS = ("why", "purpose")
"""Front-matter fields saying what a page's method is for (an 18F card's "why: To provide design teams with a bird's-eye view ..."), read as a section "Why"."""


def _load_markdown(data: bytes) -> LoadedDocument:
    text = decode_text(data)
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        reason = str(exc).splitlines()[0]
        raise IngestError(f"invalid YAML front matter: {reason}") from None
    meta = dict(post.metadata) if isinstance(post.metadata, dict) else {}
    body = strip_html(post.content).strip()
    # A site generator's page keeps its summary in the front matter (an 18F method card's
    # "description: A step-by-step analysis of how a user will interact with a system ..."): it is
    # the document's own text, and often the only place that says what the method is for.
    summary = _field(meta, SUMMARY_KEYS)
    # What the method is for answers "Why use a journey map?": a section "Why" of its own, a sibling of the
    # page's first heading, placed before that heading so that it takes none of the page's opening text.
    purpose = _field(meta, PURPOSE_KEYS)
    if purpose:
        if not purpose.endswith((".", "!", "?")):
            purpose += "."  # "To establish a baseline understanding ... their perspective" is said as a sentence
        # The headings the chunker will read (a "#" line in a code fence is none; an "===" underline is one).
        first = next(iter(headings(body)), None)
        section = f"{'#' * (first.level if first else 2)} Why\n\n{purpose}\n\n"
        body = body[: first.start] + section + body[first.start :] if first else f"{body}\n\n{section}".strip()
    if summary:
        body = f"{summary}\n\n{body}"
    return LoadedDocument(text=body + "\n", meta=meta)


def _field(meta: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """The first of ``keys`` holding text in a page's front matter, its HTML reduced to text."""
    for key in keys:
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            return strip_html(value).strip()
    return None


def _load_text(data: bytes) -> LoadedDocument:
    return LoadedDocument(text=decode_text(data).strip() + "\n")


def _load_html(data: bytes) -> LoadedDocument:
    import trafilatura

    html = decode_text(data)
    text = trafilatura.extract(
        html,
        output_format="markdown",
        include_comments=False,
        include_tables=True,
        include_formatting=True,  # without it headings come out as plain lines and sections are lost
        favor_recall=True,
    )
    if not text or not text.strip():
        raise IngestError("no main text found in the HTML")
    meta: dict[str, Any] = {}
    info = trafilatura.extract_metadata(html)
    if info is not None:
        if info.title:
            meta["title"] = info.title
        if info.author:
            meta["authors"] = [a.strip() for a in re.split(r";|\band\b", info.author) if a.strip()]
        if info.date and info.date[:4].isdigit():
            meta["year"] = int(info.date[:4])
        if info.url:
            meta["reference"] = info.url
    return LoadedDocument(text=text.strip() + "\n", meta=meta)


def _load_pdf(data: bytes, max_pages: int) -> LoadedDocument:
    # pypdf logs every repair it makes to a damaged file; without a logging setup (the CLI) each
    # would be a stray stderr line naming no file. The reason we raise is the one report.
    with _muted("pypdf"):
        return _read_pdf(data, max_pages)


def _read_pdf(data: bytes, max_pages: int) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError("encrypted PDF (password required)")
        if len(reader.pages) > max_pages:
            raise IngestError(f"PDF has {len(reader.pages)} pages, above the {max_pages}-page limit (ASSISTANT_INGEST__MAX_PDF_PAGES)")
        raw_pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError, IndexError) as exc:
        raise IngestError(f"not a readable PDF ({_first_line(exc)})") from None
    except Exception as exc:  # pypdf raises a wide range of errors on damaged files
        if "crypt" in str(exc).lower():
            raise IngestError("encrypted PDF (cannot be decrypted)") from None
        raise IngestError(f"not a readable PDF ({_first_line(exc)})") from None
    if not raw_pages:
        raise IngestError("PDF has no pages")
    outline = _pdf_outline(reader)
    parts: list[str] = []
    pages: list[Page] = []
    offset = 0
    current = ""
    for number, page_text in enumerate(raw_pages, start=1):
        page_text = page_text.strip()
        current = outline.get(number, current)
        if page_text:
            pages.append(Page(number, offset, offset + len(page_text), current))
            parts.append(page_text)
            offset += len(page_text) + 2
    if not parts:
        raise IngestError("PDF has no extractable text (scanned images?)")
    meta: dict[str, Any] = {}
    info = _safe(lambda: reader.metadata)
    if info:
        if _safe(lambda: info.title):
            meta["title"] = str(info.title)
        if _safe(lambda: info.author):
            meta["authors"] = [a.strip() for a in re.split(r";|,| and ", str(info.author)) if a.strip()]
        created = _safe(lambda: info.creation_date)
        if created is not None:
            meta["year"] = created.year
    return LoadedDocument(text="\n\n".join(parts) + "\n", meta=meta, pages=pages)


def _pdf_outline(reader: Any) -> dict[int, str]:
    """Top-level bookmark titles by the page they start on (1-based)."""
    found: dict[int, str] = {}
    items = _safe(lambda: reader.outline) or []
    for item in items:
        if isinstance(item, list):
            continue
        page = _safe(lambda: reader.get_destination_page_number(item))
        title = getattr(item, "title", None)
        if page is not None and title:
            found.setdefault(page + 1, str(title))
    return found


def _load_docx(data: bytes, max_unpacked_mb: int) -> LoadedDocument:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        # A zip member never unpacks past the size its header declares (zipfile stops there and
        # checks the CRC), so the declared sizes bound what python-docx could inflate.
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise IngestError(f"not a readable DOCX ({_first_line(exc)})") from None
    if unpacked > max_unpacked_mb * MB:
        raise IngestError(f"DOCX unpacks to {unpacked / MB:.0f} MB, above the {max_unpacked_mb} MB limit (ASSISTANT_INGEST__MAX_UNPACKED_MB; a zip bomb?)")
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise IngestError(f"not a readable DOCX ({_first_line(exc)})") from None
    except Exception as exc:  # zipfile.BadZipFile, lxml errors
        raise IngestError(f"not a readable DOCX ({_first_line(exc)})") from None
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = docx.text.paragraph.Paragraph(block, document)
            text = paragraph.text.strip()
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            level = _heading_level(style)
            lines.append(f"{'#' * level} {text}" if level else text)
        elif tag == "tbl":
            table = docx.table.Table(block, document)
            for row in table.rows:
                cells = [c.text.strip() for c in row.cells if c.text.strip()]
                if cells:
                    lines.append(" | ".join(dict.fromkeys(cells)))
    meta: dict[str, Any] = {}
    core = document.core_properties
    if core.title:
        meta["title"] = core.title
    if core.author:
        meta["authors"] = [a.strip() for a in re.split(r";|,", core.author) if a.strip()]
    if core.created is not None:
        meta["year"] = core.created.year
    return LoadedDocument(text="\n\n".join(lines) + "\n", meta=meta)


def _heading_level(style: str) -> int:
    if style == "Title":
        return 1
    match = re.fullmatch(r"Heading (\d)", style)
    return min(int(match.group(1)) + 1, 6) if match else 0


def sidecar_path(path: Path) -> Path | None:
    """The ``NAME.meta.yaml`` (or ``NAME.ext.meta.yaml``) file beside ``path``, if there is one."""
    for candidate in (path.with_name(path.stem + SIDECAR_SUFFIX), path.with_name(path.name + SIDECAR_SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def load_sidecar(path: Path) -> dict[str, Any]:
    """Metadata from the sidecar beside the file (see :func:`sidecar_path`), if any.

    Raises:
        IngestError: The sidecar exists but is not a YAML mapping.
    """
    candidate = sidecar_path(path)
    if candidate is None:
        return {}
    try:
        data = yaml.safe_load(candidate.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise IngestError(f"invalid sidecar {candidate.name}: {_first_line(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise IngestError(f"invalid sidecar {candidate.name}: not a mapping")
    return data


@contextmanager
def _muted(logger_name: str) -> Iterator[None]:
    """Silence a library's logger below CRITICAL for the duration of the block."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _safe(getter: Callable[[], Any]) -> Any:
    try:
        return getter()
    except Exception:  # metadata is optional; a damaged info dictionary must not fail the file
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:160] if text else type(exc).__name__
