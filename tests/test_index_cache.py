"""Decoded passages remembered between questions: bounded, and never served once another process has committed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from assistant.index.cache import RevisionCache, RevisionTable
from assistant.pipeline import build_pipeline
from assistant.settings import Settings
from helpers import write_fixture_corpus

QUESTION = "How should a partnership board share decisions?"


def assistant(data, *args) -> None:
    """Run the real CLI in another process on the same data dir (no ASSISTANT_* settings of this one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    done = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(data), *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_running_reader_never_serves_passages_another_process_moved_or_removed(tmp_path, embeddings):
    here = write_fixture_corpus(tmp_path / "here" / "corpus")
    data = tmp_path / "data"
    reader = build_pipeline(Settings(data_dir=data), embeddings=embeddings)
    reader.ingest([here])
    doc = reader.document("partnership-governance.md")
    passages = reader.document_passages(doc.doc_id)
    first = passages[0].id
    # Read every way a question reads them, so each is remembered.
    assert {p.source for p in passages} == {reader.passage(first).source} == {doc.source}
    assert doc.doc_id in {p.doc_id for p in reader.search(QUESTION).passages}

    # Another process ingests the folder from its new place: same ids (content-derived), new source.
    moved = tmp_path / "elsewhere" / "corpus"
    moved.parent.mkdir()
    shutil.move(here, moved)
    assistant(data, "ingest", str(moved))
    now = os.path.realpath(moved / "partnership-governance.md")
    assert now != doc.source
    assert [p.id for p in reader.document_passages(doc.doc_id)] == [p.id for p in passages]
    assert {p.source for p in reader.document_passages(doc.doc_id)} == {now}
    assert reader.passage(first).source == now
    found = [p for p in reader.search(QUESTION).passages if p.doc_id == doc.doc_id]
    assert found and {p.source for p in found} == {now}

    # Another process removes it: none of its passages is served any more.
    assistant(data, "remove", now)
    assert reader.passage(first) is None
    assert reader.document_passages(doc.doc_id) == []
    assert doc.doc_id not in {p.doc_id for p in reader.search(QUESTION, k=20).passages}
    reader.close()


def test_revision_cache_keeps_the_most_recently_used_and_forgets_everything_at_another_revision():
    cache: RevisionCache[str, int] = RevisionCache(size=2)
    cache.put_many("r1", {"a": 1, "b": 2})
    assert cache.get("r1", "a") == 1  # a is now more recent than b
    cache.put("r1", "c", 3)
    assert cache.get_many("r1", ["a", "b", "c"]) == {"a": 1, "c": 3}
    assert cache.get_many("r2", ["a", "c"]) == {}  # another revision: nothing of r1's is served
    assert cache.get_many("r1", ["a", "c"]) == {}  # and r1's values are gone, not set aside
    nothing: RevisionCache[str, int] = RevisionCache(size=0)
    nothing.put("r1", "a", 1)
    assert nothing.get("r1", "a") is None


def test_revision_table_is_built_once_a_revision_lasts_and_dropped_when_it_changes():
    table: RevisionTable[str, int] = RevisionTable(after=2)
    assert table.get("r1") is None and not table.due("r1")  # one read: not yet
    assert table.get("r1") is None and table.due("r1")  # two reads at r1: build it
    assert table.put("r1", {"a": 1}) == {"a": 1}
    assert table.get("r1") == {"a": 1} and not table.due("r1")
    assert table.get("r2") is None  # another revision: r1's table is never served
    assert table.get("r1") is None  # and it is gone
    table.get("r3"), table.get("r3")
    table.get("r4")  # the revision moved on while r3's table was being read
    table.put("r3", {"a": 3})
    assert table.get("r3") is None
    never: RevisionTable[str, int] = RevisionTable(after=0)
    never.get("r1"), never.get("r1")
    assert not never.due("r1")


def test_a_reader_holding_every_passages_place_sees_another_processes_new_and_removed_documents(tmp_path, embeddings):
    corpus = write_fixture_corpus(tmp_path / "corpus")
    data = tmp_path / "data"
    reader = build_pipeline(Settings(data_dir=data), embeddings=embeddings)
    reader.ingest([corpus])
    for _ in range(5):
        reader.search(QUESTION)
    assert reader.index.manifest._places.get(reader.index.manifest.revision) is not None  # the table is in use

    # Another process adds a document: its passages have places the table never held.
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "allotments.md").write_text(
        "# Allotment societies\n\nAllotment societies in Leith share seed libraries, tool sheds and compost rotas between plot holders.\n",
        encoding="utf-8",
    )
    assistant(data, "ingest", str(extra))
    found = reader.search("seed libraries and compost rotas in allotment societies").passages
    assert found and found[0].title == "Allotment societies", [p.title for p in found]
    assert reader.index.manifest.titled(["Allotment societies"]) == {found[0].doc_id}
    for _ in range(5):
        reader.search(QUESTION)  # the new revision's table is built

    # Another process removes it: it is no longer found.
    assistant(data, "remove", os.path.realpath(extra / "allotments.md"))
    assert "Allotment societies" not in {p.title for p in reader.search("seed libraries and compost rotas in allotment societies", k=20).passages}
    reader.close()
