"""Marked passages: highlight segments, query-word marks with the real analyser, surrounding context."""

from __future__ import annotations

from assistant.index.lexical import LexicalIndex
from assistant.ingest.metadata import DocumentMeta
from assistant.app.sources import Segment, byline, context, segments, term_spans, where


def test_segments_mark_spans_merge_overlaps_and_clip():
    assert segments("ab cd ef", [(3, 5)]) == [Segment("ab "), Segment("cd", True), Segment(" ef")]
    assert segments("abcdef", [(4, 99), (0, 2), (1, 3)]) == [Segment("abc", True), Segment("d"), Segment("ef", True)]
    assert segments("abc", []) == [Segment("abc")]


def test_query_words_are_marked_by_stem_not_stop_words(tmp_path):
    analyse = LexicalIndex(tmp_path / "bm25").tokenize
    text = "What do boundary spanners do? They translate between the partners."
    marked = [text[a:b] for a, b in term_spans(text, "What does a boundary spanner do?", analyse)]
    assert marked == ["boundary", "spanners"]
    assert term_spans(text, "what is it?", analyse) == []


def test_context_surrounds_the_passage_and_starts_on_a_boundary(indexed):
    manifest = indexed.index.manifest
    doc = next(d for d in indexed.documents() if d.meta.title == "Partnership governance for test purposes")
    chunks = manifest.document_chunks(doc.doc_id)
    middle = chunks[1]  # "Boundary spanners in the partnership"
    ctx = context(indexed, middle.id, chars=200)
    assert ctx.passage == middle.text
    full = manifest.text(doc.doc_id)
    assert full[middle.start - len(ctx.before) : middle.start] == ctx.before
    assert full[middle.end : middle.end + len(ctx.after)] == ctx.after
    # The 200-character window began mid-sentence; it is cut back to the next full sentence.
    assert ctx.before.startswith("The board agrees terms of reference")
    assert ctx.after.strip().startswith("## Trust and small wins") and ctx.after.endswith("celebrated together.")
    assert context(indexed, "no-such-chunk") is None


def test_one_line_descriptions():
    meta = DocumentMeta(title="T", authors=["A", "B", "C", "D"], year=2002, doc_type="case-study")
    assert byline(meta) == "A; B; C et al. · 2002 · case study"
    assert where("Intro", 3) == "Intro · p. 3" and where("", None) == ""
