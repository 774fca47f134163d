"""The shipped corpus: valid front matter, references, sizes, and a clean ingest."""

from __future__ import annotations

from pathlib import Path

import frontmatter
import pytest

from assistant.ingest.metadata import DOC_TYPES

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "corpus").rglob("*.md"))
AUDIENCES = {"practitioner", "trainer", "researcher"}


def test_corpus_has_at_least_thirty_documents_of_every_kind():
    assert len(DOCS) >= 30
    kinds = {frontmatter.load(p)["doc_type"] for p in DOCS}
    assert {"literature", "guidance", "case-study", "glossary", "training"} <= kinds


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem)
def test_every_document_has_valid_front_matter_and_references(path):
    post = frontmatter.load(path)
    meta = post.metadata
    assert str(meta.get("title", "")).strip()
    assert meta["doc_type"] in DOC_TYPES and meta["doc_type"] != "other"
    audience = meta["audience"] if isinstance(meta["audience"], list) else [meta["audience"]]
    assert audience and set(audience) <= AUDIENCES
    assert isinstance(meta.get("tags"), list) and meta["tags"]
    assert isinstance(meta.get("references"), list) and len(meta["references"]) >= 1
    assert all(len(str(r)) > 20 for r in meta["references"])
    words = len(post.content.split())
    assert words >= 500, f"{path.name}: only {words} words"
    assert post.content.lstrip().startswith("# "), f"{path.name}: no title heading"
    assert "\n## " in post.content


def test_file_stems_are_unique_so_gold_questions_can_name_them():
    stems = [p.stem for p in DOCS]
    assert len(stems) == len(set(stems))


@pytest.mark.slow
def test_shipped_corpus_ingests_with_zero_failures(pipeline):
    report = pipeline.ingest([ROOT / "corpus"])
    assert report.failed == []
    assert len(report.added) == len(DOCS)
    stats = pipeline.stats()
    assert stats["documents"] == len(DOCS)
    assert stats["chunks"] == stats["vectors"] >= len(DOCS) * 5
