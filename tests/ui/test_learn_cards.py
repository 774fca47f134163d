"""Teaching material on the shipped corpus: glossary terms, concept cards, and starters and demos that really answer."""

from __future__ import annotations

import pytest

from assistant.chat import Conversation
from assistant.app.learn import DEMOS, STARTERS, concept_card, glossary, term_pattern


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


def test_examples_are_examples_not_definitions_pitfalls_or_bibliography(corpus_index):
    from assistant.app.learn import ABOUT_A_PUBLICATION, EXAMPLE_MARKER, EXAMPLE_SECTION, NOT_EXAMPLE_SECTION

    types = {d.doc_id: d.meta.doc_type for d in corpus_index.documents()}
    cards = {e.term: concept_card(corpus_index, e) for e in glossary(corpus_index)}
    examples = {term: card.citations[card.example_n - 1] for term, card in cards.items() if card.example}
    assert len(examples) >= 5
    for term, c in examples.items():
        assert not NOT_EXAMPLE_SECTION.search(c.section) and not ABOUT_A_PUBLICATION.search(c.sentence), (term, c.sentence)
        assert EXAMPLE_MARKER.search(c.sentence) or types[c.doc_id] == "case-study" or EXAMPLE_SECTION.search(c.section.split(" > ")[-1]), (term, c.sentence)
    # The two cases: a bibliography sentence for Activation, a pitfall for Boundary spanner.
    assert "Lindsay, Sarah Pearson" not in (cards["Activation"].example or "")
    assert "pitfall" not in (cards["Boundary spanner"].example or "").lower()


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
