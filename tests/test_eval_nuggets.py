"""Nugget matching on worked examples: alternative wordings, stemming, stop words, markers, first sentence."""

from __future__ import annotations

import pytest

from assistant.eval.nuggets import first_sentence, score, states, strip_markers, wording_terms

ANSWER = "Agree payment and expenses with participants in advance [1]. Offer vouchers or cash [2]."


def test_the_module_docstring_example():
    got = score(ANSWER, [["agree payment in advance"], ["vouchers or cash"], ["pay the same day"]])
    assert got.stated == (True, True, False)
    assert got.recall == pytest.approx(2 / 3)
    assert got.half  # 2 of 3 >= 1.5
    assert got.first_sentence  # "Agree payment ... in advance" is the first key point


def test_any_alternative_wording_states_the_point():
    # "beforehand" is nowhere in the answer; the second wording is.
    assert score(ANSWER, [["payment agreed beforehand", "agree payment in advance"]]).stated == (True,)
    assert score(ANSWER, [["payment agreed beforehand", "payment up front"]]).stated == (False,)


def test_stemming_joins_inflections_but_not_different_words():
    # "agreed" / "agree" / "Agree" -> "agre"; "vouchers" -> "voucher"; "participant" -> "particip".
    assert score(ANSWER, [["payment agreed"], ["voucher"], ["participant"]]).stated == (True, True, True)
    # "pay" and "payment" are different stems: a wording with "pay" is not stated by "payment".
    assert score(ANSWER, [["pay"]]).stated == (False,)


def test_stop_words_do_not_count_and_every_content_word_must_occur():
    assert wording_terms("in the advance of it") == frozenset({"advanc"})
    assert wording_terms("the and of") == frozenset()  # nothing to match: never stated
    assert not states(frozenset({"advanc"}), ["the and of"])
    # "cash vouchers weekly": "weekly" is missing, so the wording is not stated even though two words are.
    assert score(ANSWER, [["cash vouchers weekly"]]).stated == (False,)


def test_markers_are_stripped_before_matching():
    assert strip_markers("A point [1]. Two points [2, 3].") == "A point. Two points."
    # "[1]" must not make the number 1 (or anything else) count as stated.
    assert score("Nothing here [12].", [["12"]]).stated == (False,)


def test_first_sentence_is_the_lead_line_of_a_list_answer():
    answer = "From 'Running a workshop' (Step-by-step):\n1. Agree payment and expenses in advance [1]\n2. Offer vouchers [1]"
    assert first_sentence(answer) == "From 'Running a workshop' (Step-by-step):"
    got = score(answer, [["agree payment in advance"], ["vouchers"]])
    assert got.recall == 1.0
    assert not got.first_sentence  # the lead line names the source, not a key point


def test_half_needs_at_least_half_and_no_points_scores_zero():
    two_of_four = score("alpha beta", [["alpha"], ["beta"], ["gamma"], ["delta"]])
    assert two_of_four.recall == 0.5 and two_of_four.half
    one_of_three = score("alpha", [["alpha"], ["gamma"], ["delta"]])
    assert not one_of_three.half
    none = score("alpha", [])
    assert none.recall == 0.0 and not none.half and not none.first_sentence


def test_underscore_emphasis_is_markup_not_part_of_a_word():
    # The 18F service blueprint card writes its rows as "__User steps__": the answer states "user steps".
    assert score("2. Create a diagram with four rows:\n- __User steps__: the primary action [1]", [["user steps"]]).stated == (True,)
    assert score("snake_case_name stays one word [1]", [["case"]]).stated == (False,)
