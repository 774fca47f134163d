"""Conversation state and follow-up questions, resolved without an LLM.

A follow-up such as "and how is it funded?" carries little on its own. When a question looks
like a follow-up (opens with a continuation word, leans on a pronoun, or has no content word
of its own), the retrieval query borrows the content words of the previous turn's query,
which itself may already have been resolved, so a chain of follow-ups keeps its topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bm25s.stopwords import STOPWORDS_EN_PLUS

from assistant.answer import Answer

CONTINUATIONS = ("and ", "but ", "also ", "so ", "then ", "what about", "how about", "what else", "why ", "why?", "how?", "and?")
PRONOUNS = {"it", "its", "they", "them", "their", "theirs", "this", "that", "these", "those", "he", "she", "his", "her", "there", "such", "one", "ones"}
# Words that mark a question type or a pronoun but say nothing about the topic.
QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "does", "do", "did", "can", "could", "should", "would", "is", "are", "was", "were", "tell", "explain", "more", "else", "about", "please", "also"}
# Words that carry no topic in a question (NLTK's English list plus question words).
QUESTION_STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | QUESTION_WORDS
_STOP = QUESTION_STOPWORDS | PRONOUNS
_WORD = re.compile(r"[\w'-]+")


def content_words(text: str) -> list[str]:
    """Topic words of a question, in order, without stop words, question words or pronouns."""
    return list(dict.fromkeys(w for w in (m.group().lower() for m in _WORD.finditer(text)) if w not in _STOP and len(w) > 1))


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the previous turn."""
    q = question.strip().lower()
    words = [m.group() for m in _WORD.finditer(q)]
    if not words:
        return False
    if q.startswith(CONTINUATIONS):
        return True
    if any(w in PRONOUNS for w in words):
        return True
    # "Why?" or "How much?" carries no topic of its own; "What is co-production?" does.
    return not content_words(q)


def resolve(question: str, previous_query: str | None) -> str:
    """The retrieval query for ``question`` given the previous turn's query."""
    if not previous_query or not is_follow_up(question):
        return question
    own = set(content_words(question))
    carried = [w for w in content_words(previous_query) if w not in own]
    return f"{question.strip()} {' '.join(carried)}".strip() if carried else question


@dataclass
class Turn:
    """One question and what the assistant did with it."""

    question: str
    query: str
    answer: Answer


@dataclass
class Conversation:
    """The turns so far; the pipeline reads it to resolve follow-ups."""

    turns: list[Turn] = field(default_factory=list)

    @property
    def last_query(self) -> str | None:
        """The resolved query of the latest turn."""
        return self.turns[-1].query if self.turns else None

    def resolve(self, question: str) -> str:
        """Retrieval query for the next question."""
        return resolve(question, self.last_query)

    def add(self, question: str, query: str, answer: Answer) -> None:
        """Record a finished turn."""
        self.turns.append(Turn(question, query, answer))

    def clear(self) -> None:
        """Start a new conversation."""
        self.turns.clear()
