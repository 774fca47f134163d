"""Exports on real answers and search results from the fixture corpus: Markdown, CSV and BibTeX."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone

from assistant.chat import Conversation
from assistant.export import conversation_markdown, reference, results_bibtex, results_csv, results_markdown
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


def test_bibtex_one_entry_per_document_with_escaped_unique_keys():
    meta = {
        "a": DocumentMeta(title="Collaborative innovation & 100% public_value", authors=["Sørensen, Eva", "Torfing, Jacob"], year=2011, doc_type="literature", reference="https://doi.org/10.1177/0095399711418768"),
        "b": DocumentMeta(title="Collaborative design", authors=["Sørensen, Eva"], year=2011, doc_type="guidance"),
    }
    bib = results_bibtex([_passage(1, "a", "x"), _passage(2, "a", "x"), _passage(3, "b", "y")], meta)
    keys = re.findall(r"^@(\w+)\{([^,]+),", bib, flags=re.MULTILINE)
    assert keys == [("article", "sorensen2011collaborative"), ("manual", "sorensen2011collaborativea")]
    assert r"title = {{Collaborative innovation \& 100\% public\_value}}" in bib
    assert "author = {Sørensen, Eva and Torfing, Jacob}" in bib
    assert "url = {https://doi.org/10.1177/0095399711418768}" in bib


def test_markdown_results_quote_each_passage_and_list_references():
    meta = {"a": DocumentMeta(title="Alpha", authors=["Ansell, Chris"], year=2008)}
    md = results_markdown("small wins", [_passage(1, "a", "Alpha", "Line one.\n\nLine two."), _passage(2, "a", "Alpha")], meta)
    assert md.startswith("# Search results: small wins\n")
    assert "> Line one.\n>\n> Line two." in md
    assert md.split("## References")[1].count("Ansell, Chris (2008). *Alpha*.") == 1
