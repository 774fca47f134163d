"""The index: Chroma (our vectors, cosine HNSW), BM25 and the manifest, kept in step through writes and crashes."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from assistant.index import Index
from assistant.index.lexical import LexicalIndex
from assistant.index.manifest import Manifest
from assistant.pipeline import build_pipeline
from helpers import consistent_ids


def test_collection_is_cosine_hnsw_tuned_for_recall_without_chroma_embedding_function(make_settings):
    settings = make_settings(store={"hnsw_search_ef": 300, "hnsw_construction_ef": 250, "hnsw_m": 48})
    index = Index(settings)
    config = index.store.collection.configuration
    assert config["hnsw"]["space"] == "cosine"
    assert (config["hnsw"]["ef_search"], config["hnsw"]["ef_construction"], config["hnsw"]["max_neighbors"]) == (300, 250, 48)
    assert config["embedding_function"] is None
    assert index.store.client.get_settings().anonymized_telemetry is False
    assert (settings.data_dir / "chroma").is_dir()
    index.close()


def test_stored_vectors_are_our_embeddings_of_the_passage_with_its_heading_trail(indexed, embeddings):
    index = indexed.index
    record = index.manifest.find("partnership-governance.md")
    chunk_ids = [c.id for c in index.manifest.document_chunks(record.doc_id)]
    stored = index.store.collection.get(ids=chunk_ids, include=["embeddings", "documents", "metadatas"])
    embed_texts = dict(index.manifest.db.execute(
        f"SELECT id, embed_text FROM chunks WHERE id IN ({','.join('?' * len(chunk_ids))})", chunk_ids
    ).fetchall())
    expected = embeddings.encode([embed_texts[i] for i in stored["ids"]])
    np.testing.assert_allclose(np.asarray(stored["embeddings"]), expected, atol=1e-5)
    for meta in stored["metadatas"]:
        assert meta["doc_id"] == record.doc_id and meta["doc_type"] == "guidance" and meta["title"] == record.meta.title


def test_dense_query_returns_cosine_similarity_best_first(indexed, embeddings):
    store = indexed.index.store
    record = indexed.index.manifest.find("coproduction-notes.md")
    first = indexed.index.manifest.document_chunks(record.doc_id)[0]
    embed_text = indexed.index.manifest.db.execute("SELECT embed_text FROM chunks WHERE id = ?", (first.id,)).fetchone()[0]
    hits = store.query(embeddings.encode([embed_text])[0], 5)
    assert hits[0][0] == first.id and hits[0][1] == pytest.approx(1.0, abs=1e-4)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert store.query(embeddings.encode(["x"])[0], 5, doc_ids=[]) == []
    only = store.query(embeddings.encode(["co-production funding"])[0], 50, doc_ids=[record.doc_id])
    assert only and {indexed.index.manifest.chunks([i])[i].doc_id for i, _ in only} == {record.doc_id}


def test_manifest_passages_point_into_the_stored_document_text(indexed):
    for doc in indexed.documents():
        text = indexed.index.manifest.text(doc.doc_id)
        chunks = indexed.index.manifest.document_chunks(doc.doc_id)
        assert len(chunks) == doc.n_chunks > 0
        for c in chunks:
            assert c.text == text[c.start : c.end]
            assert c.title == doc.meta.title and c.source == doc.source
            assert all(0 <= a < b <= len(c.text) for a, b in c.sentences)


def test_index_survives_a_restart(make_settings, embeddings, corpus_copy):
    settings = make_settings()
    first = build_pipeline(settings, embeddings=embeddings)
    first.ingest([corpus_copy])
    ids = consistent_ids(first.index)
    top = first.search("boundary spanner", k=3).passages
    first.close()

    again = build_pipeline(settings, embeddings=embeddings)
    assert consistent_ids(again.index) == ids
    assert [p.id for p in again.search("boundary spanner", k=3).passages] == [p.id for p in top]
    again.close()


def test_orphan_vectors_are_reconciled_away(pipeline, corpus_copy):
    pipeline.ingest([corpus_copy])
    ids = consistent_ids(pipeline.index)
    vector = np.ones(pipeline.embeddings.dimension, dtype=np.float32) / np.sqrt(pipeline.embeddings.dimension)
    pipeline.index.store.upsert(["orphan-1", "orphan-2"], np.vstack([vector, vector]), ["a", "b"], [{"doc_id": "gone"}] * 2)
    assert pipeline.index.reconcile() == 2
    assert consistent_ids(pipeline.index) == ids
    assert pipeline.index.reconcile() == 0


def interrupt(*args, **kwargs):
    raise KeyboardInterrupt  # what Ctrl-C does at that point; kill -9 is tested in test_crash_safety


def test_crash_between_vector_write_and_manifest_commit_is_repaired_without_re_embedding(pipeline, corpus_copy, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(Manifest, "put", interrupt)
        with pytest.raises(KeyboardInterrupt):
            pipeline.ingest([corpus_copy])
    assert pipeline.stats()["documents"] == 0, "the manifest must not hold half a batch"
    assert pipeline.stats()["vectors"] > 0, "vectors were written before the commit"

    report = pipeline.ingest([corpus_copy])
    assert report.ok and len(report.added) == 6
    assert report.embedded == 0, "vectors already in Chroma are reused, not recomputed"
    assert len(consistent_ids(pipeline.index)) == report.chunks


def assert_every_passage_has_its_vector(index) -> None:
    # After an interruption Chroma may hold extra vectors (reconciled on the next run), but a
    # passage the manifest lists must never have lost its vector: dense search could not find it.
    listed = index.manifest.chunk_ids()
    assert listed <= index.store.all_ids(), f"{len(listed - index.store.all_ids())} listed passages have no vector"


def test_crash_while_replacing_a_document_keeps_the_old_version_whole(pipeline, corpus_copy, monkeypatch):
    pipeline.ingest([corpus_copy])
    path = corpus_copy / "partnership-governance.md"
    old = {c.id for c in pipeline.index.manifest.document_chunks(pipeline.index.manifest.find(path.name).doc_id)}
    path.write_text(path.read_text().replace("every six weeks", "every fortnight"))

    with monkeypatch.context() as m:
        m.setattr(Manifest, "put", interrupt)
        with pytest.raises(KeyboardInterrupt):
            pipeline.ingest([corpus_copy])
    assert old <= pipeline.index.manifest.chunk_ids()
    assert_every_passage_has_its_vector(pipeline.index)
    assert "six weeks" in pipeline.search("how often does the board meet", k=1).passages[0].text

    report = pipeline.ingest([corpus_copy])
    assert len(report.updated) == 1
    assert not old & consistent_ids(pipeline.index)


def test_crash_while_removing_a_document_keeps_it_whole(pipeline, corpus_copy, monkeypatch):
    pipeline.ingest([corpus_copy])
    with monkeypatch.context() as m:
        m.setattr(Manifest, "delete", interrupt)
        with pytest.raises(KeyboardInterrupt):
            pipeline.remove("lone-parents.txt")
    assert pipeline.index.manifest.find("lone-parents.txt") is not None
    assert_every_passage_has_its_vector(pipeline.index)
    assert pipeline.remove("lone-parents.txt") is not None
    consistent_ids(pipeline.index)


def test_crash_while_resetting_leaves_no_passage_without_its_vector(pipeline, corpus_copy, monkeypatch):
    pipeline.ingest([corpus_copy])
    with monkeypatch.context() as m:
        m.setattr(Manifest, "transaction", interrupt)
        with pytest.raises(KeyboardInterrupt):
            pipeline.reset()
    assert_every_passage_has_its_vector(pipeline.index)
    pipeline.reset()
    assert consistent_ids(pipeline.index) == set()


def test_remove_accepts_a_relative_path_when_the_file_name_is_ambiguous(pipeline, tmp_path, monkeypatch):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.md").write_text(f"# Notes {folder}\n\nPartners in {folder} meet monthly to review shared outcomes.\n")
    pipeline.ingest([tmp_path / "a", tmp_path / "b"])
    monkeypatch.chdir(tmp_path)
    assert pipeline.remove("notes.md") is None  # ambiguous by name alone
    record = pipeline.remove("a/notes.md")
    assert record is not None and record.meta.title == "Notes a"
    assert [d.meta.title for d in pipeline.documents()] == ["Notes b"]


def test_lexical_index_is_rebuilt_from_the_manifest_when_missing_stale_or_damaged(pipeline, corpus_copy):
    pipeline.ingest([corpus_copy])
    ids = consistent_ids(pipeline.index)
    folder = pipeline.index.lexical.folder
    expected = pipeline.index.lexical.search("boundary spanner", 5)
    assert expected

    shutil.rmtree(folder)
    fresh = Index(pipeline.settings)
    assert fresh.refresh_lexical().search("boundary spanner", 5) == expected
    assert consistent_ids(fresh) == ids

    (folder / (folder / "current").read_text() / "ids.json").write_text("{not json")  # the live snapshot, damaged
    fresh = Index(pipeline.settings)
    assert fresh.refresh_lexical().search("boundary spanner", 5) == expected

    saved = LexicalIndex(folder)
    assert saved.load()
    with pipeline.index.manifest.transaction():
        pass  # any commit moves the generation on
    fresh = Index(pipeline.settings)
    assert fresh.refresh_lexical().generation == pipeline.index.manifest.generation != saved.generation
    assert consistent_ids(fresh) == ids


def test_bm25_uses_stemming_and_stop_words(indexed):
    lexical = indexed.index.refresh_lexical()
    assert lexical.tokenize(["The spanners are spanning"]) == [["spanner", "span"]]
    hits = lexical.search("spanners", 3)
    assert hits and all(s > 0 for _, s in hits)
    assert lexical.search("the of and", 3) == []
    assert lexical.idf(["spanner", "zzzunknown"])["zzzunknown"] == 0.0
    assert lexical.idf(["spanner"])["spanner"] > lexical.idf(["partner"])["partner"] > 0


def test_bm25_search_returns_what_bm25s_retrieve_scores_best_first_ties_in_index_order(indexed):
    # search() selects the top n itself (bm25s' selection over every score, most of them 0, is slow);
    # the passages and scores must be bm25s' own, restricted to those that match at all.
    lexical = indexed.index.refresh_lexical()
    snap = lexical.snapshot
    position = {pid: i for i, pid in enumerate(snap.ids)}
    for query in ["spanners", "co-production in employment services", "wicked problems and leadership", "payment"]:
        for n in (3, 10, len(snap.ids) + 5):
            hits = lexical.search(query, n)
            k = min(n, len(snap.ids))
            docs, scores = snap.bm25.retrieve(lexical.tokenize([query]), k=k, show_progress=False, n_threads=0)
            theirs = {snap.ids[int(i)]: float(s) for i, s in zip(docs[0], scores[0]) if s > 0}
            assert sorted(s for _, s in hits) == sorted(theirs.values())
            assert all(theirs.get(pid) == s for pid, s in hits if pid in theirs)
            keys = [(-s, position[pid]) for pid, s in hits]
            assert keys == sorted(keys) and len(hits) == len(theirs)


def test_query_analysis_gives_exactly_the_terms_bm25s_tokenize_built_the_index_with(indexed):
    import bm25s
    import Stemmer

    from helpers import ROOT

    _, _, passages = indexed.index.manifest.lexical_corpus()
    lines = [line for path in sorted((ROOT / "corpus").rglob("*.md")) for line in path.read_text(encoding="utf-8").splitlines()]
    odd = ["", "!!!", "I a", "Don't STOP-believing: co-design vs. co-production", "Ünïcödé naïve CAFÉ 日本語 x 42 a1 _x_", "the and of THE"]
    texts = passages + lines + odd
    built = bm25s.tokenize(texts, stopwords="english", stemmer=Stemmer.Stemmer("english"), return_ids=False, show_progress=False)
    assert indexed.index.lexical.tokenize(texts) == built
