"""Hybrid retrieval: reciprocal rank fusion by hand, filters on both sides, and the fused ranking on the real index."""

from __future__ import annotations

import pytest

from assistant.ingest.metadata import DocumentMeta
from assistant.retrieve import FilterError, Filters, HybridSearcher, rrf
from assistant.settings import RetrievalSettings

# -- reciprocal rank fusion --------------------------------------------------------------------


def test_rrf_scores_and_order_by_hand():
    fused = rrf([["a", "b", "c"], ["c", "a", "d"]], [1.0, 1.0], 60)
    assert [item for item, _ in fused] == ["a", "c", "b", "d"]
    assert dict(fused) == pytest.approx({"a": 1 / 61 + 1 / 62, "c": 1 / 63 + 1 / 61, "b": 1 / 62, "d": 1 / 63}, abs=1e-15)


def test_rrf_agreement_beats_a_single_first_place():
    # The worked example in RetrievalSettings: 1st + 10th = 0.0307 > 1st alone = 0.0164.
    dense = ["solo"] + [f"d{i}" for i in range(2, 10)] + ["both"]
    lexical = ["both"]
    fused = dict(rrf([dense, lexical], [1, 1], 60))
    assert round(fused["both"], 4) == 0.0307 and round(fused["solo"], 4) == 0.0164
    assert fused["both"] > fused["solo"]


def test_rrf_ties_keep_first_appearance_dense_first():
    assert [i for i, _ in rrf([["a", "x"], ["b", "y"]], [1, 1], 60)] == ["a", "b", "x", "y"]


def test_rrf_weights_scale_each_list_and_zero_drops_it():
    fused = rrf([["a", "b"], ["b", "a"]], [2.0, 1.0], 1)
    assert fused == [("a", pytest.approx(2 / 2 + 1 / 3)), ("b", pytest.approx(2 / 3 + 1 / 2))]
    assert rrf([["a"], ["b"]], [1.0, 0.0], 60) == [("a", pytest.approx(1 / 61))]
    assert rrf([[], []], [1, 1], 60) == []


# -- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], Filters()),
        (["doc_type=guidance"], Filters(doc_types=("guidance",))),
        (["type=Guidance,case-study", "doc-type=guidance"], Filters(doc_types=("guidance", "case-study"))),
        (["audience=Trainer", "tags=Funding, trust", "tag=funding"], Filters(audiences=("trainer",), tags=("funding", "trust"))),
        (["year=2016"], Filters(year_min=2016, year_max=2016)),
        (["year=2008..2016"], Filters(year_min=2008, year_max=2016)),
        (["year=..2016"], Filters(year_max=2016)),
        (["year=2008.."], Filters(year_min=2008)),
        (["year_min=2000", "year_max=2010"], Filters(year_min=2000, year_max=2010)),
    ],
)
def test_filter_parsing(items, expected):
    assert Filters.parse(items) == expected
    assert Filters.parse(items).active == bool(items)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("colour=red", "unknown filter key 'colour'"),
        ("doc_type", "must look like key=value"),
        ("doc_type=", "must look like key=value"),
        ("doc_type=blog", "unknown doc_type 'blog'"),
        ("year=recent", "year must be a number"),
        ("year=2008..later", "year must be a number"),
    ],
)
def test_bad_filters_say_what_is_wrong(item, message):
    with pytest.raises(FilterError, match=message):
        Filters.parse([item])


def test_filters_or_within_a_field_and_across_fields():
    meta = DocumentMeta(title="T", doc_type="guidance", audience=["practitioner"], tags=["funding", "trust"], year=2015)
    undated = DocumentMeta(title="U", doc_type="guidance")
    assert Filters.parse(["doc_type=guidance,literature", "tags=trust,power"]).admits(meta)
    assert not Filters.parse(["doc_type=guidance", "audience=trainer"]).admits(meta)
    assert Filters.parse(["year=2010..2015"]).admits(meta)
    assert not Filters.parse(["year=2016.."]).admits(meta)
    assert not Filters.parse(["year=..2020"]).admits(undated), "documents without a year fail a year filter"
    assert Filters().admits(undated)


# -- the searcher on the real index ------------------------------------------------------------


def side(indexed, embeddings, dense: float, lexical: float) -> HybridSearcher:
    return HybridSearcher(indexed.index, embeddings, RetrievalSettings(dense_weight=dense, lexical_weight=lexical))


def test_hybrid_ranking_is_exactly_the_fusion_of_the_dense_and_bm25_rankings(indexed, embeddings):
    query = "who connects people across organisational borders?"
    s = indexed.settings.retrieval
    dense = indexed.index.store.query(embeddings.encode_query(query), s.candidates)
    lexical = indexed.index.refresh_lexical().search(query, s.candidates)
    expected = rrf([[i for i, _ in dense], [i for i, _ in lexical]], [1, 1], s.rrf_k)[:4]
    result = indexed.search(query, k=4)
    assert [(p.id, p.score) for p in result.passages] == expected
    assert [p.rank for p in result.passages] == [1, 2, 3, 4]
    assert result.best_dense == pytest.approx(dense[0][1])
    for p in result.passages:
        assert p.dense == dict(dense).get(p.id) and p.lexical == dict(lexical).get(p.id)


def test_top_passage_carries_its_citation_fields(indexed):
    top = indexed.search("What does a boundary spanner do?", k=1).passages[0]
    assert top.title == "Partnership governance for test purposes"
    assert top.section == "Boundary spanners in the partnership"
    assert top.source.endswith("partnership-governance.md") and top.page is None
    assert "boundary spanner is a person" in top.text


def test_a_filter_excluding_the_best_document_applies_to_both_sides(indexed, embeddings):
    query = "boundary spanners broker access to services"
    assert indexed.search(query, k=1).passages[0].title == "Partnership governance for test purposes"
    literature = Filters.parse(["doc_type=literature"])
    allowed = set(side(indexed, embeddings, 1, 1).allowed_docs(literature))
    assert allowed and all(d.meta.doc_type == "literature" for d in indexed.documents() if d.doc_id in allowed)
    for dense, lexical in ((1, 0), (0, 1), (1, 1)):
        passages = side(indexed, embeddings, dense, lexical).search(query, k=10, filters=literature).passages
        assert passages, (dense, lexical)
        assert {p.doc_id for p in passages} <= allowed, f"dense={dense} lexical={lexical} let a filtered document through"
    bm25_only = side(indexed, embeddings, 0, 1).search(query, k=10, filters=literature).passages
    assert all(p.dense is None and p.lexical is not None for p in bm25_only)


def test_a_filter_nothing_passes_returns_nothing(indexed):
    result = indexed.search("boundary spanner", filters=Filters.parse(["year=1800"]))
    assert result.passages == [] and result.best_dense is None
    assert indexed.ask("What does a boundary spanner do?", filters=Filters.parse(["year=1800"])).abstained


def test_audience_and_tag_filters(indexed):
    trainer = indexed.search("co-production", k=10, filters=Filters.parse(["audience=trainer"])).passages
    assert trainer and {p.title for p in trainer} == {"Co-production notes"}
    tagged = indexed.search("partners", k=10, filters=Filters.parse(["tags=governance"])).passages
    assert tagged and {p.title for p in tagged} == {"Partnership governance for test purposes"}


def test_k_limits_the_fused_list(indexed):
    assert len(indexed.search("partnership", k=2).passages) == 2
    assert len(indexed.search("partnership").passages) == indexed.settings.retrieval.k


def test_retriever_takes_k_and_filters_per_call(indexed):
    retriever = indexed.retriever(k=3)
    docs = retriever.invoke("boundary spanner")
    assert len(docs) == 3
    meta = docs[0].metadata
    assert docs[0].id == meta["id"] and meta["title"] == "Partnership governance for test purposes"
    assert docs[0].page_content == indexed.index.manifest.chunks([meta["id"]])[meta["id"]].text
    assert len(retriever.invoke("boundary spanner", k=1)) == 1
    narrowed = retriever.invoke("boundary spanner", filters=Filters.parse(["doc_type=literature"]))
    assert narrowed and all(d.metadata["title"] == "Co-production notes" for d in narrowed)


def test_a_reversed_year_range_is_refused_not_silently_empty():
    from assistant.retrieve import FilterError, Filters

    with pytest.raises(FilterError, match="reversed"):
        Filters.parse(["year=2016..2008"])


# -- per-document cap and reference lists ----------------------------------------------------------


def _passage(pid: str, doc: str, score: float, section: str = "Body"):
    from assistant.retrieve import Passage

    return Passage(id=pid, doc_id=doc, title=doc, source=f"{doc}.md", page=None, section=section, text=pid,
                   start=0, end=len(pid), sentences=(), score=score)


def test_diversify_caps_each_document_and_holds_back_the_rest():
    from assistant.retrieve import diversify

    # The docstring's example: a1 a2 a3 a4 b1 c1, k = 4, at most 2 per document.
    ranked = [_passage(p, p[0], 1 - i / 10) for i, p in enumerate(["a1", "a2", "a3", "a4", "b1", "c1"])]
    shown, held = diversify(ranked, 4, 2)
    assert [p.id for p in shown] == ["a1", "a2", "b1", "c1"]
    assert [p.rank for p in shown] == [1, 2, 3, 4]
    assert {doc: [p.id for p in ps] for doc, ps in held.items()} == {"a": ["a3", "a4"]}
    assert all(p.rank == 0 for ps in held.values() for p in ps)


def test_diversify_without_a_cap_is_the_top_k():
    from assistant.retrieve import diversify

    ranked = [_passage(p, p[0], 1 - i / 10) for i, p in enumerate(["a1", "a2", "a3", "b1"])]
    for cap in (None, 0):
        shown, held = diversify(ranked, 3, cap)
        assert [p.id for p in shown] == ["a1", "a2", "a3"] and held == {}


def test_diversify_fills_k_from_other_documents_when_one_dominates():
    from assistant.retrieve import diversify

    ranked = [_passage(f"a{i}", "a", 1 - i / 100) for i in range(9)] + [_passage("b1", "b", 0.1)]
    shown, held = diversify(ranked, 5, 3)
    assert [p.id for p in shown] == ["a0", "a1", "a2", "b1"]  # fewer than k rather than a fourth from a
    assert len(held["a"]) == 6


@pytest.mark.parametrize(
    ("section", "expected"),
    [("References", True), ("Williams (2002) > References", True), ("Bibliography", True), ("Further reading", True),
     ("Reference list", True), ("Referencing partners in reports", False), ("Sources of funding", False), ("Body", False),
     ("Additional resources", True), ("Personas > Resources", True), ("Human resources", False), ("Resources for partners", False)],
)
def test_reference_sections_are_recognised(section, expected):
    from assistant.retrieve import is_reference_section

    assert is_reference_section(section) is expected


REFERENCE_DOC = """---
title: Network governance notes
doc_type: literature
---
# Network governance notes

## Governing through networks

Public agencies increasingly steer through networks of partners rather than through hierarchy.
Governing without government describes how self-organising networks of organisations take over
tasks that a single ministry once ran, so that steering becomes negotiation among partners.

## References

- Rhodes, R. A. W. (1996). The new governance: governing without government. Political Studies, 44(4), 652-667.
- Rhodes, R. A. W. (1997). Understanding governance: policy networks, governance, reflexivity and accountability.
"""


def test_reference_lists_rank_below_body_text(tmp_path, embeddings, make_settings):
    from assistant.pipeline import build_pipeline

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "governance.md").write_text(REFERENCE_DOC)
    settings = make_settings()
    query = "Rhodes governing without government policy networks governance"
    undemoted = build_pipeline(settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"reference_weight": 1.0})}), embeddings=embeddings)
    assert undemoted.ingest([corpus], progress=False).ok
    try:
        plain = undemoted.search(query, k=5).passages
        # Without demotion the reference list wins on its paper titles: the test can fail.
        assert plain[0].section.endswith("References"), [p.section for p in plain]
    finally:
        undemoted.close()
    pipeline = build_pipeline(settings, embeddings=embeddings)
    try:
        passages = pipeline.search(query, k=5).passages
        sections = [p.section for p in passages]
        assert sections[-1].endswith("References") and not any(s.endswith("References") for s in sections[:-1]), sections
        ref = passages[-1]
        assert ref.score == pytest.approx(dict((p.id, p.score) for p in plain)[ref.id] * 0.5)
        assert ref.relevance < next(p.relevance for p in plain if p.id == ref.id)
    finally:
        pipeline.close()


def test_a_document_removed_by_another_writer_while_a_search_ranks_is_dropped_and_k_are_still_shown(pipeline, corpus_copy, make_settings):
    from assistant.index import Index

    pipeline.ingest([corpus_copy])
    question = "How does a partnership board decide and settle disagreements?"
    before = pipeline.search(question, k=5).passages
    victim = before[0].doc_id
    other = Index(make_settings())  # another writer on the same data dir
    manifest = pipeline.index.manifest
    read_rows = manifest.chunks

    def removed_first(ids):  # the winners' rows are read just after the other writer's commit
        manifest.chunks = read_rows
        other.remove(victim)
        return read_rows(ids)

    manifest.chunks = removed_first
    raced = pipeline.search(question, k=5).passages
    assert manifest.chunks is read_rows  # the race did happen inside this search
    kept = [(p.id, p.score) for p in before if p.doc_id != victim]
    assert victim not in {p.doc_id for p in raced}
    assert [p.rank for p in raced] == [1, 2, 3, 4, 5]
    assert [(p.id, p.score) for p in raced][: len(kept)] == kept  # the others keep their places and scores
    assert [p.score for p in raced] == sorted((p.score for p in raced), reverse=True)
    other.close()


def test_a_name_searched_in_full_finds_passages_that_give_only_its_initials(tmp_path):
    from assistant.index.lexical import LexicalIndex

    # The 18F cards write "PRA"; one card spells out the Paperwork Reduction Act.
    texts = ["No PRA implications if done as directly moderated sessions.", "Sketch ideas and critique them in groups of three.",
             "Individual Placement and Support (IPS) places people in jobs first.", "Weather report: rain, clouds and wind."]
    lexical = LexicalIndex(tmp_path / "bm25")
    lexical.build([f"p{i}" for i in range(4)], [f"d{i}" for i in range(4)], texts, 1)
    found = [pid for pid, _ in lexical.search("How do we keep clear of the Paperwork Reduction Act?", 4)]
    assert found[:1] == ["p0"], found
    assert lexical.short_forms("the Paperwork Reduction Act") == ["pra"]
    assert lexical.short_forms("Is it Making It Work?") == []  # initials the index does not hold add nothing
    # Analysed as the index was: "IPS" is stemmed to "ip".
    assert lexical.short_forms("What is Individual Placement and Support?", lexical.tokenize(["individual placement support"])[0]) == ["ip"]
