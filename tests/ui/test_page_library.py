"""The Library page through AppTest: documents and chunk counts, the reader, and admin-only upload and removal."""

from __future__ import annotations

import re

from assistant.ingest import doc_id_for

TOKEN = "correct-horse-battery"
NOTE = b"""---
title: Peer mentoring between partner organisations
doc_type: guidance
audience: [practitioner]
---
# Peer mentoring between partner organisations

## Pairing staff across partners

Peer mentoring pairs a frontline worker from one partner with an experienced colleague from another partner for six months.
"""


def library(at):
    at.switch_page("pages/library.py").run()
    assert not at.exception, at.exception
    return at


def test_lists_every_document_with_its_passage_count(app, corpus_index):
    at = library(app().run())
    table = at.dataframe[0].value
    docs = corpus_index.documents()
    assert len(table) == len(docs)
    counts = dict(zip(table["Title"], table["Passages"]))
    assert all(counts[d.meta.title] == d.n_chunks for d in docs)
    assert [m.value for m in at.metric] == [str(len(docs)), str(sum(d.n_chunks for d in docs))]


def test_opens_a_document_with_its_sections(app, corpus_index):
    # A row click writes ?doc=ID into the URL (AppTest cannot click grid rows, so the URL is set here).
    at = library(app().run())
    assert not [m for m in at.markdown if m.value.startswith("#### ")], "no reader before a document is chosen"
    doc = next(d for d in corpus_index.documents() if d.meta.title.startswith("The competent boundary spanner"))
    at.query_params["doc"] = doc.doc_id
    at.run()
    assert not at.exception, at.exception
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert "#### What a boundary spanner is" in headings
    assert any("A boundary spanner" in m.value for m in at.markdown)
    assert any("Williams, Paul" in c.value for c in at.caption)
    assert not any(re.search(r"\d+ passages?\b", c.value) for c in at.caption), "internal passage counts are not shown to readers"


def test_a_search_result_link_opens_the_reader_at_its_section(app, corpus_index):
    hit = next(p for p in corpus_index.search("key worker caseload", k=10).passages if p.section)
    at = library(app().run())
    at.query_params.update({"doc": hit.doc_id, "section": hit.section})
    at.run()
    leaf = hit.section.split(" > ")[-1]
    texts = [el.value for el in at.main if isinstance(getattr(el, "value", None), str)]
    marker = next(i for i, t in enumerate(texts) if "The section your search result came from" in t)
    assert texts[marker - 1] == f"#### {leaf}"  # the marker sits under the result's own heading


def test_an_unknown_document_in_the_url_is_dropped(app):
    at = app()
    at.run()
    library(at)
    at.query_params["doc"] = "no-such-doc"
    at.run()
    assert not at.exception and "doc" not in at.query_params


def test_read_only_without_an_admin_token(app):
    at = library(app().run())
    assert any("read-only" in i.value for i in at.info)
    assert not at.get("file_uploader")
    assert not [b for b in at.button if "Remove" in b.label]


def test_wrong_token_keeps_the_library_read_only(app):
    at = library(app(ASSISTANT_ADMIN_TOKEN=TOKEN).run())
    at.text_input(key="admin_token").set_value("guess").run()
    assert at.error and "not right" in at.error[0].value
    assert not at.get("file_uploader")


def test_admin_uploads_with_a_message_per_file_then_removes(fresh_app, small_corpus, tmp_path):
    at = library(fresh_app(small_corpus, ASSISTANT_ADMIN_TOKEN=TOKEN, ASSISTANT_INGEST__MAX_FILE_MB=1).run())
    at.text_input(key="admin_token").set_value(TOKEN).run()
    uploader = at.get("file_uploader")[0]
    uploader.set_value([
        ("../../Peer mentoring.md", NOTE, "text/markdown"),
        ("setup.exe", b"MZ\x90\x00binary", "application/octet-stream"),
        ("huge.txt", b"word " * 300_000, "text/plain"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "application/pdf"),
    ]).run()
    next(b for b in at.button if b.label == "Index 4 files").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Indexed ../../Peer mentoring.md."]
    errors = " | ".join(e.value for e in at.error)
    assert "setup.exe was not added: '.exe' files are not accepted" in errors
    assert "huge.txt was not added: the file is 1.4 MB, above the 1 MB limit" in errors
    assert "broken.pdf was not added: not a readable PDF" in errors

    table = at.dataframe[0].value
    assert "Peer mentoring between partner organisations" in list(table["Title"])
    row = table[table["Title"] == "Peer mentoring between partner organisations"].iloc[0]
    assert row["File"] == "Peer-mentoring.md"  # the safe name it was saved under

    saved = tmp_path / "data" / "uploads" / "Peer-mentoring.md"
    assert saved.read_bytes() == NOTE
    assert sorted(p.name for p in saved.parent.iterdir()) == ["Peer-mentoring.md"]  # refused files are not kept

    at.selectbox(key="remove_doc").set_value(doc_id_for(str(saved.resolve()))).run()
    assert any("its uploaded file is deleted too" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Remove from the index").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Removed Peer mentoring between partner organisations."]
    assert "Peer mentoring between partner organisations" not in list(at.dataframe[0].value["Title"])
    assert not saved.exists()
    assert len(at.dataframe[0].value) == 2  # the corpus documents are still there
