"""Exports: a conversation as Markdown with a reference list; search results as CSV, BibTeX and Markdown."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping, Sequence

from assistant.chat import Turn
from assistant.ingest.metadata import DocumentMeta
from assistant.retrieve import Passage
from assistant.sources import DOC_TYPE_LABELS, where

Documents = Mapping[str, DocumentMeta]


def reference(meta: DocumentMeta | None, title: str = "", source: str = "") -> str:
    """One reference-list entry: 'Authors (Year). *Title*. Type. Reference. File: name.'"""
    if meta is None:
        return f"*{title or Path(source).name}*. File: {Path(source).name}." if source else f"*{title}*."
    authors = "; ".join(meta.authors) or "Unknown author"
    year = f" ({meta.year})" if meta.year else " (n.d.)"
    parts = [f"{authors}{year}.", f"*{meta.title}*.", f"{DOC_TYPE_LABELS.get(meta.doc_type, meta.doc_type).capitalize()}."]
    if meta.reference:
        parts.append(f"{meta.reference}.")
    if source:
        parts.append(f"File: {Path(source).name}.")
    return " ".join(parts)


def conversation_markdown(turns: Sequence[Turn], documents: Documents, *, now: datetime | None = None) -> str:
    """The whole conversation as Markdown.

    Each answer keeps its ``[n]`` markers and lists what they point to; a final
    *References* section lists every cited document once, numbered R1, R2, ... in order of
    first citation, and each per-answer source line names its R number.

    Args:
        turns: The conversation's turns, oldest first.
        documents: Metadata by doc id (documents removed since are described from the citation).
        now: Timestamp for the header (defaults to the current UTC time).
    """
    now = now or datetime.now(timezone.utc)
    refs: dict[str, int] = {}
    ref_lines: list[str] = []
    out = [
        "# Conversation with the Collaborative Innovation Assistant",
        "",
        f"_Exported {now:%Y-%m-%d %H:%M} UTC · {len(turns)} question{'s' if len(turns) != 1 else ''}. "
        "Every answer sentence quotes the passage cited after it._",
    ]
    for i, turn in enumerate(turns, start=1):
        answer = turn.answer
        out += ["", f"## {i}. {turn.question}", ""]
        if turn.query and turn.query != turn.question:
            out += [f"_Searched for: {turn.query}_", ""]
        out.append(answer.text)
        if answer.abstained:
            if answer.passages:
                out += ["", "**Closest passages (they may not answer the question):**", ""]
                for p in answer.passages:
                    out.append(f"- *{p.title}*{_where(p.section, p.page)}")
            continue
        out += ["", "**Sources**", ""]
        for c in answer.citations:
            if c.doc_id not in refs:
                refs[c.doc_id] = len(refs) + 1
                ref_lines.append(f"- **R{refs[c.doc_id]}.** {reference(documents.get(c.doc_id), c.title, c.source)}")
            out.append(f"{c.n}. *{c.title}*{_where(c.section, c.page)} [R{refs[c.doc_id]}]")
            out.append(f"   > {c.sentence}")
    out += ["", "## References", ""]
    out += ref_lines or ["_No documents were cited._"]
    return "\n".join(out) + "\n"


def _where(section: str, page: int | None) -> str:
    text = where(section, page)
    return f", {text}" if text else ""


CSV_COLUMNS = ("rank", "score", "title", "authors", "year", "doc_type", "section", "page", "source", "chunk_id", "text")


def results_csv(passages: Sequence[Passage], documents: Documents) -> str:
    """Search results as CSV, one row per passage (columns: :data:`CSV_COLUMNS`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for p in passages:
        meta = documents.get(p.doc_id)
        writer.writerow([
            p.rank, f"{p.score:.6f}", p.title, "; ".join(meta.authors) if meta else "", (meta.year or "") if meta else "",
            meta.doc_type if meta else "", p.section, p.page or "", Path(p.source).name, p.id, p.text,
        ])
    return buffer.getvalue()


def results_markdown(query: str, passages: Sequence[Passage], documents: Documents) -> str:
    """Search results as Markdown: each passage quoted under its document, then a reference list."""
    out = [f"# Search results: {query}", "", f"_{len(passages)} passage{'s' if len(passages) != 1 else ''}, best first._"]
    for p in passages:
        out += ["", f"## {p.rank}. {p.title}", ""]
        detail = where(p.section, p.page)
        if detail:
            out += [f"_{detail}_ · score {p.score:.4f}", ""]
        out += ["> " + line if line else ">" for line in p.text.strip().splitlines()]
    out += ["", "## References", ""]
    first = {p.doc_id: p for p in reversed(passages)}
    docs = dict.fromkeys(p.doc_id for p in passages)
    out += [f"- {reference(documents.get(d), first[d].title, first[d].source)}" for d in docs] or ["_None._"]
    return "\n".join(out) + "\n"


_BIB_TYPES = {"literature": "article", "case-study": "techreport", "guidance": "manual", "training": "misc", "glossary": "misc", "other": "misc"}


def results_bibtex(passages: Sequence[Passage], documents: Documents) -> str:
    """One BibTeX entry per document among the results, in order of first appearance.

    Keys are ``surnameYEARword`` (ASCII), made unique with a letter suffix: ``williams2002competent``.
    The file name goes in ``note`` so an entry can be traced back to the indexed document.
    """
    entries: list[str] = []
    used: set[str] = set()
    for doc_id in dict.fromkeys(p.doc_id for p in passages):
        first = next(p for p in passages if p.doc_id == doc_id)
        meta = documents.get(doc_id) or DocumentMeta(title=first.title)
        key = _unique(_bib_key(meta), used)
        fields = [("title", "{" + _bib_escape(meta.title) + "}")]
        if meta.authors:
            fields.append(("author", " and ".join(_bib_escape(a) for a in meta.authors)))
        if meta.year:
            fields.append(("year", str(meta.year)))
        if meta.reference.startswith(("http://", "https://")):
            fields.append(("url", meta.reference))
        elif meta.reference:
            fields.append(("howpublished", _bib_escape(meta.reference)))
        if meta.tags:
            fields.append(("keywords", _bib_escape(", ".join(meta.tags))))
        fields.append(("note", _bib_escape(f"{DOC_TYPE_LABELS.get(meta.doc_type, meta.doc_type).capitalize()}; file {Path(first.source).name}")))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@{_BIB_TYPES.get(meta.doc_type, 'misc')}{{{key},\n{body}\n}}")
    return "\n\n".join(entries) + ("\n" if entries else "")


_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "ð": "d", "þ": "th"})


def _ascii(text: str) -> str:
    """'Sørensen' -> 'Sorensen' (letters NFKD cannot split are transliterated first)."""
    return unicodedata.normalize("NFKD", text.translate(_LETTERS)).encode("ascii", "ignore").decode()


def _bib_key(meta: DocumentMeta) -> str:
    surname = _ascii(meta.authors[0].split(",")[0].split()[-1] if meta.authors else "anon")
    words = [w for w in re.findall(r"[a-z]+", _ascii(meta.title).lower()) if w not in {"a", "an", "the", "of", "and", "in", "on"}]
    return re.sub(r"[^a-z0-9]", "", f"{surname.lower()}{meta.year or ''}{words[0] if words else ''}") or "doc"


def _unique(key: str, used: set[str]) -> str:
    candidate, n = key, 0
    while candidate in used:
        candidate = f"{key}{chr(ord('a') + n % 26)}{n // 26 or ''}"
        n += 1
    used.add(candidate)
    return candidate


_BIB_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _bib_escape(text: str) -> str:
    return "".join(_BIB_SPECIAL.get(ch, ch) for ch in text)
