"""Exports on real answers and search results from the fixture corpus: Markdown, CSV and BibTeX."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone

from assistant.chat import Conversation
from assistant.app.export import conversation_markdown, reference, results_bibtex, results_csv, results_markdown, results_ris
from assistant.ingest.metadata import DocumentMeta
from assistant.retrieve import Passage


def metas(pipeline):
    return {d.doc_id: d.meta for d in pipeline.documents()}


def test_conversation_lists_each_cited_document_once(indexed):
    conv = Conversation()
    indexed.ask("What does a boundary spanner do?", conversation=conv)
    indexed.ask("What do boundary spanners translate between?", conversation=conv)
    indexed.ask("What is the boiling point of mercury?", conversation=conv)
    md = conversation_markdown(conv.turns, metas(indexed), now=datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc))
    assert "_Exported 2025-03-01 09:30 UTC · 3 questions." in md
    body, refs = md.split("\n## References\n")
    cited = {c.doc_id for t in conv.turns for c in t.answer.citations}
    assert len(re.findall(r"^- \*\*R\d+\.\*\* ", refs, flags=re.MULTILINE)) == len(cited)
    assert "Test Team (n.d.). *Partnership governance for test purposes*. Guidance. File: partnership-governance.md." in refs
    first = conv.turns[0].answer
    assert first.text in body
    assert f"   > {first.citations[0].sentence}" in body
    assert "I could not find an answer" in body.split("## 3.")[1]


def test_reference_of_a_removed_document_falls_back_to_the_citation():
    assert reference(None, "Old note", "/data/uploads/old-note.md") == "*Old note*. File: old-note.md."


def _passage(rank, doc_id, title, text="Some text, with a comma.", page=None):
    return Passage(f"c{rank}", doc_id, title, f"/corpus/{doc_id}.md", page, "Intro", text, 0, len(text), ((0, len(text)),), 0.03 / rank, rank=rank)


def test_csv_has_one_row_per_passage_and_quotes_text():
    meta = {"d1": DocumentMeta(title="One", authors=["Ostrom, Elinor", "Parks, Roger"], year=1978, doc_type="literature")}
    out = results_csv([_passage(1, "d1", "One", 'He said "co-production", twice.\nNew line.', page=4), _passage(2, "d2", "Two")], meta)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["rank"] for r in rows] == ["1", "2"]
    assert rows[0]["authors"] == "Ostrom, Elinor; Parks, Roger" and rows[0]["year"] == "1978" and rows[0]["page"] == "4"
    assert rows[0]["text"] == 'He said "co-production", twice.\nNew line.'
    assert rows[1]["authors"] == ""  # no metadata: empty, not an error


SORENSEN = {
    "type": "article-journal", "author": [{"family": "Sørensen", "given": "E."}, {"family": "Torfing", "given": "J."}],
    "issued": {"date-parts": [[2011]]}, "title": "Enhancing collaborative innovation in the public sector",
    "container-title": "Administration & Society", "volume": "43", "issue": "8", "page": "842-868", "DOI": "10.1177/0095399711418768",
}
HARTLEY = {
    "type": "article-journal", "author": [{"family": "Hartley", "given": "J."}], "issued": {"date-parts": [[2013]]},
    "title": "Collaborative innovation: a viable alternative", "container-title": "Public Administration Review", "volume": "73",
}
UNCITED = {"type": "book", "author": [{"family": "Nobody", "given": "N."}], "issued": {"date-parts": [[1999]]}, "title": "Never named"}


def _metas():
    return {
        "a": DocumentMeta(title="Collaborative innovation & 100% public_value", authors=["Sørensen, Eva", "Torfing, Jacob"], year=2011,
                          doc_type="literature", references=[SORENSEN, HARTLEY, UNCITED]),
        "b": DocumentMeta(title="Collaborative design", authors=["Team"], doc_type="guidance", references=[SORENSEN, "Plain string reference (2001)."]),
    }


PASSAGES = [
    ("a", "Hartley and colleagues (2013) extend the argument to market competition."),
    ("a", "Drivers of collaboration differ between sectors."),
    ("b", "Partners meet monthly."),
]


def test_bibtex_cites_the_original_works_then_our_documents_and_parses_back():
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    passages = [_passage(i, doc, "x", text) for i, (doc, text) in enumerate(PASSAGES, start=1)]
    bib = results_bibtex(passages, _metas())
    library = bibtexparser.parse_string(bib, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks
    entries = {e.key: e for e in library.entries}
    # The summarised work (first author + year of the digest) and the work the passage names; never the uncited one.
    assert list(entries) == ["sorensen2011enhancing", "hartley2013collaborative", "collaborativendcollaborative", "collaborativendcollaborativea"]
    assert "nobody1999never" not in entries
    s = entries["sorensen2011enhancing"]
    assert s.entry_type == "article" and s["journal"] == "Administration & Society" and s["volume"] == "43"
    assert s["number"] == "8" and s["pages"] == "842–868" and s["doi"] == "10.1177/0095399711418768"  # "--" in the file, an en dash decoded
    assert "{842--868}" in bib and r"Administration \& Society" in bib
    assert s["author"] == "Sørensen, E. and Torfing, J." and s["year"] == "2011"
    ours = [e for e in library.entries if "Collaborative Innovation Assistant team" in e["author"]]
    assert [e["title"] for e in ours] == ["Collaborative innovation & 100% public_value", "Collaborative design"]
    assert all("File " in e["note"] for e in ours)
    assert len(entries) == len(library.entries)  # keys unique: Sørensen 2011 cited by both documents appears once


def test_ris_holds_the_same_works_and_parses_back():
    import rispy

    passages = [_passage(i, doc, "x", text) for i, (doc, text) in enumerate(PASSAGES, start=1)]
    records = rispy.loads(results_ris(passages, _metas()))
    assert [r["id"] for r in records] == [e for e in re.findall(r"^@\w+\{([^,]+),", results_bibtex(passages, _metas()), flags=re.MULTILINE)]
    first = records[0]
    assert first["type_of_reference"] == "JOUR" and first["authors"] == ["Sørensen, E.", "Torfing, J."]
    assert first["journal_name"] == "Administration & Society" and (first["start_page"], first["end_page"]) == ("842", "868")
    assert first["doi"] == "10.1177/0095399711418768" and "https://doi.org/10.1177/0095399711418768" in first["urls"]


def test_csv_names_the_works_each_passage_draws_on():
    passages = [_passage(i, doc, "x", text) for i, (doc, text) in enumerate(PASSAGES, start=1)]
    rows = list(csv.DictReader(io.StringIO(results_csv(passages, _metas()))))
    assert rows[0]["works"] == "sorensen2011enhancing; hartley2013collaborative"
    assert rows[1]["works"] == "sorensen2011enhancing" and rows[2]["works"] == ""
    assert float(rows[0]["score"]) > 0 and 0 <= float(rows[0]["relevance"]) <= 1


def test_markdown_results_quote_each_passage_and_list_references():
    meta = {"a": DocumentMeta(title="Alpha", authors=["Ansell, Chris"], year=2008)}
    md = results_markdown("small wins", [_passage(1, "a", "Alpha", "Line one.\n\nLine two."), _passage(2, "a", "Alpha")], meta)
    assert md.startswith("# Search results: small wins\n")
    assert "> Line one.\n>\n> Line two." in md
    assert md.split("## References")[1].count("Ansell, Chris (2008). *Alpha*.") == 1


def test_markdown_results_list_the_original_works_in_apa_with_doi_links():
    passages = [_passage(i, doc, "x", text) for i, (doc, text) in enumerate(PASSAGES, start=1)]
    md = results_markdown("collaborative innovation", passages, _metas())
    works = md.split("### Original works the passages draw on")[1]
    assert "- Sørensen, E., & Torfing, J. (2011). Enhancing collaborative innovation in the public sector. Administration & Society, 43(8), 842–868. [https://doi.org/10.1177/0095399711418768](https://doi.org/10.1177/0095399711418768)" in works
    assert "Hartley, J. (2013)." in works and "Nobody" not in works


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised():
    hostile = ["=HYPERLINK(\"http://x.invalid\",\"click\")", "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]
    meta = {"d1": DocumentMeta(title="=cmd|' /C calc'!A0", authors=["@evil"], year=2020, doc_type="guidance")}
    passages = [_passage(i + 1, "d1", "=cmd|' /C calc'!A0", text) for i, text in enumerate(hostile)] + [_passage(9, "d1", "Plain", "Plain - text = fine.")]
    rows = list(csv.DictReader(io.StringIO(results_csv(passages, meta), newline="")))
    assert [r["text"] for r in rows] == [f"'{t}" for t in hostile] + ["Plain - text = fine."]
    assert rows[0]["title"] == "'=cmd|' /C calc'!A0" and rows[0]["authors"] == "'@evil"
    assert rows[-1]["title"] == "Plain" and rows[0]["score"][0].isdigit() and rows[0]["rank"] == "1"
    for row in rows:  # no cell a spreadsheet would evaluate
        assert not any(str(v)[:1] in ("=", "+", "-", "@", "\t", "\r") for v in row.values()), row
