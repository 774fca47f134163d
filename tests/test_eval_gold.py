"""The gold loader, per-kind aggregation, the tune/report split, abstention calibration and honest citation support."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.eval.gold import (
    _aggregate, abstain_precision_recall, available, calibrate_abstention, citation_supported, load_gold,
    select_split, splits,
)

ROOT = Path(__file__).resolve().parent.parent


def _line(**fields) -> str:
    base = {"id": "q1", "question": "How?", "audience": "practitioner", "kind": "how-to", "answerable": True,
            "relevant": [{"doc": "d", "section": None}], "nuggets": [["agree payment in advance"]]}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...})


# --- loader ---------------------------------------------------------------------------------------


def test_loader_reads_every_jsonl_in_the_folder_in_name_order(tmp_path):
    (tmp_path / "questions.jsonl").write_text(_line(id="a") + "\n\n" + _line(id="b") + "\n")
    (tmp_path / "questions-practice.jsonl").write_text(_line(id="p", requires="realdocs") + "\n")
    (tmp_path / "notes.txt").write_text("not a gold file")
    questions = load_gold(tmp_path)
    assert [q.id for q in questions] == ["p", "a", "b"]  # questions-practice sorts before questions.jsonl
    assert questions[0].requires == "realdocs"
    assert questions[1].nuggets == [["agree payment in advance"]]


@pytest.mark.parametrize("line, reason", [
    ("{not json", "not JSON"),
    (_line(kind="lookup"), "kind"),
    (_line(audience="manager"), "audience"),
    (_line(requires="internet"), "requires"),
    (_line(nuggets=[["one two three four five six seven eight nine"]]), "9 words"),
    (_line(nuggets=[["the and of"]]), "no content words"),
    (_line(nuggets=[[]]), "0 wordings"),
    (_line(nuggets=[["a b"]] * 7), "7 key points"),
    (_line(nuggets="agree payment"), "nuggets"),
    (_line(answerable=False, kind="out-of-scope"), "unanswerable question cannot have key points"),
    (_line(id=...), "id"),
])
def test_loader_errors_name_the_file_the_line_and_the_reason(tmp_path, line, reason):
    gold = tmp_path / "questions-practice.jsonl"
    gold.write_text(_line(id="ok") + "\n" + line + "\n")
    with pytest.raises(ValueError) as err:
        load_gold(tmp_path)
    message = str(err.value)
    assert message.startswith(f"{gold}:2: "), message
    assert reason in message
    assert "\n" not in message


def test_loader_rejects_an_id_repeated_across_files_and_an_unknown_follow_up(tmp_path):
    (tmp_path / "a.jsonl").write_text(_line(id="x") + "\n")
    (tmp_path / "b.jsonl").write_text(_line(id="y") + "\n" + _line(id="x") + "\n")
    with pytest.raises(ValueError, match=r"b\.jsonl:2: id 'x' repeats .*a\.jsonl:1"):
        load_gold(tmp_path)
    (tmp_path / "b.jsonl").write_text(_line(id="y", kind="follow-up", follow_up_of="nope") + "\n")
    with pytest.raises(ValueError, match=r"b\.jsonl:1: follow_up_of 'nope'"):
        load_gold(tmp_path)


def test_realdocs_questions_and_their_follow_ups_are_skipped_when_the_folder_is_absent(tmp_path):
    (tmp_path / "g.jsonl").write_text("\n".join([
        _line(id="corpus"), _line(id="rd", requires="realdocs"), _line(id="rd-more", kind="follow-up", follow_up_of="rd"),
    ]) + "\n")
    questions = load_gold(tmp_path)
    kept, skipped = available(questions, tmp_path / "absent")
    assert [q.id for q in kept] == ["corpus"] and [q.id for q in skipped] == ["rd", "rd-more"]
    (tmp_path / "present").mkdir()
    kept, skipped = available(questions, tmp_path / "present")
    assert len(kept) == 3 and not skipped


# --- split and calibration ------------------------------------------------------------------------


def test_split_is_deterministic_balanced_and_keeps_threads_together():
    questions = load_gold(ROOT / "corpus" / "eval")
    where = splits(questions)
    assert where == splits(list(reversed(questions)))  # order does not matter
    kinds = {q.kind for q in questions if not q.follow_up_of}
    for kind in kinds:  # stratified: each kind's threads are dealt evenly, tune first
        roots = [q for q in questions if q.kind == kind and not q.follow_up_of]
        in_tune = sum(where[q.id] == "tune" for q in roots)
        assert in_tune - (len(roots) - in_tune) in (0, 1), kind
    tune, report = select_split(questions, "tune"), select_split(questions, "report")
    assert len(tune) + len(report) == len(questions)
    assert 0.35 < len(report) / len(questions) < 0.65
    assert {q.id for q in tune}.isdisjoint(q.id for q in report)
    for q in questions:
        if q.follow_up_of:
            assert where[q.id] == where[q.follow_up_of], q.id
    for part in (tune, report):  # both halves can measure abstention
        assert any(not q.answerable for q in part) and any(q.answerable for q in part)
    with pytest.raises(ValueError, match="unknown gold split 'test'"):
        select_split(questions, "test")


def _row(conf, answerable, abstained=None):
    return {"confidence": conf, "answerable": answerable, "abstained": conf < 0.30 if abstained is None else abstained}


def test_calibration_keeps_the_current_threshold_when_it_is_already_best():
    # answerable at 0.40 and 0.35, unanswerable at 0.20 and 0.25: every threshold in (0.25, 0.35]
    # separates them perfectly (F1 = 1); 0.30 is among them, so it is kept.
    rows = [_row(0.40, True), _row(0.35, True), _row(0.20, False), _row(0.25, False)]
    assert calibrate_abstention(rows, 0.30) == 0.30
    assert abstain_precision_recall(rows, 0.30, 0.30) == (1.0, 1.0)


def test_calibration_moves_the_threshold_when_the_tune_split_says_so():
    # Unanswerable at 0.33 slips past 0.30. Candidates are midpoints: (0.33 + 0.36) / 2 = 0.345
    # catches it without catching the answerable 0.36 -> precision 1, recall 1.
    rows = [_row(0.50, True), _row(0.36, True), _row(0.33, False), _row(0.20, False)]
    assert abstain_precision_recall(rows, 0.30, 0.30) == (1.0, 0.5)
    assert calibrate_abstention(rows, 0.30) == pytest.approx(0.345)
    assert abstain_precision_recall(rows, 0.345, 0.30) == (1.0, 1.0)


def test_abstaining_for_another_reason_survives_a_lower_threshold():
    # Confidence 0.40 clears the threshold, but the composer abstained (nothing quotable):
    # lowering the threshold must not turn that into an answer.
    rows = [_row(0.40, False, abstained=True)]
    assert abstain_precision_recall(rows, 0.10, 0.30) == (1.0, 1.0)


# --- aggregation ----------------------------------------------------------------------------------


def _scored(kind, recall, half, first, sentences, supported, abstained=False, answerable=True):
    row = {"kind": kind, "answerable": answerable, "abstained": abstained, "sentences": sentences, "supported": supported,
           "ndcg@10": 1.0, "mrr@10": 1.0, "section@5": None, "answer_cites_relevant": 1.0}
    row.update({f"recall@{k}": 1.0 for k in (1, 3, 5, 10)})
    if recall is not None:
        row.update(nugget_recall=recall, nuggets_half=float(half), first_sentence_nugget=float(first))
    return row


def test_aggregation_overall_and_per_kind_matches_hand_arithmetic():
    rows = [
        _scored("how-to", 1.0, True, True, 4, 4),     # 4 of 4 key points
        _scored("how-to", 0.25, False, False, 3, 2),  # 1 of 4 key points; one unsupported sentence
        _scored("factoid", 0.5, True, True, 2, 2),    # 1 of 2
        _scored("out-of-scope", None, False, False, 0, 0, abstained=True, answerable=False),
        _scored("out-of-scope", None, False, False, 2, 2, abstained=False, answerable=False),
    ]
    overall = _aggregate(rows)
    # nugget recall over the three questions with key points: (1.0 + 0.25 + 0.5) / 3 = 0.58333
    assert overall["nugget_recall"] == pytest.approx(0.58333, abs=1e-5)
    # at least half stated: 2 of 3; first sentence states one: 2 of 3
    assert overall["nuggets_half"] == pytest.approx(2 / 3)
    assert overall["first_sentence_nugget"] == pytest.approx(2 / 3)
    # citation support pools sentences: (4 + 2 + 2 + 0 + 2) / (4 + 3 + 2 + 0 + 2) = 10 / 11
    assert overall["citation_support"] == pytest.approx(10 / 11)
    # abstention: one abstained, rightly (precision 1/1); two should have, one did (recall 1/2)
    assert (overall["abstain_precision"], overall["abstain_recall"]) == (1.0, 0.5)
    assert overall["questions"] == 5.0 and overall["questions_with_nuggets"] == 3.0

    how_to = _aggregate([r for r in rows if r["kind"] == "how-to"])
    # (1.0 + 0.25) / 2 = 0.625; half: 1 of 2; support (4 + 2) / (4 + 3) = 6 / 7
    assert how_to["nugget_recall"] == pytest.approx(0.625)
    assert how_to["nuggets_half"] == 0.5
    assert how_to["citation_support"] == pytest.approx(6 / 7)
    out_of_scope = _aggregate([r for r in rows if r["kind"] == "out-of-scope"])
    assert out_of_scope["questions_with_nuggets"] == 0.0 and out_of_scope["nugget_recall"] == 0.0


# --- citation support against the stored passage ---------------------------------------------------


@pytest.fixture()
def answered(pipeline, tmp_path):
    doc = tmp_path / "docs" / "paying-participants.md"
    doc.parent.mkdir()
    doc.write_text(
        "---\ntitle: Paying participants\n---\n# Paying participants\n\n## Payment\n\n"
        "Agree payment and expenses with participants before the workshop starts. "
        "Offer people the choice of cash or vouchers, and pay travel costs on the day. "
        "Anyone receiving state benefits should get expert advice before accepting payment.\n",
        encoding="utf-8",
    )
    assert pipeline.ingest([doc.parent]).ok
    answer = pipeline.ask("How should we pay participants in a workshop?")
    assert not answer.abstained and answer.citations
    return pipeline, answer


def test_citation_support_holds_for_an_honest_answer(answered):
    pipeline, answer = answered
    assert all(citation_supported(pipeline.index.manifest, answer, c) for c in answer.citations)


def test_citation_support_fails_when_the_quoted_sentence_is_tampered(answered):
    pipeline, answer = answered
    c = answer.citations[0]
    # The answer and the citation both claim a sentence the passage never said; the citation's own
    # copy of the passage is doctored to match, so only the stored passage can expose it.
    forged = c.sentence.replace("a", "4", 1)
    assert forged != c.sentence
    fake_text = c.text[: c.span[0]] + forged + c.text[c.span[1]:]
    tampered = replace(c, sentence=forged, text=fake_text, span=(c.span[0], c.span[0] + len(forged)))
    forged_answer = replace(answer, text=answer.text.replace(c.sentence, forged), citations=[tampered, *answer.citations[1:]])
    assert not citation_supported(pipeline.index.manifest, forged_answer, tampered)


def test_citation_support_fails_when_the_answer_does_not_say_the_cited_sentence(answered):
    pipeline, answer = answered
    c = answer.citations[0]
    reworded = replace(answer, text=answer.text.replace(c.sentence, "Pay people whatever you like."))
    assert not citation_supported(pipeline.index.manifest, reworded, c)


def test_citation_support_fails_when_the_stored_passage_changed_or_is_gone(answered):
    pipeline, answer = answered
    c = answer.citations[0]
    with pipeline.index.manifest.transaction() as db:  # a commit, as every change to the index is (a new revision)
        db.execute("UPDATE chunks SET text = ? WHERE id = ?", ("Something else entirely, of the same length maybe.", c.chunk_id))
    assert not citation_supported(pipeline.index.manifest, answer, c)
    missing = replace(c, chunk_id="no-such-chunk")
    assert not citation_supported(pipeline.index.manifest, answer, missing)


# --- the command ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_eval_skips_realdocs_questions_cleanly_and_says_how_many(tmp_path):
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "questions.jsonl").write_text("\n".join([
        _line(id="rd1", requires="realdocs", relevant=[{"doc": "cognitive-walkthrough", "section": "How to do it"}]),
        _line(id="rd2", requires="realdocs", relevant=[{"doc": "dot-voting", "section": "How to do it"}]),
        _line(id="oos", kind="out-of-scope", answerable=False, relevant=[], nuggets=[], question="What is the capital of Mongolia?"),
    ]) + "\n")
    run = subprocess.run(
        [sys.executable, "-m", "assistant", "--data-dir", str(tmp_path / "d"), "eval", "--gold", str(gold), "--split", "all",
         "--realdocs", str(tmp_path / "absent"), "--json"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert "skipped 2 questions that need realdocs" in run.stderr
    payload = json.loads(run.stdout)
    assert payload["skipped_realdocs"] == 2
    assert payload["metrics"]["questions"] == 1.0
    assert set(payload["by_kind"]) == {"out-of-scope"}


@pytest.mark.parametrize("args, message", [
    (["--split", "test"], "unknown gold split 'test'"),
    (["--gold", "{bad}"], "bad.jsonl:2: kind"),
])
def test_eval_stops_on_a_bad_split_or_gold_line_with_one_clear_error(tmp_path, args, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_line(id="ok") + "\n" + _line(id="no", kind="lookup") + "\n")
    args = [str(bad) if a == "{bad}" else a for a in args]
    run = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(tmp_path / "d"), "eval", *args],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 2
    assert message in run.stderr and run.stderr.count("\n") == 1, run.stderr
    assert not (tmp_path / "d").exists()  # nothing was indexed


def test_eval_scores_the_answer_ask_gives(shipped):
    # The retrieval measures look 30 passages deep; the answer must be the one a user gets from
    # `ask`, composed from ask's own search, or the nugget figures would describe another product.
    from assistant.eval.gold import evaluate_gold

    questions = [q for q in load_gold(ROOT / "corpus" / "eval") if q.kind in ("how-to", "comparison") and not q.follow_up_of][:12]
    result = evaluate_gold(shipped, questions)
    for q, row in zip(questions, result.rows):
        assert row["answer"] == shipped.ask(q.question).text, q.question


def test_a_section_written_with_inline_html_is_hit_by_its_indexed_text(shipped):
    # Headings are indexed as their text: a gold section "How Austin is <u>implementing</u> reforms" names the
    # indexed "How Austin is implementing reforms", so it counts as found (it never did before).
    from assistant.eval.gold import GoldQuestion, evaluate_gold

    def question(section):
        return GoldQuestion(
            id="q", question="Who does what in a referral pathway?", audience="practitioner", kind="how-to", answerable=True,
            relevant=[{"doc": "referral-pathways-and-warm-handovers-between-partners", "section": section}],
        )

    plain = evaluate_gold(shipped, [question("Who does what in a referral pathway")]).rows[0]["section@5"]
    marked = evaluate_gold(shipped, [question("Who does <u>what</u> in a referral pathway")]).rows[0]["section@5"]
    assert plain == marked == 1.0
