"""Settings: one typed root read from ASSISTANT_* variables, strict about typos, documented field by field."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from assistant.settings import Settings, default_data_dir


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)


def test_environment_sets_nested_fields(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "idx"))
    monkeypatch.setenv("ASSISTANT_STORE__URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__RRF_K", "30")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__BM25_METHOD", "bm25+")
    monkeypatch.setenv("ASSISTANT_CHUNKING__OVERLAP_TOKENS", "0")
    s = Settings()
    assert s.data_dir == tmp_path / "idx"
    assert s.store.url == "http://127.0.0.1:8000"
    assert (s.retrieval.rrf_k, s.retrieval.bm25_method, s.chunking.overlap_tokens) == (30, "bm25+", 0)


def test_arguments_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "env"))
    assert Settings(data_dir=tmp_path / "arg").data_dir == tmp_path / "arg"


def test_default_data_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / "collab-assistant"
    assert Settings().data_dir == tmp_path / "collab-assistant"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_data_dir() == Path.home() / ".local" / "share" / "collab-assistant"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"nonsense": 1},
        {"retrieval": {"rrf": 60}},
        {"retrieval": {"k": 0}},
        {"retrieval": {"bm25_method": "tf-idf"}},
        {"chunking": {"chunk_tokens": 300}},
        {"answer": {"diversity": 1.5}},
    ],
)
def test_typos_and_out_of_range_values_are_refused(kwargs):
    with pytest.raises(ValidationError):
        Settings(**kwargs)


def test_a_misspelt_nested_environment_variable_is_refused(monkeypatch):
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__RRFK", "30")
    with pytest.raises(ValidationError, match="rrfk"):
        Settings()


def test_admin_token_has_a_short_alias(monkeypatch):
    monkeypatch.setenv("ASSISTANT_ADMIN_TOKEN", "s3cret")
    token = Settings().ui.admin_token
    assert token is not None and token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(Settings())


def _fields(model: type[BaseModel], prefix: str = ""):
    for name, info in model.model_fields.items():
        yield f"{prefix}{name}", info
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _fields(annotation, f"{prefix}{name}.")


def test_every_setting_has_a_description():
    missing = [name for name, info in _fields(Settings) if not (info.description or "").strip()]
    assert missing == []
    assert len(list(_fields(Settings))) > 30


def test_default_chunk_budget_fits_the_encoder_window():
    # 256-piece window - 2 special tokens = 254 >= heading trail (48) + passage target (180).
    s = Settings()
    assert s.chunking.context_tokens + s.chunking.chunk_tokens <= s.embedding.max_seq_length - 2
    assert s.chunking.overlap_tokens < s.chunking.chunk_tokens
