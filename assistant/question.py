"""Question analysis: what kind of answer a question wants, its topic, its subjects and any count asked for.

A reference librarian first hears *what sort of thing* is asked: steps, a definition, the
difference between two things, a name or a year, what a study found, a reason, a list, a yes or
no. The composer (:mod:`assistant.answer`) then looks for the passage unit that gives that sort of
answer. The cues are the interrogative frames of English questions, which are few and regular;
they are written here as patterns, each tested on real questions in ``tests/test_question.py``.
What people type into a chat box as keywords ("wicked problems", "card sorting how to", "benefits
of co-location", "co-production and co-design difference") is read by the words around the topic.

We looked for a maintained NLP library to do this offline: spaCy's English pipelines are not
published on PyPI by their authors (only unofficial re-uploads are), and no question classifier
installs offline, so the frames are ours; the topic words use the same stop-word list as the
follow-up logic (NLTK's English list via bm25s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from bm25s.stopwords import STOPWORDS_EN_PLUS

PRONOUNS = {"it", "its", "they", "them", "their", "theirs", "this", "that", "these", "those", "he", "she", "his", "her", "there", "such", "one", "ones"}
NOT_POINTING = re.compile(r"\b(?:(?:the|a|an|any|every|all)\s+[\w'-]+\s+|so\s+)that\b", re.I)
"""A "that" pointing nowhere: a relative pronoun after a noun ("the parts that work") or "so that"."""
# Words that mark a question type or a pronoun but say nothing about the topic.
QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "does", "do", "did", "can", "could", "should", "would", "is", "are", "was", "were", "tell", "explain", "more", "else", "about", "please", "also"}
# Words that carry no topic in a question (NLTK's English list plus question words). NLTK's list leaves
# out "us" (it would also drop "US"); in a question it is the asker ("so that disagreements don't derail us").
# Nor does it hold some prepositions ("recruit people onto our board": no passage need say "onto").
QUESTION_STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | QUESTION_WORDS | {"us", "onto", "upon", "via", "towards", "toward", "among", "amongst", "throughout", "through", "nothing", "anything", "something", "everything"}
# A question word with its verb ("What's involved?") is as empty as the two words apart.
_STOP = QUESTION_STOPWORDS | PRONOUNS | {f"{w}{a}{v}" for w in ("what", "who", "how", "where", "when", "why", "that", "it", "there") for a in "'’" for v in ("s", "re", "ll", "d")}
WORD = re.compile(r"[\w'-]+")

# Words a question uses to frame what it wants; their absence from the passages says nothing.
FRAME_WORDS = frozenset(
    "get make do use set setting run running take give plan step steps way ways best good help need want know "
    "find thing things able sure better main example examples kind kinds type types someone "
    "new first simple quick practical actually really often usually also exactly mean means meaning difference differ "
    "compare comparison process approach right important idea ideas try trying put think "
    "always never true false many much year years look appear appears suggest suggests understand everyone anyone "
    "everybody details detail wrote write written say says said tell told journal published publish according whether "
    "tomorrow today tonight yesterday "
    "properly effectively successfully show shows showed shown slot final last tip tips worth common commonly typical typically usual usually argument arguments rationale justification clearance approval plain ordinary distinguish differentiate apart".split()
)
FRAME_PHRASES = re.compile(
    r"\bfrom\s+(?:the\s+)?(?:start|beginning)\s+to\s+(?:the\s+)?(?:finish|end)\b|\bend[- ]to[- ]end\b"
    r"|\b(?:next|this|last|coming|the\s+following)\s+(?:week|month|fortnight|term|quarter)\b",
    re.I,
)
"""Phrases that say when or how much of something is asked about, not what it is: "How should I run it from start to
finish?", "the session I'm delivering next week". Their words are frame words in them only ("When did it start?" keeps "start")."""
# Words that name which part of the guidance a question wants (its pitfalls, its checklist), not what it is about:
# "What mistakes should we steer clear of?" leans on the sentences before it for its topic.
FACET_WORDS = frozenset(
    "mistake mistakes pitfall pitfalls trap traps risk risks danger dangers avoid avoiding steer clear careful wrong "
    "check checked checks double-check tick ticked checklist basics essentials lessons lesson options routes alternatives "
    "responsible responsibilities players job role roles require requires required requirements".split()
)


def content_words(text: str) -> list[str]:
    """Topic words of a question, in order, without stop words, question words or pronouns."""
    return list(dict.fromkeys(w for w in (m.group().lower() for m in WORD.finditer(text)) if w not in _STOP and len(w) > 1))


def own_topic(words: list[str]) -> list[str]:
    """``words`` (from :func:`content_words`) without those that frame a question or name a facet: what it is about."""
    return [w for w in words if w not in FRAME_WORDS and w not in FACET_WORDS]



Kind = Literal["procedure", "definition", "comparison", "factoid", "findings", "reason", "list", "yes-no", "other"]
AnswerType = Literal["person", "organisation", "date", "frequency", "number", "place", "source"]

KINDS: tuple[str, ...] = ("procedure", "definition", "comparison", "factoid", "findings", "reason", "list", "yes-no", "other")

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_COUNT = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)"


@dataclass(frozen=True)
class QuestionAnalysis:
    """What a question asks for.

    Attributes:
        question: The question as asked.
        kind: The kind of answer wanted.
        topic: Topic words of the question (no question words, stop words or pronouns).
        subjects: What is defined (one) or compared (two or more), in the question's words.
        count: How many steps/items were asked for ("a 3-step plan" -> 3), if any.
        answer_type: For factoid questions, the type of the expected answer.
    """

    question: str
    kind: Kind
    topic: tuple[str, ...]
    subjects: tuple[str, ...] = ()
    count: int | None = None
    answer_type: AnswerType | None = None
    listed: str | None = None
    """What a list or how-to question asks for a list of ("roles" in "what roles should I take on"), if it names it."""
    answer_types: tuple[AnswerType, ...] = ()
    """Every type of fact the question asks for ("Who ... and in which journal?": person, source)."""


# Order matters: the first matching frame wins ("What is the difference between..." is a
# comparison, not a definition; "How many..." is a factoid, not a procedure).
_COMPARISON = [
    re.compile(r"\bhow\s+(?:do|does)\s+(?P<a>[^?]+?),\s+(?P<b>[^?]+?),?\s+and\s+(?P<c>[^?]+?)\s+(?:differ|compare)\b", re.I),
    re.compile(r"\b(?:difference|differences|distinction|distinguish(?:es)?|differentiate)\s+(?:is there\s+)?between\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)\s*\??$", re.I),
    # "How would you distinguish a plain caseload from a weighted caseload?", "How can you tell co-production from co-design?"
    re.compile(r"\b(?:distinguish|differentiate)\s+(?P<a>[^?]+?)\s+from\s+(?P<b>[^?]+?)\s*\??$", re.I),
    re.compile(r"\bhow\s+(?:can|do|would|could|should|might)\s+(?:you|i|we|one|people|they)\s+tell\s+(?P<a>[^?]+?)\s+from\s+(?P<b>[^?]+?)\s*\??$", re.I),
    re.compile(r"\btell\s+(?P<a>[^?]+?)\s+and\s+(?P<b>[^?]+?)\s+apart\b", re.I),
    re.compile(r"\bhow\s+(?:does|do|is|are|should|would|might)\s+(?P<a>.+?)\s+(?:differ|different|be\s+different)\s+from\s+(?:that\s+of\s+|those\s+of\s+)?(?P<b>.+?)\s*\??$", re.I),
    re.compile(r"\bhow\s+(?:does|do)\s+(?P<a>.+?)\s+compare\s+(?:with|to)\s+(?P<b>.+?)\s*\??$", re.I),
    # "How does grant funding stack up against payment by results?"
    re.compile(r"\bhow\s+(?:does|do|would|will)\s+(?P<a>.+?)\s+(?:stack\s+up|measure\s+up|fare)\s+(?:against|next\s+to|beside|compared\s+(?:with|to))\s+(?P<b>.+?)\s*\??$", re.I),
    # "Compare Ansell and Gash's model with Emerson's framework": "with" / "to" splits before "and" does.
    re.compile(r"\bcompare\s+(?P<a>.+?)\s+(?:with|to|against)\s+(?P<b>.+?)\s*\??$", re.I),
    re.compile(r"\bcompare\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)\s*\??$", re.I),
    re.compile(r"^(?:what\s+(?:is|are)\s+)?(?P<a>[^?]+?)\s+(?:vs\.?|versus)\s+(?P<b>[^?]+?)\s*\??$", re.I),
    re.compile(r"\bis\s+(?P<a>.+?)\s+(?:the\s+same\s+(?:thing\s+)?as|different\s+from)\s+(?P<b>.+?)\s*\??$", re.I),
]
_COMPARE_THOSE = re.compile(r"\bhow\s+(?:do|does|would|will)\s+(?:the\s+two|both|these|those|they|them)\b(?:\s+[\w-]+){0,2}?\s+(?:compare|differ|stack\s+up)\b", re.I)
"""A comparison of things named before it ("How do the two options compare?")."""
_COMPARE_NAMED_BEFORE = re.compile(r"\b(?:between|weighing\s+up)\s+(?:(?:a|an|the)\s+)?(?P<a>[\w-]+(?:\s+[\w-]+){0,3}?)\s+(?:and|or)\s+(?:(?:a|an|the)\s+)?(?P<b>[\w-]+(?:\s+[\w-]+){0,3}?)(?=\s+(?:for|to|in|on|with|that|which)\b|\s*[.,;?])", re.I)
"""Two things a statement weighs ("deciding between a grant and a payment-by-results contract for ...")."""
_FACTOID = [
    (re.compile(r"^\s*(?:who|whom|whose)\b", re.I), "person"),
    (re.compile(r"\b(?:which|what)\s+(?:author|authors|researcher|researchers|person|people|scholar|scholars|body|agency|fund|funder)\b", re.I), "person"),
    # "Which organisations did Madison bring into the co-design session?": named bodies, not people
    (re.compile(r"\b(?:which|what)\s+(?:other\s+)?(?:organisations|organizations|bodies|agencies|funders|universit(?:y|ies)|charit(?:y|ies)|compan(?:y|ies)|partner\s+organisations)\b", re.I), "organisation"),
    # "When was MindLab closed?" asks for a date; "When should I use contextual inquiry?" for the situations that call for it.
    (re.compile(r"^\s*when\b(?!\s+(?:should|would|could|can|do|does|might|must|is\s+it\s+(?:best|right|worth))\b)(?![^?]*?,\s*(?:what|how|who|which|why|where)\b)|\b(?:what|which)\s+year\b|\bin\s+what\s+year\b", re.I), "date"),
    # "How often does the center hold office hours?": monthly, not a number.
    (re.compile(r"\bhow\s+(?:often|frequently|regularly)\b", re.I), "frequency"),
    # "how much a lab depends on sponsorship" asks to what degree, not for an amount ("how much money", "how much did it cost").
    (re.compile(r"\bhow\s+(?:many|much(?!\s+(?:(?:do|does|did|can|could|should|will|would)\s+)?(?:a|an|the|it|they|this|that|these|those|we|you|our|their|its|his|her|people|partners|staff)\s+(?:[\w'-]+\s+){0,3}?(?:depends?|relies?|rely|matters?|helps?|changes?|changed|affects?|affected|influences?|shapes?|shaped|varies|vary|differs?|counts?|cares?|trusts?)\b)|long|often|large|big)\b|\bwhat\s+(?:percentage|proportion|share|number|amount)\b", re.I), "number"),
    (re.compile(r"^\s*where\b|\b(?:which|what)\s+(?:country|countries|city|cities|region|regions|place|places|areas?)\b", re.I), "place"),
    (re.compile(r"\b(?:which|what)\s+(?:journal|book|publisher|report|paper|article)\b", re.I), "source"),
]
_START = re.compile(r"\bwhere\s+(?:do|should|can)\s+(?:i|we)\s+(?:start|begin)\b", re.I)
""""Where do I start with evaluating our programme?", "Where do I begin with a mental model?": first steps, not a place."""
_PROCEDURE = [
    re.compile(r"(?:^|[.,;:-]\s*|\s)how\s+(?:do|can|should|could|would|might|must)\s+(?:i|we|you|one|a|an|the|my|our|staff|managers?|teams?|partners?|partnerships?|councils?|key workers?|programmes?)\b", re.I),
    re.compile(r"^\s*how\s+to\b|\bhow\s+(?:do|can|should)\s+\w+(?:\s+\w+)?\s+(?:go\s+about|start|set\s+up|run|get|make|build|plan|prepare|organise|organize|involve|pay|recruit|measure|evaluate|sustain|engage|manage|deal)\b", re.I),
    re.compile(r"\b(?:steps?|stages?|plan|process|procedure|checklist|guide|instructions|approach)\s+(?:for|to|of|in)\b", re.I),
    re.compile(rf"\b{_COUNT}[- ]?(?:step|stage|point|part)\b", re.I),
    re.compile(r"\bwhat\s+(?:should|do|must|can)\s+(?:i|we|you)\s+(?:do|include|put|agree|cover|consider|check|think about)\b", re.I),
    re.compile(r"^\s*(?:what\s+are\s+the\s+)?(?:steps|stages)\b|\bwhat\s+steps\b", re.I),
    re.compile(r"\bwhat\s+(?:should|must)\s+(?:go\s+in(?:to)?|be\s+in(?:cluded)?|(?:i|we)\s+include)\b|\bwhat\s+goes\s+in(?:to)?\b", re.I),
    re.compile(r"\bwhat\s+(?:can|could|should|must)\s+(?:\w+\s+){1,3}?do\s+(?:to|about|when|if|so)\b", re.I),
    re.compile(r"^\s*how\s+(?:should|can|could|might|must|would)\b", re.I),
    re.compile(r"\bwhat\s+(?:should|must)\s+(?:\w+[- ]){1,7}?(?:explain|say|tell|ask|check|cover|include|involve|contain|entail|consist\s+of|look\s+like|know|record|bring|prepare|agree|avoid|look\s+for|do|spell\s+out|set\s+out|specify)\b", re.I),
    # "What does a sensible testing process look like?": the steps of one
    re.compile(r"\bwhat\s+(?:does|do|would|should|might)\s+(?:a|an|the|our|my|your)\s+(?:[\w-]+\s+){0,4}(?:process|procedure|plan|approach|session|workshop|meeting|agreement|policy|protocol)\s+look\s+like\b", re.I),
    re.compile(r"\b(?:give|show|tell)\s+me\s+(?:(?:a|an|the)\s+)?(?:\w+[- ])?(?:plan|steps|checklist|guide|process)\b", re.I),
    # "My team wants to try a test-and-learn cycle. What's involved?", "What does setting up a board involve?"
    re.compile(r"\bwhat(?:'s|’s|\s+is|\s+would\s+be|\s+will\s+be)\s+involved\b|\bwhat\s+(?:does|do|would|will)\s+(?:it|that|this|[\w-]+(?:\s+[\w-]+){0,4})\s+(?:involve|entail)\b", re.I),
    # "What's the best way to get employers involved?", "Any tips for running a first meeting?",
    # "What do I need to do to set up data sharing?", "Where do I start with evaluating our programme?"
    re.compile(r"\b(?:best|right|easiest|quickest|simplest)\s+way\s+(?:to|of)\b|\b(?:tips|advice|pointers)\s+(?:for|on|about)\b", re.I),
    re.compile(r"\bwhat\s+(?:do|does|would|will)\s+(?:i|we|you|\w+)\s+(?:need|have)\s+to\s+do\b", re.I),
    _START,
    # "Walk me through setting up data sharing.", "What do I need to prepare beforehand?", "What practical
    # things can we do so ...?", "What is a good format for running ...?", "How does a project team come up with ...?"
    re.compile(r"\b(?:walk|talk|take)\s+(?:me|us)\s+through\b|\b(?:show|tell)\s+(?:me|us)\s+how\b|\bexplain\s+how\s+to\b", re.I),
    re.compile(r"\bwhat\s+(?:do|does|would|will)\s+(?:i|we|you)\s+(?:need|have)\s+to\s+(?:cover|prepare|have\s+in\s+place|put\s+in\s+place|arrange|organi[sz]e|set\s+up|bring|think\s+about|consider|check|agree|plan|get\s+right|sort\s+out|have\s+(?:agreed|sorted|ready))\b", re.I),
    re.compile(r"\bwhat\s+(?:\w+\s+){0,3}?(?:things|steps|actions)\s+(?:can|could|should|must)\s+(?:i|we|you)\s+(?:do|take)\b", re.I),
    # "What does the ICO expect us to do to share that data properly?": what to do, as a regulator or funder sees it.
    re.compile(r"\bwhat\s+(?:does|do|would|will|might)\s+(?:the\s+|our\s+|a\s+)?[\w-]+(?:\s+[\w-]+)?\s+(?:expect|want|need|require)\s+(?:us|me|you|them|partners)\s+to\s+do\b", re.I),
    # "What fairer terms should I be pushing for?": what to ask of the other side, which the steps for working fairly say.
    re.compile(r"\bwhat\s+(?:[\w-]+\s+){0,3}?(?:should|could|can|must)\s+(?:i|we)\s+(?:be\s+)?(?:push|press|ask|argu|negotiat|lobby|hold\s+out)\w*\s+for\b", re.I),
    # "What should I look at before I convene the board?", "What should we stop doing?", "What should our partnership be doing so ...?",
    # "What can we learn from MindLab to help it last?", "... What's the process?"
    re.compile(r"(?:^|[.?!,;:]\s+|\s[-–]\s+)what\s+(?:should|must)\s+(?:i|we|our\s+[\w-]+)\s+(?:actually\s+|really\s+|be\s+)?\w+", re.I),
    # "Beyond just putting data online, what could we offer them?", "What concrete arrangements should the paper propose?",
    # "On the evening itself, what should the organisers be doing?": what to offer, propose or do.
    re.compile(r"(?:^|[.?!,;:]\s+|\s[-–]\s+)what\s+(?:[\w-]+\s+){0,3}?(?:should|could|can|must)\s+(?:i|we|you|(?:our|the)\s+[\w-]+(?:\s+[\w-]+)?)\s+(?:actually\s+|really\s+|be\s+(?:trying\s+to\s+)?)?(?:offer|propose|provide|build|recommend|suggest|doing)\b", re.I),
    # Keyword queries: "running a design studio with stakeholders - steps?", "watching people do their job for user research,
    # how?", "... - what are the steps?", "lean coffee meeting how does it work", "setting up referrals between partner orgs"
    re.compile(r"(?:[-–,:]\s*|\s)(?:steps|how)\s*\?*\s*$|\bwhat\s+are\s+the\s+(?:steps|stages)\b|\bhow\s+does\s+(?:it|this|that)\s+work\b|^\s*(?:setting|getting|putting|joining)\s+up\b", re.I),
    # "client has asked for everything we hold on them - what now"
    re.compile(r"\bwhat\s+(?:now|next)\s*\??\s*$|\bwhat\s+(?:do|should)\s+(?:i|we)\s+do\s+(?:now|next)\b", re.I),
    re.compile(r"\bwhat\s+(?:can|could|should)\s+(?:i|we)\s+learn\s+from\b|\bwhat(?:'s|’s|\s+is)\s+the\s+process\s*\?", re.I),
    re.compile(r"\b(?:good|effective|practical)\s+(?:way|format|structure|approach|method)\s+(?:to|of|for)\b", re.I),
    re.compile(r"\bhow\s+(?:does|do)\s+(?:a|an|the|our|your)\s+(?:[\w-]+\s+){1,2}?(?:come\s+up\s+with|go\s+about|put\s+together|set\s+up|create|develop|design|organi[sz]e|prepare|choose|decide)\b", re.I),
    re.compile(r"^\s*what\s+to\s+(?:include|cover|put|say|write|agree|bring|prepare)\b", re.I),  # "What to include in a referral?"
    # "what happens on the day of a co-design workshop", "kj method for agreeing priorities in a big group"
    re.compile(r"\bwhat\s+happens\s+(?:on|during|at|in)\s+(?:the\s+)?(?:day|session|workshop|meeting|event)\b|^[\w\s'-]{2,40}?\b(?:method|technique|exercise|tool)\s+for\s+\w+ing\b", re.I),
    # "What needs to be sorted before the day, and what should happen afterwards?": what to get done, and when.
    re.compile(r"\bwhat\s+(?:needs|has)\s+to\s+(?:be\s+(?:done|sorted|arranged|prepared|organi[sz]ed|agreed|set\s+up|put\s+in\s+place|checked|decided)|happen)\b"
               r"|\bwhat\s+(?:should|must)\s+happen\s+(?:before|after|afterwards|next|first|at|on|during|once)\b", re.I),
    # "What governance basics should we get sorted in the first few months?", "What should the two of us agree to make
    # co-leading work?": what to get settled.
    re.compile(r"\bwhat\s+(?:[\w-]+\s+){0,3}?(?:should|must|do)\s+(?:i|we|you|(?:the\s+)?(?:two|three|both|all)\s+of\s+us)\s+(?:need\s+to\s+)?"
               r"(?:get\s+(?:sorted|right|agreed|in\s+place|ready|settled)|sort\s+out|settle|put\s+in\s+place|set\s+up|have\s+(?:in\s+place|sorted|agreed|ready)|agree(?:\s+on)?|arrange)\b", re.I),
    # "What process could we follow, step by step?"
    re.compile(r"\bstep[- ]by[- ]step\b|\bwhat\s+(?:\w+\s+){0,2}?(?:process|procedure|steps|approach|method)\s+(?:could|should|can|might|would|do|must)\s+(?:i|we|you)\s+(?:follow|use|take)\b", re.I),
]
_FINDINGS = re.compile(
    r"\bwhat\s+(?:did|does|do|have)\s+.+?\b(?:find|found|show|shown|conclude|concluded|report|reported|learn|learned|learnt|reveal|suggest|achieve|achieved|argue|argued|claim|claimed|propose|proposed)\b"
    r"|\b(?:findings?|(?<!by )(?<!by-)results?|(?<!learning )outcomes?|evidence|impact|effects?|lessons?)\b.*\b(?:of|from|for|on|about)\b|\bevidence\s+that\b"
    r"|\bwhat\s+(?:were|are)\s+the\s+(?:findings|results|outcomes|lessons|effects|impacts)\b"
    # "What figures have been published on what the Plymouth alliance achieved?"
    r"|\bwhat\s+(?:figures|numbers|statistics|results|outcomes)\s+(?:have\s+been|has\s+been|were|are)\s+(?:published|reported|released|given)\b"
    r"|\bwhat\s+(?:does|do)\s+(?:the\s+)?(?:research|evidence|evaluation|literature|study|studies)\s+(?:say|show)\b",
    re.I,
)
_REASON = re.compile(
    r"^\s*(?:why|for\s+what\s+reason|what\s+(?:is|are)\s+the\s+reasons?)\b|\bwhy\s+(?:do|does|did|is|are|should|would)\b"
    # What a method is for, and when to use it, are read where a guide says why: "What is the point of personas?",
    # "What is a journey map for?", "When should we use a card sort?" (a card's "Why", a toolkit's "When?").
    r"|\bwhat(?:'s|\s+is|\s+are)\s+the\s+(?:point|purpose)\s+of\b|^\s*what(?:'s|\s+is|\s+are)\s+(?:an?\s+|the\s+)?[\w\s'-]{2,40}?\s+(?:used\s+)?for\s*\?\s*$"
    r"|^\s*when\s+(?:(?:should|would|do|does|might|can|could)\s+(?:i|we|you|one|a\s+team|teams|it)|is\s+it\s+(?:worth|best|right|useful))\b"
    # "Our board has asked why key workers need capped caseloads. What's the argument?", "what's the case for ...?"
    r"|\bwhat(?:['’]s|\s+is|\s+are)\s+(?:the|our)\s+(?:core\s+|main\s+|key\s+|strongest\s+|best\s+)?(?:argument|case|rationale|justification)s?(?=\s+for\b|\s*\?)",
    re.I,
)
"""A question asking why: the reasons for something, what a method is for, or when to use it."""
WHEN_WANTED = re.compile(r"^\s*when\b", re.I)
"""A reason question asking when ("When should we use personas?"): a section headed "When?" answers it as well as "Why"."""
# The things a list question asks for ("what roles ...", "the three functions of ...").
LIST_NOUNS = r"(?:staff|levels|tiers|categories|examples?|types?|kinds?|forms?|ways|benefits|risks|barriers|challenges|principles|characteristics|features|elements|components|pitfalls|mistakes|criticisms|roles|skills|competencies|factors|conditions|drivers|tensions|lessons|methods|tools|rungs|phases|stages|steps|parts|dimensions|measures|indicators|functions|purposes|aims|goals|values|questions|areas|responsibilities|tasks|duties|criteria|requirements|strategies|options|models|approaches|mechanisms|obstacles|strengths|weaknesses|limitations|problems|issues|ingredients|pressures|gaps|activities|limits|drawbacks|downsides|disadvantages|advantages|weaknesses|pros|cons|lessons|learning outcomes|objectives|signs|warning signs|symptoms|rules|checks|things|qualities|safeguards|actions|documents|routes|traps|use\s+cases|recommendations|tactics)"
_QUALITIES = re.compile(r"^\s*what\s+makes\s+(?:a|an|the|for\s+a)?\s*(?:good|great|effective|successful|strong|skilled)\b", re.I)
_LIST = re.compile(
    r"\b(?:(?:what|which)\s+(?:are\s+)?(?:some|the|a\s+few)?\s*(?:(?!(?:were|was|is|did|does|do)\b)\w+\s+){0,2}(?:main\s+|key\s+|common\s+)?" + LIST_NOUNS + r"\b"
    r"|\bwhat\s+(?:tends?\s+to\s+|can\s+|might\s+|does\s+)?(?:gets?|stands?|goes?|got)\s+in\s+the\s+way\b|\bwhat\s+(?:needs?|has|have)\s+to\s+be\s+in\s+place\b|\bwhat\s+(?:holds?|held)\s+\w+(?:\s+\w+)?\s+back\b"
    r"|^\s*what\s+(?:does|do|should)\s+(?:a|an|the)\s+[\w' -]{3,40}?\s+(?:actually\s+|really\s+)?do\b(?!\s+(?:to|about|when|if)\b)"
    r"|\b(?:list|name|give)\s+(?:me\s+)?(?:some|the|a\s+few)?\s*(?:examples?|types?|kinds?|ways)"
    r"|\bexamples?\s+of\b)",
    re.I,
)
_DEFINITION = [
    re.compile(r"^\s*(?:what|who)\s+(?:is|are)\s+(?:meant\s+by\s+)?(?:(?:a|an|the)\s+)?(?P<x>[^?,]+?)\s*\??$", re.I),
    # "What does design thinking mean when public bodies use it?", "... mean in practice?": the term, not the setting.
    re.compile(r"^\s*what\s+(?:does|do)\s+(?:the\s+term\s+|the\s+word\s+)?[\"'‘“]?(?P<x>[^?\"'’”]+?)[\"'’”]?\s+(?:actually\s+|really\s+|exactly\s+)?mean(?:\s+(?:when|in|for|to|here|within|across)\b[^?]*)?\s*\??$", re.I),
    re.compile(r"^\s*(?:define|definition\s+of|meaning\s+of|explain(?:\s+the\s+(?:term|concept|idea)(?:\s+of)?)?|describe)\s+(?:(?:a|an|the)\s+)?(?P<x>[^?]+?)\s*[.?]?$", re.I),
    re.compile(r"^\s*what\s+do\s+(?:we|you|people|researchers)\s+mean\s+by\s+(?:(?:a|an|the)\s+)?(?P<x>[^?]+?)\s*\??$", re.I),
    re.compile(r"^\s*what\s+is\s+the\s+(?:definition|meaning)\s+of\s+(?:(?:a|an|the)\s+)?(?P<x>[^?]+?)\s*\??$", re.I),
    # "... and what 'fidelity' means?" (the second part of a question): a quoted term and what it means.
    re.compile(r"^\s*what\s+[\"'‘“](?P<x>[^?\"'’”]+?)[\"'’”]\s+(?:actually\s+|really\s+)?means\s*\??$", re.I),
    # "What counts as a trust breach between partner organisations?": what the term covers.
    re.compile(r"^\s*what\s+(?:counts|qualifies)\s+as\s+(?:(?:a|an|the)\s+)?(?P<x>[^?,]+?)\s*\??$", re.I),
    # "How is employability usually defined?"
    re.compile(r"^\s*how\s+(?:is|are)\s+(?:(?:a|an|the)\s+)?(?P<x>[^?]+?)\s+(?:usually\s+|generally\s+|normally\s+|commonly\s+|best\s+)?defined\s*\??$", re.I),
]
_POINTER_TERMS = frozenset({"term", "concept", "word", "phrase", "idea", "notion"})
"""What a question calls a term named before it ("... whether employability just means job-search skills. How is the term defined?")."""
_MEANS_BEFORE = re.compile(r"\b(?:whether|that|if)\s+(?P<x>[A-Za-z][\w-]*(?:\s+(?!(?:just|only|really|simply)\b)[A-Za-z][\w-]*)?)\s+(?:just\s+|only\s+|really\s+|simply\s+)?(?:means|is\s+about)\b", re.I)
"""A term a statement says people read one way ("disagree about whether employability just means job-search skills")."""
_EXPLAIN_WHAT = re.compile(
    r"\b(?:explain|describe|define|get\s+across|put\s+across|tell)\s+(?:(?:to\s+)?(?:them|people|participants|staff|the\s+group|my\s+\w+|our\s+\w+|new\s+\w+)\s+)?what\s+(?:(?:a|an|the)\s+)?[\"'‘“]?(?P<x>[^?\"'’”,]+?)[\"'’”]?\s+(?:is|are|means?|involves?)(?:\s+(?:to|for|in|with)\s+[^?]*)?\s*(?:[?.]|$)",
    re.I,
)
"""A trainer asking how to explain what something is ("How can I explain what a warm handover is?"): a definition is wanted."""
_EXPLAIN_QUOTED = re.compile(
    r"\b(?:explain|describe|define|get\s+across|put\s+across)\s+(?:(?:to\s+)?(?:them|people|participants|staff|the\s+group|my\s+\w+|our\s+\w+|new\s+\w+)\s+)?"
    r"(?:the\s+(?:term|phrase|idea|principle|concept)\s+)?[\"'‘“](?P<x>[^?\"'’”]{2,60}?)[\"'’”]",
    re.I,
)
"""A term quoted after "explain" ("How would you explain 'place then train'?"): its definition is wanted."""
_DEFINE_HOW = re.compile(
    r"\bhow\s+(?:should|would|could|can|do|might|shall)\s+(?:i|we|you|one)\s+define\s+(?:(?:a|an|the)\s+)?[\"'‘“]?(?P<x>[^?\"'’”,]+?)[\"'’”]?\s*(?:[?.,]|$)",
    re.I,
)
""""How should I define psychological safety?", "I'm introducing psychological safety. How should I define it, ...?": its definition."""
_POINTING_OF = re.compile(r"^(?:the\s+)?(?:idea|concept|notion|term|principle)\s+of\s+", re.I)
""""the idea of psychological safety" names psychological safety."""
_PARTS_OF = re.compile(r"^\s*what\s+are\s+the\s+(?:main\s+|key\s+|five\s+|four\s+|three\s+)?(?:elements|components|dimensions|features|characteristics|principles|ingredients)\s+of\b", re.I)
"""What a model or idea is made of ("What are the elements of the collaborative process in Ansell and Gash's model?"): a list, not steps to take."""
_NAMED_BEFORE = re.compile(
    r"\b(?:on|about|introducing|explaining|teaching|covering)\s+(?:(?:the|a|an)\s+)?(?P<x>[A-Za-z][\w'-]*(?:\s+[\w'-]+){0,3}?)(?=\s+(?:tomorrow|today|tonight|next|this|on|to|for|with|at|in)\b|\s*[.,;!?])",
    re.I,
)
"""What a statement before the question is about ("I'm teaching a session on collaborative governance tomorrow.")."""
_QUOTED = re.compile(r"(?:^|(?<=\s))[\"'‘“](?P<x>[A-Za-z][\w -]{1,40}?)[\"'’”](?=[\s.,;:!?]|$)")
"""A term put in quotation marks in a statement before the question ("should be 'co-designed'")."""
_NOT_A_TERM = PRONOUNS | {"i", "we", "you", "me", "us", "our", "my", "your", "going", "happening", "wrong", "next", "needed", "required", "involved", "expected"}
_FRAME = re.compile(r"^\s*(?:in|within|according\s+to|for|from|across|when|if|once)\s+[^,?]{3,120},\s*(?=(?:what|who)\b)", re.I)
"""A frame the question opens with before asking ("In the literature on boundary spanners, what is a reticulist?",
"When funders ask whether we will be 'sustainable', what does that mean?")."""
_YES_NO = re.compile(r"^\s*(?:is|are|was|were|does|do|did|can|could|should|would|will|has|have|had|must)\b", re.I)
_KEYWORD_OPENING = re.compile(
    r"^\s*(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|does|do|did|can|could|should|would|will|has|have|had|may|might|must"
    r"|i|we|my|our|you|your|please|tell|give|list|name|show|explain|describe|define|compare|any|help)\b",
    re.I,
)
"""How a sentence or a question opens; a query opening otherwise is typed as keywords ("card sorting how to", "wicked problems")."""
_KEYWORD_COMPARISON = [
    re.compile(r"^\s*(?P<a>[^?]+?)\s+(?:and|or|vs\.?|versus)\s+(?P<b>[^?]+?)\s+(?:differences?|difference\s+between\s+them|compared|comparison|contrast(?:ed)?)\s*[?.]?\s*$", re.I),
    re.compile(r"^\s*(?:the\s+)?(?:differences?|comparison|contrast)\s+(?:between\s+|of\s+)?(?P<a>[^?]+?)\s+(?:and|or|vs\.?|versus|with)\s+(?P<b>[^?]+?)\s*[?.]?\s*$", re.I),
    re.compile(r"^\s*(?P<a>[\w'-]+(?:\s+[\w'-]+)?)\s+or\s+(?P<b>[\w'-]+(?:\s+[\w'-]+)?)\s*[?.]?\s*$", re.I),
]
""""co-production and co-design difference", "difference between grants and PbR", "signposting or warm handover": a comparison, typed as keywords."""
_KEYWORD_HOW = re.compile(
    r"\bhow[- ]to\b|\bwhat\s+to\s+(?:cover|include|put\s+in|say|write|agree)\b"
    r"|\b(?:steps|step[- ]by[- ]step|process|procedure|guide|guidance|checklist|tips|instructions)\s*[?.]?\s*$",
    re.I,
)
""""card sorting how to", "job shadowing how to set up", "warm handover steps", "joint lead written agreement, what to
cover": the steps of something, or what a document should hold, typed as keywords."""
_KEYWORD_DOING = re.compile(
    r"^\s*(?:[a-z]+ing|set|run|write|plan|build|start|create|design|recruit|pay|measure|evaluate|choose|make|organi[sz]e|prepare|get|involve|engage|support|sustain|end|close)"
    r"(?:\s+(?:up|out|on|in|off|through|back|together))?\s+(?:a|an|the|our|my|your|their|new|first|good|better)\b",
    re.I,
)
""""running a co-design workshop", "setting up a partnership board", "write a referral form": doing something, typed as keywords."""
_KEYWORD_DEFINITION = re.compile(r"^\s*(?P<x>[^?]+?)\s+(?:definition|defined|meaning|explained|means)\s*[?.]?\s*$", re.I)
""""distributed leadership definition", "co-production meaning": a definition, typed as keywords."""
_KEYWORD_LIST = re.compile(
    r"^\s*(?:the\s+)?(?:main\s+|key\s+|common\s+|typical\s+)?(?P<a>" + LIST_NOUNS + r"|resources|inputs|ingredients)\s+(?:(?:needed|required)\s+)?(?:of|to|for|in|with|when|from)\b"
    r"|\b(?P<b>benefits|advantages|disadvantages|drawbacks|downsides|pros\s+and\s+cons|risks|barriers|obstacles|challenges|pitfalls|mistakes|limitations|limits|criticisms"
    r"|principles|examples|lessons|skills|qualities|competencies|roles|responsibilities|types|kinds|strengths|weaknesses|success\s+factors)\s*[?.]?\s*$",
    re.I,
)
""""benefits of co-location", "barriers to collaboration", "payment by results pros and cons": a list, typed as keywords."""
_KEYWORD_FINDINGS = re.compile(r"\b(?:findings|results|outcomes|evidence|impact|evaluation|what\s+(?:it|they)\s+found)\s*[?.]?\s*$", re.I)
""""lone parents making it work results", "IPS evidence": what was found, typed as keywords."""
DEFINING_WORDS = frozenset({"definition", "definitions", "define", "defined", "meaning", "means", "explained"})
"""Words asking for a definition ("distributed leadership definition"): in a definition question they name its form, not its topic."""
FINDINGS_WORDS = frozenset({"findings", "finding", "results", "outcomes", "evidence", "impact", "evaluation"})
"""Words asking for what was found ("Buurtzorg outcomes"): in a findings question they name its form, not its topic."""
TAKING_PART_WORDS = frozenset({"participant", "participants", "attendees", "individuals", "persons", "folks"})
"""Words for whoever takes part ("how to pay lived experience participants"): guidance says "people" or "anyone"; they name no topic."""
KEYWORD_TERM_WORDS = 4
"""A keyword query of at most this many words and no other cue names a term to define ("boundary spanner", "IPS")."""
_TRAILING = re.compile(r"\s+(?:in\s+(?:the\s+)?(?:public\s+sector|practice|public\s+services|a\s+partnership)|exactly|really|then|now|here|actually|(?:used\s+|good\s+|useful\s+)?for)$", re.I)


def analyse_question(question: str) -> QuestionAnalysis:
    """Classify a question and pull out its topic, subjects and requested count.

    Examples:
        >>> analyse_question("What is the difference between co-production and co-design?").subjects
        ('co-production', 'co-design')
        >>> analyse_question("Can you give me a 3-step plan for starting a lab?").count
        3
        >>> analyse_question("Who coined the term wicked problems?").answer_type
        'person'
    """
    q = " ".join(question.strip().split())
    topic = tuple(content_words(q))
    count = _count(q)
    types = tuple(dict.fromkeys(t for pattern, t in _FACTOID for part in _parts(q) if pattern.search(part)))
    if (m := _COMPARE_NAMED_BEFORE.search(q)) and _COMPARE_THOSE.search(q[m.end():]):
        # "Our commissioner is deciding between a grant and a payment-by-results contract ... How do the two options compare?"
        return QuestionAnalysis(question, "comparison", topic, _pair(m["a"], m["b"]), count)
    for pattern in _COMPARISON:
        m = pattern.search(q)
        if m:
            subjects = _pair(m["a"], m["b"]) + ((_subject(m["c"]),) if "c" in m.groupdict() and m["c"] else ())
            analysis = QuestionAnalysis(question, "comparison", topic, subjects, count)
            if any(s.lower() in PRONOUNS for s in subjects) and len(parts := split_question(q)) == 2:
                # "What is distributed leadership, and how does it differ from shared leadership?": "it" is the term the first part asks about
                named = analyse_question(parts[0]).subjects
                analysis = with_topic_for_pronouns(analysis, named[0], terms_only=True) if named else analysis
            return analysis
    for pattern, answer_type in _FACTOID:
        if pattern.search(q) and not _PROCEDURE[0].search(q) and not _START.search(q):
            return QuestionAnalysis(question, "factoid", topic, count=count, answer_type=answer_type, answer_types=types)  # type: ignore[arg-type]
    m = _EXPLAIN_WHAT.search(q) or _EXPLAIN_QUOTED.search(q) or _DEFINE_HOW.search(q)
    if m and len(m["x"].split()) <= 6:  # "How can I explain what a warm handover is?" wants the definition to give
        subject = _subject(m["x"])
        if subject.lower() in PRONOUNS:  # "I'm teaching a session on collaborative governance. How can I explain what it is?"
            named = list(_NAMED_BEFORE.finditer(q[: m.start()]))  # the last: "teaching a session on collaborative governance"
            subject = _subject(_POINTING_OF.sub("", named[-1]["x"])) if named else subject
        return QuestionAnalysis(question, "definition", topic, (subject,), count)
    keywords = not q.endswith("?") and not _KEYWORD_OPENING.search(q) and not re.search(r"[.!;]\s", q)
    for pattern in _KEYWORD_COMPARISON if keywords else ():
        if m := pattern.search(q):
            return QuestionAnalysis(question, "comparison", topic, _pair(m["a"], m["b"]), count)
    if keywords and (m := _KEYWORD_DEFINITION.search(q)) and len(m["x"].split()) <= 6:
        return QuestionAnalysis(question, "definition", topic, (_subject(m["x"]),), count)
    if (any(p.search(q) for p in _PROCEDURE) or keywords and (_KEYWORD_HOW.search(q) or _KEYWORD_DOING.match(q) or _doing(q))) and not _PARTS_OF.search(q):
        return QuestionAnalysis(question, "procedure", topic, count=count, listed=_listed(q))
    if keywords and _KEYWORD_FINDINGS.search(q):
        return QuestionAnalysis(question, "findings", topic, count=count)
    if keywords and (m := _KEYWORD_LIST.search(q)):
        noun = (m["a"] or m["b"]).lower().split()[-1]
        return QuestionAnalysis(question, "list", topic, count=count, listed=None if noun in ("pros", "cons", "factors") else noun)
    # The question sentence after any statements ("People keep saying our pilot needs to 'diffuse'. What is
    # diffusion of innovation?").
    sentence = _asked(q)
    if re.match(r"\s*why\b", sentence, re.I):  # "why is it hard to measure the impact of ...": the reasons, not the impact
        return QuestionAnalysis(question, "reason", topic, count=count)
    if _FINDINGS.search(sentence):  # not "... nothing changes as a result. What mistakes should we look out for?"
        return QuestionAnalysis(question, "findings", topic, count=count)
    if _REASON.search(q):
        return QuestionAnalysis(question, "reason", topic, count=count)
    if _LIST.search(q):
        return QuestionAnalysis(question, "list", topic, count=count, listed=_listed(q))
    if _QUALITIES.search(q):  # "What makes a good key worker?": the qualities the role needs, not what one is
        return QuestionAnalysis(question, "list", topic, count=count, listed="qualities")
    # The question sentence without any frame ("In the literature on boundary spanners, what is a reticulist?");
    # a subject opening with a person or pronoun is no term ("What are we probably doing wrong?").
    asked = _FRAME.sub("", sentence, count=1)
    for pattern in _DEFINITION:
        m = pattern.search(asked)
        pointer = bool(m) and (m["x"].lower() in PRONOUNS or _subject(m["x"]).lower().rsplit(" ", 1)[-1] in _POINTER_TERMS)
        if m and not pointer and len(m["x"].split()) <= 6 and m["x"].split()[0].lower() not in _NOT_A_TERM:
            return QuestionAnalysis(question, "definition", topic, (_subject(m["x"]),), count)
        if pointer and (quoted := list(_QUOTED.finditer(q[: len(q) - len(asked)]))):
            # "People keep saying our work should be 'co-designed'. What does that actually mean?": the term they quoted.
            return QuestionAnalysis(question, "definition", topic, (_base_form(_subject(quoted[-1]["x"])),), count)
        if pointer and (named := list(_MEANS_BEFORE.finditer(q[: len(q) - len(asked)]))):
            # "Our partners disagree about whether employability just means job-search skills. How is the term usually defined?"
            return QuestionAnalysis(question, "definition", topic, (_subject(named[-1]["x"]),), count)
    if _YES_NO.search(q) or _YES_NO.search(sentence):  # "We're a federal team planning an expert review. Do we need PRA clearance?"
        return QuestionAnalysis(question, "yes-no", topic, count=count)
    if keywords and len(q.split()) <= KEYWORD_TERM_WORDS and topic:
        # A term typed on its own ("wicked problems", "creaming and parking") asks what it is.
        return QuestionAnalysis(question, "definition", topic, (_subject(q),), count)
    return QuestionAnalysis(question, "other", topic, count=count)


SOURCES_WANTED = re.compile(
    r"^\s*(?:which|what)\s+(?:papers|documents|articles|sources|studies|readings|guides|texts|publications|works|reports)\b[^?]*?"
    r"\b(?:discuss\w*|cover\w*|mention\w*|look\w*\s+at|deal\w*\s+with|address\w*|about|on|examin\w*|talk\w*\s+about|writ\w*\s+about)\b"
    r"|\b(?:where|what)\s+(?:can|could|should)\s+(?:i|we)\s+read\b|\breading\s+list\b",
    re.I,
)
"""A question asking which documents treat a topic ("Which papers in the library discuss boundary spanners?"), not what they say."""


SOURCE_WORDS = frozenset(
    "papers paper documents document articles article sources source studies study readings reading guides guide texts "
    "publications works reports library discuss discusses cover covers mention mentions look deal address examine talk write about read".split()
)
"""Words a question uses to ask for documents ("Which papers in the library discuss ...?"), not for their topic."""


def sources_wanted(question: str) -> bool:
    """Whether ``question`` asks which documents treat its topic (:data:`SOURCES_WANTED`)."""
    return bool(SOURCES_WANTED.search(question))


_QUESTION_OPENING = re.compile(
    r"\s*(?:(?:and|so|but|then|also|please)\s+)?(?:what|which|who|whom|whose|where|when|how|why|is|are|was|were|do|does|did|can|could|should|would|will|has|have|had|may|might|must|tell|give|list|name|describe|explain|compare|according|(?:in|from|at|to|for|by|on|with)\s+(?:what|which|whom|whose))\b",
    re.I,
)
_SECOND_PART = re.compile(
    r"[,;]?\s+and\s+(?=(?:in\s+|from\s+|at\s+)?(?:what|which|who|whom|where|when|how|why)\b)"
    # "How should we run that review, and does it need Paperwork Reduction Act clearance?": a yes-no question after a comma
    r"|[,;]\s+and\s+(?=(?:does|do|did|is|are|will|would|can|could|should|must|has|have)\s+(?:it|they|this|that|these|those|there|we|i|you|[\w-]+ing)\b)",
    re.I,
)


_CONDITION = re.compile(r"^(?:if|once|before|after|while)\b[^,?]*,\s*", re.I)
"""A condition a question opens with ("If I audit them around one question, what should I record ...?"): the question follows it."""


_NAME_RUN = re.compile(r"(?<![.?!:]\s)(?<!^)\b[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|of|and|the|for|to|in|&))*\s+[A-Z][\w'’-]*")


def weak_names(question: str) -> list[str]:
    """Names of several capitalised words, one of them a capitalised stop word ("Making It Work"), inside ``question``.

    Their words say little to either search (BM25 drops "it", and "making ... work" means work
    in general), so the passages of the documents whose titles hold the name lead
    (:meth:`assistant.pipeline.Pipeline._with_names`).
    A name opening the question, or one without a stop word ("Plymouth Alliance"), is left alone.
    """
    names = []
    question = " ".join(question.split())
    for m in _NAME_RUN.finditer(question):
        words = m.group().split()
        example = re.search(r"\b(?:such\s+as|like|e\.g\.|including|for\s+example)\s*$", question[: m.start()], re.I)
        if example:
            continue  # "... partnerships such as Making It Work?" asks about partnerships, the name is an instance
        if len(words) >= 2 and words[0].lower() not in QUESTION_STOPWORDS and any(w[0].isupper() and w.lower() in QUESTION_STOPWORDS for w in words[1:]):
            names.append(m.group())
    return names


_TITLE_RUN = re.compile(r"\b[A-Z][a-z'’-]+(?:\s+(?:(?:of|and|for|the|on|in|&)\s+)?[A-Z][a-z'’-]+)+\b")


def initialisms(text: str) -> dict[str, tuple[str, ...]]:
    """The initials of each name of three or more capitalised words in ``text``, with the name's words.

    "How do we keep it clear of Paperwork Reduction Act clearance?" -> ``{"pra": ("Paperwork", "Reduction", "Act")}``;
    "Individual Placement and Support" -> "ips" (small joining words have no letter). Documents often use
    only the short form ("No PRA implications"), so a search for the long one adds the short one when the
    index knows it (:meth:`assistant.index.lexical.LexicalIndex.search`). A name opening a sentence is taken
    from its second word on only when its first is a question word ("How", "What").
    """
    found: dict[str, tuple[str, ...]] = {}
    for m in _TITLE_RUN.finditer(text):
        words = tuple(w for w in m.group().split() if w[0].isupper())
        if words and words[0].lower() in QUESTION_STOPWORDS:
            words = words[1:]
        if len(words) >= 3:
            found["".join(w[0] for w in words).lower()] = words
    return found


def with_topic_for_pronouns(analysis: QuestionAnalysis, topic: str, terms_only: bool = False) -> QuestionAnalysis:
    """``analysis`` with a pronoun subject ("How is it different from co-design?") replaced by the topic a follow-up borrowed ("co-production").

    ``terms_only``: only when the other subjects are terms of three words or fewer ("shared leadership"), not
    descriptions ("someone simply using our service or filling in a survey"), which no definition answers.
    """
    if not analysis.subjects or not any(s.lower() in PRONOUNS for s in analysis.subjects):
        return analysis
    if terms_only and any(len(s.split()) > 3 for s in analysis.subjects):
        return analysis
    return replace(analysis, subjects=tuple(topic if s.lower() in PRONOUNS else s for s in analysis.subjects))


def split_question(question: str) -> list[str]:
    """A two-part question as its two questions ("What is SROI and what are its limits?" -> "What is SROI?", "What are its limits?").

    Only a clause opening with a question word after "and" starts a second part, inside a sentence
    that is itself a question ("I'm revising the sign-up form and what key workers are told about
    confidentiality. What are the common mistakes?" is one question), and each part must keep three
    words; anything else is one question.
    """
    q = " ".join(question.strip().split())
    m = _SECOND_PART.search(q)
    if not m:
        return [q]
    opening = _CONDITION.sub("", re.split(r"(?<=[.?!])\s+", q[: m.start()])[-1])
    if not _QUESTION_OPENING.match(opening):
        return [q]
    first, second = q[: m.start()].strip(" ,;"), q[m.end() :].strip()
    if len(first.split()) < 3 or len(second.split()) < 3:
        return [q]
    first = first if first.endswith("?") else first + "?"
    return [first, second[:1].upper() + second[1:]]


@lru_cache(maxsize=4096)
def split_context(question: str) -> tuple[str, str]:
    """``(context, ask)``: the statements a question opens with, and the question itself.

    "Our forum has a history of distrust. How do we build trust?" asks how to build trust; the
    first sentence says why. Without such statements (or with two questions) the context is empty,
    and so it is when the question leans on them ("Our key workers are burning out. What support
    should we give them?": a pronoun, or fewer than two topic words of its own, frame words such as
    "need" and "steps" left out: "What do I need to cover?", and words naming the part of the
    guidance wanted: "What mistakes should we steer clear of?"). Sentences are cut
    by pysbd ("What did Dr. Smith find?" is one).
    """
    context, ask = statements(question)
    if context and any(w.lower() in PRONOUNS for w in WORD.findall(NOT_POINTING.sub(" ", ask))):
        return "", " ".join(question.split())
    return context, ask


def statements(question: str) -> tuple[str, str]:
    """``(statements, ask)``: as :func:`split_context`, but the question may lean on the statements by a pronoun.

    "I'd like to sit alongside caseworkers in a benefits office. How should I run that kind of
    observation session?" asks about an observation session ("that" points back, so the statements
    still weigh in the search); "caseworkers" is where it will be run, not what is asked.
    """
    text = " ".join(question.split())
    if not text.endswith("?") or ("?" not in text[:-1] and "." not in text and "!" not in text):
        return "", text  # no question at the end, or one sentence only: pysbd (~0.4 ms) need not run
    sentences = list(_sentences(text))
    if len(sentences) < 2 or not sentences[-1].endswith("?") or any(s.endswith("?") for s in sentences[:-1]):
        return "", text
    ask = sentences[-1]
    if len(own_topic(content_words(ask))) < 2:  # "What do I need to cover?" names only "cover"
        return "", text
    return " ".join(sentences[:-1]), ask


def last_sentence(text: str) -> str:
    """The last sentence of ``text`` ("I'm running the session next week. What do I need to prepare?" -> the question)."""
    text = " ".join(text.split())
    if "." not in text[:-1] and "?" not in text[:-1] and "!" not in text[:-1]:
        return text
    sentences = _sentences(text)
    return sentences[-1] if sentences else text


@lru_cache(maxsize=4096)
def _sentences(text: str) -> tuple[str, ...]:
    """``text`` cut into sentences by pysbd (~0.4 ms), remembered: a question is analysed several times per answer."""
    return tuple(s.strip() for s in _segmenter().segment(text) if s.strip())


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def _listed(q: str) -> str | None:
    """The plural noun a question asks a list of ("what roles should I take on" -> "roles"), if any."""
    m = re.search(rf"\b(?:what|which|the|some|main|key|common|\d+|{'|'.join(NUMBER_WORDS)})\s+(?:[\w'-]+\s+){{0,2}}({LIST_NOUNS})\b", q, re.I)
    return m.group(1).lower() if m else None


def _doing(q: str) -> bool:
    """A keyword query opening with a verb's -ing form that names no thing ("paying lived experience members",
    "recruiting peer mentors"); "funding", "training" and "meeting" are also things, so lemminflect must know the word as a verb only."""
    from lemminflect import getAllLemmas

    words = q.split()
    if len(words) < 2 or not words[0].lower().endswith("ing") or words[1].lower() in ("and", "or", "&", "vs", "versus"):
        return False  # "creaming and parking" is a pair of terms
    lemmas = getAllLemmas(words[0].lower())
    return "VERB" in lemmas and "NOUN" not in lemmas


def _base_form(term: str) -> str:
    """A quoted verb form as the term it is a form of ("co-designed" -> "co-design"), by lemminflect; other terms unchanged."""
    from lemminflect import getAllLemmas

    head, sep, last = term.rpartition("-") if " " not in term else ("", "", term)
    lemmas = getAllLemmas(last.lower()).get("VERB", ())
    if not lemmas or lemmas[0] == last.lower():
        return term
    return f"{head}{sep}{lemmas[0]}"


def _asked(q: str) -> str:
    """``q`` without the statements it opens with: the question sentences at its end (all of ``q`` if it does not end in one)."""
    if not q.endswith("?") or not re.search(r"[.!]\s", q):
        return q
    sentences = list(_sentences(q))
    while len(sentences) > 1 and not sentences[0].endswith("?"):
        sentences.pop(0)
    return " ".join(sentences)


def _parts(q: str) -> list[str]:
    """The question and each clause after "and <question word>" ("Who created X, and in which journal did it appear?")."""
    return [q] + [q[m.end() :] for m in _SECOND_PART.finditer(q)]


def _pair(a: str, b: str) -> tuple[str, str]:
    """Two compared things; a qualifier after the second ("... in outcome-funded programmes") is shared, not part of it."""
    a, b = _subject(a), _subject(b.split(",")[0])  # "outcomes, and how would you track each?": a second question follows the comma
    # "making style tiles" and "running visual preference testing" compare style tiles with visual preference testing
    # (a name in capitals is left whole: "Making It Work")
    a, b = (re.sub(r"^(?:making|running|doing|using|holding|conducting|creating|producing|carrying\s+out)\s+(?:(?:a|an|the)\s+)?(?=\w)", "", x) for x in (a, b))
    a, b = _unqualified(a, b), _unqualified(b, a)
    if len(b.split()) > len(a.split()) + 1:
        b = re.split(r"\s+(?:in|for|within|under|when|during|across|at|as\s+(?:a|an|the)|in\s+terms\s+of)\s+", b, maxsplit=1)[0]
    return a, b


_PLAIN = re.compile(r"^(?:plain|ordinary|simple|standard|normal|regular|basic|traditional|conventional|usual)\s+(?=\w)", re.I)


def _unqualified(x: str, other: str) -> str:
    """``x`` without "plain" or "ordinary" when the other compared thing qualifies the same thing ("a plain caseload
    from a weighted caseload" compares caseload with weighted caseload); not "an ordinary market" beside "a
    quasi-market", a kind of its own."""
    if not _PLAIN.match(x):
        return x
    bare = _PLAIN.sub("", x)
    return bare if re.search(rf"(?<![\w-]){re.escape(bare)}$", other, re.I) else x


def _subject(text: str) -> str:
    """A compared or defined thing, without articles, trailing qualifiers or a role word ("the chair's job" is the chair)."""
    text = re.sub(r"^(?:a|an|the)\s+", "", text.strip(" ?.'\"‘’“”"), flags=re.I)
    text = re.sub(r"^(?:(?:job|role|work|part)\s+of\s+(?:a|an|the)?\s*)|['’]s\s+(?:job|role|work|part)$", "", text, flags=re.I)
    previous = None
    while previous != text:
        previous, text = text, _TRAILING.sub("", text)
    return text.strip()


def _count(q: str) -> int | None:
    m = re.search(rf"\b{_COUNT}[- ]?(?:\w+[- ])?(?:step|stage|point|part|thing|tip|way|item|idea|action|function|condition|component|element|principle|type|kind|form|driver|barrier|role|phase|characteristic|feature|dimension|purpose|lesson|factor|question|rung|strateg)(?:s|ies|y)?\b", q, re.I)
    if not m:
        return None
    word = m.group(1).lower()
    n = int(word) if word.isdigit() else NUMBER_WORDS[word]
    # "one thing residents are trying to do" names a single thing, not a one-item answer
    return n if 2 <= n <= 20 else None
