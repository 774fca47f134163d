"""Several processes on one index: one writer at a time, readers that see each commit, BM25 swaps that never mix generations."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from assistant.index import Index
from assistant.index.check import check
from assistant.index.lexical import LexicalIndex
from assistant.pipeline import build_pipeline
from assistant.settings import Settings
from helpers import ROOT, consistent_ids, write_fixture_corpus

# Small storage batches, so a run commits several times and a second process meets it mid-run.
ENV = {"ASSISTANT_EMBEDDING__BATCH_SIZE": "16", "ASSISTANT_EMBEDDING__INGEST_BATCH": "32"}


def child_env(**extra: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")} | ENV | extra


def start(data: Path, *args: str, log: Path, **env: str) -> subprocess.Popen:
    out = open(log, "w")
    return subprocess.Popen([sys.executable, "-m", "assistant", "--data-dir", str(data), *args], stdout=out, stderr=subprocess.STDOUT, env=child_env(**env))


def wait_until_locked_by(data: Path, proc: subprocess.Popen, log: Path) -> None:
    """Until ``proc`` holds the data dir's writer lock (it writes its pid into writer.json)."""
    while proc.poll() is None:
        try:
            if json.loads((data / "writer.json").read_text())["pid"] == proc.pid:
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    pytest.fail(f"ingest ended before taking the lock: {log.read_text()[-400:]}")


def manifest_ids(index: Index) -> list[str]:
    return sorted(r[0] for r in index.manifest.db.execute("SELECT id FROM chunks"))


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> tuple[Path, Path]:
    """Two folders to ingest: the fixture corpus (with a PDF and DOCX) and the shipped case studies."""
    base = tmp_path_factory.mktemp("folders")
    one = write_fixture_corpus(base / "one")
    two = base / "two"
    shutil.copytree(ROOT / "corpus" / "case-studies", two)
    return one, two


@pytest.fixture(scope="module")
def serial(folders, tmp_path_factory, embeddings) -> list[str]:
    """Passage ids after ingesting the two folders one after the other in one process."""
    p = build_pipeline(Settings(data_dir=tmp_path_factory.mktemp("serial") / "data"), embeddings=embeddings)
    for folder in folders:
        assert p.ingest([folder]).ok
    ids = manifest_ids(p.index)
    assert sorted(consistent_ids(p.index)) == ids
    p.close()
    return ids


@pytest.mark.slow
def test_two_ingests_on_one_data_dir_both_finish_and_equal_a_serial_run(folders, serial, tmp_path):
    data = tmp_path / "data"
    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    a = start(data, "ingest", str(folders[0]), log=log_a)
    wait_until_locked_by(data, a, log_a)
    b = start(data, "ingest", str(folders[1]), log=log_b)
    assert a.wait(timeout=900) == 0, log_a.read_text()[-600:]
    assert b.wait(timeout=900) == 0, log_b.read_text()[-600:]
    waited = log_b.read_text()
    assert "Traceback" not in waited and "database is locked" not in waited
    assert f"assistant: waiting for the index lock (ingest by pid {a.pid} on " in waited

    index = Index(Settings(data_dir=data))
    try:
        assert manifest_ids(index) == serial  # lists, sorted: nothing lost, nothing twice
        assert sorted(consistent_ids(index)) == serial
        found = check(index)
        assert found.ok, found.lines()
    finally:
        index.close()


OPEN_AT_ONCE = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from assistant.index.store import VectorStore
    from assistant.settings import StoreSettings
    ready, go = Path(sys.argv[2]), Path(sys.argv[3])
    ready.touch()
    while not go.exists():
        time.sleep(0.005)
    VectorStore(StoreSettings(), Path(sys.argv[1]))
""")


def test_processes_opening_one_new_data_dir_at_the_same_moment_all_open_it(tmp_path):
    # Opening creates Chroma's schema; unserialised, one of four processes released together
    # failed in two of three runs of this test ("table collections already exists", "database is locked").
    for round_ in range(4):
        chroma = tmp_path / f"round{round_}" / "chroma"
        go = tmp_path / f"go{round_}"
        ready = [tmp_path / f"ready{round_}-{i}" for i in range(4)]
        procs = [
            subprocess.Popen([sys.executable, "-c", OPEN_AT_ONCE, str(chroma), str(r), str(go)], stderr=subprocess.PIPE, text=True, env=child_env(), cwd=ROOT)
            for r in ready
        ]
        deadline = time.monotonic() + 120
        while not all(r.exists() for r in ready) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()  # every process has imported everything: they open at once
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], [e.strip().splitlines()[-1:] for e in errors if e.strip()]


@pytest.mark.slow
def test_a_second_writer_that_will_not_wait_reports_who_holds_the_lock(folders, tmp_path):
    data = tmp_path / "data"
    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    a = start(data, "ingest", str(folders[1]), log=log_a)
    wait_until_locked_by(data, a, log_a)
    b = start(data, "ingest", str(folders[0]), log=log_b, ASSISTANT_STORE__WRITER_WAIT="0")
    assert b.wait(timeout=300) == 1
    assert a.wait(timeout=900) == 0, log_a.read_text()[-600:]
    said = log_b.read_text()
    assert said.count("\n") == 1 and "Traceback" not in said, said
    assert said.startswith(f"assistant: error: an ingest is running, try again in a moment: ingest by pid {a.pid} on "), said


READER = textwrap.dedent("""
    import json, sys, time
    from assistant.pipeline import build_pipeline
    from assistant.settings import Settings

    data, out, question, wanted, until = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
    p = build_pipeline(Settings(data_dir=data))
    p.search("warm up the encoder and both indexes")
    with open(out, "w") as log:
        print("ready", file=log, flush=True)
        n = 0
        while time.time() < until or n < 200:
            n += 1
            row = {"t": time.time()}
            try:
                result = p.search(question, k=5)
                row["dense"] = any(x.doc_id.startswith(wanted) and x.dense is not None for x in result.passages)
                row["lexical"] = any(x.doc_id.startswith(wanted) and x.lexical is not None for x in result.passages)
            except Exception as exc:
                row["error"] = f"{type(exc).__name__}: {exc}"
            print(json.dumps(row), file=log, flush=True)
""")


def committed_at(data: Path, stem: str, proc: subprocess.Popen, log: Path) -> float:
    """When a document whose id starts with ``stem`` first shows up in the manifest (polled from outside)."""
    while True:
        with closing(sqlite3.connect(data / "manifest.sqlite3", timeout=30)) as db:
            if db.execute("SELECT 1 FROM documents WHERE doc_id LIKE ?", (f"{stem}-%",)).fetchone():
                return time.time()
        if proc.poll() is not None:
            pytest.fail(f"the ingest ended without committing {stem}: {log.read_text()[-400:]}")
        time.sleep(0.02)


@pytest.mark.slow
def test_a_running_reader_finds_another_process_ingest_through_dense_search(folders, tmp_path):
    data = tmp_path / "data"
    log = tmp_path / "ingest.log"
    assert start(data, "ingest", str(folders[0]), log=log).wait(timeout=900) == 0, log.read_text()[-600:]
    new = tmp_path / "new"
    new.mkdir()
    (new / "quarry-forum.md").write_text(
        "# Quarry forum\n\nThe quarry forum is a standing table where a mining firm, the parish council and "
        "two schools agree how blasting hours, lorry routes and apprenticeships are shared each season.\n"
    )
    out = tmp_path / "reader.jsonl"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(data), str(out), "How do the mining firm and the parish share blasting hours?", "quarry-forum", str(time.time() + 10 ** 6)],
        env=child_env(), stderr=subprocess.PIPE, text=True,
    )
    try:
        while not (out.exists() and out.read_text().startswith("ready")):
            assert reader.poll() is None, reader.stderr.read()[-800:]
            time.sleep(0.1)
        time.sleep(1.0)  # some queries before the ingest starts
        writer = start(data, "ingest", str(new), log=log)
        commit = committed_at(data, "quarry-forum", writer, log)
        assert writer.wait(timeout=600) == 0, log.read_text()[-600:]
        time.sleep(6.0)  # queries after the commit, for the 5 s window
        while len(out.read_text().splitlines()) < 201:
            time.sleep(0.2)
    finally:
        reader.kill()
        reader.wait()
    rows = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    assert len(rows) >= 200
    errors = [r["error"] for r in rows if "error" in r]
    assert errors == []
    assert not any(r["dense"] for r in rows if r["t"] < commit - 0.5), "found before it was committed?"
    seen = [r["t"] for r in rows if r["dense"]]
    assert seen, "the reader never found the new document through dense search"
    assert seen[0] - commit < 5.0, f"dense search found it {seen[0] - commit:.1f} s after the commit"
    print(f"reader: {len(rows)} queries, 0 errors, dense search found the new document {seen[0] - commit:.2f} s after the commit")
    assert all(r["dense"] for r in rows if r["t"] > seen[0] + 1.0), "found, then lost again"


# -- BM25 swaps ---------------------------------------------------------------------------------


def test_searches_during_bm25_rebuilds_never_mix_generations(tmp_path):
    """Two corpora alternate; in one the query term sits in the even passages, in the other in the odd ones.

    A search that paired one generation's ids with the other's BM25 matrix would return a
    passage without the term (a filler passage), which is what is checked for.
    """
    size = 400

    def corpus(tag: str, even: bool) -> tuple[list[str], list[str], list[str]]:
        ids = [f"{tag}-{i}" for i in range(size)]
        texts = [
            (f"partnership charter number {i} agreed" if (i % 2 == 0) == even else f"weather report {i} rain clouds wind")
            for i in range(size)
        ]
        return ids, [f"{tag}-doc-{i // 10}" for i in range(size)], texts

    x, y = corpus("x", True), corpus("y", False)
    text_of = dict(zip(x[0] + y[0], x[2] + y[2]))
    lexical = LexicalIndex(tmp_path / "bm25")
    lexical.build(*x, 1)
    stop = threading.Event()
    bad: list[str] = []
    searches = [0]

    def search() -> None:
        while not stop.is_set():
            for pid, _ in lexical.search("partnership charter", 20):
                if "charter" not in text_of[pid]:
                    bad.append(pid)
            searches[0] += 1

    threads = [threading.Thread(target=search) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for generation in range(2, 24):
            lexical.build(*(x if generation % 2 else y), generation)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert searches[0] > 50
    assert bad == []
    assert sorted(p.name for p in (tmp_path / "bm25").iterdir() if p.name.startswith(".building")) == []


# -- server mode: stateless instances on one `chroma run` ----------------------------------------


def found_both_ways(p, question: str, stem: str) -> bool:
    """Whether a search finds a passage of the document through dense *and* through BM25 search."""
    passages = [x for x in p.search(question, k=10).passages if x.doc_id.startswith(stem)]
    return any(x.dense is not None for x in passages) and any(x.lexical is not None for x in passages)


QUESTIONS = {"partnership-governance": "What does a boundary spanner do in a partnership?",
             "buurtzorg-neighbourhood-nursing-netherlands": "How are Buurtzorg neighbourhood nursing teams organised?"}


@pytest.mark.slow
def test_two_instances_on_one_server_ingest_at_once_and_each_finds_both(folders, serial, chroma_server, tmp_path, embeddings):
    collection = f"two-{os.getpid()}-{time.time_ns() % 10 ** 9}"
    env = {"ASSISTANT_STORE__URL": chroma_server, "ASSISTANT_STORE__COLLECTION": collection}
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [start(tmp_path / name, "ingest", str(folder), log=log, **env) for name, folder, log in zip("ab", folders, logs)]
    for proc, log in zip(procs, logs):
        assert proc.wait(timeout=900) == 0, log.read_text()[-600:]
    for name in "ab":  # each instance, with its own (fresh) data dir, sees everything the other wrote
        p = build_pipeline(Settings(data_dir=tmp_path / name, store={"url": chroma_server, "collection": collection}), embeddings=embeddings)
        try:
            for stem, question in QUESTIONS.items():
                assert found_both_ways(p, question, stem), (name, stem)
            assert sorted(consistent_ids(p.index)) == serial  # nothing deleted, nothing twice
            assert check(p.index).ok
        finally:
            p.close()


def server_documents(url: str, collection: str) -> int:
    import chromadb
    from urllib.parse import urlparse

    u = urlparse(url)
    try:
        return chromadb.HttpClient(host=u.hostname, port=u.port).get_collection(f"{collection}-documents").count()
    except Exception:  # not created yet
        return 0


@pytest.fixture(scope="module")
def bigger(tmp_path_factory) -> Path:
    """The shipped guidance and case studies: enough batches for an instance to be killed between two commits."""
    dest = tmp_path_factory.mktemp("bigger") / "docs"
    for folder in ("guidance", "case-studies"):
        shutil.copytree(ROOT / "corpus" / folder, dest / folder)
    return dest


@pytest.mark.slow
def test_killing_one_instance_mid_ingest_never_removes_the_other_instances_documents(folders, bigger, chroma_server, tmp_path, embeddings):
    import chromadb
    from urllib.parse import urlparse

    collection = f"kill-{os.getpid()}-{time.time_ns() % 10 ** 9}"
    store = {"url": chroma_server, "collection": collection}
    env = {"ASSISTANT_STORE__URL": chroma_server, "ASSISTANT_STORE__COLLECTION": collection}
    u = urlparse(chroma_server)
    client = chromadb.HttpClient(host=u.hostname, port=u.port)
    a = build_pipeline(Settings(data_dir=tmp_path / "a", store=store), embeddings=embeddings)
    try:
        assert a.ingest([folders[0]]).ok
        mine = consistent_ids(a.index)
        ours = len(a.documents())
        log = tmp_path / "b.log"
        b = start(tmp_path / "b", "ingest", str(bigger), log=log, **env)
        while client.get_collection(f"{collection}-documents").count() <= ours:
            assert b.poll() is None, f"instance b ended before it could be killed: {log.read_text()[-400:]}"
            time.sleep(0.05)
        b.kill()
        b.wait()
        assert len(a.documents()) < ours + sum(1 for p in bigger.rglob("*.md")), "b was killed after its last commit"
        assert mine <= set(a.index.manifest.chunk_ids())
        # The killed instance's rerun, and the survivor's own next run, both reconcile.
        assert start(tmp_path / "b", "ingest", str(bigger), log=log, **env).wait(timeout=900) == 0, log.read_text()[-600:]
        assert a.ingest([folders[0]]).ok
        after = consistent_ids(a.index)  # manifest, Chroma (get and query) and BM25 agree
        assert mine <= after
        assert len(a.documents()) == ours + sum(1 for p in bigger.rglob("*.md"))
        assert found_both_ways(a, QUESTIONS["partnership-governance"], "partnership-governance")
        assert found_both_ways(a, QUESTIONS["buurtzorg-neighbourhood-nursing-netherlands"], "buurtzorg-neighbourhood-nursing-netherlands")
    finally:
        a.close()


def test_reset_in_server_mode_wants_confirmation_and_says_it_empties_the_shared_store(chroma_server, tmp_path, embeddings, corpus_copy):
    collection = f"reset-{os.getpid()}-{time.time_ns() % 10 ** 9}"
    p = build_pipeline(Settings(data_dir=tmp_path / "a", store={"url": chroma_server, "collection": collection}), embeddings=embeddings)
    try:
        assert p.ingest([corpus_copy / "partnership-governance.md"]).ok
    finally:
        p.close()
    env = child_env(ASSISTANT_STORE__URL=chroma_server, ASSISTANT_STORE__COLLECTION=collection)
    command = [sys.executable, "-m", "assistant", "--data-dir", str(tmp_path / "b"), "reset"]
    refused = subprocess.run(command, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=300)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith(f"assistant: error: reset empties the shared store: collection '{collection}' at {chroma_server}, for every app instance using it; add --yes")
    assert server_documents(chroma_server, collection) == 1
    done = subprocess.run([*command, "--yes"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"the shared collection at {chroma_server} is empty now")
    assert server_documents(chroma_server, collection) == 0
