"""Hostile files (the README's Reliability matrix): each bad one fails alone with one line naming
the file and the reason; odd but readable ones are indexed; nothing already stored is lost.

Every file here is real bytes on disk, generated in tmp: PDFs with reference loops written
object by object, a sparse 100 MB file, a DOCX whose one part inflates to 250 MB, HTML nested
10,000 levels deep, a 5 MB line with no break in it.
"""

from __future__ import annotations

import os
import random
import zipfile
from pathlib import Path

import pytest

from assistant.ingest.chunking import Chunker, _heading_units
from assistant.ingest.loaders import LoadedDocument
from helpers import consistent_ids, write_bad_inputs

WORDS = "partners agency trust boundary spanner co-design budget pooled governance learning evaluation citizens".split()


def pdf_bytes(objects: dict[int, bytes], prev_self: bool = False) -> bytes:
    """A PDF written object by object with a correct cross-reference table (so a reader gets past
    the xref and into whatever loop the objects hold); ``prev_self`` makes the xref its own /Prev."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for n in sorted(objects):
        offsets[n] = len(out)
        out += b"%d 0 obj\n" % n + objects[n] + b"\nendobj\n"
    xref, size = len(out), max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets.get(n, 0) for n in range(1, size))
    prev = b" /Prev %d" % xref if prev_self else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, prev, xref)
    return bytes(out)


CONTENT = b"BT /F1 12 Tf 72 720 Td (Partnership boards meet monthly.) Tj ET"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
PDF_PARTS = {
    1: b"<< /Type /Catalog /Pages 2 0 R >>",
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: PAGE,
    4: b"<< /Length %d >>\nstream\n" % len(CONTENT) + CONTENT + b"\nendstream",
    5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
}


def zip_bomb_docx(path: Path, inflated_mb: int) -> Path:
    """A DOCX-named zip whose document part inflates from ~1 KB per MB of zeros to ``inflated_mb`` MB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            zeros = b"\0" * (1 << 20)
            for _ in range(inflated_mb):
                part.write(zeros)
    return path


def write_hostile(folder: Path) -> dict[str, str]:
    """The hostile files beyond helpers.write_bad_inputs: file name -> fragment of its one-line reason."""
    failed: dict[str, str] = {}
    (folder / "kids-loop.pdf").write_bytes(pdf_bytes({**PDF_PARTS, 2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"}))
    failed["kids-loop.pdf"] = "not a readable PDF"
    (folder / "reference-loop.pdf").write_bytes(pdf_bytes({**PDF_PARTS, 2: b"6 0 R", 6: b"2 0 R"}))
    failed["reference-loop.pdf"] = "not a readable PDF"
    (folder / "contents-loop.pdf").write_bytes(pdf_bytes({**PDF_PARTS, 3: PAGE.replace(b"4 0 R", b"7 0 R"), 7: b"[7 0 R]"}))
    failed["contents-loop.pdf"] = "no extractable text"
    with open(folder / "huge.txt", "wb") as f:  # sparse: 100 MB on paper, nothing on disk
        f.truncate(100 * 1_048_576)
    failed["huge.txt"] = "file is 100 MB, above the 50 MB limit"
    zip_bomb_docx(folder / "zip-bomb.docx", 250)
    failed["zip-bomb.docx"] = "DOCX unpacks to 250 MB, above the 200 MB limit"
    body = "<p>Pooled budgets let partners share risk across agencies and years.</p>"
    (folder / "nested.html").write_text("<html><body>" + "<div>" * 10_000 + body + "</div>" * 10_000 + "</body></html>")
    failed["nested.html"] = "no main text found in the HTML"
    rng = random.Random(5)
    line = " ".join(rng.choice(WORDS) for _ in range(700_000))[: 5 * 1_000_000]
    (folder / "one-line.txt").write_text(line)  # 5 MB, no line break: minutes of measuring
    failed["one-line.txt"] = "parsing took longer than 20 s"
    return failed


def write_readable_oddities(folder: Path) -> dict[str, str]:
    """Odd but readable files: file name -> a phrase a search must find in them."""
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, str] = {}
    text = "Rotating chairs between the housing and health partners kept the steering group even-handed.\n"
    (folder / "utf16-no-bom.txt").write_bytes(text.encode("utf-16-le"))
    found["utf16-no-bom.txt"] = "rotating chairs steering group even-handed"
    nul = "A shared inbox for referrals\x00 stopped families being asked the same questions twice.\n"
    (folder / "nul-inside.md").write_bytes(nul.encode())
    found["nul-inside.md"] = "shared inbox referrals families asked same questions twice"
    latin = "Caf\xe9 conversations between caseworkers built trust faster than formal meetings did.\n"
    (folder / "latin1.txt").write_bytes(latin.encode("latin-1"))  # invalid as UTF-8
    found["latin1.txt"] = "conversations between caseworkers built trust faster"
    mixed = (
        "# Multilingual outreach\n\n"
        "Outreach leaflets in Arabic and Hebrew were tested with residents before printing.\n\n"
        "\u0627\u0644\u0634\u0631\u0627\u0643\u0629 \u0628\u064a\u0646 \u0627\u0644\u0628\u0644\u062f\u064a\u0629 "
        "\u05e9\u05d5\u05ea\u05e4\u05d5\u05ea \u05e2\u05dd \u05d4\u05e2\u05d9\u05e8\u05d9\u05d9\u05d4 "
        "\u5408\u4f5c\u521b\u65b0 \u2067mixed\u2069 \u202eright-to-left override\u202c text.\n"
    )
    (folder / "mixed-scripts.md").write_text(mixed, encoding="utf-8")
    found["mixed-scripts.md"] = "outreach leaflets arabic hebrew tested residents"
    return found


@pytest.mark.slow
def test_hostile_files_fail_one_line_each_readable_oddities_are_indexed_nothing_is_lost(make_settings, embeddings, corpus_copy, tmp_path):
    from assistant.pipeline import build_pipeline

    pipeline = build_pipeline(make_settings(ingest={"parse_timeout": 20}), embeddings=embeddings)
    try:
        pipeline.ingest([corpus_copy])
        before = consistent_ids(pipeline.index)
        folder = tmp_path / "hostile"
        failed, skipped = write_bad_inputs(folder)
        failed.update(write_hostile(folder))
        found = write_readable_oddities(folder)

        lines: list[str] = []
        report = pipeline.ingest([folder, corpus_copy], report_line=lines.append)

        assert not report.ok and len(report.unchanged) == 6
        assert {os.path.basename(n): r for n, r in report.failed}.keys() == failed.keys(), report.failed
        assert len(lines) == len(failed) + len(skipped), "\n".join(lines)
        for name, reason in {**failed, **skipped}.items():
            mine = [line for line in lines if line.startswith(f"{folder / name}: ")]
            assert len(mine) == 1 and reason in mine[0] and "\n" not in mine[0], (name, mine)
        assert sorted(os.path.basename(s) for s in report.added) == sorted(found)
        after = consistent_ids(pipeline.index)
        assert before < after, "passages already stored were lost"
        for name, phrase in found.items():
            assert os.path.basename(pipeline.search(phrase, k=1).passages[0].source) == name, name
        rtl = next(p for p in pipeline.search("multilingual outreach leaflets", k=3).passages if p.source.endswith("mixed-scripts.md"))
        assert "\u05e9\u05d5\u05ea\u05e4\u05d5\u05ea" in rtl.text and "\u5408\u4f5c\u521b\u65b0" in rtl.text
    finally:
        pipeline.close()


def test_a_parser_crash_or_missing_package_fails_that_file_alone(pipeline, tmp_path, monkeypatch):
    """ImportError (lxml.html.clean on a plain install), MemoryError and a parser's own bug."""
    import trafilatura

    folder = tmp_path / "crashy"
    folder.mkdir()
    (folder / "page.html").write_text("<html><body><article><p>Pooled budgets let partners share risk across agencies.</p></article></body></html>")
    (folder / "good.md").write_text("# Good\n\nJob shadowing lets staff learn how a partner agency works day to day.\n")
    for error, expected in (
        (ImportError("lxml.html.clean module is now a separate project lxml_html_clean"), "could not be read (ImportError: lxml.html.clean"),
        (MemoryError(), "could not be read (MemoryError)"),
        (RecursionError("maximum recursion depth exceeded"), "could not be read (RecursionError: maximum recursion"),
    ):
        def broken(*args, **kwargs):
            raise error

        monkeypatch.setattr(trafilatura, "extract", broken)
        lines: list[str] = []
        report = pipeline.ingest([folder], report_line=lines.append)
        assert lines == [f"{folder / 'page.html'}: {expected}" + lines[0].split(expected, 1)[1]] and expected in lines[0]
        assert [os.path.basename(n) for n, _ in report.failed] == ["page.html"]
        assert [os.path.basename(s) for s in report.added + report.unchanged] == ["good.md"]


def test_the_cli_exits_1_with_one_line_for_a_file_over_the_size_limit(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "note.md").write_text("# Note\n\nPeer review between councils spreads good practice in housing repairs.\n")
    with open(folder / "dump.txt", "wb") as f:
        f.truncate(3 * 1_048_576)
    env = {**os.environ, "ASSISTANT_INGEST__MAX_FILE_MB": "2"}
    run = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(tmp_path / "d"), "ingest", str(folder)], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 1, run.stderr
    assert run.stderr.strip().splitlines() == [f"{folder / 'dump.txt'}: file is 3 MB, above the 2 MB limit (ASSISTANT_INGEST__MAX_FILE_MB)"]
    assert "1 added" in run.stdout and "1 failed" in run.stdout


def test_pdf_page_cap_refuses_before_reading(tmp_path):
    from assistant.ingest.loaders import IngestError, load
    from assistant.settings import IngestSettings
    from helpers import write_pdf

    pdf = write_pdf(tmp_path / "three.pdf", [("A", "Page one text about boards."), ("B", "Page two text."), ("C", "Page three text.")])
    with pytest.raises(IngestError, match=r"PDF has 3 pages, above the 2-page limit"):
        load(pdf, pdf.read_bytes(), IngestSettings(max_pdf_pages=2))
    assert load(pdf, pdf.read_bytes(), IngestSettings(max_pdf_pages=3)).pages


@pytest.mark.parametrize("separator", ["\u2028", "\x0c", "\x85", "\x1c", "\x1d", "\x1e", "\x0b", "\r"])
def test_line_separators_inside_paragraphs_keep_section_labels_right(embeddings, separator):
    """str.splitlines breaks at these; markdown-it does not (except \\r): a section must not shift."""
    text = (
        "# Guide\n\n## Governance\n\n"
        + "".join(f"The board meets monthly{separator} and " for _ in range(4))
        + "keeps minutes for every partner.\n\n## Funding\n\nPooled budgets are agreed each spring by all the partners together.\n"
    )
    units = {text[u.start:u.end].split("\n", 1)[0]: u.trail for u in _heading_units(text, "Guide")}
    assert units["## Governance"] == ("Governance",) and units["## Funding"] == ("Funding",)
    chunks = Chunker(embeddings.tokenizer).chunk(LoadedDocument(text), "d", "h", "Guide")
    funding = [c for c in chunks if "Pooled budgets" in c.text]
    assert funding and all(c.section == "Funding" and "board meets" not in c.text for c in funding)
