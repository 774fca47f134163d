"""Document lifecycle and the consistency check: ids survive a move, --prune forgets deleted files, `assistant check` finds and repairs differences."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from assistant.index import IndexBusy
from assistant.index.check import check
from assistant.pipeline import build_pipeline
from assistant.settings import Settings
from helpers import consistent_ids, write_fixture_corpus


def test_moving_the_corpus_keeps_every_id_and_embeds_nothing(pipeline, tmp_path):
    first = write_fixture_corpus(tmp_path / "here" / "corpus")
    pipeline.ingest([first])
    before = consistent_ids(pipeline.index)
    ids = sorted(d.doc_id for d in pipeline.documents())

    moved = tmp_path / "mounted" / "elsewhere" / "corpus"
    moved.parent.mkdir(parents=True)
    shutil.move(first, moved)
    report = pipeline.ingest([moved])
    assert report.ok and report.embedded == 0 and len(report.updated) == 6 and not report.added
    assert sorted(d.doc_id for d in pipeline.documents()) == ids
    assert consistent_ids(pipeline.index) == before
    assert {d.source for d in pipeline.documents()} == {os.path.realpath(p) for p in moved.iterdir() if not p.name.endswith(".meta.yaml")}
    assert [d.doc_id.startswith("partnership-governance-") for d in pipeline.documents()].count(True) == 1  # the gold set maps stems


def test_prune_removes_documents_whose_files_are_gone_and_only_those(pipeline, tmp_path):
    corpus = write_fixture_corpus(tmp_path / "corpus")
    other = tmp_path / "other"
    other.mkdir()
    (other / "kept.md").write_text("# Kept\n\nA note outside the pruned folder about shared budgets between partners.\n")
    pipeline.ingest([corpus, other])
    (corpus / "lone-parents.txt").unlink()
    (other / "kept.md").unlink()  # gone too, but not under the folder being pruned

    plain = pipeline.ingest([corpus])
    assert plain.removed == [] and pipeline.counts()[0] == 7
    pruned = pipeline.ingest([corpus], prune=True)
    assert [os.path.basename(s) for s in pruned.removed] == ["lone-parents.txt"]
    assert pruned.summary().endswith("; 1 removed (files gone)")
    assert sorted(os.path.basename(d.source) for d in pipeline.documents()) == sorted(
        [p.name for p in corpus.iterdir() if not p.name.endswith(".meta.yaml")] + ["kept.md"]
    )
    consistent_ids(pipeline.index)


def test_same_file_name_in_two_ingested_folders_gets_two_ids(pipeline, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.md").write_text(f"# Notes {folder}\n\nPartners in {folder} meet monthly to review shared outcomes.\n")
    pipeline.ingest([tmp_path / "a", tmp_path / "b"])
    again = pipeline.ingest([tmp_path / "a", tmp_path / "b"])
    assert len({d.doc_id for d in pipeline.documents()}) == 2 and len(again.unchanged) == 2


def test_check_finds_each_kind_of_difference_and_repair_fixes_it(run_main, tmp_path, embeddings):
    data = tmp_path / "data"
    corpus = write_fixture_corpus(tmp_path / "corpus")
    assert run_main("--data-dir", str(data), "ingest", str(corpus))[0] == 0
    code, out, _ = run_main("--data-dir", str(data), "check")
    assert code == 0 and out.startswith("consistent: ")

    p = build_pipeline(Settings(data_dir=data), embeddings=embeddings)
    listed = sorted(p.index.manifest.chunk_ids())
    p.index.store.delete(listed[:2])  # lost vectors
    vector = np.ones(embeddings.dimension, dtype=np.float32) / np.sqrt(embeddings.dimension)
    p.index.store.upsert(["orphan-1"], vector[None, :], ["stray"], [{"doc_id": "gone"}])  # a vector nobody lists
    with p.index.manifest.transaction():
        pass  # BM25 on disk is now one generation behind
    found = check(p.index)
    assert found.missing_vectors == listed[:2] and found.orphan_vectors == ["orphan-1"] and found.bm25_problem
    p.close()

    code, out, _ = run_main("--data-dir", str(data), "check")
    assert code == 1
    assert "2 passages without a vector" in out and "1 vectors no manifest lists (e.g. orphan-1)" in out and "BM25 index: built for generation" in out
    code, out, _ = run_main("--data-dir", str(data), "check", "--repair")
    assert code == 0 and out.startswith("repaired; consistent: ")
    assert run_main("--data-dir", str(data), "check")[0] == 0


def test_a_second_writer_in_the_same_process_is_refused_when_it_will_not_wait(pipeline, tmp_path):
    import threading

    corpus = write_fixture_corpus(tmp_path / "corpus")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with pipeline.index.writing("ingest"):
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    try:
        held.wait(30)
        with pytest.raises(IndexBusy, match=r"^an ingest is running, try again in a moment: ingest by pid \d+ on "):
            pipeline.ingest([corpus], wait=0)
    finally:
        release.set()
        t.join()
    assert pipeline.ingest([corpus], wait=0).ok


def test_an_upload_while_an_ingest_runs_is_refused_and_saves_nothing(pipeline, tmp_path):
    import threading

    from assistant.app import uploads

    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with pipeline.index.writing("ingest"):
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    try:
        held.wait(30)
        with pytest.raises(uploads.IndexBusy, match="^an ingest is running, try again in a moment"):
            uploads.upload(pipeline, [("note.md", b"# Note\n\nShared budgets need one accountable officer per partner.\n")])
        assert not uploads.uploads_dir(pipeline.settings).exists() or not any(uploads.uploads_dir(pipeline.settings).iterdir())
        with pytest.raises(uploads.IndexBusy, match="^an ingest is running, try again in a moment"):
            uploads.remove(pipeline, "anything")
    finally:
        release.set()
        t.join()
    assert uploads.upload(pipeline, [("note.md", b"# Note\n\nShared budgets need one accountable officer per partner.\n")]).added == ["note.md"]


def test_vectors_without_a_manifest_row_take_no_place_in_the_top_k_and_do_not_stop_abstention(indexed, embeddings):
    """Another writer's batch not yet committed (or a killed run's) sits in Chroma, nearer than anything else."""
    question = "What is the boiling point of tungsten at sea level?"
    store = indexed.index.store
    vector = embeddings.encode_query(question)
    orphans = [f"uncommitted-{i}" for i in range(4)]
    store.upsert(orphans, np.vstack([vector] * 4), ["tungsten boils at 5555 C"] * 4, [{"doc_id": "not-committed"}] * 4)
    try:
        result = indexed.search(question, k=5)
        assert [p.rank for p in result.passages] == [1, 2, 3, 4, 5]
        assert not set(orphans) & {p.id for p in result.passages}
        assert result.best_dense is not None and result.best_dense < 0.99
        assert indexed.ask(question).abstained
    finally:
        store.delete(orphans)
