"""Loaders, metadata and file discovery: every format read, every bad file refused with one reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.ingest import discover
from assistant.ingest.loaders import IngestError, load, load_sidecar
from assistant.ingest.metadata import build_meta, first_heading, title_from_filename
from helpers import FIXTURE_CORPUS, write_bad_inputs, write_docx, write_pdf


def read(path: Path):
    return load(path, path.read_bytes())


# -- formats ---------------------------------------------------------------------------------


def test_markdown_front_matter_becomes_metadata_and_leaves_the_text():
    doc = read(FIXTURE_CORPUS / "coproduction-notes.md")
    assert doc.meta["title"] == "Co-production notes"
    assert doc.meta["doc_type"] == "literature"
    assert doc.meta["audience"] == ["researcher", "trainer"]
    assert doc.meta["year"] == 1996
    assert doc.text.startswith("# Co-production notes\n")
    assert "doc_type:" not in doc.text and "---" not in doc.text


def test_a_front_matter_description_opens_the_text(tmp_path):
    # A site generator's page (an 18F method card) keeps its summary in the front matter.
    card = tmp_path / "task-flow.md"
    card.write_text(
        "---\ntitle: Task flow analysis\ndescription: A step-by-step analysis of how a user will reach a goal through tasks and decision points.\n"
        "category: Decide\n---\n\n## How to do it\n\n1. Pick a user goal.\n2. Trace each task and decision point.\n",
        encoding="utf-8",
    )
    doc = read(card)
    assert doc.text.startswith("A step-by-step analysis of how a user will reach a goal through tasks and decision points.\n\n## How to do it\n")
    assert doc.meta["title"] == "Task flow analysis"


def test_a_cards_what_is_its_summary_over_a_description_copied_from_another_card(tmp_path):
    # 18F's "Design hypothesis" card carries the content audit's description; its "what" says what the method is.
    card = tmp_path / "design-hypothesis.md"
    card.write_text(
        "---\ntitle: Design hypothesis\ndescription: A listing and analysis of all the content on an existing website.\n"
        "what: Framing your work as a hypothesis means paying attention to whether the work achieves its goals.\n"
        "---\n\n## How to do it\n\n1. Identify the problem.\n",
        encoding="utf-8",
    )
    doc = read(card)
    assert doc.text.startswith(
        "Framing your work as a hypothesis means paying attention to whether the work achieves its goals.\n\n## How to do it\n"
    ), doc.text
    assert "content on an existing website" not in doc.text


def test_what_a_method_is_for_is_read_from_the_front_matter(tmp_path):
    # An 18F card says why to use its method only in its front matter.
    card = tmp_path / "journey-mapping.md"
    card.write_text(
        "---\ntitle: Journey mapping\ndescription: A visualization of the major interactions shaping a user's experience.\n"
        "why: To give teams a <a href=\"{{site.baseurl}}/x/\" class=\"usa-link\">bird's-eye view</a> of a service\ntimeRequired: 4-12 hours\n---\n\n"
        "Opening words before any heading.\n\n## How to do it\n\n1. Document the design context.\n2. Visualise the journey.\n",
        encoding="utf-8",
    )
    doc = read(card)
    assert doc.text.startswith(
        "A visualization of the major interactions shaping a user's experience.\n\n"
        "Opening words before any heading.\n\n## Why\n\nTo give teams a bird's-eye view of a service.\n\n## How to do it\n"
    ), doc.text
    # The section goes before the first heading the chunker reads: a "#" line in a code fence is none.
    fenced = tmp_path / "fenced.md"
    fenced.write_text("---\ntitle: Fenced\nwhy: To test it\n---\n\nRun:\n\n```\n# a shell comment\n```\n\n### Steps\n\n1. One.\n", encoding="utf-8")
    assert read(fenced).text == "Run:\n\n```\n# a shell comment\n```\n\n### Why\n\nTo test it.\n\n### Steps\n\n1. One.\n"
    # A page with no heading gets the section at its end.
    plain = tmp_path / "plain.md"
    plain.write_text("---\ntitle: Plain\nwhy: To test it\n---\n\nJust text.\n", encoding="utf-8")
    assert read(plain).text == "Just text.\n\n## Why\n\nTo test it.\n"


def test_plain_text_in_latin_1_and_utf8_with_bom_are_read(tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Café notes: co-production résumé for the partnership working group.".encode("latin-1"))
    bom = tmp_path / "bom.md"
    bom.write_bytes("\ufeff# Heading\n\nBody of a note saved by an old Windows editor.".encode("utf-8"))
    assert "Café notes" in read(latin).text and "résumé" in read(latin).text
    assert read(bom).text.startswith("# Heading")


def test_html_keeps_main_text_and_headings_without_script_navigation_or_footer():
    doc = read(FIXTURE_CORPUS / "design-lab.html")
    assert doc.meta["title"] == "Innovation labs in government"
    assert "Denmark's MindLab" in doc.text
    assert "## How labs work" in doc.text.splitlines()  # a heading, so it becomes a section
    for noise in ("should never be indexed", "About us", "cookie banner"):
        assert noise not in doc.text


def test_pdf_is_read_per_page_with_bookmarked_sections_and_file_properties(tmp_path):
    pdf = write_pdf(tmp_path / "report.pdf", [
        ("Co-location", "Advisers sat with health visitors every Tuesday."),
        ("Job shadowing", "Staff spent a day with a partner organisation."),
        ("Results", "Referral times fell by a third over the year."),
    ])
    doc = read(pdf)
    assert [(p.number, p.section) for p in doc.pages] == [(1, "Co-location"), (2, "Job shadowing"), (3, "Results")]
    assert "health visitors" in doc.text[doc.pages[0].start : doc.pages[0].end]
    assert "partner organisation" in doc.text[doc.pages[1].start : doc.pages[1].end]
    assert doc.text[doc.pages[2].start : doc.pages[2].end].startswith("Results")
    assert doc.meta["title"] == "Report"
    assert doc.meta["authors"] == ["Test Author"]


def test_pdf_encrypted_with_an_empty_user_password_opens_like_any_other(tmp_path):
    from pypdf import PdfWriter

    plain = write_pdf(tmp_path / "plain.pdf", [("Intro", "Owner-password PDFs open without asking anyone.")])
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt("", owner_password="owner", algorithm="RC4-128")
    writer.write(str(tmp_path / "locked-for-editing.pdf"))
    assert "open without asking" in read(tmp_path / "locked-for-editing.pdf").text


def test_docx_headings_become_markdown_headings_and_tables_are_kept(tmp_path):
    import docx

    path = write_docx(tmp_path / "agreement.docx", "Shared leadership agreements", [
        ("Why agree roles early", "A co-leadership agreement names who leads each workstream."),
    ])
    document = docx.Document(str(path))
    document.add_heading("Deeper detail", level=2)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Partner", "Lead for housing"
    document.save(str(path))
    lines = read(path).text.splitlines()
    assert "# Shared leadership agreements" in lines
    assert "## Why agree roles early" in lines
    assert "### Deeper detail" in lines
    assert "Partner | Lead for housing" in lines
    assert read(path).meta["title"] == "Shared leadership agreements"


# -- bad input -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad") / "inputs"
    failed, skipped = write_bad_inputs(folder)
    return folder, failed, skipped


def test_every_bad_file_is_refused_with_its_reason(bad_inputs):
    folder, failed, _ = bad_inputs
    for name, reason in failed.items():
        path = folder / name
        if "unreadable" in reason:  # refused before any loader runs (see test_ingest_run)
            with pytest.raises(OSError):
                path.read_bytes()
            continue
        if "no indexable text" in reason:  # loads; the chunker then finds nothing (see test_ingest_run)
            assert read(path).text.startswith("# Title")
            continue
        with pytest.raises(IngestError, match=reason) as info:
            read(path)
        assert "\n" not in str(info.value), f"{name}: the reason must fit on one line"


def test_unsupported_suffix_is_refused_by_load(tmp_path):
    path = tmp_path / "slides.pptx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(IngestError, match="unsupported file type '.pptx'"):
        read(path)


def test_pdf_without_text_is_refused(tmp_path):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "scan.pdf"))
    c.rect(100, 100, 200, 200, fill=1)  # an "image" with no text layer
    c.showPage()
    c.save()
    with pytest.raises(IngestError, match="no extractable text"):
        read(tmp_path / "scan.pdf")


def test_damaged_pdf_speaks_through_its_reason_not_through_log_warnings(tmp_path, caplog):
    # Without a logging setup (the CLI), each pypdf warning would be an extra stderr line
    # that names no file, breaking "one line per bad file".
    (tmp_path / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> garbage without xref")
    with pytest.raises(IngestError):
        read(tmp_path / "corrupt.pdf")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == []


# -- metadata --------------------------------------------------------------------------------


def test_sidecar_beside_the_file_is_read_under_either_name(tmp_path):
    (tmp_path / "report.pdf").write_bytes(b"")
    (tmp_path / "report.meta.yaml").write_text("title: From the sidecar\nyear: 2019\n")
    assert load_sidecar(tmp_path / "report.pdf") == {"title": "From the sidecar", "year": 2019}
    (tmp_path / "notes.md").write_text("")
    (tmp_path / "notes.md.meta.yaml").write_text("tags: [funding]\n")
    assert load_sidecar(tmp_path / "notes.md") == {"tags": ["funding"]}
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "empty.meta.yaml").write_text("")
    assert load_sidecar(tmp_path / "empty.txt") == {}
    assert load_sidecar(tmp_path / "none.txt") == {}


@pytest.mark.parametrize(("content", "reason"), [("title: [unclosed\n", "invalid sidecar"), ("- a\n- list\n", "not a mapping")])
def test_bad_sidecar_is_a_one_line_error(tmp_path, content, reason):
    (tmp_path / "doc.meta.yaml").write_text(content)
    with pytest.raises(IngestError, match=reason) as info:
        load_sidecar(tmp_path / "doc.md")
    assert "doc.meta.yaml" in str(info.value) and "\n" not in str(info.value)


def test_metadata_layers_merge_with_later_layers_winning(tmp_path):
    meta = build_meta(
        tmp_path / "x.pdf",
        "text",
        {"title": "PDF property title", "author": "Ansell, C.", "date": "2008-05-01"},
        {"title": "Front matter title", "type": "Case Studies", "tags": ["Funding", "funding", "Trust"]},
        {"title": "Sidecar title", "url": "https://example.org/x", "audience": "Practitioner", "unknown": "ignored"},
    )
    assert meta.title == "Sidecar title"
    assert meta.authors == ["Ansell, C."]
    assert meta.year == 2008
    assert meta.doc_type == "case-study"
    assert meta.tags == ["funding", "trust"]
    assert meta.audience == ["practitioner"]
    assert meta.reference == "https://example.org/x"


def test_unknown_doc_type_falls_back_to_other(tmp_path):
    assert build_meta(tmp_path / "x.md", "", {"title": "T", "doc_type": "blog post"}).doc_type == "other"


def test_title_is_inferred_from_the_first_heading_then_the_file_name(tmp_path):
    assert build_meta(tmp_path / "x.md", "intro line\n\n## Second-level first\n\n# Later\n").title == "Second-level first"
    assert build_meta(tmp_path / "making-it-work_case study.txt", "no headings at all\n").title == "Making it work case study"
    assert first_heading("#not a heading\nplain") is None
    assert title_from_filename(Path("a--b__c.pdf")) == "A b c"


# -- discovery -------------------------------------------------------------------------------


def test_discover_walks_folders_in_order_skipping_hidden_files_and_sidecars(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "z.md").write_text("z")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "a.meta.yaml").write_text("title: A")
    (tmp_path / ".hidden.md").write_text("h")
    (tmp_path / ".git" / "config.md").write_text("g")
    (tmp_path / "picture.png").write_bytes(b"\x89PNG")
    found = [(p.relative_to(tmp_path).as_posix(), reason) for p, reason in discover([tmp_path])]
    assert found == [("a.txt", None), ("b/z.md", None), ("picture.png", "unsupported file type '.png'")]


def test_discover_reports_missing_paths_and_broken_links(tmp_path):
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere.md")
    found = {p.name: reason for p, reason in discover([tmp_path, tmp_path / "absent.md"])}
    assert found == {"gone.md": None, "absent.md": "missing"}


def test_a_folder_named_like_a_file_is_walked_into(tmp_path):
    folder = tmp_path / "notes.md"
    folder.mkdir()
    (folder / "inside.txt").write_text("inside")
    assert [p.name for p, _ in discover([tmp_path])] == ["inside.txt"]
    assert [p.name for p, _ in discover([folder])] == ["inside.txt"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_unreadable_file_is_found_not_silently_dropped(tmp_path):
    locked = tmp_path / "locked.md"
    locked.write_text("# Locked\n\nSecret text.\n")
    locked.chmod(0)
    try:
        assert [(p.name, r) for p, r in discover([tmp_path])] == [("locked.md", None)]
    finally:
        locked.chmod(0o644)
