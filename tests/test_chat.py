"""Conversations: follow-up questions borrow the previous turn's topic, without an LLM."""

from __future__ import annotations

import pytest

from assistant.answer import verify
from assistant.chat import Conversation, content_words, is_follow_up, resolve


def test_content_words_drop_question_words_pronouns_and_stop_words():
    assert content_words("How do they fund co-production in Scotland?") == ["fund", "co-production", "scotland"]
    assert content_words("What is it?") == []


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("and how is it funded?", True),
        ("What about lone parents?", True),
        ("Why?", True),
        ("Why is that?", True),
        ("Why not?", True),
        ("Why do innovation labs close?", False),  # a topic of its own, even right after a question about labs
        ("Tell me more", True),
        ("Who pays for them?", True),
        ("What is a wicked problem?", False),
        ("How do boundary spanners broker resources between agencies?", False),
        ("And what should I cut if I run short of time?", True),  # "run" frames; cut, short, time are three words
        ("And what should partners cut from the shared budget when funding ends early?", False),
        # Only the part of the previous topic wanted: its mistakes, its risks.
        ("What are the common mistakes?", True),
        ("And the risks?", True),
        ("What are the common mistakes in referral pathways?", False),
        ("What materials do I need?", True),
    ],
)
def test_follow_up_detection(question, follow_up):
    assert is_follow_up(question) is follow_up


def test_a_follow_up_borrows_the_previous_topic_and_a_new_question_does_not():
    assert resolve("and how is it funded?", "What is co-production?") == "and how is it funded? co-production"
    assert resolve("What is a wicked problem?", "What is co-production?") == "What is a wicked problem?"
    assert resolve("and how is it funded?", None) == "and how is it funded?"


def test_a_new_one_word_topic_is_not_mistaken_for_a_follow_up():
    previous = "What barriers do lone parents face in finding work?"
    assert resolve("What is co-production?", previous) == "What is co-production?"


def test_a_chain_of_follow_ups_keeps_its_topic():
    conversation = Conversation()
    first = conversation.resolve("What do boundary spanners do?")
    second = resolve("and who employs them?", first)
    third = resolve("why?", second)
    assert "boundary" in third and "spanners" in third
    assert third.startswith("why?")


def test_follow_up_is_answered_from_the_previous_topic(indexed):
    conversation = Conversation()
    first = indexed.ask("What is co-production?", conversation=conversation)
    assert not first.abstained
    follow = indexed.ask("and how is it funded?", conversation=conversation)
    assert not follow.abstained
    verify(follow)
    assert "co-production" in follow.query and follow.question == "and how is it funded?"
    assert follow.citations[0].section == "Funding co-production"
    assert "grants" in follow.text
    assert [t.question for t in conversation.turns] == ["What is co-production?", "and how is it funded?"]
    conversation.clear()
    assert conversation.last_query is None


def test_a_new_topic_in_the_same_conversation_is_not_rewritten(indexed):
    conversation = Conversation()
    indexed.ask("What is co-production?", conversation=conversation)
    answer = indexed.ask("What barriers do lone parents face in finding work?", conversation=conversation)
    assert answer.query == "What barriers do lone parents face in finding work?"
    assert answer.citations[0].source.endswith("lone-parents.txt")


@pytest.mark.parametrize(
    "question",
    [
        "What did the Making It Work programme find about lone parents?",  # "It" inside a name is no pronoun
        "How do I get employers to commit to a local employability partnership?",
        "Is it true that the private sector is naturally more innovative than the public sector?",  # a topic of its own
    ],
)
def test_a_question_with_a_topic_of_its_own_is_never_merged(question):
    assert not is_follow_up(question)
    assert resolve(question, "How should we pay people with lived experience?") == question


def test_a_merged_query_carries_only_the_previous_topic_and_never_grows():
    conversation = Conversation()
    queries = []
    for question in ("What is co-production?", "and how is it funded?", "Why?", "what about in Scotland?", "And who pays?"):
        query = conversation.resolve(question)
        queries.append(query)
        conversation.add(question, query, answer=None)  # the answer plays no part in resolving
    assert queries[1] == "and how is it funded? co-production"
    assert queries[2] == "Why? co-production"
    assert queries[3] == "what about in Scotland? co-production"
    assert queries[4] == "And who pays? co-production"
    assert [t.topic for t in conversation.turns] == ["co-production"] * 5


@pytest.mark.parametrize(
    ("previous", "question", "asked"),
    [
        # The previous question asked again of the new topic, its topic words giving way.
        ("How do I set up a data sharing agreement?", "and for a referral pathway?", "How do I set up a referral pathway?"),
        ("warm handover steps", "same for job shadowing", "job shadowing steps"),
        # A previous question without a topic of its own (it borrowed one) takes the new topic after it.
        ("who does what", "and for safeguarding?", "who does what in safeguarding?"),
        # Not a switch: a pronoun leans on what was said; other follow-ups narrow the topic as before.
        ("How do I set up a data sharing agreement?", "and for them?", None),
        ("How do I set up a data sharing agreement?", "what about employers?", None),
        ("How do I set up a data sharing agreement?", "And how was it evaluated?", None),
    ],
)
def test_the_same_question_of_another_topic(previous, question, asked):
    from assistant.chat import Turn, switched

    assert switched(question, Turn(previous, previous, None, "", previous)) == asked


def test_a_switch_is_answered_as_the_previous_question_of_the_new_topic(shipped):
    conversation = Conversation()
    shipped.ask("warm handover steps", conversation=conversation)
    roles = shipped.ask("who does what", conversation=conversation)
    assert roles.citations[0].section == "Who does what in a referral pathway"
    answer = shipped.ask("and for safeguarding?", conversation=conversation)
    verify(answer)
    assert answer.question == "and for safeguarding?" and answer.query == "who does what in safeguarding?" and answer.merged
    assert {c.section for c in answer.citations} == {"Who does what in partnership safeguarding"}, answer.text
    # A chain goes on from the question the switch stood for.
    again = shipped.ask("same for co-location", conversation=conversation)
    assert again.query == "who does what in co-location?"
