"""The local feedback log: one JSON line per verdict, readable back, robust to a torn line."""

from __future__ import annotations

import pytest

from assistant.app.feedback import FeedbackLog
from assistant.retrieve import Filters


def test_records_question_answer_citations_and_filters(indexed, make_settings):
    answer = indexed.ask("What does a boundary spanner do?")
    log = FeedbackLog.from_settings(make_settings())
    log.record(answer, "up", "  clear and cited ", filters=Filters(doc_types=("guidance",)), conversation="c1", turn=0)
    log.record(answer, "down")
    first, second = log.entries()
    assert first["rating"] == "up" and first["comment"] == "clear and cited"
    assert first["question"] == "What does a boundary spanner do?" and first["answer"] == answer.text
    assert [c["sentence"] for c in first["citations"]] == [c.sentence for c in answer.citations]
    assert first["filters"]["doc_types"] == ["guidance"] and first["conversation"] == "c1"
    assert second["rating"] == "down" and second["filters"] is None
    assert log.path == make_settings().data_dir / "feedback.jsonl"


def test_rejects_an_unknown_rating_and_skips_a_torn_line(indexed, tmp_path):
    log = FeedbackLog(tmp_path / "fb.jsonl")
    with pytest.raises(ValueError):
        log.record(indexed.ask("What does a boundary spanner do?"), "meh")
    log.path.write_text('{"rating": "up"}\n{"rating": "do')
    assert log.entries() == [{"rating": "up"}]
