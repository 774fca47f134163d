"""Crash safety: kill -9 a real ingest mid-run, twice, rerun it, and end with exactly a clean run's passages."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from assistant.index import Index
from assistant.ingest import discover
from assistant.pipeline import build_pipeline
from assistant.settings import Settings
from helpers import ROOT, consistent_ids, write_docx, write_pdf

# A storage batch (and a manifest commit) every 64 passages, so a run over ~230 passages commits
# several times and can be killed between commits.
ENV = {"ASSISTANT_EMBEDDING__BATCH_SIZE": "16", "ASSISTANT_EMBEDDING__INGEST_BATCH": "64"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Three folders of the shipped corpus plus a generated PDF and DOCX: several seconds of work."""
    dest = tmp_path_factory.mktemp("crash") / "corpus"
    for folder in ("guidance", "training", "case-studies"):
        shutil.copytree(ROOT / "corpus" / folder, dest / folder)
    (dest / "generated").mkdir()
    write_pdf(dest / "generated" / "report.pdf", [
        (f"Finding {i}", f"Finding {i}: co-located teams resolved {i + 2} more referrals a week than separate teams.")
        for i in range(6)
    ])
    write_docx(dest / "generated" / "agreement.docx", "Generated agreement", [
        (f"Clause {i}", f"Clause {i} says which partner leads workstream {i} and how disputes about it are settled.")
        for i in range(8)
    ])
    return dest


@pytest.fixture(scope="module")
def clean(corpus, tmp_path_factory, embeddings) -> set[str]:
    """Passage ids of an uninterrupted run into a data dir of its own."""
    p = build_pipeline(Settings(data_dir=tmp_path_factory.mktemp("clean") / "data"), embeddings=embeddings)
    report = p.ingest([corpus])
    assert report.ok
    ids = consistent_ids(p.index)
    p.close()
    assert len(ids) > 150, "the crash corpus is too small to be killed mid-run"
    return ids


def start_ingest(data: Path, corpus: Path, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | ENV
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "-m", "assistant", "--data-dir", str(data), "ingest", str(corpus)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)


def committed(data: Path) -> int:
    """Documents the manifest holds right now (read from outside the running process)."""
    path = data / "manifest.sqlite3"
    if not path.exists():
        return 0
    try:
        with closing(sqlite3.connect(path, timeout=5)) as db:
            return db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def kill_once(proc: subprocess.Popen, data: Path, at_least: int, log: Path) -> int:
    """SIGKILL the run as soon as the manifest holds ``at_least`` documents; returns how many it held."""
    while proc.poll() is None:
        n = committed(data)
        if n >= at_least:
            proc.kill()
            proc.wait()
            return n
        time.sleep(0.05)
    pytest.fail(f"ingest ended (exit {proc.returncode}) before it could be killed: {log.read_text()[-400:]}")


@pytest.mark.slow
def test_killed_twice_then_rerun_ends_with_exactly_the_clean_run(corpus, clean, tmp_path):
    data = tmp_path / "data"
    total = sum(1 for _, skip in discover([corpus]) if skip is None)
    log = tmp_path / "ingest.log"

    # Kill point 1: just after the first batch is committed, while later batches are being embedded.
    first = kill_once(start_ingest(data, corpus, log), data, 1, log)
    assert 0 < first < total
    # Kill point 2: a second run, killed once most documents are in (mid-batch again).
    second = kill_once(start_ingest(data, corpus, log), data, max(first + 1, total * 3 // 5), log)
    assert first < second < total

    final = start_ingest(data, corpus, log)
    assert final.wait(timeout=900) == 0, log.read_text()[-600:]
    summary = log.read_text().strip().splitlines()[-1]
    assert summary.startswith(f"{total - second} added, 0 updated, {second} unchanged, 0 failed"), summary

    index = Index(Settings(data_dir=data))
    try:
        assert consistent_ids(index) == clean  # manifest, Chroma and BM25: same set, no duplicates
        assert index.stats() == {"documents": total, "chunks": len(clean), "vectors": len(clean)}
    finally:
        index.close()
