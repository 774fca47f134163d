"""The .assistantignore rule: files a folder says are not documents are left out of ingest silently."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest import discover

ROOT = Path(__file__).resolve().parent.parent


def _tree(root: Path, ignore: str | None) -> Path:
    (root / "eval").mkdir(parents=True)
    (root / "guides").mkdir()
    (root / "eval" / "questions.jsonl").write_text('{"id": "q1"}\n')
    (root / "eval" / "keep.md").write_text("# Kept\n\nA document that the negation pattern keeps.\n")
    (root / "guides" / "note.md").write_text("# Note\n\nA real document.\n")
    (root / "guides" / "draft.tmp").write_text("scratch")
    if ignore is not None:
        (root / ".assistantignore").write_text(ignore)
    return root


def listed(root: Path) -> dict[str, str | None]:
    return {p.relative_to(root).as_posix(): reason for p, reason in discover([root])}


def test_without_an_ignore_file_everything_is_listed_and_non_documents_are_skipped(tmp_path):
    out = listed(_tree(tmp_path / "c", None))
    assert out["eval/questions.jsonl"] and "unsupported" in out["eval/questions.jsonl"]
    assert out["guides/note.md"] is None


def test_gitignore_patterns_leave_files_out_without_a_skip(tmp_path):
    root = _tree(tmp_path / "c", "# not documents\neval/*\n!eval/keep.md\n*.tmp\n")
    assert listed(root) == {"eval/keep.md": None, "guides/note.md": None}


def test_an_explicit_file_is_never_ignored(tmp_path):
    root = _tree(tmp_path / "c", "eval/\n")
    target = root / "eval" / "questions.jsonl"
    assert [p for p, _ in discover([target])] == [target]


def test_the_shipped_corpus_ignores_its_gold_set():
    corpus = ROOT / "corpus"
    out = listed(corpus)
    assert out and all(reason is None for reason in out.values()), {k: v for k, v in out.items() if v}
    assert not any(name.startswith("eval/") for name in out)
    assert list(corpus.glob("eval/*.jsonl")), "the gold set is still there, only not ingested"
