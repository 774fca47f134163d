"""Question analysis: every kind on questions people really ask, with subjects and counts."""

from __future__ import annotations

import pytest

from assistant.question import analyse_question, sources_wanted, split_context, split_question, weak_names


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How do I get employers to commit to a local employability partnership?", "procedure"),
        ("How should I pay community members who take part in co-design workshops?", "procedure"),
        ("Can you give me a 3-step plan for starting a collaborative innovation lab in a council?", "procedure"),
        ("What's the best way to get employers involved in our employability partnership?", "procedure"),
        ("Any tips for running a first partnership meeting?", "procedure"),
        ("What do I need to do to set up data sharing between partners?", "procedure"),
        ("I'm a new programme manager. Where do I start with evaluating our programme?", "procedure"),
        ("Walk me through setting up a joint referral route with the council.", "procedure"),
        ("We're launching our first open data portal. What process could we follow, step by step?", "procedure"),
        ("Explain step-by-step how a warm handover works.", "procedure"),
        ("kj method for agreeing priorities in a big group", "procedure"),
        ("client has asked for everything we hold on them - what now", "procedure"),
        ("running a design studio with stakeholders - steps?", "procedure"),
        ("running a design studio session with stakeholders - what are the steps?", "procedure"),
        ("watching people do their actual job for user research, how?", "procedure"),
        ("lean coffee meeting how does it work", "procedure"),
        ("setting up referrals between partner orgs so nobody gets lost", "procedure"),
        ("Before we get into the detailed plan, what should we be asking ourselves so that residents will come?", "procedure"),
        ("what happens on the day of a co-design workshop with service users", "procedure"),
        ("Our council pays us late every year. What fairer terms should I be pushing for?", "procedure"),
        ("What should our partnership be doing so that people who can't get online aren't shut out?", "procedure"),
        ("What does the ICO expect us to do to share client details properly?", "procedure"),
        ("Our published spreadsheets are hard to use. Beyond putting data online, what could we offer residents?", "procedure"),
        ("What concrete arrangements should the board paper propose?", "procedure"),
        ("What do we need to get right before the first co-design session?", "procedure"),
        ("We share a building with the council's team. What do we need to sort out first?", "procedure"),
        ("Can you talk me through how to chair a partnership meeting?", "procedure"),
        ("I'm running the training next week. What do I need to prepare beforehand?", "procedure"),
        ("We're hiring a key worker. What do we need to have in place before they start?", "procedure"),
        ("What practical things can we do so tenants have a real say?", "procedure"),
        ("What is a good format for a partnership away day?", "procedure"),
        ("How does a project team come up with its own ground rules?", "procedure"),
        ("The charities are wary of the council. What should I look at before I convene the board?", "procedure"),
        ("People keep getting lost between services. What should we stop doing?", "procedure"),
        ("I'm about to re-commission our services. What traps should I avoid?", "list"),
        ("What can we learn from MindLab to help our lab last?", "procedure"),
        ("I want to write user stories for our website. What's the process?", "procedure"),
        ("Where do I begin with building a mental model of our service?", "procedure"),
        ("What practical first steps can we take to open up our data?", "procedure"),
        ("Apart from another grant, what routes are there to carry on the work?", "list"),
        ("What steps should we take when setting up an innovation lab in our council so it doesn't fizzle out?", "procedure"),
        ("We are recruiting a partnership coordinator. What should we look for and how do we support them once in post?", "procedure"),
        ("What should go into a written co-leadership agreement between two partner organisations?", "procedure"),
        ("What are the learning outcomes of the co-production session?", "list"),
        ("What open data use cases on homelessness came out of Sunlight's work with the City of Austin?", "list"),
        ("What recommendations did Sunlight give Austin?", "list"),
        ("What are the outcomes of Making It Work?", "findings"),
        ("What should go in the terms of reference for a partnership board?", "procedure"),
        ("What goes into a data sharing agreement?", "procedure"),
        ("What are the signs that a partnership is in trouble?", "list"),
        ("What benefit rules should we check before paying someone with lived experience?", "list"),
        ("What checks should we do before sharing data with a partner?", "list"),
        ("Which staff in a city government could be involved in running user testing of open data tools?", "list"),
        ("What are the elements of the collaborative process in Ansell and Gash's model?", "list"),
        ("What are the steps of a cognitive walkthrough?", "procedure"),
        ("My team wants to try a test-and-learn cycle. What's involved?", "procedure"),
        ("What does setting up a partnership board involve?", "procedure"),
        ("What are the levels of the open data maturity scale?", "list"),
        ("What does a sensible testing process look like, from planning through to acting on what we see?", "procedure"),
        ("We're drafting the founding document for our new board. What should it spell out about how the board works?", "procedure"),
        ("What is a boundary spanner?", "definition"),
        ("What does co-production mean?", "definition"),
        ("Define collaborative inertia", "definition"),
        ("What is the difference between co-production and co-design?", "comparison"),
        ("How does New Public Governance differ from New Public Management?", "comparison"),
        ("Co-design vs co-production", "comparison"),
        ("Who coined the term wicked problems?", "factoid"),
        ("When was Denmark's MindLab set up and when did it close?", "factoid"),
        ("How many cases did Ansell and Gash review?", "factoid"),
        ("When should I use contextual inquiry?", "reason"),  # the card says what it is for
        ("When is it best to signpost rather than refer?", "reason"),  # "When signposting is the right choice"
        ("Where was 'The competent boundary spanner' published?", "factoid"),
        ("What did the Making It Work programme find about lone parents?", "findings"),
        ("What were the results of the evaluation?", "findings"),
        ("What is the evidence that IPS works?", "findings"),
        ("What did Sørensen and Torfing argue about collaborative innovation?", "findings"),
        ("Why do partnerships fail?", "reason"),
        # A question opening "why" asks for reasons, though it names an impact or results.
        ("why is it hard to measure the impact of open data engagement", "reason"),
        ("What are the main criticisms of using design thinking in policymaking?", "list"),
        ("What are the four phases of the Design Council's double diamond?", "list"),
        ("Does distributed leadership mean that everyone in the partnership leads equally?", "yes-no"),
        ("What pressures are pushing public organisations to innovate, according to Jacob Torfing?", "list"),
        ("What are the three functions of supervision in Proctor's model?", "list"),
        ("And what tends to get in the way of that kind of collaboration in public bodies?", "list"),
        ("What needs to be in place to get a collaborative governance regime started in the first place?", "list"),
        ("So what can commissioners do to reduce them?", "procedure"),
        ("How should case notes be written when several partners and the person may read them?", "procedure"),
        ("What should a key worker explain about information sharing and confidentiality at the first meeting?", "procedure"),
        ("How does Voorberg's review define co-creation?", "other"),
        ("What does a key worker do in an employability service?", "list"),
        ("What should a co-design process involve, according to the Sunlight guide on co-design?", "procedure"),
        ("What should a key worker do to prepare for a first meeting?", "procedure"),
        # A setting after "mean" does not hide the term asked about.
        ("What does design thinking mean when public bodies use it?", "definition"),
        ("What does co-production mean in practice?", "definition"),
        ("What does this mean for us?", "other"),
        # What a method is for, and when to use it, are asked where a guide says why (or when).
        ("What is the point of personas?", "reason"),
        ("What is a journey map for?", "reason"),
        ("What are personas used for?", "reason"),
        ("When should we use personas?", "reason"),
        ("When is it worth doing a card sort?", "reason"),
        # "How much" before a clause asks to what degree, not for an amount.
        ("How much does it matter who chairs the board?", "other"),
        ("How much does the programme cost?", "factoid"),
        # What needs to be sorted, and what should happen after, are things to do; published figures are findings.
        ("What needs to be sorted before the day?", "procedure"),
        ("What should happen afterwards?", "procedure"),
        ("What figures have been published on what the alliance achieved?", "findings"),
        # A clause opening on "when" before the question is no date asked for: the question follows its comma, and
        # "that" may point to a term quoted in the clause.
        ("When I'm helping clients with online forms, what should I avoid doing?", "procedure"),
        ("When funders ask whether we will be 'sustainable', what does that actually mean?", "definition"),
        ("When did the programme start, and who funded it?", "factoid"),
        # A quoted term after "explain", and "what 'X' means" on its own (a second part), ask for definitions.
        ("How would you explain 'place then train' to new advisers?", "definition"),
        ("What 'fidelity' means?", "definition"),
        # The argument for something, or the case for it, is its reasons; a case study is not.
        ("Our board asked why key workers need capped caseloads. What's the argument?", "reason"),
        ("What is the case for co-production?", "reason"),
        ("What is the case study about?", "definition"),
        ("When was MindLab closed?", "factoid"),
        ("What is the evidence for IPS?", "findings"),
        ("What is co-production?", "definition"),
    ],
)
def test_kind_of_real_questions(question, kind):
    assert analyse_question(question).kind == kind


def test_how_much_a_thing_depends_on_another_asks_for_no_number():
    # "... what does Denmark's experience show about how much a lab depends on senior sponsorship?" had been read as
    # asking for a number as well, and "closed in 2018 after sixteen years" answered it through its year.
    assert "number" not in analyse_question("What does this show about how much a lab depends on senior sponsorship?").answer_types
    assert analyse_question("How much money did the Big Lottery Fund put in?").answer_type == "number"


def test_comparison_subjects_lose_articles_and_a_shared_qualifier():
    assert analyse_question("What is the difference between co-production and co-design?").subjects == ("co-production", "co-design")
    # "it" in a second part is the term the first part asks about; a description compared with it is left alone.
    assert analyse_question("What is distributed leadership, and how does it differ from shared leadership?").subjects == (
        "distributed leadership", "shared leadership")
    assert analyse_question("What is co-production, and how is it different from someone simply using a service?").subjects[0] == "it"
    # "in outcome-funded employment programmes" qualifies both, it is not part of "parking".
    assert analyse_question("What is the difference between creaming and parking in outcome-funded employment programmes?").subjects == ("creaming", "parking")
    # A second question after a comma is no part of the second thing compared.
    assert analyse_question("How do outputs differ from outcomes, and how would you track each?").subjects == ("outputs", "outcomes")
    # "as an account of ..." says in what respect they are compared.
    assert analyse_question("How does New Public Governance differ from New Public Management as an account of public services?").subjects == (
        "New Public Governance", "New Public Management")
    assert analyse_question("How is a tame problem different from a wicked problem?").subjects == ("tame problem", "wicked problem")
    # "with" splits before the "and" inside a pair of authors' names; "and" still splits when nothing else does.
    assert analyse_question("Compare Ansell and Gash's model with Emerson's framework").subjects == ("Ansell and Gash's model", "Emerson's framework")
    assert analyse_question("Compare co-production and co-design").subjects == ("co-production", "co-design")
    # Doing a thing compares the things done; a name in capitals keeps its verb.
    assert analyse_question("What's the difference between making style tiles and running visual preference testing?").subjects == (
        "style tiles", "visual preference testing")
    assert analyse_question("What is the difference between Making It Work and the Plymouth Alliance?").subjects == ("Making It Work", "Plymouth Alliance")


def test_a_term_named_only_in_the_statement_before_is_what_the_question_defines():
    # "the term" points back to the word the statement says people read one way.
    q = "Our partners disagree about whether employability just means job-search skills, and it matters for what we fund. How is the term usually defined?"
    assert analyse_question(q).kind == "definition" and analyse_question(q).subjects == ("employability",)
    assert analyse_question("How is employability defined?").subjects == ("employability",)
    # With nothing named before it, "the term" is no subject.
    assert analyse_question("What does the term mean?").subjects == ()


def test_definition_subject_and_requested_counts():
    assert analyse_question("What is a boundary spanner?").subjects == ("boundary spanner",)
    assert analyse_question("What is Arnstein's ladder of participation?").subjects == ("Arnstein's ladder of participation",)  # not "rnstein's"
    assert analyse_question("Define Anchor institutions.").subjects == ("Anchor institutions",)
    assert analyse_question("Can you give me a 3-step plan for starting a lab?").count == 3
    assert analyse_question("Give me five tips for running a workshop").count == 5
    assert analyse_question("How do I run a workshop?").count is None
    # One thing is a single thing, not a one-step answer.
    assert analyse_question("How do I audit the content against one thing residents are trying to do?").count is None
    assert analyse_question("What are the three functions of supervision in Proctor's model?").count == 3
    assert analyse_question("Name the four key drivers of collaboration").count == 4


@pytest.mark.parametrize(
    ("question", "answer_type"),
    [
        ("Who coined the term wicked problems?", "person"),
        ("In which year did MindLab close?", "date"),
        ("How much money did the Big Lottery Fund put into Making It Work?", "number"),
        ("Which cities did the article on activation focus on?", "place"),
        ("In which journal did Bolden publish his review?", "source"),
        ("Which organisations did Madison bring into the co-design session?", "organisation"),
        ("Which universities did Louisville's open data team partner with?", "organisation"),
        # "How often" asks how frequently ("monthly or bimonthly"), not for a number.
        ("How often does the Pittsburgh data center hold office hours?", "frequency"),
    ],
)
def test_factoid_answer_types(question, answer_type):
    analysis = analyse_question(question)
    assert analysis.kind == "factoid" and analysis.answer_type == answer_type


def test_topic_words_leave_out_question_words_and_stop_words():
    assert analyse_question("How do they fund co-production in Scotland?").topic == ("fund", "co-production", "scotland")
    # NLTK's list has "we" and "our" but not "us", the asker all the same.
    assert "us" not in analyse_question("How should our board make decisions so disagreements don't derail us?").topic


def test_two_part_questions_split_at_a_second_question_word():
    assert split_question("What is social return on investment and what are its limits?") == [
        "What is social return on investment?", "What are its limits?"]
    assert split_question("Which cities did the article focus on, and what did it find?") == [
        "Which cities did the article focus on?", "What did it find?"]
    assert split_question("What is the difference between co-production and co-design?") == [
        "What is the difference between co-production and co-design?"]
    assert split_question("How do I pay and support people?") == ["How do I pay and support people?"]
    # "and what" inside a statement joins two things the statement is about, not two questions.
    statement = "I'm revising the sign-up form and what key workers are told about case notes. What are the common mistakes?"
    assert split_question(statement) == [statement]
    assert split_question("Our board is new. What is a terms of reference and how do we write one?") == [
        "Our board is new. What is a terms of reference?", "How do we write one?"]
    assert split_question("In which journal did Bolden publish his review, and what did it find?") == [
        "In which journal did Bolden publish his review?", "What did it find?"]
    assert analyse_question("What are its limits?").listed == "limits"
    # A yes-no question after a comma is a second part; "and do" joining two things to do is not.
    assert split_question("How should we run the review, and does it need Paperwork Reduction Act clearance?") == [
        "How should we run the review?", "Does it need Paperwork Reduction Act clearance?"]
    assert split_question("How should we plan and do the sessions?") == ["How should we plan and do the sessions?"]
    # "are there any ...?" is a yes-no question too, and a condition may open the first part ("If I audit them, what ...").
    assert split_question("How do we build that diagram, and are there any PRA concerns?") == [
        "How do we build that diagram?", "Are there any PRA concerns?"]
    assert split_question("Our pages are old. If I audit them, what should I note down, and do we need PRA clearance?") == [
        "Our pages are old. If I audit them, what should I note down?", "Do we need PRA clearance?"]
    # A condition followed by no question word is still no question: "If the council pays and what if it does not?"
    assert split_question("If the council pays and what if it does not?") == ["If the council pays and what if it does not?"]


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        # How to explain what something is asks for its definition.
        ("How can I explain what a warm handover is?", "warm handover"),
        ("How do I explain to participants what co-production means?", "co-production"),
        ("How can I explain what collaborative governance means to my board?", "collaborative governance"),
        # "it" is what the statement before the question is about.
        ("I'm teaching a session on collaborative governance tomorrow. How can I explain what it is in plain words?", "collaborative governance"),
        # A frame or statements before the question leave its term.
        ("In the literature on boundary spanners, what is a 'reticulist'?", "reticulist"),
        ("For my workshop tomorrow, what is a warm handover?", "warm handover"),
        ("People keep saying our pilot needs to 'diffuse' to other councils. What is diffusion of innovation?", "diffusion of innovation"),
        # What a term covers is asked as what counts as it.
        ("What counts as a trust breach between partners?", "trust breach between partners"),
        ("What qualifies as a warm handover?", "warm handover"),
    ],
)
def test_a_definition_question_names_its_term(question, subject):
    analysis = analyse_question(question)
    assert (analysis.kind, analysis.subjects) == ("definition", (subject,))


def test_what_defines_nothing_is_no_definition_question():
    assert analyse_question("How do I explain what went wrong to the funder?").kind == "procedure"
    # A statement before the question is no frame: "What are we doing wrong?" defines nothing.
    assert analyse_question("Employers have stopped taking our candidates. What are we probably doing wrong?").kind != "definition"
    assert analyse_question("We start next week. What is needed?").kind != "definition"


def test_how_one_role_should_differ_from_another_is_a_comparison_of_the_roles():
    analysis = analyse_question("In our partnership meetings, how should the chair's job differ from that of the facilitator?")
    assert (analysis.kind, analysis.subjects) == ("comparison", ("chair", "facilitator"))
    assert analyse_question("How does the role of the programme manager differ from the partnership board?").subjects == ("programme manager", "partnership board")


@pytest.mark.parametrize(
    ("question", "subjects"),
    [
        # "distinguish X from Y" and "tell X from Y" had read as how-tos: steps for managing caseloads were the answer.
        ("In a workshop for team leaders, how would you distinguish a plain caseload from a weighted caseload, and supervision from reflective practice?", ("caseload", "weighted caseload")),
        ("How do I distinguish signposting from a warm handover?", ("signposting", "warm handover")),
        ("How can you tell co-production from co-design?", ("co-production", "co-design")),
        ("How can I tell co-design and co-production apart?", ("co-design", "co-production")),
        ("Can you differentiate between grants and contracts?", ("grants", "contracts")),
        # A plain thing beside a qualified one is the thing itself; an ordinary market beside a quasi-market is not.
        ("What is the difference between a weighted caseload and a plain caseload?", ("weighted caseload", "caseload")),
        ("In what ways is a quasi-market in public services different from an ordinary market?", ("quasi-market", "ordinary market")),
    ],
)
def test_distinguishing_one_thing_from_another_is_a_comparison(question, subjects):
    analysis = analyse_question(question)
    assert (analysis.kind, analysis.subjects) == ("comparison", subjects)


def test_telling_someone_something_is_no_comparison():
    assert analyse_question("What would we need to tell the testers from the start?").kind != "comparison"


def test_what_something_is_for_asks_why_it_is_used():
    # A method card says what its method is for in its "Why" ("To clarify relationships between ..."), which
    # a definition ("A service blueprint is a diagram ...") does not.
    for question in ("What is a service blueprint for?", "What is dot voting used for?", "What is lean coffee good for?"):
        assert analyse_question(question).kind == "reason", question


def test_the_kind_is_read_from_the_question_not_the_statements_before_it():
    # "as a result" in the statement is no request for findings; the question asks for pitfalls.
    q = "Our panel has met for a year and nothing has changed as a result. What mistakes should we look out for?"
    assert analyse_question(q).kind == "list"
    assert analyse_question("Our panel has met for a year. What did the evaluation find about panels?").kind == "findings"


def test_three_way_comparison_subjects():
    analysis = analyse_question("How do market competition, organisational entrepreneurship and collaborative governance differ as innovation strategies?")
    assert analysis.kind == "comparison"
    assert analysis.subjects == ("market competition", "organisational entrepreneurship", "collaborative governance")


@pytest.mark.parametrize(
    ("question", "context", "ask"),
    [
        ("We have just been funded for a two-year programme. How do we set up the partnership board?",
         "We have just been funded for a two-year programme.", "How do we set up the partnership board?"),
        ("I run a team of 5. We use the 18F cards. How do I run a design studio?", "I run a team of 5. We use the 18F cards.", "How do I run a design studio?"),
        # The question leans on the statement ("them"), has too few words of its own, or there is no statement.
        ("Our key workers are burning out. What support should we give them?", "", "Our key workers are burning out. What support should we give them?"),
        ("We pay people. Why?", "", "We pay people. Why?"),
        # Frame words are not a topic: the statement says what the terms of reference are for.
        ("I've been asked to draft the terms of reference for our board. What do I need to cover?", "",
         "I've been asked to draft the terms of reference for our board. What do I need to cover?"),
        ("I can't decide between a grant and payment by results. What steps should I go through?", "",
         "I can't decide between a grant and payment by results. What steps should I go through?"),
        ("Our workshop is next week. What should I run through to make sure nothing has been missed?", "",
         "Our workshop is next week. What should I run through to make sure nothing has been missed?"),
        # Words naming the part of the guidance wanted are no topic either.
        ("We are re-commissioning services our partners deliver together. What traps should we steer clear of?", "",
         "We are re-commissioning services our partners deliver together. What traps should we steer clear of?"),
        ("What did Dr. Smith find about key workers?", "", "What did Dr. Smith find about key workers?"),
        # A "that" after "the <noun>" is a relative pronoun, and "so that" a conjunction: neither points back.
        ("We have lottery money for two more years. What should we do so the parts that work carry on afterwards?",
         "We have lottery money for two more years.", "What should we do so the parts that work carry on afterwards?"),
        ("Is co-production the same as co-design? What is the difference?", "", "Is co-production the same as co-design? What is the difference?"),
    ],
)
def test_a_question_opening_with_statements_is_split_into_context_and_ask(question, context, ask):
    assert split_context(question) == (context, ask)


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("Which papers in the library discuss boundary spanners?", True),
        ("What documents cover co-production?", True),
        ("Where can I read about wicked problems?", True),
        ("Which studies look at payment by results?", True),
        ("What did the study find about lone parents?", False),
        ("Which partner should chair the board?", False),
    ],
)
def test_questions_asking_which_documents_treat_a_topic(question, wanted):
    assert sources_wanted(question) is wanted


def test_what_makes_a_good_one_asks_for_qualities():
    a = analyse_question("What makes a good key worker?")
    assert (a.kind, a.listed) == ("list", "qualities")
    assert analyse_question("What makes the Buurtzorg model distinctive?").listed != "qualities"


def test_a_name_in_common_words_is_found_unless_it_is_only_an_example():
    assert weak_names("When did Making It Work start?") == ["Making It Work"]
    assert weak_names("What has research found that voluntary organisations bring to partnerships such as Making It Work?") == []
    # Names whose words search well, or that open the question, are left alone.
    assert weak_names("How did the Plymouth Alliance work?") == [] and weak_names("What did Ansell and Gash find?") == []
    assert weak_names("Making It Work: what was it?") == []


def test_payment_by_results_is_a_term_not_a_request_for_results():
    assert analyse_question("What are the risks of payment by results for small providers?").kind == "list"
    assert analyse_question("Is payment by results a good idea for a small charity?").kind == "yes-no"
    assert analyse_question("What were the results of the Making It Work evaluation?").kind == "findings"


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("What does 'co-design' actually mean?", "co-design"),
        # "that" points back to the term the statement quotes, given as the term it is a form of.
        ("Colleagues keep saying our open data work should be 'co-designed'. What does that actually mean?", "co-design"),
        ('Our funder keeps talking about "social value". What does that mean?', "social value"),
    ],
)
def test_what_a_quoted_term_means_is_a_definition_question(question, subject):
    analysis = analyse_question(question)
    assert (analysis.kind, analysis.subjects) == ("definition", (subject,))


@pytest.mark.parametrize(
    ("query", "kind", "subjects"),
    [
        # Typed as keywords, as people type into a chat box: the form is read from the words around the topic.
        ("card sorting how to", "procedure", ()),
        ("job shadowing how to set up", "procedure", ()),
        ("warm handover steps", "procedure", ()),
        ("distributed leadership definition", "definition", ("distributed leadership",)),
        ("co-production meaning", "definition", ("co-production",)),
        # A term on its own asks what it is.
        ("wicked problems", "definition", ("wicked problems",)),
        ("IPS", "definition", ("IPS",)),
        ("creaming and parking", "definition", ("creaming and parking",)),
        # What a list is of, before or after the topic: "problems" in a term is no list.
        ("benefits of co-location", "list", ()),
        ("resources needed for open data community engagement", "list", ()),
        ("skills needed for a boundary spanner", "list", ()),
        ("co-location benefits", "list", ()),
        ("payment by results pros and cons", "list", ()),
        ("SROI limits", "list", ()),
        ("lone parents making it work results", "findings", ()),
        ("IPS evidence", "findings", ()),
        ("co-production and co-design difference", "comparison", ("co-production", "co-design")),
        ("difference between grants and payment by results", "comparison", ("grants", "payment by results")),
        ("signposting or warm handover", "comparison", ("signposting", "warm handover")),
        # Doing something, typed as keywords: an -ing verb that is no thing, or a verb with its object.
        ("running a co-design workshop", "procedure", ()),
        ("paying lived experience members", "procedure", ()),
        ("recruiting peer mentors", "procedure", ()),
        ("write a referral form", "procedure", ()),
        ("training for key workers", "definition", ("training for key workers",)),
        # Longer keyword runs and real questions keep their kinds.
        ("payment by results for commissioners of employment programmes", "other", ()),
        ("co-production vs co-design", "comparison", ("co-production", "co-design")),
        ("What is IPS?", "definition", ("IPS",)),
        ("Who evaluated Making It Work?", "factoid", ()),
    ],
)
def test_keyword_queries_are_read_by_the_words_around_their_topic(query, kind, subjects):
    analysis = analyse_question(query)
    assert (analysis.kind, analysis.subjects) == (kind, subjects)


def test_a_sentence_or_question_is_no_keyword_query():
    # A statement ending in a full stop, or one opening with a question word, is read as before.
    assert analyse_question("We run a partnership. Steps please.").kind != "definition"
    assert analyse_question("how the board works").kind == "other"


def test_initials_of_names_of_three_or_more_capitalised_words():
    from assistant.question import initialisms

    assert initialisms("How do we keep it clear of Paperwork Reduction Act clearance?") == {"pra": ("Paperwork", "Reduction", "Act")}
    assert initialisms("What is Individual Placement and Support?") == {"ips": ("Individual", "Placement", "Support")}
    assert initialisms("What did the National Audit Office find?") == {"nao": ("National", "Audit", "Office")}
    assert initialisms("Is PRA clearance needed for a card sort?") == {}  # two capitalised words make no name here
    assert initialisms("What does Torfing say?") == {}


def test_critique_as_a_verb_asks_for_no_criticisms():
    from assistant.compose.cues import facets_asked

    assert facets_asked("People generate and critique lots of design ideas. How do we keep it clear of Paperwork Reduction Act clearance?") == ["government"]
    assert facets_asked("What is the main critique of design thinking?") == ["limits"]
    assert facets_asked("What are the critiques of innovation labs?") == ["limits"]


def test_what_to_put_in_a_document_asks_for_its_contents():
    # "what to cover" typed after the keywords, or opening the question, asks what the document should hold.
    assert analyse_question("joint lead written agreement, what to cover").kind == "procedure"
    assert analyse_question("What to include in a referral?").kind == "procedure"
    # The first frame keeps its place: a question opening "How should I ..." with parts after it stays a how-to.
    assert analyse_question(
        "How should I pitch the leading-across-boundaries session: who is it for, how big should the group be, "
        "and which authors should I be familiar with beforehand?").kind == "procedure"


def test_what_to_get_settled_is_a_how_to():
    assert analyse_question("What governance basics should we get sorted in the first few months?").kind == "procedure"
    assert analyse_question("What should the two of us agree to make co-leading work?").kind == "procedure"
    assert analyse_question("What should we put in place before staff share the building?").kind == "procedure"
    assert analyse_question("What did the two of us agree at the last meeting?").kind != "procedure"


def test_how_to_define_a_term_asks_for_its_definition():
    assert analyse_question("How should I define psychological safety?").subjects == ("psychological safety",)
    analysis = analyse_question("I'm introducing the idea of psychological safety to a group of managers. How should I define it?")
    assert (analysis.kind, analysis.subjects) == ("definition", ("psychological safety",))
    assert analyse_question("How would you define co-production?").kind == "definition"


def test_two_things_weighed_in_a_statement_are_compared_when_asked_how_they_compare():
    analysis = analyse_question(
        "Our commissioner is deciding between a grant and a payment-by-results contract for a partnership. How do the two options compare?"
    )
    assert (analysis.kind, analysis.subjects) == ("comparison", ("grant", "payment-by-results contract"))
    assert analyse_question("How does grant funding stack up against payment by results?").subjects == ("grant funding", "payment by results")
    assert analyse_question("How do the two options compare?").kind != "comparison"  # nothing named to compare


def test_a_yes_no_question_after_statements_is_a_yes_no_question():
    assert analyse_question(
        "We're a US federal team planning an expert review of our benefits site. Do we need Paperwork Reduction Act clearance?"
    ).kind == "yes-no"
    assert analyse_question("Our team leader wants to run the reflective practice group herself. Is that a sensible arrangement?").kind == "yes-no"
