"""Faults from outside, on real processes: the Chroma server killed under a running CLI, and the
CLI itself stopped with SIGINT or SIGTERM mid-ingest. Each ends in one line and a next run that
completes with nothing lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.query_speed import chroma_server
from helpers import write_fixture_corpus


def cli_env(url: str | None, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(data), ANONYMIZED_TELEMETRY="False")
    if url:
        env["ASSISTANT_STORE__URL"] = url
    return env


def cli(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=env, timeout=timeout)


def stats(env: dict[str, str]) -> dict:
    done = cli(env, "stats", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_chroma_server_killed_under_the_cli_is_one_line_and_the_next_run_loses_nothing(tmp_path):
    corpus = write_fixture_corpus(tmp_path / "corpus")
    data, db = tmp_path / "data", tmp_path / "chroma" / "db"
    with chroma_server(db, timeout=120) as (url, pid):
        env = cli_env(url, data)
        assert cli(env, "ingest", str(corpus)).returncode == 0
        before = stats(env)
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        (corpus / "late.md").write_text("# Late note\n\nA late note about shared inboxes for referrals between agencies.\n")
        timings = {}
        for verb, args in (("search", ["search", "boundary spanner"]), ("ask", ["ask", "What does a boundary spanner do?"]), ("ingest", ["ingest", str(corpus)])):
            start = time.monotonic()
            done = cli(env, *args)
            timings[verb] = time.monotonic() - start
            assert done.returncode == 1, (verb, done.stdout, done.stderr)
            assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, (verb, done.stderr)
            assert "Chroma server" in done.stderr, (verb, done.stderr)
        print("seconds to the one-line error (process start included):", {k: round(v, 1) for k, v in timings.items()})
    # The server comes back on the same files (a new port): the interrupted ingest completes, nothing lost.
    with chroma_server(db, timeout=120) as (url, _pid):
        env = cli_env(url, data)
        done = cli(env, "ingest", str(corpus), "--json")
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["added"] == 1 and report["unchanged"] == before["documents"] and report["failed"] == 0
        after = stats(env)
        assert after["documents"] == before["documents"] + 1 and after["vectors"] == after["chunks"] > before["chunks"]
        hit = json.loads(cli(env, "search", "shared inboxes for referrals", "--json", "-k", "1").stdout)["results"][0]
        assert hit["source"].endswith("late.md")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_ingest_stops_cleanly_and_the_rerun_completes(tmp_path, sig):
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    data = tmp_path / "data"
    env = cli_env(None, data)
    env["ASSISTANT_EMBEDDING__INGEST_BATCH"] = "32"  # many commits, so the signal lands mid-run
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(corpus)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    manifest = data / "manifest.sqlite3"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.exists() and _documents(manifest) >= 3:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "ingest ended before it could be signalled"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (proc.returncode, err[-800:])
    assert err.strip().splitlines()[-1] == "assistant: interrupted" and "Traceback" not in err
    partial = stats(env)
    rerun = cli(env, "ingest", str(corpus), "--json")
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["unchanged"] >= partial["documents"] >= 3 and report["failed"] == 0
    final = stats(env)
    assert final["vectors"] == final["chunks"] and final["documents"] == report["added"] + report["updated"] + report["unchanged"]


def _documents(manifest: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{manifest}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return 0
