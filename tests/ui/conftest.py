"""Fixtures for the front end: the shipped corpus indexed once, an AppTest factory, captured downloads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "ui" / "app.py"
CORPUS = ROOT / "corpus"
FIXTURE_CORPUS = ROOT / "tests" / "fixtures" / "corpus"
ARTIFACTS = ROOT / "test-artifacts"

# Variables that would change what the app opens; tests set the ones they need.
APP_ENV = (
    "ASSISTANT_DATA_DIR", "ASSISTANT_CORPUS_DIR", "ASSISTANT_STORE__URL", "ASSISTANT_ADMIN_TOKEN", "ASSISTANT_UI__ADMIN_TOKEN",
    "ASSISTANT_INGEST__MAX_FILE_MB", "ASSISTANT_LLM__BACKEND", "ASSISTANT_LLM__BASE_URL", "ASSISTANT_LLM__MODEL",
)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, embeddings):
    """The shipped corpus/ indexed once per session; yields the pipeline (tests must not change it)."""
    from assistant.pipeline import build_pipeline
    from assistant.settings import Settings

    base = tmp_path_factory.mktemp("corpus-index")
    pipeline = build_pipeline(Settings(data_dir=base / "data", corpus_dir=CORPUS), embeddings=embeddings)
    report = pipeline.ingest([CORPUS], progress=False)
    assert report.ok, report.failed
    yield pipeline
    pipeline.close()


@pytest.fixture()
def app_env(monkeypatch):
    """Clears the app's environment; returns a setter for the variables a test needs."""
    for name in APP_ENV:
        monkeypatch.delenv(name, raising=False)

    def setenv(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, str(value))

    return setenv


@pytest.fixture()
def app(app_env, corpus_index):
    """Factory for an AppTest of ui/app.py over the shared corpus index (extra env as keyword arguments)."""
    from streamlit.testing.v1 import AppTest

    def make(**env):
        env.setdefault("ASSISTANT_DATA_DIR", corpus_index.settings.data_dir)
        env.setdefault("ASSISTANT_CORPUS_DIR", CORPUS)
        app_env(**env)
        return AppTest.from_file(str(APP), default_timeout=180)

    return make


@pytest.fixture()
def fresh_app(app_env, tmp_path):
    """Factory for an AppTest on an empty data dir whose first launch indexes ``corpus`` (a folder)."""
    from streamlit.testing.v1 import AppTest

    def make(corpus: Path, **env):
        app_env(ASSISTANT_DATA_DIR=tmp_path / "data", ASSISTANT_CORPUS_DIR=corpus, **env)
        return AppTest.from_file(str(APP), default_timeout=180)

    return make


@pytest.fixture()
def small_corpus(tmp_path):
    """Two documents of the fixture corpus in their own folder (quick to index)."""
    dest = tmp_path / "small-corpus"
    dest.mkdir()
    for name in ("partnership-governance.md", "coproduction-notes.md"):
        shutil.copy(FIXTURE_CORPUS / name, dest / name)
    return dest


@pytest.fixture()
def downloads(monkeypatch):
    """What the app's download buttons would hand the browser, by file name (bytes)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    captured: dict[str, bytes] = {}

    class Recording(MemoryMediaFileStorage):
        def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
            if filename and isinstance(path_or_data, bytes):
                captured[filename] = path_or_data
            return super().load_and_get_id(path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)
    return captured

