"""How a cited passage is shown: marked spans, query-term marks, surrounding context, one-line descriptions.

The doors (UI, exports) render these plain values; they never compute offsets themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from assistant.chat import content_words
from assistant.ingest.metadata import DocumentMeta
from assistant.pipeline import Pipeline

_WORD = re.compile(r"\b\w\w+\b")  # bm25s's own token pattern, so marks match what BM25 matched
DOC_TYPE_LABELS = {
    "literature": "literature digest",
    "guidance": "guidance",
    "case-study": "case study",
    "glossary": "glossary",
    "training": "training material",
    "other": "document",
}


@dataclass(frozen=True)
class Segment:
    """A piece of passage text, marked (highlighted) or not."""

    text: str
    marked: bool = False


def segments(text: str, spans: Iterable[tuple[int, int]]) -> list[Segment]:
    """Cut ``text`` into plain and marked pieces.

    Spans are clipped to the text; overlapping or touching spans merge into one mark.

    Example: ``segments("ab cd ef", [(3, 5)])`` gives ``"ab "``, marked ``"cd"``, ``" ef"``.
    """
    merged: list[list[int]] = []
    for a, b in sorted((max(0, a), min(len(text), b)) for a, b in spans):
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out: list[Segment] = []
    pos = 0
    for a, b in merged:
        if a > pos:
            out.append(Segment(text[pos:a]))
        out.append(Segment(text[a:b], True))
        pos = b
    if pos < len(text) or not out:
        out.append(Segment(text[pos:]))
    return out


def term_spans(text: str, query: str, analyse: Callable[[Sequence[str]], list[list[str]]]) -> list[tuple[int, int]]:
    """Spans of the words in ``text`` that share an analysed term with the query's topic words.

    ``analyse`` is the BM25 analyser (stemming, stop words), so "spanners" in a passage is
    marked for a query about "a boundary spanner"; question words ("what", "does") never are.
    """
    wanted = {t for terms in analyse(content_words(query)) for t in terms}
    if not wanted:
        return []
    words = list(_WORD.finditer(text))
    if not words:
        return []
    analysed = analyse([m.group() for m in words])
    return [m.span() for m, terms in zip(words, analysed) if wanted.intersection(terms)]


@dataclass(frozen=True)
class Context:
    """A passage with the document text just before and after it."""

    before: str
    passage: str
    after: str


def context(pipeline: Pipeline, chunk_id: str, chars: int = 600) -> Context | None:
    """The passage ``chunk_id`` with up to ``chars`` characters of its document on each side.

    The window is trimmed to a paragraph or sentence boundary so it never starts or ends
    mid-word. Returns ``None`` when the passage is no longer indexed.
    """
    record = pipeline.passage(chunk_id)
    if record is None:
        return None
    text = pipeline.document_text(record.doc_id)
    start, end = record.start, record.end
    before = text[max(0, start - chars) : start]
    if start - chars > 0:
        before = _from_boundary(before)
    after = text[end : end + chars]
    if end + chars < len(text):
        after = _to_boundary(after)
    return Context(before=before, passage=text[start:end], after=after)


def _from_boundary(text: str) -> str:
    """Drop the leading fragment up to the first paragraph break or sentence end."""
    cut = text.find("\n\n")
    if cut == -1 or cut > len(text) * 0.6:
        match = re.search(r"[.!?]\s+", text)
        cut = match.end() if match and match.end() < len(text) * 0.6 else cut
    return text[cut:].lstrip() if cut != -1 else text


def _to_boundary(text: str) -> str:
    """Drop the trailing fragment after the last paragraph break or sentence end."""
    cut = text.rfind("\n\n")
    if cut < len(text) * 0.4:
        ends = [m.end() for m in re.finditer(r"[.!?](\s|$)", text)]
        cut = ends[-1] if ends and ends[-1] > len(text) * 0.4 else cut
    return text[:cut].rstrip() if cut > 0 else text


# Thresholds on Passage.relevance (assistant.retrieve.relevance): 0.6 is cosine 0.44, where
# passages start to be about the question; 0.25 is cosine 0.30, the answer step's abstention line.
MATCH_LABELS = ((0.6, "strong match"), (0.25, "partial match"), (0.0, "weak match"))


def match_label(relevance: float) -> str:
    """'strong match', 'partial match' or 'weak match' for a passage's relevance (0..1)."""
    return next(label for floor, label in MATCH_LABELS if relevance >= floor)


def where(section: str, page: int | None) -> str:
    """'Section · p. 3' (either part may be missing)."""
    return " · ".join(b for b in (section, f"p. {page}" if page else "") if b)


def byline(meta: DocumentMeta | None) -> str:
    """'Williams, Paul · 2002 · literature digest' for a document (empty parts left out)."""
    if meta is None:
        return ""
    authors = "; ".join(meta.authors[:3]) + (" et al." if len(meta.authors) > 3 else "")
    return " · ".join(b for b in (authors, str(meta.year) if meta.year else "", DOC_TYPE_LABELS.get(meta.doc_type, meta.doc_type)) if b)
