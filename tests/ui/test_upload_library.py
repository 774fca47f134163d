"""Library logic on real files: safe names, upload checks, saving and indexing, removal, facets, reading, first launch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.app import admin, first_run, library, reader, uploads
from assistant.ingest import doc_id_for

NOTE = b"# Peer mentoring\n\nPeer mentoring pairs frontline workers from two partner organisations for six months.\n"


@pytest.mark.parametrize(("sent", "safe"), [
    ("report.PDF", "report.pdf"),
    ("../../etc/passwd.md", "passwd.md"),
    ("C:\\Users\\Ana\\Évaluation finale (v2).docx", "Evaluation-finale-v2.docx"),
    (".hidden.txt", "hidden.txt"),
    ("no extension", "no-extension"),
    ("x" * 300 + ".html", "x" * 91 + ".html"),
])
def test_safe_filename(sent, safe):
    assert uploads.safe_filename(sent) == safe


def test_check_upload_gives_one_line_reasons():
    assert uploads.check_upload("notes.md", 10, 100) is None
    assert uploads.check_upload("run.sh", 10, 100).startswith("'.sh' files are not accepted (use docx, htm, html")
    assert uploads.check_upload("empty.txt", 0, 100) == "the file is empty"
    assert uploads.check_upload("big.pdf", 3 * 1_048_576, 1_048_576) == "the file is 3.0 MB, above the 1 MB limit"


def test_upload_saves_indexes_and_makes_the_file_searchable(pipeline):
    result = uploads.upload(pipeline, [("Peer mentoring.md", NOTE), ("bad.pdf", b"%PDF-1.4 nonsense"), ("x.exe", b"MZ")])
    assert result.added == ["Peer mentoring.md"]
    assert [(r.name, r.reason.split(" (")[0]) for r in result.rejected] == [("x.exe", "'.exe' files are not accepted"), ("bad.pdf", "not a readable PDF")]
    folder = uploads.uploads_dir(pipeline.settings)
    assert sorted(p.name for p in folder.iterdir()) == ["Peer-mentoring.md"]
    hit = pipeline.search("peer mentoring frontline workers", k=1).passages[0]
    assert hit.source == str((folder / "Peer-mentoring.md").resolve())


def test_same_name_other_content_is_not_overwritten_and_same_content_is_unchanged(pipeline):
    uploads.upload(pipeline, [("note.md", NOTE)])
    again = uploads.upload(pipeline, [("note.md", NOTE)])
    assert again.unchanged == ["note.md"]
    other = uploads.upload(pipeline, [("note.md", NOTE.replace(b"six", b"twelve"))])
    assert other.added == ["note.md"]
    assert sorted(p.name for p in uploads.uploads_dir(pipeline.settings).iterdir()) == ["note-2.md", "note.md"]


def test_remove_deletes_uploaded_files_but_never_corpus_files(pipeline, corpus_copy):
    pipeline.ingest([corpus_copy / "lone-parents.txt"], progress=False)
    uploads.upload(pipeline, [("note.md", NOTE)])
    saved = uploads.uploads_dir(pipeline.settings) / "note.md"
    assert uploads.remove(pipeline, doc_id_for(str(saved.resolve()))).meta.title == "Peer mentoring"
    assert not saved.exists()
    corpus_file = corpus_copy / "lone-parents.txt"
    assert uploads.remove(pipeline, doc_id_for(str(corpus_file.resolve()))) is not None
    assert corpus_file.exists()
    assert pipeline.documents() == []
    assert uploads.remove(pipeline, "nothing-like-this") is None


def test_admin_token_gate(make_settings):
    open_settings = make_settings()
    assert not admin.admin_enabled(open_settings) and not admin.is_admin(open_settings, "anything")
    locked = make_settings(ui={"admin_token": SecretStr("s3cret")})
    assert admin.admin_enabled(locked)
    assert admin.is_admin(locked, "s3cret") and admin.is_admin(locked, " s3cret ")
    assert not admin.is_admin(locked, "s3cre") and not admin.is_admin(locked, "")


def test_facets_and_reader(indexed):
    f = library.facets(indexed.documents())
    assert {"guidance", "literature"} <= set(f.doc_types)
    assert "practitioner" in f.audiences and "partnership" in f.tags
    assert f.years == (1996, max(d.meta.year for d in indexed.documents() if d.meta.year))
    doc = next(d for d in indexed.documents() if d.meta.title == "Partnership governance for test purposes")
    view = reader.read_document(indexed, doc.doc_id)
    assert [s.title for s in view.sections] == ["Setting up the board", "Boundary spanners in the partnership", "Trust and small wins"]
    assert view.sections[-1].text.startswith("Trust between partners grows")
    assert sum(s.passages for s in view.sections) == doc.n_chunks
    pdf = next(d for d in indexed.documents() if d.source.endswith(".pdf"))
    assert [s.page for s in reader.read_document(indexed, pdf.doc_id).sections] == [1, 2]
    assert reader.read_document(indexed, "missing") is None


def test_build_if_empty_indexes_the_corpus_once(make_settings, embeddings, tmp_path, corpus_copy):
    from assistant.pipeline import build_pipeline

    shutil.rmtree(corpus_copy / "design-lab.html", ignore_errors=True)
    p = build_pipeline(make_settings(corpus_dir=corpus_copy), embeddings=embeddings)
    calls = []
    report = first_run.build_if_empty(p, on_progress=lambda done, total, name: calls.append((done, total)))
    assert report is not None and len(report.added) == 6
    assert calls[-1] == (len(calls), len(calls))
    assert first_run.build_if_empty(p) is None
    empty = build_pipeline(make_settings(data_dir=tmp_path / "other", corpus_dir=tmp_path / "missing"), embeddings=embeddings)
    assert first_run.build_if_empty(empty) is None
    p.close()
    empty.close()


HOSTILE_NAMES = [
    "../../escaped.md",
    "..\\..\\escaped-too.md",
    "**[click me](javascript:alert(1))** :material/home: $x^2$ <b>bold</b> `code` _it_.md",
    "# Heading | table | <script>x</script>.txt",
]


def test_hostile_upload_names_stay_inside_uploads_and_are_shown_as_typed(pipeline, monkeypatch):
    """Path traversal and Markdown in a browser-sent name: saved under a safe name, never rendered."""
    from markdown_it import MarkdownIt

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "ui"))
    import widgets

    files = [(name, NOTE + f"Note {i} about mentoring pairs.\n".encode()) for i, name in enumerate(HOSTILE_NAMES)]
    result = uploads.upload(pipeline, files)
    assert sorted(result.added) == sorted(HOSTILE_NAMES) and not result.rejected
    folder = uploads.uploads_dir(pipeline.settings).resolve()
    saved = sorted(folder.iterdir())
    assert len(saved) == 4 and all(p.parent == folder for p in saved)
    assert not (folder.parent.parent / "escaped.md").exists() and not (folder.parent / "escaped.md").exists()
    assert all(Path(d.source).parent == folder for d in pipeline.documents())
    for name in HOSTILE_NAMES:
        # The page shows names through widgets.md_label: rendered as CommonMark (what Streamlit's
        # Markdown is), the label is one paragraph of plain text saying exactly the name.
        html = MarkdownIt("commonmark").render(widgets.md_label(name))
        body = html.removeprefix("<p>").removesuffix("</p>\n")
        assert "<" not in body.replace("&lt;", ""), html
        assert body.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&") == name
