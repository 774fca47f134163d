"""Ingest runs end to end: bad input never stops the run or damages the index; re-ingest is idempotent."""

from __future__ import annotations

import io
import os
import shutil
import sys
import threading
import time

import pytest

from assistant.ingest import doc_id_for
from helpers import consistent_ids, write_bad_inputs


def ids_of_source(pipeline, source) -> set[str]:
    record = pipeline.index.manifest.find(str(source))
    return {c.id for c in pipeline.index.manifest.document_chunks(record.doc_id)}


def test_fixture_corpus_is_stored_consistently_on_all_three_sides(pipeline, corpus_copy):
    report = pipeline.ingest([corpus_copy])
    assert report.ok and len(report.added) == 6 and report.skipped == []
    ids = consistent_ids(pipeline.index)
    assert len(ids) == report.chunks == report.embedded
    assert pipeline.stats() == {"documents": 6, "chunks": len(ids), "vectors": len(ids)}


def test_bad_inputs_each_get_one_line_and_nothing_stored_is_lost_or_duplicated(pipeline, corpus_copy, tmp_path):
    pipeline.ingest([corpus_copy])
    before = consistent_ids(pipeline.index)
    folder = tmp_path / "mixed"
    failed, skipped = write_bad_inputs(folder)
    (folder / "good.md").write_text("# Good note\n\nCo-location of key workers helps mutual learning between agencies.\n")
    (folder / "also-good.txt").write_text("Job shadowing lets staff learn how a partner agency works day to day.\n")
    locked = folder / "locked.md"
    locked.write_text("# Locked\n\nA note nobody may read, about partnership boards.\n")
    locked.chmod(0)
    can_read_locked = os.access(locked, os.R_OK)  # root reads anything
    if not can_read_locked:
        failed["locked.md"] = "unreadable"

    lines: list[str] = []
    try:
        report = pipeline.ingest([folder, corpus_copy], report_line=lines.append)
    finally:
        locked.chmod(0o644)

    assert {os.path.basename(name) for name, _ in report.failed} == set(failed)
    assert {os.path.basename(name) for name, _ in report.skipped} == set(skipped)
    assert len(lines) == len(failed) + len(skipped), "\n".join(lines)
    for name, reason in {**failed, **skipped}.items():
        mine = [line for line in lines if line.startswith(str(folder / name) + ":")]
        assert len(mine) == 1, f"{name}: {mine}"
        assert reason in mine[0]
        assert "\n" not in mine[0]
    good = {"good.md", "also-good.txt"} | ({"locked.md"} if can_read_locked else set())
    assert {os.path.basename(s) for s in report.added} == good
    assert len(report.unchanged) == 6

    after = consistent_ids(pipeline.index)
    assert before <= after, "passages already stored were lost"
    added = set().union(*(ids_of_source(pipeline, folder / name) for name in good))
    assert after == before | added and not before & added
    hits = pipeline.search("co-location of key workers mutual learning", k=3).passages
    assert hits[0].source == str(folder / "good.md")


def test_reingesting_unchanged_files_does_no_embedding_work(pipeline, corpus_copy):
    first = pipeline.ingest([corpus_copy])
    ids = consistent_ids(pipeline.index)
    generation = pipeline.index.manifest.generation
    again = pipeline.ingest([corpus_copy])
    assert again.embedded == 0 and again.chunks == 0
    assert sorted(again.unchanged) == sorted(first.added)
    assert again.added == again.updated == again.failed == []
    assert consistent_ids(pipeline.index) == ids
    assert pipeline.index.manifest.generation == generation  # BM25 not rebuilt either


def test_overlapping_paths_ingest_each_file_once(pipeline, corpus_copy):
    report = pipeline.ingest([corpus_copy, corpus_copy / "lone-parents.txt", corpus_copy])
    assert report.ok and len(report.added) == 6
    assert len(consistent_ids(pipeline.index)) == report.chunks


def test_a_changed_file_replaces_its_old_passages_everywhere(pipeline, corpus_copy):
    pipeline.ingest([corpus_copy])
    path = corpus_copy / "partnership-governance.md"
    old = ids_of_source(pipeline, path)
    others = consistent_ids(pipeline.index) - old
    text = path.read_text().replace("Most boards meet every six weeks", "Most boards meet every fortnight")
    path.write_text(text + "\n## Exit\n\nPartners plan from the start how the partnership will end or hand over its work.\n")

    report = pipeline.ingest([corpus_copy])
    assert report.updated == [str(path.resolve())] and report.added == [] and len(report.unchanged) == 5
    new = ids_of_source(pipeline, path)
    assert not old & new
    ids = consistent_ids(pipeline.index)
    assert ids == others | new  # old ids gone from the manifest, Chroma and BM25 alike
    top = pipeline.search("how often does the partnership board meet", k=1).passages[0]
    assert "every fortnight" in top.text and "six weeks" not in top.text
    assert pipeline.stats()["documents"] == 6


def test_a_good_file_turned_bad_keeps_its_indexed_version(pipeline, corpus_copy):
    pipeline.ingest([corpus_copy])
    ids = consistent_ids(pipeline.index)
    (corpus_copy / "coordination-report.pdf").write_bytes(b"%PDF-1.4 truncated by a failed download")
    report = pipeline.ingest([corpus_copy])
    assert [os.path.basename(f) for f, _ in report.failed] == ["coordination-report.pdf"]
    assert consistent_ids(pipeline.index) == ids


def test_remove_deletes_a_document_everywhere_by_path_id_or_file_name(pipeline, corpus_copy):
    pipeline.ingest([corpus_copy])
    all_ids = consistent_ids(pipeline.index)
    for key in (str((corpus_copy / "lone-parents.txt").resolve()), doc_id_for(str((corpus_copy / "design-lab.html").resolve())), "coproduction-notes.md"):
        record = pipeline.remove(key)
        assert record is not None, key
        assert pipeline.remove(key) is None
    remaining = consistent_ids(pipeline.index)
    assert pipeline.stats()["documents"] == 3
    removed = all_ids - remaining
    assert removed and remaining < all_ids
    assert not any(p.id in removed for p in pipeline.search("lone parents childcare co-production labs", k=20).passages)


def test_remove_refuses_an_ambiguous_file_name(pipeline, corpus_copy, tmp_path):
    twin = tmp_path / "twin"
    twin.mkdir()
    shutil.copy(corpus_copy / "lone-parents.txt", twin / "lone-parents.txt")
    pipeline.ingest([corpus_copy, twin])
    assert pipeline.remove("lone-parents.txt") is None
    assert pipeline.stats()["documents"] == 7


def test_reset_empties_every_side_and_ingest_works_again(pipeline, corpus_copy):
    pipeline.ingest([corpus_copy])
    ids = consistent_ids(pipeline.index)
    pipeline.reset()
    assert consistent_ids(pipeline.index) == set()
    assert pipeline.stats() == {"documents": 0, "chunks": 0, "vectors": 0}
    assert pipeline.search("boundary spanner").passages == []
    report = pipeline.ingest([corpus_copy])
    assert len(report.added) == 6 and consistent_ids(pipeline.index) == ids


def test_sidecar_metadata_is_stored_and_an_edited_sidecar_is_picked_up(pipeline, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "board-notes.txt").write_text("Notes from the partnership board about shared budgets and who signs them off.\n")
    sidecar = folder / "board-notes.meta.yaml"
    sidecar.write_text("title: Board notes\ndoc_type: guidance\nyear: 2021\ntags: [Budgets]\naudience: practitioner\n")
    report = pipeline.ingest([folder])
    assert report.skipped == [], "the sidecar itself is not a document"
    (doc,) = pipeline.documents()
    assert (doc.meta.title, doc.meta.doc_type, doc.meta.year, doc.meta.tags, doc.meta.audience) == (
        "Board notes", "guidance", 2021, ["budgets"], ["practitioner"],
    )
    sidecar.write_text("title: Board notes\ndoc_type: case-study\nyear: 2022\n")
    report = pipeline.ingest([folder])
    assert len(report.updated) == 1
    (doc,) = pipeline.documents()
    assert (doc.meta.doc_type, doc.meta.year) == ("case-study", 2022)
    consistent_ids(pipeline.index)


def test_sidecar_overrides_front_matter(pipeline, tmp_path):
    (tmp_path / "note.md").write_text("---\ntitle: From front matter\ndoc_type: literature\n---\n# Heading\n\nBody text about trust between partner agencies.\n")
    (tmp_path / "note.meta.yaml").write_text("title: From the sidecar\n")
    pipeline.ingest([tmp_path / "note.md"])
    (doc,) = pipeline.documents()
    assert (doc.meta.title, doc.meta.doc_type) == ("From the sidecar", "literature")


def test_titles_are_inferred_when_a_file_names_none(pipeline, tmp_path):
    (tmp_path / "no-front-matter.md").write_text("Some intro.\n\n# The first heading\n\nBody about co-design workshops with service users.\n")
    (tmp_path / "team_meeting-notes.txt").write_text("Plain notes about a team meeting on shared outcomes.\n")
    pipeline.ingest([tmp_path])
    assert {d.meta.title for d in pipeline.documents()} == {"The first heading", "Team meeting notes"}
    assert {d.meta.doc_type for d in pipeline.documents()} == {"other"}


def test_passages_are_embedded_in_batches_and_progress_is_reported(pipeline, corpus_copy):
    from assistant.ingest import run_ingest

    calls: list[int] = []
    progress: list[tuple[int, int, str]] = []

    def embed(texts):
        calls.append(len(texts))
        return pipeline.embeddings.encode(texts)

    report = run_ingest([corpus_copy], pipeline.index, embed, pipeline.chunker, batch_chunks=4, progress=False,
                        on_progress=lambda *a: progress.append(a))
    assert len(calls) > 1 and sum(calls) == report.chunks == report.embedded
    assert [(done, total) for done, total, _ in progress] == [(i, 6) for i in range(1, 7)]
    assert sorted(name for _, _, name in progress) == sorted(p.name for p in corpus_copy.iterdir())
    consistent_ids(pipeline.index)


def test_batches_are_encoded_on_a_second_thread_and_stored_in_order(pipeline, corpus_copy):
    from assistant.ingest import run_ingest

    encoded_on: set[str] = set()
    written: list[list[str]] = []
    write = pipeline.index.write

    def embed(texts):
        encoded_on.add(threading.current_thread().name)
        return pipeline.embeddings.encode(texts)

    def record_write(docs, vectors):
        written.append([d.source for d in docs])
        return write(docs, vectors)

    pipeline.index.write = record_write
    report = run_ingest([corpus_copy], pipeline.index, embed, pipeline.chunker, batch_chunks=4, progress=False)
    assert encoded_on and not {threading.current_thread().name} & encoded_on
    assert [s for batch in written for s in batch] == report.added  # every batch stored, once, in file order
    assert len(written) > 1
    consistent_ids(pipeline.index)


def test_an_encoder_failure_stops_the_run_with_earlier_batches_stored_and_a_rerun_completes(pipeline, corpus_copy):
    from assistant.ingest import run_ingest

    calls = 0

    def failing_second_batch(texts):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("encoder out of memory")
        return pipeline.embeddings.encode(texts)

    with pytest.raises(RuntimeError, match="out of memory"):
        run_ingest([corpus_copy], pipeline.index, failing_second_batch, pipeline.chunker, batch_chunks=4, progress=False)
    stored = pipeline.stats()
    assert 0 < stored["documents"] < 6, "the first batch is stored, the failed one is not"
    consistent_ids(pipeline.index)  # no half-stored batch: manifest, Chroma and BM25 agree
    report = pipeline.ingest([corpus_copy])
    assert report.ok and len(report.unchanged) == stored["documents"] and len(report.added) == 6 - stored["documents"]
    assert pipeline.stats()["documents"] == 6
    consistent_ids(pipeline.index)


def test_an_interrupted_run_stops_encoding_after_the_current_call_and_stores_nothing_half_done(pipeline, corpus_copy):
    from assistant.ingest import run_ingest

    calls: list[int] = []
    encoding = threading.Event()

    def slow_embed(texts):
        calls.append(len(texts))
        encoding.set()
        time.sleep(1.0)  # a long encoder call: the interrupt lands while the first of several is running
        return pipeline.embeddings.encode(texts)

    def ctrl_c(done, total, name):
        encoding.wait(30)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_ingest([corpus_copy], pipeline.index, slow_embed, pipeline.chunker, batch_chunks=1, encode_batch=1,
                   progress=False, on_progress=ctrl_c)
    for thread in threading.enumerate():
        if thread.name.startswith("ingest-encoder"):
            thread.join(30)
    assert pipeline.stats()["documents"] == 0  # the batch being encoded was never stored
    report = pipeline.ingest([corpus_copy])
    first = min(report.added)
    passages = len(pipeline.index.manifest.document_chunks(pipeline.index.manifest.find(first).doc_id))
    assert passages >= 2 and calls == [1], "the encoder went on with the interrupted batch"
    consistent_ids(pipeline.index)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "pipe"])
def test_progress_bar_only_on_a_terminal(pipeline, corpus_copy, monkeypatch, terminal):
    stream = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    pipeline.ingest([corpus_copy])
    if terminal:
        assert "Indexing" in stream.getvalue() and "6/6" in stream.getvalue()
    else:
        assert stream.getvalue() == ""
