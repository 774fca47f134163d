"""Answers that answer the question, on the shipped corpus: steps, definitions, comparisons, findings.

The seven questions a new user asked in issue 9 are regression tests here, each with the
property a reader would check (the payment step is there, three steps for a 3-step plan, both
things defined in a comparison, findings from the findings section...).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.answer import ExtractiveComposer, verify
from assistant.chat import Conversation
from assistant.ingest.structure import Unit
from assistant.retrieve import Passage, SearchResult
from assistant.compose.base import pitfall_prefix
from assistant.evidence import sentence_quotes
from helpers import passages_of, section_passage

ROOT = Path(__file__).resolve().parents[1]
REALDOCS = ROOT.parent / "shared" / "data" / "realdocs"
STEP = re.compile(r"^(\d+)\. (.+) \[(\d+)\]$", re.M)


def steps(text: str) -> list[str]:
    return [m.group(2) for m in STEP.finditer(text)]


def quoted(answer) -> list[str]:
    return [s for c in answer.citations for s in c.sentences]


def test_a_word_joined_to_the_headings_subject_does_not_cut_the_steps(shipped):
    # "indicators", joined by "and" to "outcomes" (which the heading names), is the same subject, not a
    # topic the question adds: all seven steps, not the two that name indicators.
    answer = shipped.ask("Each partner reports its own figures. How do we settle on a common set of outcomes and indicators for the partnership?")
    verify(answer)
    assert answer.text.splitlines()[0].endswith("section “Step-by-step: building a shared outcome framework”:"), answer.text
    assert len(steps(answer.text)) == 7, answer.text


def test_payment_question_gets_the_payment_step(shipped):
    answer = shipped.ask("How should I pay community members who take part in co-design workshops?")
    verify(answer)
    assert answer.kind == "procedure"
    assert "Agree payment and expenses in advance" in answer.text
    assert "This guide" not in answer.text and "It is written for" not in answer.text
    # The workshop guide's steps that speak of paying, not all its preparation steps.
    assert "points that bear on this" in answer.text.splitlines()[0]
    assert "Set a genuine design question" not in answer.text and "Prepare materials" not in answer.text


def test_a_list_answering_the_whole_question_is_not_cut_to_one_word(shipped):
    # The co-leadership steps nearly all name co-leads; the question adds no topic of its own to them.
    answer = shipped.ask("Two of our partner organisations want to co-lead the programme. What steps should we take to set that up properly?")
    verify(answer)
    assert len(steps(answer.text)) == 9 and "bear on this" not in answer.text, answer.text


def test_a_three_step_plan_has_three_cited_steps(shipped):
    answer = shipped.ask("Can you give me a 3-step plan for starting a collaborative innovation lab in a council?")
    verify(answer)
    found = steps(answer.text)
    assert len(found) == 3, answer.text
    assert len(set(found)) == 3
    # The same glossary definition is not said three times.
    assert len(set(quoted(answer))) == len(quoted(answer))


def test_comparison_defines_both_and_says_how_they_relate(shipped):
    answer = shipped.ask("What is the difference between co-production and co-design?")
    verify(answer)
    lines = answer.text.splitlines()
    assert lines[0].startswith("**Co-production:** ") and lines[1].startswith("**Co-design:** ")
    assert "co-production" in lines[0].lower().split(":** ", 1)[1] and "co-design" in lines[1].lower().split(":** ", 1)[1]
    assert len(lines) == 3 and (lines[2].startswith("**How they relate:** ") or "do not contrast them" in lines[2])
    assert "The trainer" not in answer.text


def test_findings_question_quotes_the_findings_and_is_not_merged_with_the_previous_turn(shipped):
    conversation = Conversation()
    shipped.ask("Can you give me a 3-step plan for starting a collaborative innovation lab in a council?", conversation=conversation)
    answer = shipped.ask("What did the Making It Work programme find about lone parents?", conversation=conversation)
    verify(answer)
    assert not answer.merged and answer.query == answer.question
    assert answer.kind == "findings"
    assert any(re.search(r"found|findings|evaluation|results", c.section, re.I) for c in answer.citations), [c.section for c in answer.citations]
    # What was found, not what was examined or what the digest advises.
    assert re.search(r"\bfound\b", answer.text), answer.text


def test_starter_payment_question_has_no_fragments_labels_or_checkboxes(shipped):
    answer = shipped.ask("How should we pay people with lived experience for their time?")
    verify(answer)
    assert "[ ]" not in answer.text and "[x]" not in answer.text
    assert not re.search(r"^\*\*[^*]+:\*\*\s*(\[\d+\])?$", answer.text, re.M)  # no bare role label
    body = [line for line in answer.text.splitlines() if line.strip()]
    assert body[0].startswith("From "), body[0]
    found = steps(answer.text)
    assert len(found) >= 3 and sum(bool(re.search(r"\bpa(?:y|id|yment)", s, re.I)) for s in found) >= 2, answer.text


def test_employer_question_never_passes_off_a_near_topic_answer(shipped):
    answer = shipped.ask("How do I get employers to commit to a local employability partnership?")
    verify(answer)
    # Either the steps come from guidance about employers, or the answer says employers are not covered.
    if steps(answer.text):
        assert all("employer" in c.text.lower() or "employer" in c.title.lower() for c in answer.citations)
    else:
        assert "“employers”" in answer.text


def test_definition_comes_first_and_elaboration_from_the_same_passage(shipped):
    answer = shipped.ask("What is a boundary spanner?")
    verify(answer)
    assert answer.kind == "definition"
    assert re.match(r"A boundary spanner is ", answer.text)
    assert len(answer.citations) == 1 and len(answer.citations[0].quotes) <= 3


def test_a_pair_asked_as_one_term_is_defined_one_term_at_a_time(shipped):
    answer = shipped.ask("What is creaming and parking?")
    verify(answer)
    first, second = answer.text.split("\n")[:2]
    assert first.startswith("**Creaming:** Creaming is") and second.startswith("**Parking:** Parking is"), answer.text


def test_a_term_of_two_words_is_found_by_its_phrase_when_its_words_rank_other_passages(shipped):
    # "permitted" and "work" rank guidance on permission to stop work and on continuing the work; the key-terms entry
    # saying "Permitted work is ..." was not among the passages composed from, and the answer quoted two stray ones.
    answer = shipped.ask("What is permitted work?")
    verify(answer)
    assert answer.kind == "definition"
    assert "Permitted work is a set of benefit rules" in answer.text, answer.text


def test_what_a_book_says_is_not_where_it_was_published(shipped):
    # "book" in "What does Torfing's book say about ...?" had made the publisher's line wanted, and the answer opened
    # on where and when the book came out.
    answer = shipped.ask(
        "In our authority new ideas tend to appear by accident when a crisis forces them, and then the know-how "
        "disappears. What does Torfing's book say about turning that into something more lasting?"
    )
    verify(answer)
    assert "Georgetown University Press" not in answer.text, answer.text


def test_a_definition_may_leave_out_the_owner_of_the_term(shipped):
    # "Arnstein's ladder of participation" is defined in the glossary as "The ladder of participation is ...".
    answer = shipped.ask("What is Arnstein's ladder of participation?")
    verify(answer)
    assert answer.text.startswith("The ladder of participation is a model"), answer.text


@pytest.mark.parametrize(
    ("query", "opening"),
    [
        # A term typed on its own is defined, not surrounded by sentences that mention it.
        ("wicked problems", "A wicked problem is "),
        ("creaming and parking", "**Creaming:** Creaming is "),
        # An abbreviation is defined where the full term introduces it, in a "Key terms" section.
        ("IPS", "Individual Placement and Support (IPS) is "),
        ("What is IPS?", "Individual Placement and Support (IPS) is "),
        ("SROI", "Social return on investment (SROI) is "),
        # "definition" names the form asked for; the passages need not say it.
        ("distributed leadership definition", "Distributed leadership is "),
        # A case named for the term opens by saying what it is; "Buurtzorg is useful for ..." does not.
        ("Buurtzorg", "Buurtzorg is a not-for-profit home-care organisation"),
        ("What is Buurtzorg?", "Buurtzorg is a not-for-profit home-care organisation"),
    ],
)
def test_a_term_typed_on_its_own_or_abbreviated_is_defined(shipped, query, opening):
    answer = shipped.ask(query)
    verify(answer)
    assert answer.kind == "definition" and answer.text.startswith(opening), answer.text


def test_barriers_are_not_the_roles_of_leaders(shipped):
    # Torfing's digest lists "The role of public leaders and managers"; the barriers are named in sentences.
    answer = shipped.ask("barriers to collaboration")
    verify(answer)
    assert "The role of public leaders" not in answer.text and re.search(r"barrier", answer.text, re.I), answer.text


@pytest.mark.parametrize("query", ["benefits of co-location", "What are the benefits of co-location?"])
def test_the_benefits_of_something_are_not_its_steps_or_who_does_what(shipped, query):
    answer = shipped.ask(query)
    verify(answer)
    assert answer.kind == "list" and not steps(answer.text) and not re.search(r"section “(?:Steps|Who does what)", answer.text), answer.text
    assert "informal contact" in answer.text, answer.text


def test_a_case_study_defined_without_a_line_about_the_document(shipped):
    answer = shipped.ask("What is the Plymouth Alliance?")
    verify(answer)
    assert answer.text.startswith("The Plymouth Alliance is a partnership") and "complements the guide" not in answer.text, answer.text


@pytest.fixture(scope="module")
def four_guides(tmp_path_factory, embeddings):
    """Four partnership guides, two of them found by their summaries for a question about partners falling out."""
    from assistant.pipeline import build_pipeline
    from assistant.settings import Settings

    p = build_pipeline(Settings(data_dir=tmp_path_factory.mktemp("four-guides") / "data"), embeddings=embeddings)
    guides = ROOT / "corpus" / "guidance"
    names = ["managing-conflict-and-repairing-trust-between-partners", "sustaining-a-partnership-after-the-funding-ends",
             "referral-pathways-and-warm-handovers-between-partners", "safeguarding-across-partner-organisations"]
    p.ingest([guides / f"{name}.md" for name in names])
    yield p
    p.close()


@pytest.mark.parametrize("question", ["How do I stop partners falling out?", "how to stop partners falling out"])
def test_a_guide_with_several_steps_sections_gives_the_one_closest_to_the_question(four_guides, question):
    # Both guides rank by their summaries; the conflict guide's two steps sections (working through a
    # conflict, repairing trust) are closer to the question than the sustainability guide's one, which
    # answered when a guide with more than one steps section was passed over.
    answer = four_guides.ask(question)
    verify(answer)
    assert re.search(r"From “Managing conflict and repairing trust between partner organisations”, section “Step-by-step: ", answer.text), answer.text
    assert len(steps(answer.text)) >= 5


def test_what_a_case_achieved_typed_as_keywords_is_answered_without_a_notice(shipped):
    answer = shipped.ask("buurtzorg outcomes")
    verify(answer)
    assert answer.kind == "findings" and "do not mention" not in answer.text, answer.text
    assert re.search(r"\b\d[\d,]* (?:nurses|teams|patients|clients)\b", answer.text), answer.text


def test_who_put_an_idea_forward_is_read_where_the_document_opens(shipped):
    # The review's opening passage says who introduced the concept; the passages retrieved are its properties.
    answer = shipped.ask("who coined wicked problems")
    verify(answer)
    assert answer.kind == "factoid" and re.match(r"[^.]*Rittel and Melvin Webber[^.]*introduced the concept", answer.text), answer.text


def test_the_head_of_a_compound_the_heading_names_does_not_cut_the_steps(shipped):
    # "agreement" closes "data sharing agreement"; the steps of setting up data sharing are the answer whole,
    # not the two that say "agreement".
    answer = shipped.ask("How do I set up a data sharing agreement between partners?")
    verify(answer)
    assert "setting up data sharing for a partnership" in answer.text and "that bear on this" not in answer.text, answer.text
    assert len(steps(answer.text)) >= 8


@pytest.mark.parametrize(
    ("question", "roles"),
    [
        ("Which partner should take the lead on GDPR paperwork when we share data?", True),
        ("What part does the board play when a partnership is paying lived experience members?", True),
        ("Who keeps the referral pathway running day to day?", True),
        ("In a co-design workshop, what should the facilitator be doing compared with the note-taker?", True),
        ("What is the job of the chair in a partnership meeting?", True),
        ("We're arranging job shadowing between four partners. Who should take on which responsibilities to make this work?", True),
        ("How should responsibilities be split between the commissioner, the partnership board and the evaluator?", True),
        # How two leads should agree a split is the steps for agreeing it.
        ("How should the two leads divide responsibilities and deal with disagreements?", False),
        # Who did something once is a fact, and what a partnership should do is a how-to.
        ("Who founded Buurtzorg?", False),
        ("What should the partnership do when funding ends?", False),
    ],
)
def test_questions_about_who_does_what_in_other_words(question, roles):
    from assistant.compose.cues import facets_asked

    assert ("roles" in facets_asked(question)) is roles


def test_which_partner_leads_is_answered_by_who_does_what(shipped):
    answer = shipped.ask("Who keeps the referral pathway running day to day?")
    verify(answer)
    assert {c.section for c in answer.citations} == {"Who does what in a referral pathway"}, answer.text


def test_tips_typed_as_keywords_are_the_steps_not_the_size_of_the_problem(shipped):
    # "The scale of the problem" ranks above the steps; it says why, not how. "tips" names the form asked for.
    answer = shipped.ask("digital exclusion tips")
    verify(answer)
    assert "section “Step-by-step: supporting a service user who is digitally excluded”" in answer.text, answer.text


def test_background_headings_and_the_word_tips_name_no_guidance():
    from assistant.compose.guides import EVIDENCE_HEADING
    from assistant.question import content_words, own_topic

    assert own_topic(content_words("digital exclusion tips")) == ["digital", "exclusion"]
    for head in ("The scale of the problem", "What the evidence says about signposting and referral", "What the research says about trust",
                 "What changed for key workers and partners", "What the evaluations found", "Results reported by the evaluation", "Key findings"):
        assert EVIDENCE_HEADING.search(head), head
    for head in ("Step-by-step: supporting a service user who is digitally excluded", "What to put in the terms of reference",
                 "What the main guidance says", "Step 3: select outcome measures for employability", "What the key worker does day to day"):
        assert not EVIDENCE_HEADING.search(head), head


def test_a_how_to_is_answered_by_the_guidance_far_closest_in_meaning_not_by_what_a_case_found(shipped):
    # Ranked on "lone parent" and "key worker": Making It Work's "What changed for key workers and partners"
    # (what a case found), then supervision; "What the key worker does day to day" fifth, far closest in meaning.
    answer = shipped.ask("What should a key worker do in the first meeting with a lone parent?")
    verify(answer)
    assert "section “What the key worker does day to day”" in answer.text and len(steps(answer.text)) >= 3, answer.text


def test_tracing_an_idea_back_to_someone_says_who_first_put_it_forward():
    from assistant.compose.cues import ORIGIN_CUE

    assert ORIGIN_CUE.search("Bolden traces the idea back to the psychologist Cecil Gibb, who in a 1954 handbook chapter ...")
    assert ORIGIN_CUE.search("The concept is usually traced back to Ostrom's work in the 1970s.")
    assert not ORIGIN_CUE.search("Key workers trace referrals back through the partner's records.")


@pytest.mark.parametrize("question", ["How do I run a co-design workshop?", "running a co-design workshop"])
def test_what_something_is_is_no_guidance_for_doing_it(shipped, question):
    # "What co-design is and where a workshop fits" names the question's words; it says what, not how.
    answer = shipped.ask(question)
    verify(answer)
    assert "What co-design is" not in answer.text and re.search(r"section “(?:Step-by-step|Running the co-design session)", answer.text), answer.text


def test_who_takes_part_is_no_missing_topic(shipped):
    # The payment steps say "people" and "anyone", not "participants": no notice that the topic is missing.
    answer = shipped.ask("how to pay lived experience participants")
    verify(answer)
    assert "do not mention" not in answer.text and "Step-by-step: setting up a payment policy" in answer.text, answer.text


def test_who_invented_something_published_it(shipped):
    answer = shipped.ask("who invented the ladder of participation")
    verify(answer)
    assert answer.text.startswith("Sherry Arnstein published"), answer.text


def test_a_list_item_naming_both_compared_things_relates_them(shipped):
    # No one sentence names both; the referral steps' item "Make warm handovers the default ... keep signposting for ..." does.
    answer = shipped.ask("signposting or warm handover")
    verify(answer)
    assert "do not contrast them" not in answer.text, answer.text
    relate = next(line for line in answer.text.splitlines() if line.startswith("**How they relate:**"))
    assert "warm handover" in relate.lower() and "signposting" in relate.lower(), relate


def test_steps_typed_as_keywords_are_given_as_steps(shipped):
    answer = shipped.ask("job shadowing how to set up")
    verify(answer)
    assert answer.kind == "procedure" and "Steps for job shadowing" in answer.text, answer.text
    assert len(steps(answer.text)) >= 4 and "induction" in answer.text


def test_learning_outcomes_are_listed_when_asked_for_and_never_quoted_as_claims(shipped):
    listed = shipped.ask("What are the learning outcomes of the co-production session?")
    assert "section “Learning outcomes”" in listed.text.split("\n", 1)[0], listed.text
    assert "Distinguish consultation, co-design and co-production" in listed.text
    # "Distinguish consultation, co-design and co-production, using Bovaird (2007)" is what participants
    # will be able to do, not how the two differ.
    compared = shipped.ask("How does co-production differ from consultation?")
    verify(compared)
    assert compared.kind == "comparison" and "Distinguish" not in compared.text, compared.text


def test_a_trainer_asking_for_an_exercise_gets_the_session_part_that_runs_it(shipped):
    answer = shipped.ask("What exercise can I use to help participants plan a small win for their partnership?")
    verify(answer)
    first, rest = answer.text.split("\n", 1)
    assert first.endswith("section “60-80 minutes: exercise 2, planning a small win”:"), answer.text
    assert "within three months" in rest and "Weick (1984)" in rest  # the part read whole, stage directions included
    ladder = shipped.ask("How can I use Arnstein's ladder in a workshop to show people where their engagement activities sit?")
    assert "section “09:50-10:20: input on the ladder of participation”" in ladder.text and "sticky notes on the printed ladder" in ladder.text


@pytest.mark.parametrize(
    ("question", "part"),
    [
        # "teach" appears in no session plan ("trainer", "session"): the plan is searched for as well.
        ("How do I teach distributed leadership?", "40-55 minutes: input on distributed and facilitative leadership"),
        ("How do I teach the ladder of participation?", "09:50-10:20: input on the ladder of participation"),
        # The plan on the topic asked about, not the other plan's close.
        ("How should I close a training session on collaborative innovation?", "80-90 minutes: review and close"),
        # A talk within a course is the plan's input part, not the exercise that shares its words, nor its trainer notes.
        ("On the boundary-spanning leadership course there's a short talk on shared leadership and on leaders who bring "
         "partners together. What are the main points I should get across in it?", "40-55 minutes: input on distributed and facilitative leadership"),
    ],
)
def test_a_trainer_asking_how_to_teach_or_close_gets_the_session_part(shipped, question, part):
    answer = shipped.ask(question)
    verify(answer)
    assert {c.section.split(" > ")[-1] for c in answer.citations} == {part}, answer.text


@pytest.mark.parametrize(
    "question",
    [
        "What exercise can I use to teach quantum chromodynamics?",
        "How do I teach knitting to beginners?",
        "What icebreaker works for a session on medieval castles?",
    ],
)
def test_a_trainer_question_on_a_topic_the_corpus_lacks_is_refused(shipped, question):
    # The search with "session plan" added finds every plan close; whether to abstain stays the question's own.
    assert shipped.ask(question).abstained


def test_an_exercise_no_session_plan_holds_is_not_made_up_from_one(shipped):
    answer = shipped.ask("What exercise can I use to calculate the social return on investment of our partnership?")
    assert "minutes:" not in answer.text and "Session plan" not in answer.text.split("\n", 1)[0], answer.text


def test_a_section_headed_by_the_question_beats_another_documents_steps(shipped):
    # The best passage is headed "Setting up the partnership board"; a commissioning guide's steps
    # ("Set up joint governance ... agree an alliance board") answer a different question.
    answer = shipped.ask("How do we set up the partnership board?")
    verify(answer)
    assert {c.section.split(" > ")[-1] for c in answer.citations} == {"Setting up the partnership board"}, answer.text
    assert "senior decision-maker from each core partner" in answer.text


@pytest.mark.parametrize(
    ("question", "section", "words"),
    [
        # "Supporting key workers: caseloads, supervision and reflective practice": the title lists
        # the sections' topics, so "reflective practice" says which section answers, not the steps for supervision.
        ("How do we run reflective practice sessions for our key workers?", "Running reflective practice", "Gibbs"),
        ("How do we avoid tokenism when involving people with lived experience?", "Avoiding tokenism", "name at least one decision"),
        ("How should full cost recovery work when we fund a charity partner?", "Full cost recovery in practice", "full cost recovery"),
    ],
)
def test_a_topic_named_after_the_titles_colon_picks_its_own_section_over_the_documents_steps(shipped, question, section, words):
    answer = shipped.ask(question)
    verify(answer)
    assert {c.section.split(" > ")[-1] for c in answer.citations} == {section}, answer.text
    assert words in answer.text and not steps(answer.text)


def test_what_rules_to_check_is_a_list_question_answered_by_the_list_of_rules(shipped):
    answer = shipped.ask("What benefit rules should we check before paying someone with lived experience?")
    verify(answer)
    assert {c.section.split(" > ")[-1] for c in answer.citations} == {"Benefit rules to check before paying someone"}, answer.text
    assert "Permitted work" in answer.text and "Universal Credit" in answer.text


def test_a_preposition_is_not_a_topic_word_the_documents_must_mention(shipped):
    answer = shipped.ask("How should we recruit people with lived experience onto our board?")
    verify(answer)
    assert "do not mention" not in answer.text and "Recruit through trusted routes" in answer.text, answer.text


def test_a_how_to_is_read_from_the_guide_not_from_the_glossary_entry_headed_alike(shipped):
    # The glossary's "Theory of change" ranks first; it says what one is, the guide says how to build it.
    answer = shipped.ask("How do we write a theory of change?")
    verify(answer)
    assert {c.section.split(" > ")[-1] for c in answer.citations} == {"Step 1: build a theory of change"}, answer.text
    assert "built in a workshop with partners" in answer.text


def test_an_opening_statement_says_why_the_question_is_asked_not_what_it_asks(shipped):
    # Searched whole, "funded for a two-year programme" finds guidance on funding ending; the
    # question sentence is searched on its own too, and the statement's words weigh less.
    answer = shipped.ask("We have just been funded for a two-year programme. How do we set up the partnership board?")
    verify(answer)
    assert {c.section.split(" > ")[-1] for c in answer.citations} == {"Setting up the partnership board"}, answer.text
    assert "do not mention" not in answer.text


def test_factoid_answer_holds_the_name_and_is_short(shipped):
    answer = shipped.ask("Who coined the term wicked problems?")
    verify(answer)
    assert "Rittel and Webber" in quoted(answer)[0]
    assert len(quoted(answer)) <= 2


def test_a_count_of_published_cases_is_the_number_asked_for_not_a_publication_detail(shipped):
    answer = shipped.ask("How many cases did Ansell and Gash review?")
    verify(answer)
    assert "137" in answer.citations[0].sentences[0] and answer.text.index("137") < answer.text.index("[1]"), answer.text


def test_who_developed_a_framework_is_answered_by_the_sentence_naming_its_authors(shipped):
    # The authors are named where the article is said to be published: for "who", that is the answer.
    answer = shipped.ask("Who developed the integrative framework for collaborative governance?")
    verify(answer)
    assert all(name in answer.citations[0].sentences[0] for name in ("Emerson", "Nabatchi", "Balogh")), answer.text


def test_a_reason_is_not_taken_from_a_step_that_says_so_that(shipped):
    # "Write up what worked … so that later partnerships do not start from nothing" is a step of a plan.
    answer = shipped.ask("Why do partnerships fail after funding ends?")
    verify(answer)
    assert "When the money stops" in answer.text, answer.text
    step = answer.text.find("Write up")
    assert step == -1 or answer.text.index("When the money stops") < step


def test_a_list_question_takes_the_list_its_heading_names_over_a_checklist_on_the_subject(shipped):
    answer = shipped.ask("What are the types of co-production identified by Brandsen and Honingh?")
    verify(answer)
    assert {c.section.split(" > ")[-1] for c in answer.citations} == {"The four types"}, answer.text
    assert answer.text.count("\n- ") == 4


@pytest.mark.parametrize(
    ("question", "labels"),
    [
        # Subsections of a section headed by what is asked for.
        ("What competencies does a boundary spanner need according to Williams?",
         ["Building sustainable relationships", "Managing through influence and negotiation", "Managing complexity and interdependencies",
          "Managing roles, accountabilities and motivations"]),
        # Subsections of a section on the topic whose text names what is asked for ("three interacting components").
        ("What are the components of collaboration dynamics?", ["Principled engagement", "Shared motivation", "Capacity for joint action"]),
        # Sections of one document each headed by it ("Method 1: co-location").
        ("What are the methods for mutual learning between partners?", ["Method 1: co-location", "Method 2: job shadowing", "Method 3: shared digital platforms"]),
    ],
)
def test_a_list_question_is_answered_by_the_sections_that_are_the_items(shipped, question, labels):
    answer = shipped.ask(question)
    verify(answer)
    items = re.findall(r"^- (.+)$", answer.text, re.M)
    assert len(items) == len(labels) and all(item.removeprefix("**").lower().startswith(label.lower()) for item, label in zip(items, labels)), answer.text
    # Each item is named once: by its heading as a label, or, when every sentence opens with its heading, by the sentence alone.
    assert not any(item.lower().count(label.lower()) > 1 and item.startswith("**") for item, label in zip(items, labels)), answer.text
    assert len(answer.citations) == len(labels)  # one passage per item, each quoted from its own section


def test_a_guide_written_as_numbered_step_sections_answers_with_its_steps(shipped):
    answer = shipped.ask("How do we evaluate a collaborative innovation programme?")
    verify(answer)
    assert re.findall(r"^\d\. \*\*(Step \d)", answer.text, re.M) == ["Step 1", "Step 2", "Step 3", "Step 4"], answer.text
    # A question about one of the steps still gets that step's own content.
    one = shipped.ask("How do I pick outcome measures for evaluating an employability programme?")
    assert {c.section for c in one.citations} == {"Step 3: select outcome measures for employability"}, one.text


def test_every_quote_is_cited_once_per_passage_in_document_order(shipped):
    for question in ("What does a boundary spanner do in a partnership?", "Why does psychological safety matter when a team is testing new ideas?"):
        answer = shipped.ask(question)
        verify(answer)
        assert len({c.chunk_id for c in answer.citations}) == len(answer.citations)
        for c in answer.citations:
            positions = [answer.text.index(f"{s} [{c.n}]") for s in c.sentences]
            assert positions == sorted(positions)
            assert [a for a, _ in c.quotes] == sorted(a for a, _ in c.quotes) or len(c.quotes) == 1


def test_a_list_question_takes_the_list_headed_by_what_it_asks_for(shipped):
    # "skills": the key worker guide's "Skills and qualities the role needs", not Williams's
    # "Practical guidance for developing boundary spanners", whose heading names only the subject.
    answer = shipped.ask("What skills does a boundary spanner need?")
    assert "section “Skills and qualities the role needs”" in answer.text.split("\n", 1)[0], answer.text
    assert len(answer.text.splitlines()) >= 4


def test_no_made_up_list_when_the_documents_hold_none():
    text = "Partnerships need trust. Trust grows from small wins that partners achieve together over time."
    p = Passage(id="p", doc_id="d", title="Trust", source="s", page=None, section="Trust", text=text, start=0, end=len(text),
                sentences=((0, 24), (25, len(text))), score=1.0, dense=0.8, rank=1)
    analyse = lambda texts: [re.findall(r"[a-z]+", t.lower()) for t in texts]  # noqa: E731
    composer = ExtractiveComposer(analyse, lambda terms: {t: 1.0 for t in terms})
    answer = composer.compose("Can you give me a 4-step plan to build trust in partnerships?", SearchResult("q", [p], 0.8))
    verify(answer)
    assert not steps(answer.text)
    assert answer.text.startswith("The documents set out no 4-step plan for this")


def test_a_long_reasons_section_is_read_where_it_bears_on_the_question_in_passages_retrieval_did_not_return():
    # Ten sentences under "Why residents add local knowledge", in two passages; retrieval returned only the first,
    # whose sentences are about something else. The four kept are those on the question's words, wherever they sit.
    off_topic = [f"Cities publish dataset number {n} on their portals every year." for n in range(6)]
    on_topic = [
        "Residents add local knowledge that housing data lacks.",
        "Local knowledge from residents corrects housing data.",
        "Residents know which housing data is out of date.",
        "Housing data gains local knowledge when residents comment.",
    ]
    def part(pid, sentences, start, score):
        text = " ".join(sentences)
        spans = tuple((m.start(), m.end()) for m in re.finditer(r"[^.]+\.", text))
        spans = tuple((a + (text[a] == " "), b) for a, b in spans)
        return Passage(id=pid, doc_id="d", title="Open data", source="s", page=None, section="Why residents add local knowledge", text=text,
                       start=start, end=start + len(text), sentences=spans, score=score, dense=0.8, rank=1)
    first = part("p1", off_topic, 0, 1.0)
    second = part("p2", on_topic, first.end + 1, 0.0)
    analyse = lambda texts: [re.findall(r"[a-z]+", t.lower()) for t in texts]  # noqa: E731
    ignore = frozenset({"why", "do", "to", "the", "that", "when", "which", "is", "on", "their", "every", "from", "number"})
    composer = ExtractiveComposer(analyse, lambda terms: {t: 1.0 for t in terms}, ignore=ignore, expand=lambda doc_id: [first, second])
    answer = composer.compose("Why do residents add local knowledge to housing data?", SearchResult("q", [first], 0.8))
    verify(answer)
    assert all(sentence in answer.text for sentence in on_topic), answer.text
    assert "Cities publish" not in answer.text, answer.text


def test_a_list_cut_across_two_passages_is_given_whole():
    doc = "How to pay:\n\n1. Agree payment in advance with each person.\n2. Pay travel costs on the day.\n3. Pay promptly within days.\n"
    items = [(m.start(1), m.end(1)) for m in re.finditer(r"\d\. (.+)", doc)]
    cut = items[1][1] + 1  # the first passage ends after step two
    def part(pid, a, b, score):
        unit = Unit("list", 0, b - a, tuple((x - a, y - a) for x, y in items if x >= a and y <= b), ordered=True, key=0)
        return Passage(id=pid, doc_id="d", title="Paying people", source="s", page=None, section="Paying people", text=doc[a:b],
                       start=a, end=b, sentences=(), score=score, dense=0.8, rank=1, units=(unit,))
    first, second = part("p1", 0, cut, 1.0), part("p2", cut, len(doc), 0.0)
    analyse = lambda texts: [re.findall(r"[a-z]+", t.lower()) for t in texts]  # noqa: E731
    composer = ExtractiveComposer(analyse, lambda terms: {t: 1.0 for t in terms}, expand=lambda doc_id: [first, second])
    answer = composer.compose("How do I pay people?", SearchResult("q", [first], 0.8))
    verify(answer)
    assert steps(answer.text) == ["Agree payment in advance with each person.", "Pay travel costs on the day.", "Pay promptly within days."]
    assert [c.chunk_id for c in answer.citations] == ["p1", "p2"]


@pytest.fixture(scope="module")
def realdocs(tmp_path_factory, embeddings):
    if not (REALDOCS / "18F_methods").is_dir():
        pytest.skip("../shared/data/realdocs is not present")
    from assistant.pipeline import build_pipeline
    from assistant.settings import Settings

    p = build_pipeline(Settings(data_dir=tmp_path_factory.mktemp("realdocs") / "data"), embeddings=embeddings)
    methods = REALDOCS / "18F_methods" / "_methods"
    sunlight = sorted((REALDOCS / "sunlight_informed_communities").rglob("*.md"))
    plans = sorted((ROOT / "corpus" / "training").glob("*.md"))  # session plans, to compete with method cards
    p.ingest([f for f in sorted(methods.glob("*.md")) if not f.name.startswith("_")] + sunlight + plans)
    yield p
    p.close()


def test_steps_of_a_method_written_elsewhere(realdocs):
    answer = realdocs.ask("What are the steps of a cognitive walkthrough?")
    verify(answer)
    found = steps(answer.text)
    assert len(found) >= 5, answer.text
    assert found[0].startswith("Identify specific traits")
    assert "Paperwork Reduction" not in answer.text and "PRA" not in answer.text


def test_a_method_card_steps_win_over_a_case_study_list_whose_heading_shares_the_words(realdocs):
    # The card's heading is "How to do it", which names nothing: its title, "Personas", stands in for it.
    # The Sunlight case study's list sits under "How Austin built on existing design research to create
    # data-specific user personas and use cases" and lists user needs, not steps.
    answer = realdocs.ask("How do I create personas for our service?")
    assert answer.text.startswith("From “Personas”, section “How to do it”"), answer.text
    assert steps(answer.text)[0].startswith("Gather research from earlier activities")


def test_a_session_plan_answers_only_when_it_is_on_the_topic_asked_about(realdocs):
    studio = realdocs.ask("How should we run a design studio session?")
    assert studio.text.startswith("From “Design studio”"), studio.text
    plan = realdocs.ask("How do I run a training session on wicked problems?")
    assert plan.text.startswith("From “Session plan: introducing collaborative innovation and wicked problems"), plan.text
    assert len(steps(plan.text)) >= 5


@pytest.mark.parametrize(
    ("question", "start"),
    [
        # A card's "why" (front matter) says what its method is for; it had been dropped at ingest.
        ("Why use a journey map?", "To provide design teams with a bird’s-eye view of a service"),
        ("What is the point of personas?", "To ground design in reality"),
        ("When is it worth doing a card sort?", "To gain insights from users about how to organize content"),
    ],
)
def test_what_a_method_is_for_is_said_by_its_card(realdocs, question, start):
    answer = realdocs.ask(question)
    verify(answer)
    assert answer.kind == "reason" and answer.text.startswith(start), answer.text


def test_when_to_use_a_method_is_answered_by_the_section_saying_when(realdocs):
    answer = realdocs.ask("When should we do user testing?")
    verify(answer)
    assert answer.text.startswith("From “User-testing toolkit”, section “Where it fits in with open data > When?”"), answer.text
    assert "prototype" in answer.text and "](" not in answer.text


def test_a_step_ending_in_a_colon_keeps_its_nested_list_and_links_keep_only_their_text(realdocs):
    answer = realdocs.ask("How do I run a lean coffee meeting?")
    last = answer.text.split("\n5. ", 1)[1]
    assert "Thumbs up" in last and "Thumbs down" in last, answer.text
    studio = realdocs.ask("How should we run a design studio session?")
    assert "user personas" in studio.text and "](" not in studio.text and "{{" not in studio.text


def test_no_html_tag_reaches_a_passage_of_a_document_written_elsewhere(realdocs):
    for doc in realdocs.documents():
        for chunk in realdocs.index.manifest.document_chunks(doc.doc_id):
            assert not re.search(r"<a\s|class=\"|</section>|<section", chunk.text), (doc.source, chunk.text[:200])


def test_citation_support_checks_every_quote_of_a_passage(shipped):
    from assistant.eval.gold import quotes_supported

    answer = shipped.ask("What is a boundary spanner?")
    [citation] = answer.citations
    assert len(citation.quotes) >= 2
    manifest = shipped.index.manifest
    assert all(quotes_supported(manifest, answer, citation))
    a, b = citation.quotes[1]
    citation.quotes[1] = (a, b - 1)  # a drifted second quote is caught, not only a bad first one
    verdicts = quotes_supported(manifest, answer, citation)
    assert verdicts[0] and not verdicts[1]


@pytest.mark.parametrize(
    ("question", "section", "words"),
    [
        # "position" and "structure" are in no heading: the best-ranked passage, also the closest in
        # meaning, sits in the section that answers, ahead of the guide's steps for starting a lab.
        ("How do we decide where to position a new innovation lab within the council's structure?",
         "Designing the lab's place in the council", "chief executive's office"),
        # "bits" and "keep going" are nowhere; the list under the best-ranked passage's heading is the answer.
        ("Our pilot money runs out next year - how do we decide which bits of the programme to keep going?",
         "Decide what should be sustained", "Activities to end well"),
        # The question sentence has no topic of its own: the statement before it says what to cover.
        ("I've been asked to draft the terms of reference for our new partnership board. What do I need to cover?",
         "What to put in the terms of reference", "quorum"),
        # "once ... is over" asks what comes after: the guide's preparation steps rank first.
        ("What should we do once a co-design workshop with service users is over?", "Follow-up after the workshop", "within two weeks"),
        ("What do we need to prepare before a co-design workshop with service users?", "Step-by-step: preparing the workshop", "Set a genuine design question"),
        # What to check is the guide's checklist.
        ("Our co-design workshop with parents is next week. What should I run through to make sure nothing has been missed?",
         "Co-design workshop checklist", "note-taker"),
        # The same, asked as what to tick off; and pitfalls asked as what to be careful not to do, or which roles it needs.
        ("We've drafted the information-sharing arrangements between our council and two charities. What should I tick off before we start sharing?",
         "Data sharing checklist", "Purpose of sharing written down"),
        ("I'm setting up job shadowing between our partner organisations. What should I be careful not to do?",
         "Pitfalls in co-location, shadowing and shared platforms", "keep separate routines"),
        ("I'm writing up a referral route between the jobcentre and our partners. What roles does it need?",
         "Who does what in a referral pathway", "Receiving worker"),
        ("Our co-leadership arrangement has been running six months and staff say they get two sets of instructions. What do co-led programmes usually get wrong?",
         "Pitfalls in co-leadership", "becomes duplication"),
        ("We're about to launch an innovation lab in our council. What should we be guarding against?",
         "Common pitfalls in starting an innovation lab", "a single sponsor"),
        ("Who are the key players in a referral pathway between partners?",
         "Who does what in a referral pathway", "Receiving worker"),
        # "What mistakes should we steer clear of?" names no topic: the statement before it does (searched
        # alone, the question sentence finds another guide's pitfalls).
        ("We are drafting a co-leadership agreement with another charity and our staff keep asking about money. What mistakes should we steer clear of?",
         "Pitfalls in co-leadership", "holds the money"),
    ],
)
def test_a_how_to_is_answered_by_the_section_retrieval_ranks_first_when_it_gives_guidance(shipped, question, section, words):
    answer = shipped.ask(question)
    verify(answer)
    assert {c.section.split(" > ")[-1] for c in answer.citations} == {section}, answer.text
    assert words in answer.text
    lines = [line for line in answer.text.splitlines() if not line.startswith("The passages found do not mention")]
    assert lines[0].endswith(f"section “{section}”:"), answer.text  # prose or steps, the section is named first


def test_a_sentence_whose_opening_words_end_in_a_colon_is_quoted_whole(shipped):
    # "Common signs include: one lived-experience member on a large board; ..." is one sentence, not a
    # label over a lower-case fragment.
    answer = shipped.ask("How can we tell whether our lived-experience involvement is just tokenistic?")
    verify(answer)
    assert "Common signs include: one lived-experience member on a large board" in answer.text, answer.text


@pytest.mark.parametrize(
    "heading",
    ["Who the session is for and what it covers", "Example from 18F", "Why design studios matter", "Rees and Carter (2014): the evidence", "Key terms"],
)
def test_a_how_to_is_not_answered_by_a_section_that_introduces_explains_or_reports(heading):
    # The first-ranked passage, as close in meaning as the steps, sits under a heading that gives no guidance:
    # the section retrieval ranks next, which does, answers.
    intro = "This half-day session brings stakeholders and users together to run a design studio session. It suits teams new to design."
    steps_doc = "How to do it:\n\n1. Invite six to twelve stakeholders and users.\n2. Sketch ideas alone for fifteen minutes.\n3. Present the sketches in groups of three.\n"
    items = tuple((m.start(1), m.end(1)) for m in re.finditer(r"\d\. (.+)", steps_doc))
    first = Passage(id="a", doc_id="plan", title="Session plan", source="a.md", page=None, section=heading, text=intro, start=0,
                    end=len(intro), sentences=((0, 87), (88, len(intro))), score=1.0, dense=0.8, rank=1)
    second = Passage(id="b", doc_id="card", title="Design studio", source="b.md", page=None, section="How to do it", text=steps_doc,
                     start=0, end=len(steps_doc), sentences=(), score=0.99, dense=0.8, rank=2,
                     units=(Unit("list", 0, len(steps_doc), items, ordered=True, key=0),))
    analyse = lambda texts: [re.findall(r"[a-z]+", t.lower()) for t in texts]  # noqa: E731
    by_doc = {"plan": [first], "card": [second]}
    composer = ExtractiveComposer(analyse, lambda terms: {t: 1.0 for t in terms}, expand=lambda doc_id: by_doc[doc_id])
    answer = composer.compose("What's the process for running a design studio session with stakeholders and users?", SearchResult("q", [first, second], 0.8))
    verify(answer)
    assert steps(answer.text) == ["Invite six to twelve stakeholders and users.", "Sketch ideas alone for fifteen minutes.", "Present the sketches in groups of three."], answer.text


def test_the_steps_of_the_section_that_answers_are_given_whole(shipped):
    # The section retrieval ranks first is the answer: its nine steps are not cut to the three that
    # happen to repeat the question's words ("set", "properly").
    answer = shipped.ask("Two of our partner organisations want to co-lead the programme. What steps should we take to set that up properly?")
    verify(answer)
    assert "section “Step-by-step: agreeing a co-leadership arrangement”:" in answer.text, answer.text
    assert len(steps(answer.text)) == 9, answer.text


def test_a_question_about_the_day_itself_is_answered_by_the_during_section(realdocs):
    answer = realdocs.ask("We're hosting a community data dialogue on local housing next month. How should we run things on the day itself?")
    verify(answer)
    assert {c.section.split(" > ")[-1] for c in answer.citations} == {"2. During the event"}, answer.text


def test_the_lead_in_of_the_answering_list_is_quoted_before_its_steps(shipped):
    answer = shipped.ask("Our pilot money runs out next year - how do we decide which bits of the programme to keep going?")
    verify(answer)
    lead = "Before any continuation bid, the board should sort the programme's elements into three groups:"
    assert f"{lead} [1]\n1. **Core benefits to keep:**" in answer.text, answer.text


def test_a_word_no_document_uses_is_named_as_missing_but_numbers_and_compounds_are_not(shipped):
    # "astronaut" appears nowhere in the corpus, so its weight was 0 and the notice never fired:
    # an answer about boundary spanners passed for one about astronauts.
    astronaut = shipped.ask("What competencies does an astronaut need?")
    verify(astronaut)
    assert astronaut.text.startswith("The passages found do not mention “astronaut”"), astronaut.text
    for question in ("Can you give me a 3-step plan for starting a collaborative innovation lab in a council?",
                     "We want an online space where staff from all our partner organisations can swap know-how. How should we set it up?",
                     # "half-day" is a word the corpus knows, written "half day" in the plan's title
                     "How do I wrap up the co-production half-day in its last slot?"):
        answer = shipped.ask(question)
        assert not answer.text.startswith("The passages found do not mention"), answer.text


def test_a_compound_is_present_when_its_parts_are():
    from assistant.compose.base import compound_of

    words = {"case", "worker", "know", "how", "key", "led", "astro"}
    assert compound_of("know-how", words) and compound_of("caseworkers", words) and compound_of("keyworker-led", words)
    assert not compound_of("astronaut", words) and not compound_of("kubernetes", words)


def test_a_stem_names_its_derived_words_not_any_longer_word():
    from assistant.compose.base import has_term

    assert has_term({"payment"}, "pay") and has_term({"safeti"}, "safe") and has_term({"spanner"}, "span") and has_term({"partner"}, "partner")
    # "the parts that work" are not about partners or participants.
    assert not has_term({"partner"}, "part") and not has_term({"particip"}, "part")


def test_british_spellings_are_read_in_the_american_guides():
    from assistant.compose.base import american

    assert [american(w) for w in ("neighbourhood", "behaviours", "organise", "prioritising", "organisation", "analyse", "centre")] == [
        "neighborhood", "behaviors", "organize", "prioritizing", "organization", "analyze", "center"]
    assert [american(w) for w in ("four", "hour", "rise", "wise", "programme")] == ["four", "hour", "rise", "wise", "programme"]


@pytest.mark.parametrize(
    "question",
    [
        # "housing", "officers", "desk": where the observation happens, said before the question points back to it with "that".
        "I want to spend a morning beside housing officers at their front desk. How should I run that kind of observation so I learn something useful?",
        # "sensible" is no thing the documents could fail to name.
        "We want to try out a prototype of our claim form with a few residents. What does a sensible usability test look like?",
    ],
)
def test_the_missing_words_notice_is_not_given_for_words_the_question_does_not_ask_about(realdocs, question):
    answer = realdocs.ask(question)
    verify(answer)
    assert not answer.text.startswith("The passages found do not mention"), answer.text


def test_a_heading_naming_the_phase_asked_about_answers():
    # Two guides' sections with lists, ranked nearly level and as close in meaning: "Following the
    # process > 2. Refining use cases" shares "follow" with "follow up", "3. After the event" names the
    # phase asked about (after). Scores: 0.98 + 1 + 0.5 x 1 (the phase) beats 1.0 + 1 + 0.5 x 1/3.
    def guide(pid, doc_id, title, section, items, score):
        text = "".join(f"- {item}\n" for item in items)
        spans = tuple((m.start(1), m.end(1)) for m in re.finditer(r"- (.+)", text))
        unit = Unit("list", 0, len(text), spans, ordered=False, key=0)
        return Passage(id=pid, doc_id=doc_id, title=title, source=f"{doc_id}.md", page=None, section=section, text=text,
                       start=0, end=len(text), sentences=(), score=score, dense=0.8, rank=1, units=(unit,))
    cases = guide("p1", "cases", "Neighbourhood data", "Following the process > 2. Refining use cases",
                  ["Interview residents about the data they use every week.", "Write up each interview on the same day."], 1.0)
    event = guide("p2", "dialogues", "Data dialogues", "Tips for events > 3. After the event",
                  ["Publish what was done with the comments people made.", "Track progress on each suggestion over time."], 0.98)
    documents = {"cases": [cases], "dialogues": [event]}
    analyse = lambda texts: [re.findall(r"[a-z]+", t.lower()) for t in texts]  # noqa: E731
    composer = ExtractiveComposer(analyse, lambda terms: {t: 1.0 for t in terms}, expand=documents.__getitem__)
    result = SearchResult("q", [cases, event], 0.8, similarity={"p1": 0.8, "p2": 0.8})
    answer = composer.compose("What should we do now to follow up with the people who came?", result)
    verify(answer)
    assert answer.text.startswith("From “Data dialogues”, section “Tips for events > 3. After the event”:"), answer.text


def test_a_whole_process_of_numbered_parts_is_given_part_by_part(realdocs):
    # "Tips for successful events" holds "1. Before the event", "2. During the event" and "3. After
    # the event"; the question names none, so all three answer, each by its first lines, in order.
    answer = realdocs.ask("How do we run a community data dialogue?")
    verify(answer)
    assert answer.text.startswith("From “Community Data Dialogues”, section “Tips for successful events”, in 3 parts:"), answer.text
    assert re.findall(r"^\d\. \*\*([^*]+):\*\*", answer.text, re.M) == ["Before the event", "During the event", "After the event"], answer.text
    assert [c.section.split(" > ")[-1] for c in answer.citations] == ["1. Before the event", "2. During the event", "3. After the event"]
    assert "*Design accessible" not in answer.text  # an italic line standing as a heading is no sentence


def test_a_guide_found_by_its_why_section_answers_a_how_to_with_its_steps(realdocs):
    # "Why do user testing" ranks first; the toolkit's one steps section, "How to do user testing",
    # answers in its six numbered parts, not the "Who?" list of staff who might be interested.
    answer = realdocs.ask("How do I do user testing of our open data portal?")
    verify(answer)
    assert answer.text.startswith("From “User-testing toolkit”, section “How to do user testing”, in 6 parts:"), answer.text
    assert "311 operators" not in answer.text
    assert {c.section.split(" > ")[0] for c in answer.citations} == {"How to do user testing"}


def test_a_findings_answer_does_not_open_with_where_the_findings_were_published(shipped):
    answer = shipped.ask("What did the Making It Work programme find about lone parents?")
    verify(answer)
    assert not answer.text.startswith("The research team drew on the evaluation to publish"), answer.text
    assert "identified factors associated with positive social and employability outcomes" in answer.text.split(" [1] ")[0], answer.text


def test_a_follow_up_is_answered_on_what_it_asks_not_on_the_borrowed_topic_alone(shipped):
    conversation = Conversation()
    shipped.ask("What did the Making It Work programme find about lone parents?", conversation=conversation)
    answer = shipped.ask("And how was it evaluated?", conversation=conversation)
    verify(answer)
    assert answer.merged and "evaluated the programme from 2013 to 2017" in answer.text, answer.text
    assert "The target groups included" not in answer.text


def test_a_step_whose_sub_list_sits_at_the_margin_keeps_it_and_the_steps_after_it(realdocs):
    answer = realdocs.ask("How do I put together a service blueprint with frontstage and backstage rows?")
    verify(answer)
    assert answer.text.startswith("From “Service blueprint”, section “How to do it”"), answer.text
    assert "2. Create a diagram with four rows:\n- __User steps__" in answer.text and "__Backstage actions__" in answer.text, answer.text
    assert "3. Map the flow of each user interaction" in answer.text, answer.text


def test_only_words_borrowed_from_another_turn_or_part_make_a_composition_a_follow_up():
    # The composer once asked whether the query *was* the question (object identity): an equal copy,
    # as two-part questions make, turned every first part into a "follow-up" and filtered its sentences.
    from assistant.compose import Composition
    from assistant.question import analyse_question

    analyse = lambda texts: [re.findall(r"[a-z]+", t.lower()) for t in texts]  # noqa: E731
    composer = ExtractiveComposer(analyse, lambda terms: {t: 1.0 for t in terms}, ignore=frozenset({"how", "do", "we", "and", "is", "it"}))
    question = "How do we pay people?"
    copy = "".join(["How do we pay ", "people?"])
    assert copy == question and copy is not question
    assert Composition(composer, question, analyse_question(question), [], [], query=copy).own_terms == frozenset()
    follow = "And how is it funded?"
    merged = Composition(composer, follow, analyse_question(follow), [], [], query=f"{follow} lab council")
    assert merged.own_terms == frozenset({"funded"})
    # Words dropped as saying when ("next week") are no borrowed topic either.
    timed = "How do we pay people next week?"
    composed = Composition(composer, timed, analyse_question(timed), [], [], query=timed)
    assert not composed.follow_up and composed.own_terms == frozenset()


def test_the_section_whose_heading_names_the_task_answers_among_the_best_passages(shipped):
    # Bolden's pointers and the session plan's mapping exercise both rank high; the exercise's heading names the task.
    answer = shipped.ask("How can I help a group map where leadership actually sits in their partnership?")
    verify(answer)
    assert "mapping leadership" in answer.text.splitlines()[0], answer.text
    assert "sticky dots" in answer.text


def test_a_heading_naming_only_the_authors_does_not_make_its_section_the_findings(shipped):
    # "Rees, Whitworth and Carter (2014): ..." names whose study it is, not the payment-group finding asked about.
    answer = shipped.ask("What did Carter and Whitworth find about the Work Programme's payment groups?")
    verify(answer)
    assert "published" not in answer.text.split(". ")[0], answer.text
    assert "wide variation" in answer.text


def test_what_to_check_is_answered_by_the_checklist_of_a_well_ranked_guide(shipped):
    answer = shipped.ask("We already have a lived-experience panel up and running. What should I check to be sure it's set up properly?")
    verify(answer)
    framing = next(line for line in answer.text.splitlines() if line.startswith("From "))
    assert "checklist" in framing.lower(), answer.text


def test_the_signs_of_a_problem_do_not_answer_how_to_stop_it(shipped):
    answer = shipped.ask("How do I stop one partner dominating our board meetings?")
    verify(answer)
    assert "Early signs of conflict" not in answer.text, answer.text
    # and they still answer a question asking for the signs
    signs = shipped.ask("What are the early signs of conflict between partners to watch for?")
    assert "Early signs of conflict" in signs.text, signs.text


def test_which_documents_discuss_a_topic_lists_them_each_with_its_sentence(shipped):
    answer = shipped.ask("Which papers in the library discuss boundary spanners?")
    verify(answer)
    lines = answer.text.splitlines()
    assert lines[0].endswith("documents in the library treat this:"), answer.text
    listed = [line for line in lines[1:] if line.startswith("- **")]
    assert len(listed) >= 3 and any("Williams" in line for line in listed)
    assert all("boundary spanner" in line.lower() for line in listed)
    assert len({c.doc_id for c in answer.citations}) == len(listed)  # one document per line
    # The review ranked first on "outcome-based contracting" names payment by results in another section: it is listed.
    pbr = shipped.ask("Which studies look at payment by results in employment services?")
    verify(pbr)
    assert any(line.startswith("- **Marketisation and payment by results in employment services") for line in pbr.text.splitlines()), pbr.text


def test_a_number_word_is_never_reported_missing(shipped):
    answer = shipped.ask("How can I explain co-production to a room of managers in five minutes?")
    assert "“five”" not in answer.text, answer.text


def test_a_comparison_missing_one_side_says_so(shipped):
    # The shipped corpus defines a service blueprint; nothing in it describes a "kanban board".
    answer = shipped.ask("What's the difference between a kanban board and a service blueprint?")
    verify(answer)
    assert "do not define or describe “kanban board”" in answer.text, answer.text
    assert "define them separately" not in answer.text


def test_a_method_done_two_ways_gives_the_steps_of_each(realdocs):
    answer = realdocs.ask("What are the steps of a card sort?")
    verify(answer)
    lines = answer.text.splitlines()
    assert "2 ways" in lines[0], answer.text
    assert "**Open card sort:**" in lines and "**Closed card sort:**" in lines
    assert "whatever categories make sense to them" in answer.text and "categories you have predefined" in answer.text
    # A question naming one variant gets that one.
    closed = realdocs.ask("How do I run a closed card sort?")
    assert "whatever categories make sense" not in closed.text and "categories you have predefined" in closed.text


def test_a_loosely_matched_question_is_answered_with_a_caution(shipped):
    # Nothing in the corpus says what to do on a disclosure; the best passage is about digital inclusion.
    loose = shipped.ask("What should I do if a service user discloses abuse during a session?")
    verify(loose)
    assert loose.text.startswith("The documents match this question only loosely"), loose.text
    close = shipped.ask("How should I pay community members who take part in co-design workshops?")
    assert "only loosely" not in close.text


def test_what_makes_a_good_key_worker_gets_the_qualities_the_role_needs(shipped):
    answer = shipped.ask("What makes a good key worker?")
    verify(answer)
    assert "Skills and qualities the role needs" in answer.text.splitlines()[1] or "Skills and qualities the role needs" in answer.text.splitlines()[0], answer.text

def test_a_follow_up_facet_stays_with_the_guide_it_follows(shipped):
    conversation = Conversation()
    shipped.ask("How do we set up a co-location arrangement between partners?", conversation=conversation)
    shipped.ask("And what are the risks?", conversation=conversation)
    answer = shipped.ask("Who does what?", conversation=conversation)
    verify(answer)
    assert "section “Who does what in mutual learning arrangements”" in answer.text, answer.text


def test_a_method_card_whose_summary_ranks_is_answered_by_its_steps(realdocs):
    answer = realdocs.ask("What's the process for running a design studio session with stakeholders and users?")
    verify(answer)
    assert "From “Design studio”, section “How to do it”" in answer.text, answer.text
    assert "individually sketch concepts" in answer.text


def test_a_method_cards_summary_stands_for_its_one_steps_section(realdocs):
    from assistant.compose import Composition
    from assistant.question import analyse_question

    question = "What's the process for running a design studio session with stakeholders and users?"
    result = realdocs.search(question, k=5)
    assert any(p.title == "Design studio" and not p.section for p in result.passages[:3])  # the card's summary ranks
    ctx = Composition(realdocs.composer, question, analyse_question(question), result.passages, [], similarity=result.similarity)
    stand_ins = ctx.steps_of_summaries([])
    assert [(x.title, x.section) for x in stand_ins if x.title == "Design studio"] == [("Design studio", "How to do it")]


def test_people_outside_government_ask_what_government_requires_not_for_a_checklist():
    from assistant.compose.cues import facets_asked

    assert facets_asked("A few of the people coming to our KJ workshop don't work for the federal government. What should we check beforehand?") == ["government"]
    assert facets_asked("What should we check before the workshop?") == ["checklist"]


@pytest.mark.parametrize(
    ("question", "card", "words"),
    [
        ("We want to run a card sort with members of the public for a federal website. What does government require of us?",
         "Card sorting", "No PRA implications if done as directly moderated sessions"),
        ("Do stakeholder interviews with the public trigger the Paperwork Reduction Act?",
         "Stakeholder and user interviews", "exempts direct observation"),
        # Invitees from outside the federal government ask what government requires, not for a checklist to check.
        ("A few of the people coming to our KJ workshop don't work for the federal government. What should we check beforehand?",
         "KJ method", "Paperwork Reduction Act"),
        # The cards write "PRA", not the Act's name; "critique" as a verb asks for no criticisms.
        ("We're planning a sketching workshop where people generate and critique lots of design ideas together, and we'd like "
         "some residents alongside our staff. How do we keep it clear of Paperwork Reduction Act clearance?",
         "Design studio", "nine or fewer members of the public"),
    ],
)
def test_what_government_requires_is_the_cards_section_on_use_in_government(realdocs, question, card, words):
    # The section is one or two sentences: asked for, it answers whole.
    answer = realdocs.ask(question)
    verify(answer)
    assert f"From “{card}”, section “Considerations for use in government”:" in answer.text, answer.text
    assert words in answer.text


def test_findings_come_from_the_section_of_findings_ranked_first(realdocs):
    # "1. Finding a focus area" is no section of findings, and "showed" in one of its sentences is no
    # finding; in "Summary of key findings" the heading says what was found, without a cue word.
    answer = realdocs.ask("What did the user research in Madison find about what sets successful open data users apart from others?")
    verify(answer)
    assert answer.kind == "findings"
    assert answer.text.startswith("Successful data users have the time and resources"), answer.text
    assert "focus area" not in answer.text


def test_findings_come_from_the_best_documents_section_of_findings_among_the_best_passages(realdocs):
    # Glendale's "Summary of key findings" ranked second and fourth, under a step of the project, all about as
    # close in meaning; what Sunlight found is read there (the share of records requests, who makes them), not
    # sentences elsewhere about what Sunlight helped Glendale find.
    document = passages_of(realdocs, "glendale-development")
    story = [p for p in document if "open data story" in p.section][:1]
    found = [p for p in document if p.section == "Summary of key findings"][:2]
    steps = [p for p in document if "Refining use cases" in p.section][:1]
    assert story and len(found) == 2 and steps
    ranked = [steps[0], found[0], story[0], found[1]]
    closeness = dict(zip([p.id for p in ranked], (0.60, 0.59, 0.58, 0.59))) | {"a passage far from the question": 0.30}
    result = SearchResult("q", ranked, 0.8, similarity=closeness)
    answer = realdocs.compose("What did Sunlight find out in Glendale about demand for development services information and who uses it?", result)
    verify(answer)
    assert answer.kind == "findings"
    assert "nearly 40% of formal public records requests" in answer.text, answer.text
    assert "real estate consultants" in answer.text


def test_a_how_to_is_not_answered_by_what_government_requires(realdocs):
    # "Considerations for use in government" answers only a question about government (the Paperwork
    # Reduction Act, federal staff); how to run the method is its steps. A "session" is the form a
    # method is run in, not a topic the documents must name.
    answer = realdocs.ask("How do I run a KJ method session?")
    verify(answer)
    assert answer.text.startswith("From “KJ method”, section “How to do it”:"), answer.text
    assert "Paperwork Reduction Act" not in answer.text


def test_a_section_is_as_close_as_its_closest_retrieved_passage(realdocs):
    # Austin's working-group section is retrieved twice, once on a passage far from the question and
    # once on one close to it; the far one's closeness made Glendale's story answer instead.
    answer = realdocs.ask(
        "Our city pays local charities to run homelessness services, but nobody outside the council can see who holds which "
        "contract or how well it's going. How could we get providers round a table to work out what contract data we should collect and publish?"
    )
    verify(answer)
    assert answer.text.startswith("From “Reforming services for people experiencing homelessness”, section “How Austin convened a targeted working group"), answer.text


def test_a_named_method_is_not_answered_by_a_session_exercise_or_its_worked_example(realdocs):
    # "exercise" asks for an activity, but a session plan's self-assessment exercise covers only the
    # question's "five" ("rates themselves from one to five"); and the card's numbered list follows
    # "See example below:", so it is the example, not the steps: the card's prose is.
    answer = realdocs.ask("How do I run a five whys exercise with my team?")
    verify(answer)
    assert answer.text.startswith("From “Five whys”, section “How to do it”:"), answer.text
    assert "Repeat this process another four times" in answer.text
    assert "boundary-spanner" not in answer.text and "1. *Why?*" not in answer.text


def test_a_list_of_other_sites_to_read_is_not_given_as_steps(realdocs):
    # The co-design guide's "Additional sites with detail on various co-design methods include:" lists the
    # titles of other pages; quoted as the answer to how to plan a session it said nothing about planning one.
    answer = realdocs.ask("We're planning a co-design session with tenants. How do we decide where it fits in our wider design process, and what should we write down afterwards?")
    verify(answer)
    assert "Additional sites" not in answer.text and "18F Methods" not in answer.text, answer.text


def test_a_method_card_is_defined_by_the_line_under_its_title(realdocs):
    # A card never says "Personas are ..."; its summary line under the title is what it is.
    answer = realdocs.ask("What are personas?")
    verify(answer)
    assert answer.text.startswith("**Personas:** User archetypes based on conversations with real people."), answer.text
    compared = realdocs.ask("What's the difference between personas and user scenarios?")
    verify(compared)
    assert "**Personas:** User archetypes based on conversations with real people." in compared.text, compared.text
    # The card's "what" ("a story about a user's interaction with your product"), not its description ("a conceptual story").
    assert "**User scenarios:** A method for telling a story about a user’s interaction" in compared.text, compared.text
    # "exercise" names the form of the method, not part of its title.
    exercise = realdocs.ask("What is a hopes and fears exercise?")
    verify(exercise)
    assert exercise.text.startswith("**Hopes and fears exercise:** An exercise that quickly surfaces a group’s hopes and fears"), exercise.text
    # "What is X for?" asks what it is used for: the card's "why", said as a sentence.
    purpose = realdocs.ask("What is a hopes and fears exercise for?")
    verify(purpose)
    assert purpose.text.startswith("To establish a baseline understanding of a group’s expectations and concerns about a project"), purpose.text


def test_levels_asked_for_are_the_numbered_sections_that_give_them(realdocs):
    # The scale's six numbered sections are its levels, though their heading never says "levels".
    answer = realdocs.ask("What are the levels of the open data maturity scale?")
    verify(answer)
    assert answer.kind == "list"
    assert answer.text.startswith("From “Open Data Maturity Scale”, section “What type of intervention can you support?”:"), answer.text
    for name in ("Lower barriers to access", "Diversify tools and resources", "Formalize community partnerships"):
        assert f"{name}:**" in answer.text, answer.text


def test_what_should_go_in_a_document_is_answered_by_the_section_on_what_to_include(shipped):
    # Commissioning steps are closer in meaning and never say "agreement"; the heading naming what goes in one answers.
    answer = shipped.ask("What should go in a partnership agreement?")
    verify(answer)
    assert "section “What to include in the written agreement”" in answer.text and len(steps(answer.text)) >= 5, answer.text


@pytest.mark.parametrize(
    ("question", "section"),
    [
        # What research says about trust tells how trust is built when that is what is asked ...
        ("How can I build trust with a new partner organisation?", "What the research says about trust"),
        # ... not how to stop a conflict (the guide's steps for working through one or repairing trust answer: near
        # tied), nor how to repair trust after a breach.
        ("How do I stop partners falling out?", "Step-by-step: "),
        ("How do we rebuild trust after a partner broke a promise?", "Step-by-step: repairing trust after a breach"),
    ],
)
def test_what_research_says_about_a_thing_answers_how_to_build_that_thing(shipped, question, section):
    answer = shipped.ask(question)
    verify(answer)
    assert f"section “{section}" in answer.text, answer.text


def test_a_compared_thing_no_sentence_names_is_said_to_be_missing_not_stood_in_for_by_a_word_sharing_its_stems(shipped):
    # "case management" stems like "case manager"; no document defines or describes a case manager.
    answer = shipped.ask("How does a key worker differ from a case manager?")
    verify(answer)
    assert answer.text.startswith("**Key worker:** A key worker is"), answer.text
    assert "do not define or describe “case manager”" in answer.text and "case management" not in answer.text, answer.text


def test_a_term_is_defined_when_the_question_adds_the_setting_it_is_used_in(shipped):
    answer = shipped.ask("What does design thinking mean when public bodies use it?")
    verify(answer)
    assert answer.kind == "definition" and answer.text.startswith("Design thinking is a human-centred approach"), answer.text


def test_who_takes_on_which_responsibilities_is_answered_by_who_does_what(shipped):
    answer = shipped.ask(
        "We're arranging for staff from the jobcentre, the college and two charities to spend time in each other's teams "
        "and share an online space. Who should take on which responsibilities to make this work?"
    )
    verify(answer)
    assert "section “Who does what in mutual learning arrangements”" in answer.text and "**Platform moderator:**" in answer.text, answer.text


@pytest.mark.parametrize(
    ("question", "section"),
    [
        # A review's implications and a case's "what others can learn" are its lessons.
        ("Our programme team wants to design a new service together with the people who use it. What practical lessons "
         "from the research on co-production and co-creation should we build in from the start?", "Implications for collaborative innovation"),
        ("What are the implications for practitioners of Sørensen and Torfing's work?", "Implications for practitioners"),
    ],
)
def test_lessons_are_read_where_a_document_draws_its_implications(shipped, question, section):
    answer = shipped.ask(question)
    verify(answer)
    assert f"section “{section}”" in answer.text, answer.text


def test_lesson_headings_in_other_words():
    from assistant.compose.cues import FACETS, facets_asked

    heads = FACETS["lessons"][1]
    for head in ("Lessons for people designing similar programmes", "Implications for practitioners", "Practical implications",
                 "What others can learn from Making It Work"):
        assert heads.search(head), head
    assert not heads.search("Step-by-step: forming the partnership")
    assert facets_asked("What are the implications for practitioners?") == ["lessons"]


def test_a_question_of_no_particular_kind_is_answered_by_the_section_its_heading_names(realdocs):
    # As the whole library ranks them: "What did Austin achieve with Sunlight?" first, "Where did Austin's open data
    # program start?" next. The first heading names most of the question, so its list answers whole, not the best
    # sentences gathered across the case study's background.
    document = passages_of(realdocs, "austin-homeless")
    achieved = [p for p in document if p.section == "What did Austin achieve with Sunlight?"][:1]
    started = [p for p in document if p.section.startswith("Where did Austin")][:2]
    assert achieved and len(started) == 2
    ranked = achieved + started
    closeness = dict(zip([p.id for p in ranked], (0.55, 0.50, 0.49))) | {"a passage far from the question": 0.30}
    question = "I'm writing up a city's open data work on homelessness. What were the main things Austin achieved with Sunlight?"
    answer = realdocs.compose(question, SearchResult("q", ranked, 0.55, similarity=closeness))
    verify(answer)
    assert answer.kind == "other"
    assert answer.text.startswith("From “Reforming services for people experiencing homelessness”, section “What did Austin achieve with Sunlight?”:"), answer.text
    assert "hands-on workshop with contract administrators" in answer.text


def test_a_sentence_saying_something_of_a_method_gives_way_to_the_line_under_its_title(realdocs):
    # "Static prototypes (often paper) are helpful for ..." is recorded as a definition of prototypes but says only
    # what some are good for; the Prototyping card's own line says what a prototype is, alone or compared.
    answer = realdocs.ask("What is a prototype?")
    verify(answer)
    assert answer.text.startswith("**Prototype:** A rudimentary version, either static or functional"), answer.text
    compared = realdocs.ask("What's the difference between a pilot and a prototype?")
    verify(compared)
    assert "**Prototype:** A rudimentary version" in compared.text, compared.text
    # "Most card sorts are performed with one user at a time" says how most are run, not what one is.
    sorting = realdocs.ask("What is card sorting?")
    verify(sorting)
    assert sorting.text.startswith("**Card sorting:** A categorization exercise"), sorting.text


@pytest.mark.parametrize(
    ("question", "pitfall"),
    [
        (
            "Our partnership chair drafted the new shared referral model and now wants to facilitate the meeting where "
            "partners debate it as well. Is that a good idea?",
            "**Pitfall: the chair facilitates their own proposal.** Others read the process as rigged",
        ),
        (
            "We're renaming our existing contract with three providers an 'alliance contract' to signal a more "
            "collaborative approach. Is the new name enough on its own?",
            "**Pitfall: alliance in name only.** An alliance contract without shared governance and open books",
        ),
    ],
)
def test_whether_a_described_practice_is_sound_is_answered_by_the_pitfall_naming_it(shipped, question, pitfall):
    # "Is that a good idea?" about a practice the question describes: the guide's pitfall naming that practice is the
    # answer. The chair's pitfall ranked sixth, outside the passages quoted, and its consequence was quoted without
    # its bold label ("Pitfall: Others read the process as rigged"), which does not say what the pitfall is.
    answer = shipped.ask(question)
    verify(answer)
    assert pitfall in answer.text, answer.text
    assert "Pitfall: Others" not in answer.text and "Pitfall: An alliance" not in answer.text, answer.text


def test_a_pitfall_item_with_a_bold_label_is_quoted_with_its_label(shipped):
    passage = section_passage(shipped, "running-a-partnership-meeting-and-joint-problem-solving", "Common pitfalls in partnership meetings")
    quotes = sentence_quotes(passage)
    assert [q.text for q in quotes][:2] == [
        "**Pitfall: the meeting is a series of reports.** Nothing is solved because no time is left for joint thinking.",
        "**Pitfall: the chair facilitates their own proposal.** Others read the process as rigged, even if it is not.",
    ]
    assert len(quotes) == 5 and all(q.role == "pitfall" and pitfall_prefix(q) == "" for q in quotes)


def test_a_plain_thing_distinguished_from_a_qualified_one_is_defined_as_the_thing_itself(shipped):
    # Read as a how-to, this got the steps for managing caseloads; read with "plain caseload" as a term, the plain one
    # was said not to be defined. The key terms define "caseload" and "weighted caseload".
    answer = shipped.ask("In a workshop for team leaders, how would you distinguish a plain caseload from a weighted caseload?")
    verify(answer)
    assert "**Caseload:** A caseload is the set of people or families" in answer.text, answer.text
    assert "**Weighted caseload:** A weighted caseload is a caseload measured by the intensity of each case" in answer.text, answer.text
    assert "“plain”" not in answer.text and not steps(answer.text), answer.text


def test_a_section_that_says_everything_in_a_list_is_given_as_its_list(shipped):
    # The lessons section ranks first and closest in meaning, but its points are bold labels with explanations, and
    # the best sentences gathered across the case study said what Buurtzorg is.
    answer = shipped.ask(
        "Our trust's board wants to roll out Buurtzorg-style nursing teams exactly as the Dutch did, and to put the Dutch "
        "cost savings straight into the business case. Is that a sensible way to go about it?"
    )
    verify(answer)
    assert answer.text.startswith("From “Buurtzorg: self-managing neighbourhood nursing teams in the Netherlands”, section “What others can learn from Buurtzorg”"), answer.text
    assert "**Adapt rather than copy.**" in answer.text and "**Check the evidence.**" in answer.text, answer.text


def test_pitfalls_answering_a_how_to_are_a_bulleted_list_not_numbered_steps(shipped):
    # "What should I be careful not to do?" is a how-to answered by the guide's pitfalls: no order to follow them in.
    answer = shipped.ask("I'm setting up job shadowing between our partner organisations. What should I be careful not to do?")
    verify(answer)
    assert answer.text.splitlines()[0].endswith("section “Pitfalls in co-location, shadowing and shared platforms”:"), answer.text
    assert re.search(r"^- Co-located staff sit in the same room but keep separate routines", answer.text, re.M), answer.text
    assert not steps(answer.text), answer.text
    # Steps asked for are still numbered.
    assert steps(shipped.ask("What do we need to prepare before a co-design workshop with service users?").text)


def test_basics_to_get_sorted_are_the_guides_checklist(shipped):
    # "What governance basics should we get sorted" had read as a question of no particular kind: sentences from
    # Ansell and Gash under a note that "basics" is never mentioned.
    answer = shipped.ask(
        "A housing association, the council and two charities are about to set up a partnership on rough sleeping. "
        "What governance basics should we get sorted early on?"
    )
    verify(answer)
    assert answer.kind == "procedure"
    assert answer.text.startswith("From “Forming a cross-sector partnership and setting up its governance”, section “Partnership governance checklist”"), answer.text
    assert "basics" not in answer.text.splitlines()[0], answer.text


def test_responsibilities_split_so_everyone_knows_their_part_is_who_does_what(shipped):
    # The answer had been the referral guide's opening sentences on what a referral is.
    answer = shipped.ask(
        "Referrals from the jobcentre to our food bank keep getting lost. How should responsibilities be split so "
        "everyone knows their part?"
    )
    verify(answer)
    assert answer.text.startswith("From “Referral pathways and warm handovers between partners: designing a no-wrong-door route”, section “Who does what in a referral pathway”"), answer.text
    assert "**Receiving worker:**" in answer.text, answer.text


def test_what_to_prepare_for_a_session_is_its_materials_not_its_timed_parts(shipped):
    # "I'm running the ... session" in the statement read as asking what happens during it, and the timed plan answered.
    answer = shipped.ask(
        "I'm running the leading across boundaries session for a mixed group of agencies on Thursday. What do I need to "
        "prepare?"
    )
    verify(answer)
    assert answer.text.startswith("From “Session plan: leading across boundaries, boundary spanners and distributed leadership (90 minutes)”, section “Materials and room set-up”"), answer.text
    assert "self-assessment grid" in answer.text, answer.text
    # Asked how to run it, the timed parts still answer.
    assert "0-10 minutes" in shipped.ask("How do I run the leading across boundaries session?").text


def test_how_to_define_a_term_is_its_definition_from_the_entry_headed_by_it(shipped):
    # "How should I define it" had read as a how-to: the steps for managers building psychological safety answered.
    answer = shipped.ask(
        "I'm introducing the idea of psychological safety to some team leaders next week. How should I define it, and "
        "what research is it based on?"
    )
    verify(answer)
    assert answer.kind == "definition"
    assert answer.text.startswith("Psychological safety is a shared belief among members of a team"), answer.text
    # The glossary entry headed by the term defines it before a guide's key terms defining it in passing.
    answer = shipped.ask("For a session with new partnership staff, how should I define a theory of change?")
    assert answer.text.startswith("A theory of change is an explicit account of how and why"), answer.text


def test_a_table_setting_two_things_side_by_side_compares_them_point_by_point(shipped):
    # The guide's trade-offs are a table headed "| Consideration | Grant funding | Payment by results |": the answer had
    # said the documents define the two separately but do not contrast them.
    answer = shipped.ask("What is the difference between grant funding and payment by results?")
    verify(answer)
    assert answer.text.startswith("**Grant funding:** Grant funding is an arrangement"), answer.text
    assert "section “Trade-offs for collaborative programmes”:" in answer.text, answer.text
    assert "- **Risk to providers**, Grant funding: Low financial risk [" in answer.text, answer.text
    assert "- **Risk to providers**, Payment by results: High; small voluntary partners may be unable to carry it [" in answer.text, answer.text
    assert "|" not in answer.text, answer.text
    assert "do not contrast them" not in answer.text, answer.text


def test_who_and_what_each_does_after_statements_is_one_question_for_the_roles_section(shipped):
    # Asked after a statement, "Who should run ..., and what part should the board play?" was answered in two parts:
    # sentences on reflective practice, then the roles.
    answer = shipped.ask(
        "I'm arranging support for the key workers in our new partnership. Who should run the reflective sessions, and "
        "what part should the board and others play?"
    )
    verify(answer)
    assert answer.text.startswith("From “Supporting key workers: caseloads, supervision and reflective practice”, section “Who does what in supporting key workers”:"), answer.text
