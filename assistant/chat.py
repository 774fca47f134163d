"""Conversation state and follow-up questions, resolved without an LLM.

A follow-up such as "and how is it funded?" carries little on its own. A question is read as a
follow-up only when it has no topic of its own: no content word at all ("Why?"), only words naming
a part of what was asked before ("What are the common mistakes?", "And the risks?"), or at most
:data:`FOLLOW_UP_MAX_WORDS` content words (frame words such as "run" or "time" not counted) together with a continuation opening ("and", "what
about") or a pronoun standing for something said before ("it", "they" — not the "It" inside a
name such as "Making It Work"). Its retrieval query is the question plus the previous turn's
*topic*; the topic of a merged turn is the topic it borrowed, so a chain of follow-ups keeps one
topic and the query never grows from turn to turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer import Answer
from assistant.question import FRAME_WORDS, PRONOUNS, QUESTION_STOPWORDS, WORD, content_words, own_topic

# "Why?" continues; "Why do innovation labs close?" asks about a topic of its own ("Why is that?" leans on its pronoun).
CONTINUATIONS = ("and ", "but ", "also ", "so ", "then ", "what about", "how about", "what else", "why?", "how?", "and?", "what if", "same for")
FOLLOW_UP_MAX_WORDS = 3
"""A question with more content words than this has a topic of its own and is never merged."""
TOPIC_MAX_WORDS = 8
GENERIC_WORDS = frozenset("common usual typical biggest main key most materials preparation equipment".split())
"""Words that grade what is asked for ("the common mistakes") or name a part of any plan ("What materials do I need?") without naming a topic."""

__all__ = ["CONTINUATIONS", "Conversation", "QUESTION_STOPWORDS", "SWITCH", "Turn", "content_words", "is_follow_up", "resolve", "switched", "topic_of"]


SWITCH = re.compile(r"^\s*(?:and\s+)?(?:(?:the\s+)?same\s+(?:question\s+|thing\s+)?for|and\s+for|what\s+about\s+for|now\s+for)\s+(?P<x>[^?]+?)\s*\??\s*$", re.I)
"""The previous question asked again of another topic ("and for safeguarding?", "same for co-location")."""


def switched(question: str, previous: Turn | None) -> str | None:
    """The previous question asked of the topic ``question`` names ("Who does what in safeguarding?"), or ``None``.

    "warm handover steps", then "and for safeguarding?" asks for safeguarding steps: the words of
    the previous question's topic give way to the new one ("safeguarding steps"). A previous
    question without a topic of its own ("who does what", which borrowed one) takes the new topic
    after it ("who does what in safeguarding?"). Only a new topic with no pronoun switches:
    "and for them?" leans on what was said before.
    """
    m = SWITCH.match(question)
    if previous is None or m is None or _leans_on_pronoun(m["x"]) or not own_topic(content_words(m["x"])):
        return None
    asked = previous.asked or previous.question
    topic = [w for w in own_topic(content_words(asked)) if w not in GENERIC_WORDS]
    spans = [w for w in WORD.finditer(asked) if w.group().lower() in topic]
    x = m["x"].strip()
    if not spans:
        return f"{asked.strip().rstrip('?.!')} in {x}?"
    before = asked[: spans[0].start()]
    if re.search(r"\b(?:a|an|the|our|my|your)\s+$", before, re.I):
        x = re.sub(r"^(?:a|an|the)\s+", "", x, flags=re.I)  # "set up a data sharing agreement" -> "set up a referral pathway"
    return f"{before}{x}{asked[spans[-1].end() :]}"


def _leans_on_pronoun(question: str) -> bool:
    """A pronoun in lower case, or opening the question; a capitalised one mid-sentence is part of a name."""
    for i, m in enumerate(WORD.finditer(question.strip())):
        word = m.group()
        if word.lower() in PRONOUNS and (word.islower() or i == 0):
            return True
    return False


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the previous turn (it has no topic of its own)."""
    q = question.strip()
    if not any(WORD.finditer(q)):
        return False
    own = content_words(q)
    if not own:
        return True  # "Why?", "How much?"
    if not [w for w in own_topic(own) if w not in GENERIC_WORDS]:
        return True  # "What are the common mistakes?", "And the risks?": a part of what was asked before
    if len([w for w in own if w not in FRAME_WORDS]) > FOLLOW_UP_MAX_WORDS:  # "run", "time" name no topic
        return False
    return q.lower().startswith(CONTINUATIONS) or _leans_on_pronoun(q)


def topic_of(question: str, previous_topic: str | None) -> str:
    """The topic a turn carries forward: the borrowed one for a follow-up, else the question's own words."""
    if previous_topic and is_follow_up(question):
        return previous_topic
    return " ".join(content_words(question)[:TOPIC_MAX_WORDS])


def resolve(question: str, previous_topic: str | None) -> str:
    """The retrieval query for ``question`` given the previous turn's topic (or its question: only content words are carried)."""
    if not previous_topic or not is_follow_up(question):
        return question
    own = set(content_words(question))
    carried = [w for w in content_words(previous_topic) if w not in own]
    return f"{question.strip()} {' '.join(carried)}".strip() if carried else question


@dataclass
class Turn:
    """One question and what the assistant did with it."""

    question: str
    query: str
    answer: Answer
    topic: str = ""
    asked: str = ""
    """The question the turn answered: ``question``, or for a switch the previous question asked of the new topic."""


@dataclass
class Conversation:
    """The turns so far; the pipeline reads it to resolve follow-ups."""

    turns: list[Turn] = field(default_factory=list)

    @property
    def last_topic(self) -> str | None:
        """The topic of the latest turn."""
        return self.turns[-1].topic if self.turns else None

    @property
    def last_query(self) -> str | None:
        """The resolved query of the latest turn."""
        return self.turns[-1].query if self.turns else None

    def resolve(self, question: str) -> str:
        """Retrieval query for the next question."""
        return resolve(question, self.last_topic)

    def switched(self, question: str) -> str | None:
        """The previous question asked of the new topic ``question`` names ("and for safeguarding?"), or ``None`` (:func:`switched`)."""
        return switched(question, self.turns[-1] if self.turns else None)

    def add(self, question: str, query: str, answer: Answer, asked: str | None = None) -> None:
        """Record a finished turn (``asked``: the question a switch stood for)."""
        topic = topic_of(asked, None) if asked else topic_of(question, self.last_topic)
        self.turns.append(Turn(question, query, answer, topic, asked or question))

    def clear(self) -> None:
        """Start a new conversation."""
        self.turns.clear()
