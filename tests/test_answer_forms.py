"""How an answer is read out of its documents, on the shipped corpus: findings read on, prose
sections that name what a list question asks for, lists of the asked length, contrasts named as
phrases, follow-ups scored with the topic they borrowed, actions rather than reasons for how-to
questions, reasons read from the section that says why.

Each test asks a question a practitioner, trainer or researcher asked (gold questions of the tune
half) and checks what a reader would check: the facts the source states are in the answer.
"""

from __future__ import annotations

import re

import pytest

from assistant.answer import verify
from assistant.chat import Conversation
from assistant.evidence import is_pitfall_section
from assistant.retrieve import SearchResult
from helpers import section_passage


STATED = [
    pytest.param(
        # "payment by results ... for" is no findings question: the risks are the guide's pitfalls.
        "What are the risks of payment by results for small providers?", "list",
        ("Passing all the financial risk down a supply chain to the smallest partners",), (),
        id="risks-of-payment-by-results-are-its-pitfalls",
    ),
    pytest.param(
        # No section heads criticisms of co-production: the sentences stating them answer, not a checklist for naming it.
        "What are the main criticisms of co-production?", None,
        ("risks meaning almost anything", "loosely used term"), ("Who are the contributors",),
        id="criticisms-without-a-section-are-the-sentences-stating-them",
    ),
    pytest.param(
        # A trainer asking how to explain what something is wants the definition to give, first.
        "I'm training new key workers next week. How can I explain what a warm handover is?", "definition",
        ("A warm handover is a referral in which the person is introduced to the receiving worker directly",), ("Signposting has its place",),
        id="how-to-explain-what-it-is-gets-the-definition",
    ),
    pytest.param(
        # "so that disagreements don't derail us" says why, it asks for no pitfalls; "What should we stop doing?" does.
        "How should our new partnership board make decisions so that disagreements don't derail us?", None,
        (), ("The largest funder writes the terms of reference alone",),
        id="a-purpose-clause-asks-for-no-pitfalls",
    ),
    pytest.param(
        "Our referral route between partners loses people at every handover. What should we stop doing?", None,
        ("counting referrals sent, not people helped",), ("Map the journeys people actually take",),
        id="what-to-stop-doing-is-the-pitfalls",
    ),
    pytest.param(
        # The best-ranked passage, far closer in meaning than the rest, holds the study asked about; its
        # sentences need no finding cue ("argued", "contended"), and a review's remark on outcomes is not it.
        "What did Lowe and Wilson find about outcomes-based performance management and gamesmanship?", "findings",
        ("simplification of complex reality", "reward gamesmanship"), ("Voorberg",),
        id="findings-from-the-clearly-closest-section",
    ),
    pytest.param(
        # The NAO's findings follow the sentence naming its report and never repeat "National Audit Office".
        "What did the National Audit Office find about payment by results?", "findings",
        ("£15 billion", "not suited to all public services", "technically challenging"), (),
        id="findings-read-on",
    ),
    pytest.param(
        # Ansell and Gash's starting conditions are a paragraph ("The first ... The second ... The third"),
        # while the same document's "Practical implications" list only mentions them.
        "What starting conditions shape whether collaborative governance will succeed according to Ansell and Gash?", None,
        ("balance of power and resources", "incentive to participate", "prehistory of conflict or cooperation"), ("Design the ground rules",),
        id="list-question-answered-by-prose",
    ),
    pytest.param(
        "What are the three functions of supervision in Proctor's model?", "list",
        ("Normative", "Formative", "Restorative"), (),
        id="the-list-of-the-count-asked",
    ),
    pytest.param(
        "As a manager, what roles should I take on to lead a collaborative innovation project with several partner organisations?", None,
        ("Convener", "Facilitator", "Catalyst"), (),
        id="list-under-a-heading-naming-what-is-asked",
    ),
    pytest.param(
        # Actions, not the list of reasons the problem arises.
        "What can commissioners do to reduce creaming and parking in payment-by-results contracts?", "procedure",
        ("Protect a service guarantee", "Monitor who is served"), ("Competition discourages sharing",),
        id="how-to-gets-actions-not-reasons",
    ),
    pytest.param(
        "Who created the ladder of participation and in which journal did it appear?", None,
        ("Arnstein", "Journal of the American Institute of Planners"), (),
        id="two-part-factoid",
    ),
    pytest.param(
        # "How many" prefers the number of the thing asked about.
        "How many nurses and teams did Buurtzorg have by 2015 according to the Commonwealth Fund?", None,
        ("8,000 nurses", "700 teams"), (),
        id="how-many-counts-the-thing-asked",
    ),
    pytest.param(
        # "case notes ... written ... read" shares only "case" with the heading "Writing case records that can
        # be shared and read"; closeness in meaning picks it over the subject-access steps of the same guide,
        # and a six-item list is shown whole.
        "How should case notes be written when several partners and the person may read them?", "procedure",
        ("facts, then the worker's view", "avoid labels and jargon", "record why information was shared"), ("Recognise the request",),
        id="section-chosen-by-meaning",
    ),
    pytest.param(
        # "Examples include:" lists example rules; the prose before it says how to write one, so the answer
        # reads that section (examples included) instead of offering the examples as the steps.
        "How do we set a stopping rule for a small pilot our team wants to try?", "procedure",
        ("agreed before a test starts", "combine a time limit with a threshold"), ("1. ",),
        id="how-to-skips-a-list-of-examples",
    ),
    pytest.param(
        # A reason question is answered from the section that says why, its list included, not from
        # sentences defining payment by results; the digest's note on its own list is not quoted.
        "Why can payment by results crowd out collaboration?", "reason",
        ("Competition discourages sharing", "Narrow outcome measures shape practice", "Low trust becomes self-reinforcing"),
        ("is a funding method", "this digest's synthesis"),
        id="reason-read-from-the-why-section",
    ),
    pytest.param(
        # "Who does what in measuring value" names who, and "The limits of SROI" limits; neither is how to measure.
        "How do we measure whether our partnership is making a difference?", "procedure",
        ("Start from the theory of change",), ("Partnership board:", "SROI ratios from different analyses"),
        id="how-to-skips-roles-and-limits-lists",
    ),
    pytest.param(
        # Risks asked for: the pitfalls are the answer, not the steps of setting up a payment policy.
        "What are the risks of paying people with lived experience?", None,
        ("late payment", "no benefits advice"), ("Write the policy before recruiting anyone",),
        id="risks-asked-get-the-pitfalls",
    ),
    pytest.param(
        # "What should <six words> cover?" asks what goes into it, a how-to.
        "What should a data sharing agreement between partners cover?", "procedure",
        ("the lawful basis",), (),
        id="what-should-a-long-subject-cover",
    ),
    pytest.param(
        "Why do partnership meetings go wrong?", "reason",
        ("collaborative inertia", "agendas crowded with information items"), (),
        id="reason-in-prose",
    ),
    pytest.param(
        # A facet asked for (who does what) is read from that section of the guide retrieval ranks first.
        "Who is responsible for what when it comes to safeguarding in a multi-partner programme?", None,
        ("section “Who does what in partnership safeguarding”", "Designated safeguarding lead in each partner", "Partnership board"), (),
        id="facet-who-does-what",
    ),
    pytest.param(
        "Apart from chasing another grant, what routes are there to carry on the work of our pilot once its funding finishes?", None,
        ("section “Options for continuing the work”", "Mainstreaming", "Community ownership"), (),
        id="facet-options",
    ),
    pytest.param(
        # A prose pitfalls section asked for is read with its pitfalls.
        "What are the main risks when other areas try to copy the keyworker-led collaborative model studied by Lindsay and colleagues?", None,
        ("section “Pitfalls to watch”", "copy the keyworker role without the governance"), (),
        id="facet-risks-in-prose",
    ),
    pytest.param(
        "What are the main criticisms of public sector innovation labs?", None,
        ("section “Design thinking meets power: the critique”",), (),
        id="facet-criticisms",
    ),
    pytest.param(
        # Who does what asked across the two parts of a question is one question, not a "who" factoid
        # (which found no names and abstained) and a second part.
        "Who has to take part in evaluating the programme, and what is each of them responsible for?", None,
        ("section “Who does what in the evaluation”", "Partnership board"), (),
        id="facet-roles-across-two-parts",
    ),
    pytest.param(
        # The guide whose title names the subject gives its roles, not the meeting guide closest in meaning on "who".
        "Who needs to be involved in evaluating our partnership programme, and what is each of them responsible for?", None,
        ("section “Who does what in the evaluation”",), ("Who does what in a partnership meeting",),
        id="facet-of-the-document-the-title-names",
    ),
    pytest.param(
        # The parties the question names are the labelled items of the commissioning guide's roles, not of the
        # co-leadership roles closer in meaning (which share only "Partnership board").
        "We're commissioning an outcomes-based employability programme that a partnership will deliver. How should "
        "responsibilities be split between the commissioner, the partnership board, the lead provider and the evaluator?", None,
        ("section “Who does what in commissioning a collaborative programme”", "**Evaluator:**"), ("Co-leads",),
        id="facet-of-the-parties-named",
    ),
    pytest.param(
        # The document closest in meaning gives its pitfalls, not one ranked first on "wrong" ("Why partnership meetings go wrong").
        "Six months ago we told our frontline teams they could try out their own changes, but very little has been "
        "learned and the workload just keeps growing. What are we probably getting wrong?", None,
        ("section “Pitfalls in giving frontline autonomy”", "sign-off for every small change"), ("Common pitfalls in partnership meetings",),
        id="facet-of-the-closest-document",
    ),
    pytest.param(
        # "What's" is no topic word: the question sentence alone ("What's involved?") is not searched for
        # "involved" (which found the guide on involving people with lived experience).
        "My team wants to try a test-and-learn cycle. What's involved?", "procedure",
        ("section “How test-and-learn cycles work > Step-by-step: running a test-and-learn cycle”", "**Plan.**"), ("tokenism", "Tokenism"),
        id="whats-involved-is-a-how-to",
    ),
    pytest.param(
        # What a document should say is answered by the guide's section on what to put in it, not by
        # "Setting up the partnership board", ranked first on "partnership board".
        "We are setting up a partnership board. What should its constitution specify?", "procedure",
        ("section “What to put in the terms of reference”", "named substitutes"), ("Setting up the partnership board",),
        id="what-a-document-should-say",
    ),
    pytest.param(
        # Searched whole, "traps", "avoid" and "partners" find the conflict guide; the subject searched
        # without the facet's words finds the commissioning guide. "re-commission" is named by "commissioning".
        "I'm about to re-commission services that our partners currently deliver together. What traps should I avoid?", None,
        ("section “Common pitfalls in commissioning partnership services”", "calling a contract a grant"), ("do not mention", "conflict"),
        id="facet-subject-searched-without-the-facet-words",
    ),
    pytest.param(
        # No sentence says "A reticulist is ...": the sentences that say what one is or does answer, not
        # the one naming it in a run of four roles.
        "In the literature on boundary spanners, what is a 'reticulist'?", "definition",
        ("a term introduced in earlier planning research", "Reticulists can map who matters"), ("four interrelated roles",),
        id="definition-described-without-a-defining-sentence",
    ),
    pytest.param(
        "Our two co-leads keep getting dragged back into their day jobs by their own managers. What should each party in the co-leadership be doing?", None,
        ("section “Who does what in a co-leadership arrangement”", "protect the agreed time"), (),
        id="facet-what-should-each-party-do",
    ),
    pytest.param(
        "We give our lived-experience panel shop vouchers a month after each meeting. Is anything wrong with that?", None,
        ("section “Common pitfalls in paying people with lived experience”", "paying in vouchers by default"), (),
        id="facet-anything-wrong-with",
    ),
    pytest.param(
        # A guide's checklist sums up the guide; the section ranked beside it answers the how-to.
        "Our frontline staff keep asking what they're allowed to change without checking with me first. How should we set the limits of their autonomy?", None,
        ("section “Agreeing the limits of autonomy”", "autonomy charter"), ("Frontline autonomy checklist",),
        id="own-section-before-the-checklist",
    ),
    pytest.param(
        "What did Ostrom's cases from Brazil and Nigeria show about co-production?", None,
        ("In Brazil, officials actively encouraged residents", "In Nigeria"), (),
        id="findings-of-the-section-the-heading-names",
    ),
    pytest.param(
        # A session plan's discussion questions ask; they do not say how.
        "How do we evaluate whether our co-production actually changed anything?", None,
        (), ("Discussion questions", "How will you know"),
        id="discussion-questions-are-no-how-to",
    ),
]


@pytest.mark.parametrize(("question", "kind", "stated", "absent"), STATED)
def test_the_answer_states_what_the_source_says(shipped, question, kind, stated, absent):
    answer = shipped.ask(question)
    verify(answer)
    if kind is not None:
        assert answer.kind == kind
    for fact in stated:
        assert fact in answer.text, answer.text
    for wrong in absent:
        assert wrong not in answer.text, answer.text


def test_a_contrast_must_name_both_things_as_phrases(shipped):
    # "co-creation ... designing services" holds the words "co" and "design" but does not name co-design.
    answer = shipped.ask("What is the difference between co-production and co-design?")
    verify(answer)
    relate = [line for line in answer.text.splitlines() if line.startswith("**How they relate:** ")]
    for line in relate:
        assert "co-design" in line.lower() and "co-production" in line.lower(), line


def test_each_compared_thing_gets_one_more_sentence_about_it(shipped):
    answer = shipped.ask("What is the difference between co-location and job shadowing?")
    verify(answer)
    lines = answer.text.splitlines()
    assert lines[0].startswith("**Co-location:** ") and lines[1].startswith("**Job shadowing:** ")
    assert lines[0].count("[") == 2 and lines[1].count("[") == 2, answer.text
    assert "job shadowing" not in lines[0].split(":** ", 1)[1].lower()  # the sentence on one thing does not drift to the other


def test_a_follow_up_is_answered_with_the_topic_it_borrowed(shipped):
    conversation = Conversation()
    shipped.ask("Who created the ladder of participation and in which journal did it appear?", conversation=conversation)
    answer = shipped.ask("Which rungs count as tokenism on it?", conversation=conversation)
    verify(answer)
    assert answer.merged
    for rung in ("informing", "consultation", "placation"):
        assert rung in answer.text, answer.text


def test_trainer_notes_mixed_with_pitfalls_are_not_all_pitfalls():
    assert is_pitfall_section("Common pitfalls in supporting key workers")
    assert is_pitfall_section("Pitfalls in co-leadership")
    assert not is_pitfall_section("Trainer notes and common pitfalls")
    assert not is_pitfall_section("Step-by-step: agreeing a co-leadership arrangement")


def test_each_part_of_a_two_part_question_gets_its_own_form(shipped):
    # A definition, then the list of limits the same document gives under "The limits of SROI".
    answer = shipped.ask("What is social return on investment and what are its limits?")
    verify(answer)
    lines = answer.text.splitlines()
    assert lines[0].startswith("Social return on investment (SROI) is a framework"), answer.text
    assert any(line.startswith("- two SROI ratios from different analyses cannot be compared") for line in lines), answer.text


def test_short_list_items_are_not_quoted_as_sentences_without_their_list(shipped):
    answer = shipped.ask("What does a key worker do in an employability service?")
    verify(answer)
    for quote in (s for c in answer.citations for s in c.sentences):
        assert len(quote.split()) >= 6 or any(line.startswith(("- ", "1. ")) and quote in line for line in answer.text.splitlines()), quote


def test_a_three_way_comparison_labels_all_three(shipped):
    # Two of the three are described, not defined, in the documents: they still get a labelled line, which says so.
    answer = shipped.ask("How do market competition, organisational entrepreneurship and collaborative governance differ as innovation strategies?")
    verify(answer)
    assert answer.kind == "comparison"
    for label in ("**Market competition** (no definition in the passages found): ", "**Organisational entrepreneurship** (no definition in the passages found): ",
                  "**Collaborative governance:** "):
        assert any(line.startswith(label) and "[" in line for line in answer.text.splitlines()), answer.text


@pytest.mark.parametrize(
    ("question", "section", "first", "second"),
    [
        ("What is the difference between the chair and the facilitator in a partnership meeting?",
         "Who does what in a partnership meeting", "**Chair:** holds the purpose", "**Facilitator:** designs and runs the process"),
        ("In our partnership meetings, how should the chair's job differ from that of the facilitator we bring in for the problem-solving items?",
         "Who does what in a partnership meeting", "**Chair:** holds the purpose", "**Facilitator:** designs and runs the process"),
        ("What's the difference between the programme manager and the evaluator in an evaluation?",
         "Who does what in the evaluation", "**Programme manager:**", "**Evaluator (internal or external):**"),
        ("What's the difference between a line manager of a co-lead and the co-leads themselves?",
         "Who does what in a co-leadership arrangement", "**Line managers of co-leads:**", "**Co-leads:**"),
    ],
)
def test_roles_compared_are_the_labelled_items_of_one_list(shipped, question, section, first, second):
    answer = shipped.ask(question)
    verify(answer)
    assert answer.kind == "comparison"
    assert f"section “{section}”:" in answer.text, answer.text
    lines = answer.text.splitlines()
    at = [next((i for i, line in enumerate(lines) if line.startswith(f"- {label}")), None) for label in (first, second)]
    assert None not in at and at[0] < at[1], answer.text


def test_a_prose_section_headed_by_what_is_asked_beats_a_list_of_advice(shipped):
    answer = shipped.ask("What are the barriers to collaborative innovation in the public sector?")
    verify(answer)
    assert any(re.search(r"barrier", c.section, re.I) for c in answer.citations), [c.section for c in answer.citations]
    assert "silo" in answer.text.lower(), answer.text


def test_how_to_run_a_session_gets_the_timed_plan_in_order(shipped):
    # A trainer's "how do I run it?" is answered by the session plan's timed parts, each cited,
    # quoting the stage directions ("The trainer explains ...") that other answers leave out.
    answer = shipped.ask("How do I run a training session on wicked problems?")
    verify(answer)
    parts = re.findall(r"^\d+\. \*\*(\d+-\d+ minutes): ", answer.text, re.M)
    assert parts == ["0-10 minutes", "10-25 minutes", "25-45 minutes", "45-60 minutes", "60-80 minutes", "80-90 minutes"], answer.text
    assert "The trainer explains that Rittel and Webber" in answer.text
    assert all(re.search(r"\[\d+\]$", line) for line in answer.text.splitlines()[1:]), answer.text


def test_when_and_how_much_of_a_session_are_not_its_topic(shipped):
    # "next week" and "from start to finish" say when and how much, not what the session is on: with them
    # counted as topic words the plan's title covered too little of the question and one slot answered.
    answer = shipped.ask("I'm delivering the 90-minute leading across boundaries session next week. How should I run it from start to finish?")
    verify(answer)
    parts = re.findall(r"^\d+\. \*\*(\d+-\d+ minutes): ", answer.text, re.M)
    assert parts[:3] == ["0-10 minutes", "10-25 minutes", "25-40 minutes"] and len(parts) >= 6, answer.text


def test_the_term_a_statement_names_is_defined(shipped):
    answer = shipped.ask(
        "Our partners disagree about whether employability just means job-search skills, and it matters for what we fund. How is the term usually defined?"
    )
    verify(answer)
    assert answer.text.startswith("Employability is a person's capacity to find, keep and progress in work"), answer.text


def test_a_short_what_now_after_a_situation_gets_the_steps_for_it(shipped):
    answer = shipped.ask("client has asked for everything we hold on them - what now")
    verify(answer)
    assert answer.kind == "procedure"
    assert any(c.section == "Step-by-step: responding when a person asks to see their file" for c in answer.citations), answer.text
    assert "subject access request" in answer.text.lower(), answer.text


def test_what_happens_on_the_day_is_the_section_on_running_it(shipped):
    # "on the day" asks for the part of the workshop while it runs: "Running the co-design session", not its preparation.
    answer = shipped.ask("what happens on the day of a co-design workshop with service users")
    verify(answer)
    assert answer.kind == "procedure"
    assert answer.citations[0].section == "Running the co-design session", answer.text
    assert "mapping a typical journey" in answer.text, answer.text


def test_what_to_check_is_answered_by_the_section_on_what_to_check(shipped):
    # The payment guide's steps rank first on meaning; the question asks what to check, and a heading
    # "Benefit rules to check before paying someone" says that is what it gives.
    answer = shipped.ask(
        "A couple of the parents on our advisory panel are on Universal Credit or ESA. "
        "Before we start paying them for coming to meetings, what do we need to check?"
    )
    verify(answer)
    assert answer.citations[0].section == "Benefit rules to check before paying someone", answer.text
    assert "permitted work rules" in answer.text, answer.text


def test_a_trainers_materials_list_stays_out_of_answers_not_about_a_session(shipped):
    # "The trainer needs a one-page self-assessment grid ... large sheets of paper" had answered "how big should it be"
    # for a steering group; the board guide's "A board of eight to twelve members is usually workable" does.
    answer = shipped.ask("We're putting together the steering group for a new employment partnership. Who should sit on it, how big should it be, and who should chair it?")
    verify(answer)
    assert "The trainer needs" not in answer.text, answer.text
    assert "eight to twelve members" in answer.text, answer.text


def test_stage_directions_stay_out_of_answers_that_are_not_about_running_a_session(shipped):
    answer = shipped.ask("What is a wicked problem?")
    verify(answer)
    assert not re.search(r"\bThe trainer (?:explains|defines|asks|introduces)\b", answer.text), answer.text


@pytest.mark.parametrize(
    ("question", "part"),
    [
        ("In the leading-across-boundaries session, how do I run the slot after the self-assessment exercise?",
         "40-55 minutes: input on distributed and facilitative leadership"),
        ("How do I wrap up the co-production half-day in its last slot?", "12:40-13:00: commitments and close"),
        ("What do I do in the opening slot of the wicked problems session?", "0-10 minutes: welcome and opening question"),
        # An icebreaker opens a session.
        ("What's a good icebreaker for a session on distributed leadership?", "0-10 minutes: opening, who leads when nobody is in charge?"),
        # The part named by what happens in it, not by the course every part shares.
        ("I'm taking the part of the co-production half-day where we look at the ladder of participation. What should I cover?",
         "09:50-10:20: input on the ladder of participation"),
    ],
)
def test_a_session_part_asked_for_by_its_place_or_what_happens_in_it_is_read_whole(shipped, question, part):
    # The close, the opening, or the part after another: found by place in the plan, not by shared words.
    answer = shipped.ask(question)
    verify(answer)
    assert {c.section.split(" > ")[-1] for c in answer.citations} == {part}, answer.text
    assert any(line.endswith(f"section “{part}”:") for line in answer.text.splitlines()), answer.text


def test_research_asked_for_its_lessons_is_answered_by_the_section_giving_them(shipped):
    # A findings question, but what it asks for is the study's lessons, not the findings before them.
    answer = shipped.ask("What lessons does the research by Lindsay and colleagues on urban activation hold for a city running employment support?")
    verify(answer)
    assert answer.text.splitlines()[0].endswith("section “Lessons for urban activation services”:"), answer.text
    assert "third-sector networks as partners" in answer.text, answer.text


def test_a_count_the_documents_do_not_give_is_said_to_be_missing(shipped):
    # Scotland's 174,000 lone parents is a count of lone parents, not of those Making It Work supported.
    answer = shipped.ask("How many lone parents did Making It Work support?")
    verify(answer)
    assert answer.text.startswith("The passages found do not say how many lone parents Making It Work supported;"), answer.text
    # A count the documents give, of the doing asked about ("reviewing 137 published cases"), gets no such note.
    for question in ("How many cases did Ansell and Gash review?", "How many nurses and teams did Buurtzorg have by 2015 according to the Commonwealth Fund?"):
        assert "do not say how many" not in shipped.ask(question).text


def test_a_programme_named_in_common_words_is_the_one_answered_about(shipped):
    # Searched whole, "When did Making It Work start?" found when a digital-inclusion or funding guide starts things.
    answer = shipped.ask("When did Making It Work start?")
    verify(answer)
    assert "Making It Work" in answer.text.split(" [1]")[0], answer.text
    assert "2012" in answer.text or "2013" in answer.text, answer.text


def test_asking_for_the_common_mistakes_after_a_how_to_gets_that_guides_pitfalls(shipped):
    # "What are the common mistakes?" names no topic: it borrows the referral pathway, and "Who does what?" after it too.
    conversation = Conversation()
    shipped.ask("How do I set up a referral pathway between partners?", conversation=conversation)
    mistakes = shipped.ask("What are the common mistakes?", conversation=conversation)
    verify(mistakes)
    assert mistakes.merged and "section “Common pitfalls in referral pathways”" in mistakes.text, mistakes.text
    roles = shipped.ask("Who does what?", conversation=conversation)
    assert "section “Who does what in a referral pathway”" in roles.text, roles.text


def test_a_trainers_follow_ups_stay_with_the_session_and_it_stands_for_the_topic(shipped):
    # "What materials do I need?" borrows the session; "How should I close it?" then still means that session
    # (it had borrowed "materials need" and abstained).
    conversation = Conversation()
    shipped.ask("How do I run a session on wicked problems?", conversation=conversation)
    assert shipped.ask("What materials do I need?", conversation=conversation).merged
    close = shipped.ask("How should I close it?", conversation=conversation)
    verify(close)
    assert "section “80-90 minutes: review and close”" in close.text, close.text
    # A compared "it" is the topic borrowed: co-production gets its own labelled line.
    conversation = Conversation()
    shipped.ask("What is co-production?", conversation=conversation)
    compared = shipped.ask("How is it different from co-design?", conversation=conversation)
    verify(compared)
    assert compared.text.startswith("**Co-production:**"), compared.text


@pytest.mark.parametrize(
    ("question", "kind", "opening"),
    [
        # The sentence that answers goes on from the one naming the topic ("... introduced the concept in
        # ... 1973") without naming it; it says who first put the idea forward, which a later article by
        # others on the same topic does not.
        pytest.param("Who came up with the idea of wicked problems, and when?", "factoid",
                     "Horst Rittel and Melvin Webber, planning scholars at the University of California, Berkeley, introduced the concept",
                     id="who-first-put-an-idea-forward"),
        # "it" is what the statement before the question names.
        pytest.param("I'm teaching a session on collaborative governance tomorrow. How can I explain what it is in plain words?", "definition",
                     "Collaborative governance describes public bodies and outside stakeholders", id="explain-what-it-is"),
        # "The evidence gap on outcomes" is what the question asks about: its opening finding leads, not a
        # later sentence that scores higher on the question's words.
        pytest.param("What does the research say about whether co-production improves outcomes?", "findings",
                     "The most important finding of the Voorberg review", id="findings-section-read-from-its-start"),
        # When something began is answered first by the sentence dating its start: not a 2024 announcement
        # naming the members, nor a task force "set up" without a date.
        pytest.param("When was the Plymouth Alliance contract started?", None, "The contract went live on 1 April 2019", id="start-dated"),
        pytest.param("When was MindLab set up?", None,
                     "MindLab was a public-sector innovation lab set up inside the Danish central government in 2002", id="set-up-dated"),
    ],
)
def test_the_answer_opens_with_what_answers(shipped, question, kind, opening):
    answer = shipped.ask(question)
    verify(answer)
    if kind is not None:
        assert answer.kind == kind
    assert answer.text.startswith(opening), answer.text


def test_a_follow_up_facet_question_searches_its_borrowed_topic(shipped, monkeypatch):
    # "What are the common mistakes?" after a referral question: the search without the facet's words
    # is for the referral topic it borrowed, not for "What are the common ?".

    searched: list[str] = []
    search = shipped.search
    monkeypatch.setattr(shipped, "search", lambda query, **kw: (searched.append(query), search(query, **kw))[1])
    conversation = Conversation()
    shipped.ask("How do I set up a referral pathway between partners?", conversation=conversation)
    searched.clear()
    answer = shipped.ask("What are the common mistakes?", conversation=conversation)
    verify(answer)
    assert any("referral" in q and "mistakes" not in q for q in searched), searched
    assert "section “Common pitfalls in referral pathways”" in answer.text, answer.text


def test_a_guide_ranked_on_its_roles_offers_its_steps(shipped):
    # As the whole library ranks them for "How do I measure whether our partnership is working?": the measuring
    # guide's roles first, the conflict guide's steps second on "working" and "partners", then an evaluation step,
    # the measuring guide's pitfalls and its steps. The guide ranked on its roles answers with its own steps.
    ranked = [
        section_passage(shipped, "measuring-outcomes-and-social-value-of-a-partnership", "Who does what in measuring value"),
        section_passage(shipped, "managing-conflict-and-repairing-trust-between-partners", "Step-by-step: working through a conflict between partners"),
        section_passage(shipped, "evaluating-a-collaborative-innovation-programme", "Step 3: select outcome measures for employability"),
        section_passage(shipped, "measuring-outcomes-and-social-value-of-a-partnership", "Common pitfalls in measuring outcomes and value"),
        section_passage(shipped, "measuring-outcomes-and-social-value-of-a-partnership", "Step-by-step: building a shared outcome framework"),
    ]
    closeness = dict(zip([p.id for p in ranked], (0.62, 0.50, 0.44, 0.58, 0.57))) | {"a passage far from the question": 0.38}
    result = SearchResult("q", ranked, 0.62, similarity=closeness)
    answer = shipped.compose("How do I measure whether our partnership is working?", result)
    verify(answer)
    assert "section “Step-by-step: building a shared outcome framework”" in answer.text.splitlines()[0], answer.text


def test_steps_offered_by_a_guide_ranked_on_its_roles_do_not_set_aside_a_checklist_ranked_first(shipped):
    # As the whole library ranks them: a review's commissioning checklist first and closest in meaning, then the
    # funding guide's summary of its two models and its roles. The funding guide's steps join as candidates, and
    # the checklist, ranked first, still answers (a checklist only gives way to retrieved steps).
    ranked = [
        section_passage(shipped, "employment-marketisation-payment-by-results-creaming-parking", "Commissioning checklist"),
        section_passage(shipped, "grant-funding-versus-payment-by-results-commissioning", "The two models in brief"),
        section_passage(shipped, "grant-funding-versus-payment-by-results-commissioning", "Who does what in commissioning a collaborative programme"),
        section_passage(shipped, "employment-marketisation-payment-by-results-creaming-parking", "Why payment by results can crowd out collaboration"),
        section_passage(shipped, "commissioning-and-procuring-partnership-services", "Step-by-step: commissioning a partnership service collaboratively"),
    ]
    closeness = dict(zip([p.id for p in ranked], (0.64, 0.50, 0.51, 0.56, 0.61))) | {"a passage far from the question": 0.36}
    result = SearchResult("q", ranked, 0.64, similarity=closeness)
    answer = shipped.compose("I'm commissioning an employment service - how do I stop the payment model from undermining collaboration between providers?", result)
    verify(answer)
    assert "Commissioning checklist”" in answer.text.splitlines()[0], answer.text


def test_findings_asked_of_nothing_but_the_subject_come_from_its_section_of_results(shipped):
    # "What did Making It Work find?" asks nothing beyond the programme: its case study's "Results reported by the
    # evaluation" answers, not "What others can learn from Making It Work", ranked first on the programme's name.
    answer = shipped.ask("What did Making It Work find?")
    verify(answer)
    assert answer.kind == "findings"
    cited = {(c.title, c.section) for c in answer.citations}
    assert all(section.endswith("Results reported by the evaluation") for _, section in cited), (cited, answer.text)


def test_benefits_asked_for_are_not_a_reviews_advice(shipped):
    # "Implications for practitioners" is advice ("Check the problem", "Map the actors"), not the benefits asked
    # for; the sentences stating what multi-actor collaboration brings to innovation answer.
    answer = shipped.ask("benefits of involving many actors in public innovation")
    verify(answer)
    assert answer.kind == "list"
    assert "Implications for practitioners" not in answer.text and "Check the problem" not in answer.text, answer.text
    assert "benefits that multi-actor collaboration brings to public innovation" in answer.text, answer.text


def test_a_trainers_materials_do_not_answer_a_practitioners_how_to(shipped):
    # The co-production session plan's "Preparation and materials" ranks first on "co-production" and "lone parent";
    # it says what a trainer gets ready, not how to start the work. Asked about the session, it may answer.
    answer = shipped.ask("How do I start doing co-production with lone parents?")
    verify(answer)
    assert "Preparation and materials" not in answer.text and "Materials include" not in answer.text, answer.text
    from assistant.compose.cues import PREPARATION_WANTED

    assert PREPARATION_WANTED.search("What materials should I bring to the session?")
    assert not PREPARATION_WANTED.search("How do I start doing co-production with lone parents?")


def test_steps_that_never_say_the_question_word_give_way_to_steps_that_do(shipped):
    # Ranked first and closest in meaning, the sustainability steps never say "memorandum"; the employer guide's
    # steps, one of which is writing the commitment down in a memorandum of understanding, answer.
    ranked = [
        section_passage(shipped, "sustaining-a-partnership-after-the-funding-ends", "Step-by-step: planning for sustainability from the start"),
        section_passage(shipped, "engaging-employers-in-a-local-employability-partnership", "Step-by-step: getting employers to commit to a local employability partnership"),
    ]
    closeness = dict(zip([p.id for p in ranked], (0.60, 0.45))) | {"a passage far from the question": 0.30}
    answer = shipped.compose("How do I write a memorandum of understanding?", SearchResult("q", ranked, 0.6, similarity=closeness))
    verify(answer)
    assert answer.text.startswith("From “Engaging employers"), answer.text
    assert "memorandum of understanding" in answer.text


def test_how_common_a_mistake_is_no_topic_the_documents_must_name(shipped):
    # "common" says how often, not what about: the pitfalls answer without a note that "common" is never mentioned.
    answer = shipped.ask("What are common mistakes when setting up a partnership board?")
    verify(answer)
    assert "do not mention" not in answer.text, answer.text
    assert "section “Pitfalls in partnership governance”" in answer.text.splitlines()[0], answer.text
