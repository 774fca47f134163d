"""The Library reader: a document rebuilt section by section from its stored passages, and the works it draws on."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.index import DocumentRecord
from assistant.ingest.headings import leading_heading
from assistant.ingest.metadata import DocumentMeta
from assistant.pipeline import Pipeline
from assistant.retrieve import Passage


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


def read_document(pipeline: Pipeline, doc_id: str) -> DocumentView | None:
    """A document's sections, rebuilt from its passages and the stored text.

    Consecutive passages sharing a section (and page) form one section whose text runs from
    the first passage's start to the last one's end, so the overlap between passages is
    shown once. A Markdown heading opening the section becomes its title and level (see
    :func:`assistant.ingest.headings.leading_heading`). Returns ``None`` when no such
    document is indexed.
    """
    record = pipeline.document(doc_id)
    if record is None:
        return None
    text = pipeline.document_text(record.doc_id)
    groups: list[list[Passage]] = []
    for passage in pipeline.document_passages(record.doc_id):
        if groups and (groups[-1][0].section, groups[-1][0].page) == (passage.section, passage.page):
            groups[-1].append(passage)
        else:
            groups.append([passage])
    sections = []
    for group in groups:
        body = text[group[0].start : max(p.end for p in group)].strip()
        level, title = 2, group[0].section
        heading = leading_heading(body)
        if heading is not None:
            level, title = heading.level, heading.title
            body = body[heading.end :].strip()
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


def reference_list(meta: DocumentMeta) -> list[str]:
    """A document's front-matter references as APA lines (Markdown, DOIs and URLs as links)."""
    from assistant.app.export import apa_markdown
    from assistant.app.references import Cited, citation_key, works

    return apa_markdown([Cited(f"{citation_key(w)}-{i}", w) for i, w in enumerate(works(meta))])
