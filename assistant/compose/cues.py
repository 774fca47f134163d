"""Word patterns the composer reads in questions, headings and sentences (one place for all of them)."""

from __future__ import annotations

import re

from assistant.evidence import PITFALL_SECTION

FINDING_CUE = re.compile(r"\b(found|finds|identified|identifies|revealed|reveals|demonstrated|showed|shown|reported|reports|concluded|concludes|suggests?|suggested|evidence|increased?|reduced?|improved?|rose|fell|per cent|percent|\d+(?:\.\d+)?\s?%|led to|resulted in)\b", re.I)
REASON_CUE = re.compile(r"\b(because|since|so that|reasons?|due to|leads? to|led to|in order to|as a result|which means|therefore|so\b|cause[sd]?|why)\b", re.I)
YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
"""A year ("2016"), which counts nothing."""
CONTRAST_CUE = re.compile(r"\b(whereas|while|unlike|differs?|different|difference|distinction|distinguish\w*|in contrast|by contrast|rather than|compared with|as opposed to|but)\b", re.I)
ANSWER_TYPE_CUE = {
    "person": re.compile(r"\b[A-Z][a-z’'-]+(?:,? (?:and|&) [A-Z][a-z’'-]+)*,? (?:et al\.? )?\((?:19|20)\d\d[a-z]?\)|\b(?:by|wrote|authors?|coined|introduced|developed|proposed|founded|created|led by)\b[^.]*\b[A-Z][a-z]+"),
    # an organisation by name: "the University of Wisconsin’s Applied Population Lab, the Northside Planning Council"
    "organisation": re.compile(r"\b(?:University|Council|Lab|Laboratory|Foundation|Department|Institute|Trust|Agency|Association|Centre|Center|School|College|Office|Board)\b"),
    "date": re.compile(r"\b(?:1[5-9]\d\d|20\d\d)\b|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"),
    "frequency": re.compile(r"\b(?:daily|weekly|fortnightly|monthly|bi-?monthly|bimothly|quarterly|annually|yearly|every\s+(?:day|week|month|year|\w+\s+(?:days|weeks|months|years))|each\s+(?:day|week|month|term|year)|once|twice|\w+\s+times\s+(?:a|per|each)\s+\w+)\b", re.I),
    "number": re.compile(r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion)\b", re.I),
    "place": re.compile(r"(?<!^)\b(?:in|at|from|across|throughout|of)\s+(?:the\s+)?[A-Z][a-z]+"),
    "source": re.compile(r"\b(?:journal|published in|Review|Quarterly|Press|Journal|Policy|Studies|Management|Administration)\b"),
}
# A sentence saying where and when a work appeared ("... published ... in Public Management Review, volume 17").
# "published in 2016", not "reviewing 137 published cases" (what was reviewed, not where it appeared)
PUBLICATION = re.compile(r"\bpublish(?:ed|es|ing)?\b(?!\s+(?:cases|studies|research|literature|evidence|papers|articles|data|figures|statistics|sources)\b)|\b(?:volume|vol\.|issue)\s+\d|\bpages\s+\d|\b(?:University|Georgetown|Oxford|Cambridge|Policy) Press\b")
# "Who developed / coined / wrote ...?": the sentence saying who published the work names them.
ORIGIN_CUE = re.compile(r"\b(?:introduced|coined|devised|originated|invented|published|first\s+(?:used|described|proposed|set\s+out|developed)|founded|traced?s?\s+(?:the\s+(?:idea|concept|term)\s+)?back\s+to)\b", re.I)
"""A sentence saying who first put an idea forward ("Rittel and Webber ... introduced the concept in 1973")."""
ORIGIN_WANTED = re.compile(r"\bwho\b.*\b(?:developed|devised|coined|wrote|authored|proposed|introduced|created|came up with|published|invented|first)\b", re.I)
CONTENT_OF_WORK = re.compile(r"\b(?:book|article|paper|report|study|review|chapter)(?:'s|’s)?\s+(?:\w+\s+)?(?:say|says|said|argue|argues|suggest|suggests|recommend|recommends)\b", re.I)
"""A question asking what a work says ("What does Torfing's book say about ...?"), not where or when it appeared. (What a report
found is asked with its publication line as the first of its findings: "Nesta ... published the i-teams report in 2014, ...")"""
PUBLICATION_WANTED = re.compile(r"\b(?:publish\w*|journal|book|article|paper|report|where|when|year|who wrote|written)\b", re.I)
TWO_PART = re.compile(r"[,;]?\s+and\s+(?:in\s+|from\s+|at\s+)?(?:what|where|when|who|how|which|why|did|does|is|was)\b", re.I)
KEY_TERMS_SECTION = re.compile(r"\b(?:key terms|glossary|definitions?|what \w+(?: \w+)? means|what counts as)\b", re.I)
# "X is also / not / often ...", "Most card sorts are performed ...": a sentence about X, not one that says what X is.
NOT_DEFINING = re.compile(r"^\W*(?:most|many|some|few|several)\s|^\W*(?:\([^)]*\)[\s-]+|\w+[\s-]+){0,6}?(?:is|are)\s+(?:also|not|often|sometimes|usually|still|only|rarely|never|more|less|most|likely|particularly|especially|worth|important|useful|helpful|valuable|essential|necessary|vital|efficient|common|popular|widely|increasingly|best|the\s+right)\b", re.I)
EXPLAINING_SECTION = re.compile(r"\b(?:explained|defined|definitions?|key terms|what (?:is|are)\b|^what\b.*\b(?:is|are|was|were)$|^what\s+[\w-]+(?:\s+[\w-]+){0,3}\s+(?:is|are|means)\b|about the|background|introduction|overview|in brief|why\b)", re.I)
JUDGEMENT_WANTED = re.compile(
    r"\b(?:is|are|was|would|will)\s+(?:that|this|it|these|those|the\s+[\w-]+(?:\s+[\w-]+)?|doing\s+so)\s+(?:really\s+|actually\s+|still\s+)?(?:a\s+)?"
    r"(?:good|bad|sensible|wise|ok|okay|fine|legitimate|enough|sufficient|problem|mistake|advisable|appropriate|reasonable|realistic|safe|risky|worth\s+it|the\s+right)\b"
    r"|\bwhy\s+is\s+(?:that|this|it)\s+a\s+problem\b|\bwhat'?s\s+wrong\s+with\b",
    re.I,
)
"""A question asking whether a practice it describes is sound ("... wants to facilitate the meeting as well. Is that a good
idea?", "Is the new name enough on its own?"): the pitfalls that name the practice answer it."""
RISKS_WANTED = re.compile(r"\b(?:risks|pitfalls|mistakes|dangers|go wrong)\b", re.I)
CRITIQUE_CUE = re.compile(
    r"\b(?:critici[sz]\w*|critiques?|limitations?|weakness\w*|drawbacks?|loosely|vague|ambiguous|magic\s+concept|risks?\s+(?:meaning|becoming|being)"
    r"|(?:little|no|weak|limited|thin|mixed)\s+evidence|few\s+studies|not\s+suited|(?:technically\s+)?challenging|warned|concerns?\s+(?:about|that)|questioned|overstat\w*|underestimat\w*)\b",
    re.I,
)
"""A sentence stating a criticism, a doubt or a limit ("risks meaning almost anything", "not suited to all public services")."""
LIMITS_SECTION = re.compile(r"\b(?:limits?|limitations|criticisms?|weaknesses|drawbacks)\b", re.I)
ROLES_SECTION = re.compile(r"\s*(?:who does what\b|roles and responsibilities\b)", re.I)
WHY_SECTION = re.compile(r"\s*(?:why\b|the case for\b|reasons\b)", re.I)
FAILURE_ASKED = re.compile(
    r"\b(?:fail(?:s|ed|ing|ure)?|hardly\s+(?:any|ever)|rarely|seldom|never\s+(?:get|gets|got|adopted|used|implemented|taken)|(?:not|n't)\s+(?:get\s+)?(?:taken\s+up|adopted|implemented|used|working|work|last)"
    r"|stall(?:s|ed|ing)?|fizzle[sd]?|run\s+out\s+of\s+steam)\b",
    re.I,
)
"""A question about something that fails or is not taken up ("... hardly any get taken up. Why might that happen?")."""
FAILURE_REASONS_SECTION = re.compile(r"\b(?:limits?|limitations|critiques?|criticisms?|weaknesses|drawbacks|barriers|obstacles)\b", re.I)
"""A heading over what holds something back ("Design thinking meets power: the critique", "Barriers to ..."): reasons it fails."""
WHEN_SECTION = re.compile(r"\s*when\b", re.I)
"""A heading over when to do something ("When?", "When signposting is the right choice"): for a question asking when, it says why."""
EXAMPLE_SECTION = re.compile(r"^(?:an? )?(?:examples?|case stud(?:y|ies)|illustrations?)\b", re.I)
"""A heading over an instance ("Example from 18F"), not over the steps to take."""
PHASES = {
    "before": re.compile(r"\b(?:before|beforehand|ahead\s+of|in\s+advance|prepar(?:e|es|ing|ation)|get\s+ready)\b", re.I),
    "during": re.compile(r"\b(?:during|on\s+the\s+day|in\s+the\s+room|while\s+(?:it|the\s+\w+)(?:\s+is|'s|’s)?\s+(?:runs|running|happens|happening|going\s+on|on)|running\s+the\s+(?:[\w-]+\s+){0,3}(?:session|workshop|event|meeting))\b", re.I),
    "after": re.compile(r"\b(?:after|afterwards|follow(?:ing)?[- ]?up|once\b[\w\s,'-]{0,60}?\b(?:is|are|has|have)\s+(?:over|finished|ended|done|closed)|wrap(?:ping)?\s+up)\b", re.I),
}
"""The phase of an activity a question asks about, or a heading covers: before it ("What do we prepare?",
"Step-by-step: preparing the workshop"), during it ("on the day itself", "2. During the event", "Running the co-design session") or after it
("once the workshop is over", "Follow-up after the workshop")."""
CHECKS_SECTION = re.compile(r"\bchecklist\b|\b(?:to|should|must)\s+check\b|\bchecks?\s+(?:before|for)\b", re.I)
"""A heading over what to check: a checklist, or "Benefit rules to check before paying someone"."""
CHECKLIST_WANTED = re.compile(
    r"\b(?:checklist|run\s+through|(?:nothing|anything)\s+(?:has\s+been\s+|is\s+|gets\s+)?(?:missed|forgotten)|be\s+in\s+place|have\s+in\s+place"
    r"|set\s+up\s+properly|basics|essentials|must-haves|(?:double-)?check(?:ed|s)?(?!\s*-?\s*ins?\b)|tick(?:ed)?\s+off)\b",
    re.I,
)
"""A question asking what to check ("What should I run through to make sure nothing has been missed?",
"What should I have ticked off before we start?", "How can I check our approach is on the right
track?"): a checklist answers it. Not a "check-in" meeting."""
CHECKLIST_SECTION = re.compile(r"\bchecklist\b", re.I)
AUDIENCE_SECTION = re.compile(r"\bwho\s+(?:the|this|it)\b[\w\s-]*\bis\s+for\b|\bwhat\s+(?:it|this\s+\w+)\s+covers\b|\blearning\s+outcomes\b|\babout\s+this\b", re.I)
"""A heading over who a document or session is for and what it covers, not over what to do."""
STUDY_SECTION = re.compile(r"\b(?:evidence|findings?|found|results|what (?:it|they|we) (?:showed|found)|test case)\b|\((?:19|20)\d\d\)")
"""A heading over what a study or a programme found ("Rees, Whitworth and Carter (2014): the evidence ..."), not over what to do."""
EXAMPLES_LEAD = re.compile(r"\b(?:for example|for instance|examples?(?: include| are| of)?|such as|e\.g\.)\b[^.]{0,30}$", re.I)
RESOURCES_LEAD = re.compile(r"\b(?:additional|further|useful|other|more|helpful)\s+(?:web\s*)?(?:sites?|websites?|resources?|reading|links?)\b|\b(?:web\s*)?sites?\s+with\b", re.I)
"""A list's lead-in pointing elsewhere ("Additional sites with detail on various co-design methods include:"): its items are titles of other pages."""
COUNTED = re.compile(r"\b\d[\d,.]*%?\s+((?:[\w'-]+\s+){0,2}[\w'-]+)")
CONTENTS_WANTED = re.compile(r"\b(?:go(?:es)?\s+(?:into|in)|include[sd]?|contain|cover(?:ed)?|be\s+in|involve|entail|consist\s+of|spell(?:s|ed)?\s+out|put\s+in(?:to)?|specify)\b", re.I)
CONTENTS_HEAD = re.compile(r"^what\s+(?:to|should)\s+(?:put|go|include|cover|write|say)\b|^contents\b", re.I)
"""A heading on what a document holds ("What to put in the terms of reference"): the answer when a question asks what a document should say."""
CONTENTS_SECTION = re.compile(r"\b(?:include[sd]?|contents?|contains?|covers?|checklist|what goes|sections?|elements?|headings)\b", re.I)
GENERIC_HEADS = frozenset({"model", "approach", "framework", "concept", "idea", "method", "theory", "programme", "program", "initiative", "project"})
"""Head nouns a definition may leave out: "the Buurtzorg model" is defined by "Buurtzorg is ..."."""
LIST_MAX = 8
"""Items shown from a long list; a list of up to LIST_WHOLE items is shown whole (cutting 2 of 10 steps loses advice)."""
LIST_WHOLE = 10
# Sections that report results (not "Lessons for ...", which are a document's own advice).
RESULTS_SECTION = re.compile(r"\b(?:found|findings|(?:key|main|major)\s+finding|results?|evaluations?|evidence|outcomes|impact|what (?:it|they|we) (?:showed|learned|learnt))\b", re.I)
FACETS = {
    "pitfalls": (
        # "What should I avoid?", "... avoid when ...", not "How do we avoid tokenism?" (how to prevent one thing)
        re.compile(r"\b(?:pitfalls?|mistakes?|traps?|risks|dangers|go(?:es)?\s+wrong|watch\s+out|avoid(?=\s*(?:[?.!]|$|\b(?:doing|when|while|if|during|in|as|at|before|after|with|it|them|this|these|that)\b))|careful\s+not\s+to|steer\s+clear|not\s+to\s+do"
                   r"|get(?:s|ting)?\s+wrong|doing\s+wrong|misunderst(?:and|ood|anding)s?|misconceptions?|misread(?:s|ing)?|went\s+away\s+thinking|took\s+\S+\s+to\s+mean|(?:anything|something|what(?:'s|’s|\s+is))\s+wrong\s+with|stop\s+doing|guard(?:ing)?\s+against|look(?:ing)?\s+out\s+for)\b", re.I),
        PITFALL_SECTION,
    ),
    "roles": (
        re.compile(r"\bwho\b[^?.!]*\b(?:does|do|is|are|should|needs?|has|have|must)\b[^?.!]*\bwhat\b|\bwho\s+(?:is|are)\s+responsible\b|\bwhat\s+(?:does|should|must|will)\s+each\b|\broles\s+and\s+responsibilities\b|\b(?:what|which)\s+(?:\w+\s+)?roles\b|\bdifferent\s+roles\b"
                   r"|\beach\s+(?:\w+\s+){0,2}responsible\b|\bwho(?:'s|’s|\s+is|\s+are)\s+the\s+(?:main\s+|key\s+)?(?:players|people\s+involved|actors)\b|\bwhat(?:'s|’s|\s+is)\s+my\s+(?:job|role|part)\b"
                   # "Which partner should take the lead on ...?", "What part does the board play ...?", "Who keeps the
                   # pathway running?", "What should the facilitator be doing ...?", "the job of the chair"
                   r"|\bwhich\s+(?:partner|organi[sz]ation|agency|person|team|member|role)s?\s+(?:should|does|do|will|must|would)\b"
                   r"|\bwhat\s+(?:part|role)\s+(?:does|do|should|will|must|would|can)\b"
                   r"|^\s*who\s+(?:should\s+|will\s+|would\s+|must\s+)?(?:keeps?|runs?|leads?|owns?|holds?|chairs?|manages?|coordinates?|looks?\s+after|signs?\s+off|takes?\s+the\s+lead)\b"
                   r"|\bwhat\s+should\s+(?:the|a|an|each)\s+[\w-]+(?:\s+[\w-]+)?\s+be\s+doing\b|\b(?:job|responsibilit(?:y|ies)|duties)\s+of\s+(?:the|a|an|each)\b"
                   # "Who should take on which responsibilities?", "How should responsibilities be split between ...?"
                   r"|\bwho\b[^?]*\bwhich\s+(?:responsibilit(?:y|ies)|roles?|tasks?|jobs?|duties)\b"
                   # (not "How should the two leads divide responsibilities?": how to agree a split, in the steps for it)
                   # "How should responsibilities be split so everyone knows their part?"
                   r"|\b(?:responsibilit(?:y|ies)|roles|tasks|duties)\s+(?:be\s+)?(?:split|divided|shared|allocated|assigned)\s+(?:between|among|across|so)\b"
                   r"|\b(?:everyone|everybody|each\s+(?:of\s+us|[\w-]+))\s+knows\s+(?:their|its|his|her|our)\s+(?:own\s+)?(?:part|role|job|responsibilit(?:y|ies))\b", re.I),
        ROLES_SECTION,
    ),
    "checklist": (CHECKLIST_WANTED, CHECKLIST_SECTION),
    "limits": (
        # "critique" as a noun ("the main critique of ..."), not the verb ("people generate and critique design ideas").
        re.compile(r"\b(?:criticisms?|critiques|(?:a|the|any|main|key)\s+critique|critique\s+of|limitations|limits\s+of|weaknesses|drawbacks|downsides)\b", re.I),
        re.compile(r"\b(?:limitations|limits\s+of|criticisms?|critiques?|weaknesses|drawbacks)\b", re.I),
    ),
    # A review's "Implications for practitioners", "Practical implications", a case's "What others can learn" give its lessons.
    "lessons": (
        re.compile(r"\blessons?\b|\b(?:practical\s+)?implications\s+for\b|\btakeaways?\b", re.I),
        re.compile(r"\blessons?\b|\bimplications\b|\bwhat\s+(?:others|we|you|councils|partnerships)\s+can\s+learn\b|\btakeaways?\b", re.I),
    ),
    "options": (re.compile(r"\b(?:routes|options|alternatives)\b", re.I), re.compile(r"^(?:the\s+)?(?:options|routes|alternatives)\b", re.I)),
    "government": (
        # "How do I keep usability sessions from triggering the Paperwork Reduction Act?", "What privacy steps does government require?"
        re.compile(
            r"\b(?:paperwork\s+reduction\s+act|PRA|privacy\s+act|OMB\s+approval)\b"
            r"|\b(?:government|federal|agency)\b[^?]*\b(?:requires?|required|requirements?|rules|regulations?|legal|law|approval|clearance)\b"
            r"|\b(?:requires?|required|requirements?|rules|regulations?|legal|law|approval|clearance)\b[^?]*\b(?:government|federal|agency)\b"
            r"|\b(?:federal|government)\s+(?:employees?|staff|workers?)\b|\bwork\s+for\s+(?:the\s+)?(?:federal\s+)?government\b|\bnon-federal\b",
            re.I,
        ),
        re.compile(r"\bconsiderations\s+for\s+use\s+in\s+government\b|\b(?:legal|regulatory)\s+(?:considerations|requirements)\b", re.I),
    ),
}
"""A facet of a subject a question may ask for, and the headings over it: ``name: (question cue, heading cue)``.

"What traps should I avoid when re-commissioning?" asks for a guide's pitfalls, "Who is responsible
for what in safeguarding?" for its "Who does what", "What lessons ...?" for its lessons, "What
routes are there to carry on the work?" for its "Options for continuing the work", what government requires
(the Paperwork Reduction Act, the Privacy Act) for a method card's "Considerations for use in government"."""


def facets_asked(text: str) -> list[str]:
    """The names of the :data:`FACETS` a question asks for ("What mistakes should we avoid?" → ``["pitfalls"]``)."""
    names = [name for name, (cue, _) in FACETS.items() if cue.search(text)]
    if "government" in names and "checklist" in names:  # "... don't work for the federal government. What should we check?"
        names.remove("checklist")
    return names


AFTER_EVENT = re.compile(
    r"(?:^|[.?!]\s+)after\s+(?P<event>[^,?]{8,90}?),\s*what\s+(?:did|has|have)\b"
    r"|\bwhat\s+(?:did|has|have)\s+[^?]{2,60}?\s+(?:do|done|change|changed|release|released|publish|published)\s+(?:after|once|following)\s+(?P<event2>[^?]{8,90}?)\s*\?",
    re.I,
)
"""A question about what someone did after an event a case tells of ("After Norfolk held its roundtable, what did the city change?")."""
QUESTIONS_WANTED = re.compile(
    r"\bwhat\s+(?:questions\s+)?(?:should|do|must|could|can)\s+(?:i|we|you)\s+(?:be\s+)?ask(?:ing)?\s+(?:ourselves|myself|yourself|yourselves|themselves)\b"
    r"|\bquestions\s+(?:to\s+(?:ask|consider)|(?:should|do|must|could)\s+(?:i|we)\s+(?:ask|consider))\b",
    re.I,
)
"""A how-to asking what to ask oneself first ("Before we get into the detailed plan, what should we be asking ourselves?"): a guide's list of questions to consider."""
QUESTIONS_SECTION = re.compile(r"\b(?:discussion|reflection|reflective|open)\s+questions\b|\bquestions\s+(?:for|to)\s+(?:discussion|discuss|reflect)", re.I)
"""A heading over questions to discuss, not over what to do ("Discussion questions" closing a session plan)."""
SIGNS_SECTION = re.compile(r"\b(?:(?:early|warning)\s+signs?|signs\s+(?:of|that)|symptoms|red\s+flags|indicators)\b", re.I)
"""A heading over how to recognise a problem ("Early signs of conflict to watch for"), not over what to do about it."""
SIGNS_WANTED = re.compile(r"\b(?:signs?|symptoms|red\s+flags|indicators|spot|recogni[sz]e|notice|tell\s+(?:if|whether|when)|know\s+(?:if|whether|when))\b", re.I)
HOW_MANY_DID = re.compile(r"^\s*how\s+many\s+(?P<thing>[\w' -]+?)\s+(?:did|does|do|has|have|had|will|would|could|can)\s+(?P<subject>[^?]+?)\s+(?P<verb>[a-z]+)\s*\?\s*$", re.I)
"""A count asked of a doing: "How many lone parents did Making It Work support?"."""
START_WANTED = re.compile(r"\b(?:start(?:ed|s)?|begin|began|begun|launch(?:ed)?|set\s+up|found(?:ed)?|establish(?:ed)?|open(?:ed)?|creat(?:e|ed)|introduc(?:e|ed))\b", re.I)
"""A question asking when something began ("When was the Plymouth Alliance contract started?")."""
START_CUE = re.compile(
    r"\b(?:started|began|begun|launched|went\s+live|set\s+up|founded|established|opened|created|introduced|first\s+(?:operating|met|ran))\b"
    r"(?=(?:\W+\w+){0,6}?\W+(?:(?:19|20)\d\d|january|february|march|april|may|june|july|august|september|october|november|december)\b)",
    re.I,
)
"""A sentence saying when something began: a start word with a date a few words on ("went live on 1 April 2019")."""
VAGUE_VERBS = frozenset("have has had get got be is are was were do does did make made see use include includes".split())
"""Verbs that say too little for a count to be checked against them ("How many nurses did Buurtzorg have?")."""

NUMBERED_HEADING = re.compile(r"^\s*\d{1,2}[.)]\s+\S")
"""A heading numbering one part of a sequence ("1. Before the event", "3. Introduce the task(s)")."""
NUMBERED_HEADING_MARK = re.compile(r"^\s*\d{1,2}[.)]\s+")
"""The number opening such a heading, taken off to label the part ("Before the event")."""
BARE_QUESTION = re.compile(r"^(?:who|when|where|what)\?$", re.I)
"""A heading that is one question word ("Who?", "When?" under "Where it fits in with open data"): a facet, not guidance."""
AIMS_SECTION = re.compile(r"^[\w.-]+(?:\s+[\w.-]+)?(?:’s|'s)\s+(?:goals?|aims?|objectives?|ambitions?)\b", re.I)
"""A case study's account of what someone set out to do ("Glendale’s goals for contracting data"): why, not how."""
RANGE_WANTED = re.compile(r"\b(?:start|beginning)\s+to\s+(?:finish|end)\b|\bend[- ]to[- ]end\b|\bfrom\s+(?:the\s+)?(?:\w+ing|start|beginning|outset)\b(?:\s+[\w'-]+){0,5}?\s+(?:through\s+|right\s+)?to\b", re.I)
"""A question naming the span of a process it wants ("from picking the focus through to releasing the data"): its first part named is where the whole starts."""
WHOLE_WANTED = re.compile(rf"\b(?:process|whole|overall|all the (?:steps|stages)|(?:each|every)\s+(?:stage|step|phase)|look like|stage[- ]by[- ]stage|step[- ]by[- ]step|all\s+the\s+way|walk\s+(?:me|us)\s+through)\b|{RANGE_WANTED.pattern}", re.I)
"""A question asking for a whole process ("What does a sensible testing process look like, from planning through to acting on it?",
"Can you walk me through how they got there, stage by stage?")."""
NEXT_STEPS_SECTION = re.compile(r"^\s*(?:immediate\s+)?next\s+steps\b", re.I)
"""A case study's "Next steps": what its authors plan to do next."""
NEXT_WANTED = re.compile(r"\b(?:next|future|from\s+now\s+on|going\s+forward|plan(?:s|ning)?\s+to)\b", re.I)
"""A question about what comes next, which a "Next steps" section may answer."""

PREPARATION_SECTION = re.compile(r"\b(?:preparation|materials|room\s+set-?up)\b", re.I)
"""A session plan's "Preparation and materials" or "Materials and room set-up": what a trainer gets ready, not how to do the work."""
PREPARATION_WANTED = re.compile(r"\b(?:sessions?|workshops?|training|course|teach\w*|trainers?|class|room|meetings?|events?|prepar\w*|materials?|bring|ready)\b", re.I)
"""A question about running a session, a meeting or an event, or about getting ready for one, which a preparation section may answer."""

