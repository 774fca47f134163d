"""Extractive answers: sentence choice by hand-computed scores, verification rules, abstention."""

from __future__ import annotations

import re

import pytest

from assistant.answer import ABSTAIN_NOTHING_CLOSE, ABSTAIN_TEXT, Answer, Citation, ExtractiveComposer, VerificationError, verify
from assistant.retrieve import Passage, SearchResult
from assistant.settings import AnswerSettings

STOP = {"what", "which", "who", "do", "does", "the", "a", "an", "of", "to", "and", "was", "that", "is", "for"}
IDF = {"boundary": 1.0, "spanners": 1.0, "connect": 2.0, "workers": 1.0, "help": 1.0, "families": 3.0}


def analyse(texts):
    return [[w for w in re.findall(r"[a-z]+", t.lower()) if w not in STOP] for t in texts]


def idf(terms):
    return {t: IDF.get(t, 0.0) for t in terms}


def passage(pid: str, text: str, score: float, rank: int) -> Passage:
    spans = []
    for m in re.finditer(r"[^.]+\.", text):
        start = m.start() + (len(m.group()) - len(m.group().lstrip()))
        spans.append((start, m.end()))
    return Passage(id=pid, doc_id=f"doc-{pid}", title=f"Title {pid}", source=f"/docs/{pid}.md", page=None,
                   section="Section", text=text, start=0, end=len(text), sentences=tuple(spans), score=score, rank=rank)


A = passage("a", "Boundary spanners connect partner organisations. The weather was mild that spring. Boundary spanners broker access to funding.", 0.04, 1)
B = passage("b", "Key workers act as boundary spanners for families.", 0.02, 2)


def result(*passages, best_dense=0.8) -> SearchResult:
    return SearchResult(query="q", passages=list(passages), best_dense=best_dense)


def test_composer_picks_the_expected_sentences_by_hand_computed_scores():
    # Relevance = 0.25 + 0.45 coverage + 0.15 lead + 0.15 phrase, times the passage weight (score / best).
    # Question terms boundary(1) spanners(1) connect(2), total 4; pairs (boundary spanners), (spanners connect).
    #   A1 has all three up front, both pairs      -> 1.000
    #   A3 has boundary spanners: 0.5, 0.5, 0.5    -> 0.625      A2 shares nothing -> 0.250
    #   B1 as A3 but in a passage weighted 0.02/0.04 -> 0.3125
    # MMR (0.7): A1 first; then A3 = 0.4375 - 0.3 x 2/8 = 0.3625 beats A2 (0.175) and B1 (0.15875);
    # the next pick, A2 (0.25), is under 0.45 x best, so the answer stops at two sentences.
    # Both come from passage a, so they share its one marker and read in document order.
    answer = ExtractiveComposer(analyse, idf).compose("What do boundary spanners connect?", result(A, B))
    assert answer.text == "Boundary spanners connect partner organisations. [1] Boundary spanners broker access to funding. [1]"
    assert not answer.abstained
    assert [(c.n, c.chunk_id, c.sentence) for c in answer.citations] == [(1, "a", "Boundary spanners connect partner organisations.")]
    assert answer.citations[0].quotes == [(0, 48), (83, 126)]
    assert answer.citations[0].sentences == ["Boundary spanners connect partner organisations.", "Boundary spanners broker access to funding."]
    assert answer.citations[0].score == 0.04 and answer.citations[0].title == "Title a"
    verify(answer)


def test_the_sentence_that_answers_wins_even_from_a_lower_ranked_passage():
    # Terms workers(1) help(1) families(3): B1 has them all, in order -> 1.0 x 0.035/0.04 = 0.875.
    # Every A sentence shares nothing -> 0.25, under 0.45 x 0.875, so B1 answers alone.
    helpers = passage("b", "Key workers help families across agencies.", 0.035, 2)
    answer = ExtractiveComposer(analyse, idf, AnswerSettings(min_sentences=1)).compose("Which workers help families?", result(A, helpers))
    assert answer.text == "Key workers help families across agencies. [1]"
    assert [(c.n, c.chunk_id, c.span) for c in answer.citations] == [(1, "b", (0, 42))]


def test_a_sentence_repeated_in_an_overlapping_passage_is_used_once():
    overlap = passage("c", "Boundary spanners connect partner organisations. Boundary spanners connect partner organisations.", 0.039, 2)
    answer = ExtractiveComposer(analyse, idf).compose("What do boundary spanners connect?", result(A, overlap))
    assert answer.text.count("Boundary spanners connect partner organisations.") == 1
    verify(answer)


def test_max_sentences_caps_the_answer():
    settings = AnswerSettings(max_sentences=1, min_sentences=1)
    answer = ExtractiveComposer(analyse, idf, settings).compose("What do boundary spanners connect?", result(A, B))
    assert answer.text == "Boundary spanners connect partner organisations. [1]"


@pytest.mark.parametrize(
    "search",
    [
        pytest.param(result(A, B, best_dense=0.1), id="below-threshold"),
        pytest.param(result(A, B, best_dense=None), id="no-dense-score"),
        pytest.param(result(best_dense=0.9), id="no-passages"),
        pytest.param(result(passage("n", "no sentence here", 0.04, 1)), id="no-sentences"),
    ],
)
def test_composer_abstains_plainly_and_keeps_the_closest_passages(search):
    answer = ExtractiveComposer(analyse, idf).compose("What do boundary spanners connect?", search)
    assert answer.abstained and answer.citations == []
    assert answer.text == (ABSTAIN_TEXT if search.passages else ABSTAIN_NOTHING_CLOSE)
    assert answer.passages == search.passages  # no dense scores here, so none falls under the floor
    assert "closest" in answer.to_json()
    verify(answer)


# -- verify ------------------------------------------------------------------------------------


def cite(n: int, sentence: str = "Boundary spanners connect partner organisations.", span=(0, 48)) -> Citation:
    return Citation(n, "a", "doc-a", "Title a", "/docs/a.md", None, "Section", A.text, sentence, span, 0.04)


A3 = "Boundary spanners broker access to funding."
GOOD = f"Boundary spanners connect partner organisations. [1] {A3} [2]"


def test_verify_accepts_a_well_formed_answer():
    verify(Answer("q", GOOD, False, [cite(1), cite(2, A3, (83, 126))]))


@pytest.mark.parametrize(
    ("text", "citations", "message"),
    [
        pytest.param(GOOD, [cite(1)], r"markers \[2\] point to no citation", id="dangling-marker"),
        pytest.param("Boundary spanners connect partner organisations. [1]", [cite(1), cite(2, A3, (83, 126))], r"citations \[2\] are never referenced", id="unused-citation"),
        pytest.param("Boundary spanners connect partner organisations. [1]", [cite(1, span=(1, 49))], "not at its span", id="wrong-span"),
        pytest.param("Boundary spanners connect partner organisations. [1]", [cite(1, span=(0, 999))], "not at its span", id="span-outside-passage"),
        pytest.param("Something else entirely. [1]", [cite(1)], "not what the answer says", id="sentence-not-in-answer"),
        pytest.param(f"{A3} [2] Boundary spanners connect partner organisations. [1]", [cite(1), cite(2, A3, (83, 126))], "not numbered 1..n", id="out-of-order"),
        pytest.param(GOOD, [cite(1), cite(1)], "duplicate citation numbers", id="duplicate-numbers"),
        pytest.param("Boundary spanners connect partner organisations.", [cite(1)], "no citation markers", id="no-markers"),
    ],
)
def test_verify_rejects_broken_citations(text, citations, message):
    with pytest.raises(VerificationError, match=message):
        verify(Answer("q", text, False, citations))


def test_verify_rejects_markers_in_an_abstention():
    with pytest.raises(VerificationError, match="must not carry citation markers"):
        verify(Answer("q", "I am not sure [1]", True, []))


# -- on the real index -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "What does a boundary spanner do?",
        "How is co-production funded?",
        "What barriers do lone parents face in finding work?",
        "How often should partners review a shared leadership agreement?",
        "Why did co-locating advisers with health visitors help?",
        "What do innovation labs do?",
    ],
)
def test_real_answers_cite_every_sentence_from_its_passage(indexed, question):
    answer = indexed.ask(question)
    assert not answer.abstained, question
    verify(answer)
    assert 1 <= len(answer.citations) <= 5
    texts = {p.id: p.text for p in answer.passages}
    for c in answer.citations:
        assert texts[c.chunk_id][c.span[0] : c.span[1]] == c.sentence
    assert set(map(int, re.findall(r"\[(\d+)\]", answer.text))) == {c.n for c in answer.citations}


def test_out_of_corpus_question_abstains_and_lists_only_passages_above_the_floor(indexed):
    answer = indexed.ask("What is the boiling point of tungsten at sea level?")
    assert answer.abstained and answer.citations == []
    floor = indexed.settings.answer.closest_floor
    out = answer.to_json()
    assert all(p["dense"] >= floor and "references" not in p["section"].lower() for p in out["closest"])
    assert answer.text == (ABSTAIN_TEXT if out["closest"] else ABSTAIN_NOTHING_CLOSE)
    assert all(set(p) >= {"rank", "doc_id", "title", "source", "page", "section", "text", "score"} for p in out["closest"])


def test_abstention_never_lists_a_bibliography_or_a_passage_below_the_floor():
    refs = passage("r", "Ansell, C. and Gash, A. (2008). Collaborative governance in theory and practice.", 0.05, 1)
    refs.section, refs.dense = "References", 0.9
    weak = passage("w", "Boundary spanners connect partner organisations.", 0.04, 2)
    weak.dense = 0.1
    near = passage("n", "Boundary spanners broker access to funding.", 0.03, 3)
    near.dense = 0.28
    answer = ExtractiveComposer(analyse, idf).compose("What is the capital of Australia?", result(refs, weak, near, best_dense=0.28))
    assert answer.abstained and [p.id for p in answer.passages] == ["n"] and answer.text == ABSTAIN_TEXT


def test_nothing_indexed_says_so(pipeline):
    assert not pipeline.index.manifest.has_passages()
    answer = pipeline.ask("What does a boundary spanner do?")
    assert answer.abstained and "Nothing is indexed yet" in answer.text


def test_an_index_with_passages_says_it_has_them(indexed):
    assert indexed.index.manifest.has_passages() and indexed.index.manifest.counts()[1] > 0
    assert "Nothing is indexed yet" not in indexed.ask("What does a boundary spanner do?").text


def test_answer_json_has_the_contract_fields(indexed):
    out = indexed.ask("What does a boundary spanner do?").to_json()
    assert {"question", "answer", "abstained", "citations"} <= set(out)
    assert out["question"] == "What does a boundary spanner do?" and out["abstained"] is False
    for c in out["citations"]:
        assert {"n", "doc_id", "title", "source", "page", "section", "text", "score"} <= set(c)
        assert isinstance(c["n"], int) and isinstance(c["score"], float) and f"[{c['n']}]" in out["answer"]


def test_sentences_with_their_own_bracketed_references_are_never_quoted():
    """A source sentence like 'X is used [3].' would read as our marker [3] and break verification."""
    from assistant.answer import ExtractiveComposer, verify
    from assistant.retrieve import Passage, SearchResult

    text = "Albendazole is used to treat lymphatic filariasis [3]. Albendazole is also used against other worm infections."
    first = (0, text.index("[3].") + 4)
    second = (first[1] + 1, len(text))
    passage = Passage(id="c1", doc_id="d", title="T", source="s", page=None, section="", text=text, start=0,
                      end=len(text), sentences=(first, second), score=1.0, dense=0.9, rank=1)
    composer = ExtractiveComposer(lambda texts: [t.lower().replace(".", " ").split() for t in texts], lambda terms: {t: 1.0 for t in terms})
    answer = composer.compose("albendazole", SearchResult("albendazole", [passage], 0.9))
    verify(answer)
    assert [c.sentence for c in answer.citations] == [text[second[0]:second[1]]]
    assert "[3]" not in answer.text


@pytest.mark.parametrize(
    ("sentence", "quoted"),
    [
        ("It compares grants, contracts and alliance contracting, and sets out steps for commissioning.", False),
        ("It covers recruitment, payment, power and how to avoid tokenism.", False),
        ("It is written for programme staff and key workers who facilitate workshops.", False),
        ("The list is this digest's synthesis, not a list given by any single author.", False),
        ("It complements the guide on commissioning and procuring partnership services.", False),
        ("It builds on the guide to evaluating a collaborative innovation programme, which covers theory of change.", False),
        # The same verbs about something other than the document stay quotable.
        ("The model explains why trust grows through small wins.", True),
        ("Ostrom's account covers both regular and citizen producers of a service.", True),
        ("It builds on trust that partners earned in earlier joint work.", True),
    ],
)
def test_a_document_describing_itself_is_never_quoted(sentence, quoted):
    from assistant.evidence import quotable_sentence

    assert (quotable_sentence(sentence, (0, len(sentence))) is not None) is quoted


@pytest.mark.parametrize(
    ("sentence", "quoted"),
    [
        # A label with a note in brackets is no sentence: the user-testing toolkit's list of who could run sessions.
        ("Open data program manager (or equivalent)", False),
        ("Growing number of engaged open data users (newsletter or blog subscribers, social media followers)", False),
        # A verb before the bracket makes it a sentence whose note is part of it.
        ("Partners agreed a shared outcome framework (see Table 2)", True),
        # A sentence ending on its citation, or on a bracketed clause after a full sentence, stays quotable.
        ("Collaboration spreads innovation across organisations (Sørensen and Torfing, 2011)", True),
        ("The chart below marks the dates of events hosted by the open data team along with total dataset downloads "
         "(in this case there is not a clear indication of correlation)", True),
        # A sentence set in brackets whole, without its full stop (the hopes-and-fears card's note on running it online).
        ("(In a remote setting, you can do this online using collaboration software such as Mural or Google Docs)", True),
        ("(or equivalent)", False),
    ],
)
def test_a_label_with_a_bracketed_note_is_not_a_sentence(sentence, quoted):
    from assistant.evidence import quotable_sentence

    assert (quotable_sentence(sentence, (0, len(sentence))) is not None) is quoted


@pytest.mark.parametrize(
    ("line", "quoted"),
    [
        # List items from the Sunlight case studies and our guides, as the index holds them.
        ("- In 2018, Louisville Open Data partnered with University of Louisville’s Speed School of Engineering for capstone projects", True),
        ("- Awareness about Madison’s open data portal is low, particularly among less skilled data users", True),
        ("- [ ] Summary and feedback on decisions sent to participants", False),  # a box to tick
        ("- Louisville Open Data regularly partners with Code for Kentuckiana for events", False),  # "partners" is a noun too
        ("- 5 ways Pittsburgh’s public servants are using human-centered design", False),
        ("- Facilitate access to city and other data sources relevant to neighbourhood organisations", False),  # an aim, no tense
        ("- Pay promptly within days", False),
    ],
)
def test_a_list_item_written_as_a_sentence_is_quotable_without_its_full_stop(line, quoted):
    from assistant.evidence import clause_item

    start = len(re.match(r"- (?:\[ \] )?", line).group())  # the item's text, after its marker and any box
    assert (clause_item(line, (start, len(line))) is not None) is quoted


@pytest.mark.parametrize(
    ("sentence", "quoted"),
    [
        ("Sørensen and Torfing (2011), Administration & Society; Hartley, Sørensen and Torfing (2013), Public Administration Review.", False),
        ("Ansell and Gash (2008), Journal of Public Administration Research and Theory.", False),
        ("Hartley, Sørensen and Torfing (2013), in Public Administration Review, argued that the choice of strategy is contingent.", True),
    ],
)
def test_a_sentence_that_only_cites_is_never_quoted(sentence, quoted):
    from assistant.evidence import quotable_sentence

    assert (quotable_sentence(sentence, (0, len(sentence))) is not None) is quoted


@pytest.mark.parametrize(
    ("sentence", "quoted"),
    [
        ("**How residents analyze information**", False),
        ("**Community events hosted by Open Data Program lead to more open data users**", False),
        ("**Agree payment and expenses in advance.**", True),
        ("**Pitfall: late payment.** Waiting weeks for money can push people into debt.", True),
    ],
)
def test_a_bold_line_standing_as_a_heading_is_never_quoted(sentence, quoted):
    from assistant.evidence import quotable_sentence

    assert (quotable_sentence(sentence, (0, len(sentence))) is not None) is quoted


@pytest.mark.parametrize(
    ("sentence", "quoted"),
    [
        # The Pittsburgh case study's press list: an article's title and where it ran, its link reduced to its text.
        ("5 ways Pittsburgh’s public servants are using human-centered design (Technical.ly)", False),
        ("Did 80% of Pittsburgh really vote for Hillary Clinton? (Politifact Pennsylvania)", False),
        # A claim citing its source, or pointing to a table, is quoted.
        ("Keep personal case information in a system covered by a data sharing agreement (ICO 2021)", True),
        ("Partners agreed a shared outcome framework (see Table 2)", True),
        ("WPRDC hosts monthly office hours for data users (see the dashboard).", True),
    ],
)
def test_an_article_title_with_its_publication_is_never_quoted(sentence, quoted):
    from assistant.evidence import quotable_sentence

    assert (quotable_sentence(sentence, (0, len(sentence))) is not None) is quoted


@pytest.mark.parametrize(
    ("sentence", "quoted"),
    [
        # A clause before a colon is part of the sentence: the whole is quoted, never the fragment after it.
        ("The alliance has eight members: Plymouth City Council, which commissions the contract, and seven providers.",
         "The alliance has eight members: Plymouth City Council, which commissions the contract, and seven providers."),
        ("A practical approach is tiered: consensus for strategy and a majority for operational matters.",
         "A practical approach is tiered: consensus for strategy and a majority for operational matters."),
        # A short label is not: "Example:" and a role name are dropped from the quote.
        ("Example: A council pays residents on the day of the workshop.", "A council pays residents on the day of the workshop."),
        ("Partnership board chair: Runs meetings fairly and protects minority voices.", "Runs meetings fairly and protects minority voices."),
        ("**Why it matters:** Trust grows through small wins.", "Trust grows through small wins."),
    ],
)
def test_a_label_is_dropped_from_a_quote_but_a_clause_before_a_colon_is_kept(sentence, quoted):
    from assistant.evidence import quotable_sentence

    span = quotable_sentence(sentence, (0, len(sentence)))
    assert span is not None and sentence[span[0]:span[1]] == quoted
