"""The benchmark (bench/) runs end to end on a tiny corpus and reports every row; its corpus
builder, cache and metric behave. No timing is asserted here: speed is what bench/ reports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is a folder of the repo, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.corpora import NotEnoughText, natural_documents, passage_corpus  # noqa: E402
from bench.embcache import EmbeddingCache  # noqa: E402
from bench.quality import ndcg_at_10  # noqa: E402
from bench.report import ROW_IDS  # noqa: E402
from bench.run import config_from_args, parse_size  # noqa: E402


@pytest.mark.slow
def test_tiny_run_prints_the_table_and_writes_every_row(tmp_path):
    out = tmp_path / "results"
    cmd = [
        sys.executable, "-m", "bench", "--sizes", "40,100k", "--ingest-docs", "10", "--queries", "4", "--warmup", "1",
        "--cold-runs", "1", "--skip", "scifact", "--cache-dir", str(tmp_path / "cache"), "--out", str(out),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]

    results = json.loads((out / "latest.json").read_text())
    rows = {r["id"]: r for r in results["rows"]}
    assert set(rows) == set(ROW_IDS)
    measured = [rid for rid in ROW_IDS if rid != "ndcg_at_10"]
    assert [rid for rid in measured if rows[rid]["value"] is None] == []
    assert all(rows[rid]["baseline"] is not None and rows[rid]["ratio"] is not None for rid in measured)
    assert rows["ndcg_at_10"]["note"].startswith("skipped")
    assert rows["query_p50"]["size"] == "40"
    assert {s["mode"] for s in results["stages"]} == {"embedded", "server"}
    # 100k passages cannot be made from corpus/ alone: that size is skipped with the reason, not faked
    assert any("100k" in n and "real passages" in n for n in results["notes"])

    table = (out / "latest.md").read_text()
    assert table in proc.stdout
    assert "| Measure | Size | Value | Baseline (same run) | Ratio | Target | Met |" in table
    for r in results["rows"]:
        assert f"| {r['measure']} |" in table
    for stage in ("embed", "dense", "bm25", "fuse", "compose"):
        assert f"| {stage} " in table


def test_fallback_corpus_has_the_exact_size_in_real_contiguous_passages(embeddings, tmp_path):
    from assistant.ingest import Chunker

    chunker = Chunker(embeddings.tokenizer)
    natural = natural_documents(chunker, None, tmp_path)
    total = sum(len(d.chunks) for d in natural)
    docs = passage_corpus(total + 250, natural, chunker.tokenizer, chunker.limit)  # needs sentence windows
    chunks = [c for d in docs for c in d.chunks]
    assert len(chunks) == total + 250
    assert len({c.id for c in chunks}) == len(chunks)
    windows = [(d, c) for d in docs if "#w" in d.source for c in d.chunks]
    assert len(windows) >= 250
    for doc, c in windows:
        assert doc.text[c.start : c.end] == c.text
        assert c.embed_text.endswith(c.text)
        assert len(chunker.tokenizer(c.embed_text, add_special_tokens=False)["input_ids"]) <= chunker.limit
        assert all(c.text[a:b].strip() for a, b in c.sentences)
    with pytest.raises(NotEnoughText):
        passage_corpus(10**7, natural, chunker.tokenizer, chunker.limit)


def test_embedding_cache_computes_each_text_once_across_runs(tmp_path):
    calls: list[list[str]] = []

    def encode(texts):
        calls.append(list(texts))
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    first = EmbeddingCache(tmp_path)
    a = first.get(["alpha", "beta", "alpha"], encode)
    assert calls == [["alpha", "beta"]]
    again = EmbeddingCache(tmp_path)  # a later run reads the shards back
    b = again.get(["beta", "alpha"], encode)
    assert len(calls) == 1
    np.testing.assert_array_equal(b, a[[1, 0]])


def test_ndcg_at_10_matches_a_hand_computed_value():
    assert ndcg_at_10(["x", "a"], {"a": 1}) == pytest.approx(1 / np.log2(3))
    assert ndcg_at_10(["a", "b"], {"a": 1, "b": 1}) == pytest.approx(1.0)
    assert ndcg_at_10(["x"] * 10 + ["a"], {"a": 1}) == 0.0


def test_size_flags_read_as_people_write_them():
    assert [parse_size(s) for s in "1k,20k,100k,60,1.5k".split(",")] == [1000, 20000, 100000, 60, 1500]
    config = config_from_args(["--sizes", "1k,20k", "--skip", "server,cold"])
    assert config.sizes == [1000, 20000] and config.skip == {"server", "cold"}
    with pytest.raises(SystemExit):
        config_from_args(["--skip", "everything"])
