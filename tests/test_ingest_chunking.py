"""Chunking: passages follow headings and pages, always fit the encoder window, and point back into the text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.ingest import discover, doc_id_for
from assistant.ingest.chunking import Chunk, Chunker, chunk_id
from assistant.ingest.loaders import LoadedDocument, load
from assistant.ingest.metadata import build_meta
from assistant.settings import ChunkingSettings
from helpers import ROOT, write_pdf

WINDOW = 256  # all-MiniLM-L6-v2, [CLS] and [SEP] included


@pytest.fixture(scope="module")
def chunker(embeddings):
    return Chunker(embeddings.tokenizer)


def window_size(tokenizer, text: str) -> int:
    """Word pieces the encoder sees for ``text``, special tokens included, nothing truncated."""
    return len(tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"])


def chunk_file(chunker: Chunker, path: Path) -> tuple[LoadedDocument, list[Chunk]]:
    doc = load(path, path.read_bytes())
    meta = build_meta(path, doc.text, doc.meta)
    return doc, chunker.chunk(doc, doc_id_for(str(path)), "hash", meta.title)


def assert_well_formed(tokenizer, doc: LoadedDocument, chunks: list[Chunk]) -> None:
    assert chunks, "no passages"
    for i, c in enumerate(chunks):
        assert c.position == i
        assert c.text == doc.text[c.start : c.end], f"passage {i} is not the document text at its offsets"
        assert c.embed_text.endswith(c.text)
        size = window_size(tokenizer, c.embed_text)
        assert size <= WINDOW, f"passage {i} needs {size} word pieces: the encoder would cut it"
        for a, b in c.sentences:
            assert 0 <= a < b <= len(c.text)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


@pytest.fixture(scope="module")
def shipped(chunker):
    """Every document of the shipped corpus/, chunked."""
    files = [p for p, skip in discover([ROOT / "corpus"]) if skip is None]
    assert len(files) >= 30
    return {p: chunk_file(chunker, p) for p in files}


def test_every_shipped_passage_fits_the_encoder_and_points_into_its_document(shipped, embeddings):
    for path, (doc, chunks) in shipped.items():
        assert_well_formed(embeddings.tokenizer, doc, chunks)


def test_shipped_passage_ids_are_unique(shipped):
    ids = [c.id for _, chunks in shipped.values() for c in chunks]
    assert len(ids) == len(set(ids))


HEADING = re.compile(r"^#{1,6} (.+?)\s*$", flags=re.MULTILINE)


def test_shipped_passages_record_their_heading_trail(shipped):
    for path, (doc, chunks) in shipped.items():
        h2 = re.findall(r"^## (.+?)\s*$", doc.text, flags=re.MULTILINE)
        assert h2, f"{path.name} has no sections"
        tops = {c.section.split(" > ")[0] for c in chunks}
        assert set(h2) <= tops, f"{path.name}: sections without passages: {set(h2) - tops}"
        for c in chunks:
            above = [m.group(1) for m in HEADING.finditer(doc.text) if m.start() <= c.start]
            if len(above) <= 1:  # under the document title only: no section
                assert c.section == "", f"{path.name}: passage {c.position}"
            else:  # the trail ends with the nearest heading above the passage
                assert c.section.split(" > ")[-1] == above[-1], f"{path.name}: passage {c.position}"


def test_no_shipped_paragraph_is_lost(shipped):
    for path, (doc, chunks) in shipped.items():
        covered = bytearray(len(doc.text))
        for c in chunks:
            covered[c.start : c.end] = b"\x01" * (c.end - c.start)
        offset = 0
        for line in doc.text.splitlines(keepends=True):
            if not line.startswith("#"):
                missing = [i for i in range(offset, offset + len(line)) if not covered[i] and not doc.text[i].isspace()]
                assert not missing, f"{path.name}: {line[:60]!r} is not in any passage"
            offset += len(line)


def test_pdf_passages_record_page_and_bookmarked_section(chunker, embeddings, tmp_path):
    long_page = " ".join(f"Sentence {i} says something about referral routes between the partner agencies." for i in range(60))
    pdf = write_pdf(tmp_path / "report.pdf", [("Background", "Why partners co-located advisers."), ("Findings", long_page)])
    doc, chunks = chunk_file(chunker, pdf)
    assert_well_formed(embeddings.tokenizer, doc, chunks)
    assert [(c.page, c.section) for c in chunks[:2]] == [(1, "Background"), (2, "Findings")]
    assert len(chunks) > 3 and {(c.page, c.section) for c in chunks[1:]} == {(2, "Findings")}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("word " * 3000, id="one-huge-paragraph"),
        pytest.param("https://example.org/" + "a1b2c3" * 900, id="one-huge-token"),
        pytest.param("協働イノベーションは公共サービスの改善に役立つ。" * 200, id="no-spaces-cjk"),
        pytest.param("| a | b | c |\n" * 400, id="long-table"),
        pytest.param("- item with a few words\n" * 500, id="long-list"),
    ],
)
def test_pathological_text_is_cut_to_fit_never_truncated(chunker, embeddings, body):
    text = f"# A title\n\n## Section\n\n{body}\n"
    doc = LoadedDocument(text=text)
    chunks = chunker.chunk(doc, "doc", "hash", "A title")
    assert_well_formed(embeddings.tokenizer, doc, chunks)
    covered = "".join(c.text for c in chunks)
    assert len(covered) >= len(body.strip()), "text was dropped"


def test_long_heading_trail_is_capped_so_the_passage_still_fits(embeddings):
    settings = ChunkingSettings(chunk_tokens=254, context_tokens=96, overlap_tokens=0)
    chunker = Chunker(embeddings.tokenizer, settings)
    heading = " ".join(["interorganisational"] * 60)
    text = f"# T\n\n## {heading}\n\n### {heading}\n\n" + "Partners agree shared outcomes and review them. " * 120
    doc = LoadedDocument(text=text)
    chunks = chunker.chunk(doc, "doc", "hash", "T")
    assert_well_formed(embeddings.tokenizer, doc, chunks)
    prefix = chunks[0].embed_text[: -len(chunks[0].text)]
    assert len(embeddings.tokenizer(prefix, add_special_tokens=False)["input_ids"]) <= 96 + 1


@pytest.mark.parametrize("size", [32, 64, 254])
def test_every_allowed_chunk_size_fits(embeddings, size):
    chunker = Chunker(embeddings.tokenizer, ChunkingSettings(chunk_tokens=size))
    path = ROOT / "corpus" / "literature" / "ansell-gash-collaborative-governance.md"
    doc, chunks = chunk_file(chunker, path)
    assert_well_formed(embeddings.tokenizer, doc, chunks)


def test_consecutive_passages_of_a_section_overlap_only_when_asked(embeddings):
    text = "# T\n\n## Only section\n\n" + " ".join(f"Partner {i} shares data under an agreement." for i in range(150)) + "\n"
    doc = LoadedDocument(text=text)
    with_overlap = Chunker(embeddings.tokenizer, ChunkingSettings(overlap_tokens=24)).chunk(doc, "d", "h", "T")
    without = Chunker(embeddings.tokenizer, ChunkingSettings(overlap_tokens=0)).chunk(doc, "d", "h", "T")
    assert len(with_overlap) > 2 and len(without) > 2
    assert all(b.start < a.end for a, b in zip(with_overlap, with_overlap[1:]))
    assert all(b.start >= a.end for a, b in zip(without, without[1:]))


def test_heading_trail_drops_the_title_and_ignores_code_fences(chunker):
    text = (
        "# Guide title\n\nIntroduction paragraph that says what the guide is for.\n\n"
        "## Setting up\n\nThe first section explains how the board is set up.\n\n"
        "```\n# not a heading, a shell comment\n```\n\n"
        "### Terms of reference\n\nTerms of reference say who decides what in the partnership.\n\n"
        "Evaluation\n----------\n\nA setext heading still starts a new section of the guide.\n"
    )
    chunks = Chunker(chunker.tokenizer, ChunkingSettings(chunk_tokens=32, overlap_tokens=0)).chunk(LoadedDocument(text), "d", "h", "Guide title")
    by_text = {c.section: c.text for c in chunks}
    assert list(by_text) == ["", "Setting up", "Setting up > Terms of reference", "Evaluation"]
    assert "shell comment" in by_text["Setting up"]


def test_a_short_note_is_one_passage_not_nothing(chunker):
    chunks = chunker.chunk(LoadedDocument("Tiny note.\n"), "d", "h", "Tiny")
    assert [c.text for c in chunks] == ["Tiny note."]


def test_passage_ids_derive_from_document_content_and_position(chunker):
    doc = LoadedDocument("# T\n\n## A\n\n" + "Shared outcomes matter to every partner. " * 80)
    first = chunker.chunk(doc, "doc-1", "hash-1", "T")
    again = chunker.chunk(doc, "doc-1", "hash-1", "T")
    changed = chunker.chunk(doc, "doc-1", "hash-2", "T")
    renamed = chunker.chunk(doc, "doc-2", "hash-1", "T")
    assert [c.id for c in first] == [c.id for c in again] == [chunk_id("doc-1", "hash-1", i) for i in range(len(first))]
    assert not {c.id for c in first} & {c.id for c in changed}
    assert not {c.id for c in first} & {c.id for c in renamed}


def test_sentences_skip_headings_list_markers_questions_and_fragments(chunker):
    passage = (
        "## A heading line\n"
        "- A list item that is a full sentence about partners.\n"
        "2. Numbered items are sentences about shared budgets too.\n"
        "Short one.\n"
        "Is this a discussion prompt for the group?\n"
        "Boundary spanners connect people. They also broker resources across agencies.\n"
    )
    got = [passage[a:b] for a, b in chunker.sentences(passage)]
    assert got == [
        "A list item that is a full sentence about partners.",
        "Numbered items are sentences about shared budgets too.",
        "Boundary spanners connect people.",
        "They also broker resources across agencies.",
    ]


def test_a_sentence_wrapped_across_lines_stays_one_sentence(chunker):
    # PDFs (and hard-wrapped text) break lines mid-sentence; a cited half-sentence misquotes the source.
    passage = (
        "Co-location\n"
        "Co-locating employability advisers with health visitors shortened referral times\n"
        "between the two services. Staff also learned each other's rules\n"
        "Ostrom (1996) is cited by both services in their shared plan.\n"
    )
    got = [passage[a:b] for a, b in chunker.sentences(passage)]
    assert got == [
        "Co-locating employability advisers with health visitors shortened referral times\nbetween the two services.",
        "Staff also learned each other's rules",
        "Ostrom (1996) is cited by both services in their shared plan.",
    ]


def test_pdf_answers_quote_whole_sentences(pipeline, tmp_path):
    pdf = write_pdf(tmp_path / "report.pdf", [
        ("Co-location", "Co-locating employability advisers with health visitors shortened referral times between the two services."),
    ])
    pipeline.ingest([pdf])
    answer = pipeline.ask("What happened to referral times when advisers were co-located with health visitors?")
    assert not answer.abstained
    assert answer.citations[0].sentence.endswith("between the two services.")
