"""What is indexed, as the pages show it: the values the filters offer and the Library table's rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from assistant.app.sources import DOC_TYPE_LABELS
from assistant.index import DocumentRecord


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


def table_rows(documents: Iterable[DocumentRecord]) -> list[dict[str, str | int]]:
    """One row per document for the Library table (Title, Type, Year, Passages, Authors, Audience, Tags, File)."""
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
