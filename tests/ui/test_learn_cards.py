"""Teaching material on the shipped corpus: glossary terms, concept cards, and starters and demos that really answer."""

from __future__ import annotations

import pytest

from assistant.chat import Conversation
from assistant.learn import DEMOS, STARTERS, concept_card, glossary, term_pattern


def test_glossary_terms_are_parsed_with_definition_and_why(corpus_index):
    entries = {e.term: e for e in glossary(corpus_index)}
    assert len(entries) >= 40 and "References" not in entries
    spanner = entries["Boundary spanner"]
    assert spanner.definition.startswith("A boundary spanner is a person")
    assert spanner.why.startswith("Partnerships often depend on a few boundary spanners")
    assert spanner.source == "Williams (2002), Public Administration."


def test_every_concept_card_cites_its_definition_in_the_glossary(corpus_index):
    for entry in glossary(corpus_index):
        card = concept_card(corpus_index, entry)
        definition = card.citations[card.definition_n - 1]
        assert definition.section == entry.term
        assert definition.text[definition.span[0] : definition.span[1]] == definition.sentence
        assert definition.sentence in entry.definition
        if card.example:
            example = card.citations[card.example_n - 1]
            assert term_pattern(entry.term).search(example.sentence), (entry.term, example.sentence)


def test_term_pattern_accepts_hyphen_and_plural_variants():
    assert term_pattern("Co-production").search("Coproduction matters")
    assert term_pattern("Boundary spanner").search("two boundary spanners met")
    assert not term_pattern("Trust").search("entrusted")


@pytest.mark.parametrize("audience", sorted(STARTERS))
def test_starter_questions_are_answered(corpus_index, audience):
    for question in STARTERS[audience]:
        answer = corpus_index.ask(question)
        assert not answer.abstained, question


@pytest.mark.parametrize("demo", DEMOS, ids=lambda d: d.title)
def test_demo_sequences_are_answered_in_order(corpus_index, demo):
    conversation = Conversation()
    for question in demo.questions:
        answer = corpus_index.ask(question, conversation=conversation)
        assert not answer.abstained and answer.citations, question
