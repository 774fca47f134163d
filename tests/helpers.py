"""Helpers the tests import (``from helpers import ...``): paths, real test files, consistency checks.

They live here, not in conftest.py, because ``tests/ui`` has a conftest of its own and a plain
``from conftest import`` can resolve to either one, depending on which tests pytest collects.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ (a folder of the repo, not an installed package) has the server launcher
    sys.path.insert(0, str(ROOT))

from bench.process import free_port  # noqa: E402,F401 - re-exported for the tests

FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"


def write_fixture_corpus(dest: Path) -> Path:
    """A writable copy of the fixture corpus at ``dest``, plus a generated PDF and DOCX (six documents)."""
    shutil.copytree(FIXTURE_CORPUS, dest)
    write_pdf(dest / "coordination-report.pdf", [
        ("Co-location", "Co-locating employability advisers with health visitors shortened referral times between the two services."),
        ("Job shadowing", "Job shadowing lets staff from one partner spend a day with another partner to learn its rules and culture."),
    ])
    write_docx(dest / "shared-leadership.docx", "Shared leadership agreements", [
        ("Why agree roles early", "A co-leadership agreement names which partner leads each workstream and how leaders resolve conflicts."),
        ("Reviewing the agreement", "Partners should review the shared leadership agreement every six months and after any change of chief officer."),
    ])
    return dest


def write_pdf(path: Path, pages: list[tuple[str, str]]) -> Path:
    """A real multi-page PDF (one heading + paragraph per page, with bookmarks)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle(path.stem.replace("-", " ").title())
    c.setAuthor("Test Author")
    for i, (heading, text) in enumerate(pages):
        c.bookmarkPage(f"p{i}")
        c.addOutlineEntry(heading, f"p{i}", level=0)
        c.setFont("Helvetica-Bold", 14)
        c.drawString(72, 770, heading)
        c.setFont("Helvetica", 11)
        y = 740
        line = ""
        for word in text.split():
            if len(line) + len(word) > 80:
                c.drawString(72, y, line)
                y -= 16
                line = ""
            line = f"{line} {word}".strip()
        c.drawString(72, y, line)
        c.showPage()
    c.save()
    return path


def write_docx(path: Path, title: str, sections: list[tuple[str, str]]) -> Path:
    """A real DOCX with a title, Heading 1 sections and body paragraphs."""
    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.add_heading(title, level=0)
    for heading, text in sections:
        d.add_heading(heading, level=1)
        d.add_paragraph(text)
    d.save(str(path))
    return path


def write_bad_inputs(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Files that must fail (or be skipped) with a one-line reason, beside nothing else.

    Returns:
        ``(failed, skipped)``: file name -> a fragment the reason must contain.
    """
    import random

    from pypdf import PdfWriter

    folder.mkdir(parents=True, exist_ok=True)
    good_pdf = write_pdf(folder.parent / f"{folder.name}-source.pdf", [("Intro", "A readable page about partnership boards.")])
    failed: dict[str, str] = {}

    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> garbage without xref")
    failed["corrupt.pdf"] = "not a readable PDF"
    (folder / "truncated.pdf").write_bytes(good_pdf.read_bytes()[:300])
    failed["truncated.pdf"] = "not a readable PDF"
    writer = PdfWriter(clone_from=str(good_pdf))
    writer.encrypt("secret", algorithm="RC4-128")
    writer.write(str(folder / "encrypted.pdf"))
    failed["encrypted.pdf"] = "encrypted PDF"
    (folder / "empty.md").write_text("")
    failed["empty.md"] = "empty file"
    (folder / "blank.txt").write_text("  \n\n\t\n")
    failed["blank.txt"] = "empty file"
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    failed["binary.txt"] = "binary content"
    rng = random.Random(7)
    (folder / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(3000)))
    failed["image.md"] = "binary content"
    # High bytes only: no NULs or control characters, yet no text encoding makes sense of them.
    (folder / "undecodable.txt").write_bytes(bytes(rng.randrange(128, 256) for _ in range(2000)))
    failed["undecodable.txt"] = "undecodable text"
    (folder / "bad-front-matter.md").write_text("---\ntitle: [unclosed\n---\n# Heading\n\nA body long enough to be a passage of its own.\n")
    failed["bad-front-matter.md"] = "invalid YAML front matter"
    (folder / "broken-link.md").symlink_to(folder / "does-not-exist.md")
    failed["broken-link.md"] = "unreadable"
    (folder / "loop-a.md").symlink_to(folder / "loop-b.md")
    (folder / "loop-b.md").symlink_to(folder / "loop-a.md")
    failed["loop-a.md"] = failed["loop-b.md"] = "unreadable"
    (folder / "not-a-zip.docx").write_bytes(b"PK\x03\x04 this is not really a zip archive")
    failed["not-a-zip.docx"] = "not a readable DOCX"
    (folder / "only-headings.md").write_text("# Title\n\n## Section\n\n### Subsection\n")
    failed["only-headings.md"] = "no indexable text"
    (folder / "script-only.html").write_text("<html><head><script>var x = 1;</script></head><body><script>draw()</script></body></html>")
    failed["script-only.html"] = "no main text"
    good_pdf.unlink()

    skipped = {"notes.xyz": "unsupported file type '.xyz'", "Makefile": "unsupported file type 'Makefile'"}
    (folder / "notes.xyz").write_text("an unknown file type")
    (folder / "Makefile").write_text("all:\n\techo hi\n")
    return failed, skipped


def consistent_ids(index) -> set[str]:
    """Passage ids of an index, after checking that manifest, Chroma and the saved BM25 agree.

    Lists (not sets) are compared, so a duplicate anywhere fails; Chroma is read through ``get``
    and through ``query``; the BM25 side is read back from disk, so an index that was never
    saved (or saved stale) fails too. (``assistant check`` makes the same comparisons.)
    """
    from assistant.index.lexical import LexicalIndex

    manifest = index.manifest.chunk_id_list()
    chroma = index.store.collection.get(include=[])["ids"]
    saved = LexicalIndex(index.lexical.folder)
    loaded = saved.load()
    if manifest or loaded:
        assert loaded and saved.generation == index.manifest.generation, "BM25 index on disk is missing or stale"
    assert len(manifest) == len(set(manifest)), "duplicate passages in the manifest"
    assert sorted(chroma) == sorted(manifest), "Chroma and the manifest disagree"
    # get() reads Chroma's record table; query() its vector index, which a stale client misses.
    assert sorted(index.store.queryable_ids()) == sorted(manifest), "dense search does not find every passage"
    assert sorted(saved.ids) == sorted(manifest), "BM25 and the manifest disagree"
    return set(manifest)


def passages_of(pipeline, stem: str) -> list:
    """The stored passages, in order, of the one indexed document whose file is named ``stem`` (doc ids end in a content hash)."""
    (doc_id,) = [d.doc_id for d in pipeline.documents() if Path(d.source).stem == stem]
    return pipeline.document_passages(doc_id)


def section_passage(pipeline, stem: str, heading: str):
    """The first stored passage of ``stem``'s section whose heading trail ends in ``heading``."""
    return next(p for p in passages_of(pipeline, stem) if p.section.endswith(heading))

