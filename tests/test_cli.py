"""The command line end to end, as another program uses it: real subprocesses, exit codes, JSON shapes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import consistent_ids, write_bad_inputs, write_fixture_corpus

ASK_KEYS = {"question", "answer", "abstained", "citations"}
CITATION_KEYS = {"n", "doc_id", "title", "source", "page", "section", "text", "score"}
RESULT_KEYS = {"rank", "doc_id", "title", "source", "page", "section", "text", "score"}


def cli(*args: str, data_dir: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m assistant`` with a clean ASSISTANT_* environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    prefix = ["--data-dir", str(data_dir)] if data_dir else []
    return subprocess.run(
        [sys.executable, "-m", "assistant", *prefix, *args],
        capture_output=True, text=True, timeout=600, env={**base, **(env or {})},
    )


def one_line_error(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("assistant: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_fixture_corpus(tmp_path_factory.mktemp("cli") / "corpus")


@pytest.fixture(scope="module")
def ingested(corpus) -> tuple[Path, subprocess.CompletedProcess]:
    data = corpus.parent / "data"
    return data, cli("ingest", str(corpus), data_dir=data)


@pytest.fixture(scope="module")
def data(ingested) -> Path:
    path, result = ingested
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture()
def data_copy(data, tmp_path) -> Path:
    """A private copy of the indexed data dir, for commands that change it."""
    dest = tmp_path / "data"
    shutil.copytree(data, dest)
    return dest


def stats(data_dir: Path, **kwargs) -> dict:
    result = cli("stats", "--json", data_dir=data_dir, **kwargs)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# -- ingest ------------------------------------------------------------------------------------


def test_ingest_prints_a_summary_and_exits_0(ingested):
    _, result = ingested
    assert result.returncode == 0
    assert re.fullmatch(r"6 added, 0 updated, 0 unchanged, 0 failed, 0 skipped; (\d+) passages stored \(\1 embedded\)\n", result.stdout)
    assert "Traceback" not in result.stderr


def test_reingest_reports_unchanged_files_as_json(data, corpus, run_main):
    code, out, err = run_main("--data-dir", str(data), "ingest", str(corpus), "--json")
    assert code == 0, err
    assert json.loads(out) == {
        "added": 0, "updated": 0, "unchanged": 6, "failed": 0, "skipped": 0, "chunks": 0, "embedded": 0, "errors": [],
    }


def test_bad_inputs_exit_1_with_one_line_per_file_and_the_good_files_indexed(tmp_path):
    folder = tmp_path / "mixed"
    failed, skipped = write_bad_inputs(folder)
    (folder / "good.md").write_text("---\ntitle: Good note\n---\n# Good\n\nCo-location of key workers helps mutual learning between agencies.\n")
    absent = tmp_path / "absent"
    result = cli("ingest", str(folder), str(absent), "--json", data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(failed) + len(skipped) + 1, result.stderr
    for name, reason in {**failed, **skipped}.items():
        mine = [line for line in lines if line.startswith(f"{folder / name}: ")]
        assert len(mine) == 1 and reason in mine[0], (name, lines)
    assert f"{absent}: no such file or directory" in lines
    summary = json.loads(result.stdout)
    assert (summary["added"], summary["failed"], summary["skipped"]) == (1, len(failed) + 1, len(skipped))
    assert {Path(e["file"]).name for e in summary["errors"]} == set(failed) | {"absent"}
    assert stats(tmp_path / "data")["documents"] == 1


# -- ask and search ----------------------------------------------------------------------------


def test_ask_json_has_the_contract_shape_and_markers_match_citations(data):
    result = cli("ask", "What does a boundary spanner do?", "--json", data_dir=data)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert ASK_KEYS <= set(out)
    assert out["question"] == "What does a boundary spanner do?" and out["abstained"] is False
    assert out["citations"], out
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", out["answer"])]
    assert sorted(set(markers)) == [c["n"] for c in out["citations"]] == list(range(1, len(out["citations"]) + 1))
    for c in out["citations"]:
        assert CITATION_KEYS <= set(c)
        assert isinstance(c["n"], int) and isinstance(c["score"], float)
        assert c["page"] is None or isinstance(c["page"], int)
        assert c["text"] and c["title"] and Path(c["source"]).is_absolute() and c["doc_id"]
    top = out["citations"][0]
    assert (top["title"], top["section"]) == ("Partnership governance for test purposes", "Boundary spanners in the partnership")


def test_ask_json_abstains_on_an_out_of_corpus_question(data):
    result = cli("ask", "What is the boiling point of tungsten at sea level?", "--json", data_dir=data)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert ASK_KEYS <= set(out)
    assert out["abstained"] is True and out["citations"] == []
    assert "[1]" not in out["answer"]


def test_ask_prints_the_answer_and_its_sources(data, run_main):
    code, out, err = run_main("--data-dir", str(data), "ask", "How often should partners review a shared leadership agreement?")
    assert code == 0, err
    answer, _, sources = out.partition("\n\n")
    assert "[1]" in answer
    assert re.match(r"\[1\] Shared leadership agreements — Reviewing the agreement\n    /.+shared-leadership.docx\n", sources)


def test_search_prints_ranked_passages(data, run_main):
    code, out, err = run_main("--data-dir", str(data), "search", "job shadowing", "-k", "2")
    assert code == 0, err
    assert out.startswith("1. Coordination Report — Job shadowing, p. 2  [")


def test_search_json_has_the_contract_shape_and_honours_k_and_filters(data):
    result = cli("search", "partners", "--json", "-k", "3", "--filter", "doc_type=guidance", data_dir=data)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {"query", "results"} <= set(out) and out["query"] == "partners"
    assert [r["rank"] for r in out["results"]] == [1, 2, 3]
    for r in out["results"]:
        assert RESULT_KEYS <= set(r)
        assert r["title"] == "Partnership governance for test purposes"
        assert 0 <= r["relevance"] <= 1 and r["match"] in ("strong match", "partial match", "weak match")
    assert [r["score"] for r in out["results"]] == sorted((r["score"] for r in out["results"]), reverse=True)



def test_search_caps_passages_per_document_and_lists_the_rest_under_more(data):
    capped = json.loads(cli("search", "partnership", "--json", "-k", "4", "--per-doc", "1", data_dir=data).stdout)
    docs = [r["doc_id"] for r in capped["results"]]
    assert len(docs) == len(set(docs)) == 4
    assert set(capped["more"]) <= set(docs) and capped["more"], "held-back passages are listed by document"
    uncapped = json.loads(cli("search", "partnership", "--json", "-k", "4", "--per-doc", "0", data_dir=data).stdout)
    assert len({r["doc_id"] for r in uncapped["results"]}) < 4 and uncapped["more"] == {}


# -- stats, remove, reset, data dir ------------------------------------------------------------


def test_stats_json_counts_documents_and_passages(data, run_main):
    out = stats(data)
    assert out["documents"] == 6 and isinstance(out["chunks"], int) and out["chunks"] >= 6
    code, plain, _ = run_main("--data-dir", str(data), "stats")
    assert code == 0 and plain.startswith(f"6 documents, {out['chunks']} passages, {out['chunks']} vectors in {data}")


def test_data_dir_comes_from_the_environment_and_the_option_wins(data, tmp_path):
    assert stats(None, env={"ASSISTANT_DATA_DIR": str(data)})["documents"] == 6
    assert stats(data, env={"ASSISTANT_DATA_DIR": str(tmp_path / "empty")})["documents"] == 6


def test_remove_deletes_one_document_and_says_so(data_copy):
    before = stats(data_copy)
    result = cli("remove", "lone-parents.txt", data_dir=data_copy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("removed Lone parents (")  # a .txt without headings is titled from its file name
    after = stats(data_copy)
    assert after["documents"] == before["documents"] - 1 and after["chunks"] < before["chunks"]

    from assistant.index import Index
    from assistant.settings import Settings

    index = Index(Settings(data_dir=data_copy))
    assert len(consistent_ids(index)) == after["chunks"]
    assert index.manifest.find("lone-parents.txt") is None
    index.close()


def test_remove_of_an_unknown_document_exits_1_with_one_line(data_copy, run_main):
    code, out, err = run_main("--data-dir", str(data_copy), "remove", "no-such-file.md")
    assert code == 1 and out == ""
    assert err == "assistant: error: no single indexed document matches 'no-such-file.md'\n"


def test_reset_empties_the_index(data_copy, run_main):
    before = stats(data_copy)
    code, out, _ = run_main("--data-dir", str(data_copy), "reset")
    assert code == 0
    assert out.strip() == f"index reset: {before['documents']} documents and {before['chunks']} passages removed"
    code, out, _ = run_main("--data-dir", str(data_copy), "stats", "--json")
    assert json.loads(out) == {"documents": 0, "chunks": 0, "vectors": 0}
    code, out, _ = run_main("--data-dir", str(data_copy), "ask", "What does a boundary spanner do?")
    assert code == 0 and out.startswith("Nothing is indexed yet")


# -- usage errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["ask", "q", "--filter", "colour=red"], "unknown filter key 'colour'", id="unknown-filter-key"),
        pytest.param(["search", "q", "-k", "0"], "-k must be at least 1", id="k-zero"),
        pytest.param(["ask"], "the following arguments are required: question", id="missing-argument"),
    ],
)
def test_usage_errors_exit_2_with_one_line_and_no_traceback(tmp_path, args, message):
    result = cli(*args, data_dir=tmp_path / "data")
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in one_line_error(result)
    assert not (tmp_path / "data").exists(), "a usage error must not touch the index"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["search", "q", "--filter", "year=soon"], "year must be a number", id="bad-year"),
        pytest.param(["search", "q", "--filter", "doc_type"], "must look like key=value", id="filter-without-value"),
        pytest.param(["search", "q", "--filter", "doc_type=blog"], "unknown doc_type 'blog'", id="bad-doc-type"),
        pytest.param(["ask", "q", "-k", "three"], "invalid int value: 'three'", id="k-not-a-number"),
        pytest.param(["ingest"], "the following arguments are required: PATH", id="missing-path"),
        pytest.param(["remove"], "the following arguments are required: source", id="missing-source"),
        pytest.param([], "the following arguments are required: command", id="no-command"),
        pytest.param(["frobnicate"], "invalid choice: 'frobnicate'", id="unknown-command"),
        pytest.param(["ask", "q", "--jsn"], "unrecognized arguments: --jsn", id="unknown-option"),
        pytest.param(["ask", "   "], "the question is empty", id="empty-question"),
        pytest.param(["search", ""], "the query is empty", id="empty-query"),
    ],
)
def test_more_usage_errors_exit_2_with_one_line(run_main, tmp_path, args, message):
    code, out, err = run_main("--data-dir", str(tmp_path / "data"), *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("assistant: error: ") and message in err


def test_a_data_dir_that_is_a_file_is_a_usage_error(run_main, tmp_path):
    (tmp_path / "notes.txt").write_text("not a folder")
    code, out, err = run_main("--data-dir", str(tmp_path / "notes.txt"), "stats")
    assert code == 2 and out == ""
    assert err == f"assistant: error: cannot use {tmp_path / 'notes.txt'} as the data dir: File exists\n"


def test_a_bad_setting_in_the_environment_is_a_usage_error(tmp_path):
    result = cli("stats", data_dir=tmp_path / "data", env={"ASSISTANT_RETRIEVAL__K": "0"})
    assert result.returncode == 2
    assert one_line_error(result).startswith("assistant: error: bad setting retrieval.k:")


def test_help_exits_0():
    result = cli("--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: assistant")


def test_console_script_is_installed():
    exe = Path(sys.executable).with_name("assistant")
    assert exe.exists(), "pip install -e . should create the `assistant` console script"
    result = subprocess.run([str(exe), "ask", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--filter" in result.stdout


def test_a_reader_closing_the_pipe_early_is_no_error(shipped):
    # "assistant search ... | head -1": the reader leaves after one line; the index is fine and nothing is reported.
    # 200 passages of the shipped corpus are more than a pipe holds, so the writer meets the closed pipe.
    base = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "--data-dir", str(shipped.settings.data_dir), "search", "partnership", "-k", "200"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=base,
    )
    assert proc.stdout.readline()
    proc.stdout.close()  # as head does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=600) == 0 and err == "", err
