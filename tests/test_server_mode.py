"""Server mode: the same pipeline against a real `chroma run` server instead of the embedded client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from urllib.parse import urlparse

import chromadb
import pytest

from assistant.answer import verify
from assistant.index.store import StoreUnavailable
from assistant.pipeline import build_pipeline
from assistant.settings import Settings
from helpers import consistent_ids, free_port


def server_count(url: str, collection: str) -> int:
    """Vectors the server itself holds in a collection (asked through a separate client)."""
    u = urlparse(url)
    return chromadb.HttpClient(host=u.hostname, port=u.port).get_collection(collection).count()


@pytest.fixture()
def collection() -> str:
    """A collection name of its own, so tests sharing the session's server do not meet."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture()
def server_pipeline(make_settings, chroma_server, collection, embeddings):
    settings = make_settings(store={"url": chroma_server, "collection": collection})
    p = build_pipeline(settings, embeddings=embeddings)
    yield p
    p.close()


def test_ingest_search_ask_remove_and_reset_against_a_real_server(server_pipeline, chroma_server, collection, corpus_copy):
    p = server_pipeline
    report = p.ingest([corpus_copy])
    assert report.ok and len(report.added) == 6
    ids = consistent_ids(p.index)
    assert server_count(chroma_server, collection) == len(ids) == report.chunks
    assert not (p.settings.data_dir / "chroma").exists(), "server mode must not open an embedded database"

    top = p.search("What does a boundary spanner do?", k=3).passages[0]
    assert top.title == "Partnership governance for test purposes"
    assert p.index.manifest.titled(["Partnership governance"]) == {top.doc_id}  # names in titles, as written
    assert p.index.manifest.titled(["partnership Governance"]) == set()
    answer = p.ask("What does a boundary spanner do?")
    assert not answer.abstained
    verify(answer)
    assert p.ask("What is the boiling point of tungsten at sea level?").abstained

    again = p.ingest([corpus_copy])
    assert again.embedded == 0 and len(again.unchanged) == 6

    removed = p.remove("lone-parents.txt")
    assert removed is not None
    assert server_count(chroma_server, collection) == len(ids) - removed.n_chunks
    consistent_ids(p.index)

    p.reset()
    assert server_count(chroma_server, collection) == 0
    assert consistent_ids(p.index) == set()


def test_environment_variable_switches_to_the_server(monkeypatch, chroma_server, collection, tmp_path, embeddings, corpus_copy):
    monkeypatch.setenv("ASSISTANT_STORE__URL", chroma_server)
    monkeypatch.setenv("ASSISTANT_STORE__COLLECTION", collection)
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.store.url == chroma_server
    p = build_pipeline(settings, embeddings=embeddings)
    report = p.ingest([corpus_copy / "partnership-governance.md"])
    p.close()
    assert server_count(chroma_server, collection) == report.chunks > 0

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_STORE__URL=chroma_server, ASSISTANT_STORE__COLLECTION=collection, ASSISTANT_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, "-m", "assistant", "stats", "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"documents": 1, "chunks": report.chunks, "vectors": report.chunks}


def test_an_unreachable_server_is_one_clear_error(make_settings, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailable, match=f"cannot reach the Chroma server at {url}"):
        build_pipeline(make_settings(store={"url": url}))

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_STORE__URL"] = url
    result = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(tmp_path / "d"), "stats"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"assistant: error: cannot reach the Chroma server at {url}")


def test_a_search_reads_full_rows_from_the_server_only_for_the_passages_it_returns(server_pipeline, corpus_copy):
    p = server_pipeline
    assert p.ingest([corpus_copy]).ok
    manifest = p.index.manifest
    p.search("boundary spanner", k=3)  # the first search reads the BM25 corpus (every passage's metadata)
    fetched: list[str] = []
    real = manifest._passages

    def counting(ids):
        fetched.extend(ids)
        return real(ids)

    manifest._passages = counting  # a spy on the one method that reads passage rows from the server
    from assistant.index.cache import RevisionCache

    manifest._rows = RevisionCache(8192)  # no row cached: only what the ranking needs is read
    result = p.search("How do partners pool budgets and share governance?", k=2, per_document=1)
    assert result.passages and len(result.passages) <= 2
    # Candidates (dense and BM25 alike) are placed without their rows; only the returned ones and the held-back are read.
    assert set(fetched) == {q.id for q in result.passages} | {q.id for held in result.more.values() for q in held}
    manifest._passages = real
