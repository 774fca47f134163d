"""Nugget matching: does an answer state the key points a good answer must state?

A gold question carries ``nuggets``: a list of key points, each a list of 1-4 alternative short
wordings. A wording is *stated* when every one of its content words occurs somewhere in the
answer text, after both go through the BM25 analyser the index uses (lower-case, English stop
words dropped, Snowball stemming), so matching agrees with retrieval. A key point is stated
when any of its wordings is. Citation markers (``[1]``, ``[2, 3]``) are stripped first.

Worked examples (answer: "Agree payment and expenses with participants in advance [1].
Offer vouchers or cash."):

- ``["agree payment in advance"]`` -> terms {agre, payment, advanc}; all occur -> stated.
  ("in" is a stop word; "agree" and "Agree" both stem to "agre".)
- ``["payment agreed beforehand", "agree payment in advance"]`` -> the first wording misses
  "beforehand", the second is stated -> the key point is stated.
- ``["vouchers or cash"]`` -> {voucher, cash}; "vouchers" stems to "voucher" -> stated.
- ``["pay the same day"]`` -> {pay, same, day}; "pay" and "payment" stay different stems,
  and "same" and "day" are absent -> not stated.

Nugget recall of that answer for the three key points [agree-payment, vouchers-or-cash,
pay-same-day] is 2/3 = 0.667; at least half are stated (2 >= 1.5), and the first sentence
states a key point (the first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

Analyser = Callable[[Sequence[str]], list[list[str]]]

# "[1]", "[2, 3]", "[12]" as the composer writes them; nothing else in square brackets.
_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_EMPHASIS = re.compile(r"(?<!\w)_+|_+(?!\w)")


@lru_cache(maxsize=1)
def default_analyser() -> Analyser:
    """The BM25 analyser of the lexical index (no files are opened)."""
    from assistant.index.lexical import LexicalIndex

    return LexicalIndex(Path(".")).tokenize


def strip_markers(text: str) -> str:
    """The answer text without its ``[n]`` citation markers."""
    return _MARKER.sub("", text)


def plain(text: str) -> str:
    """What an answer states: no citation markers, no underscore emphasis ("__User steps__" states "user steps")."""
    return _EMPHASIS.sub(" ", strip_markers(text))


def wording_terms(wording: str, analyse: Analyser | None = None) -> frozenset[str]:
    """The content terms of one wording (empty when it holds only stop words)."""
    return frozenset((analyse or default_analyser())([wording])[0])


def first_sentence(text: str) -> str:
    """The first sentence (or first line: a list's lead-in) of ``text``, markers stripped."""
    import pysbd

    for line in plain(text).splitlines():
        if line.strip():
            segments = pysbd.Segmenter(language="en", clean=False).segment(line)
            return next((s.strip() for s in segments if s.strip()), line.strip())
    return ""


@dataclass(frozen=True)
class NuggetScore:
    """How one answer fares against its question's key points."""

    stated: tuple[bool, ...]
    """One flag per key point, in gold-set order."""
    first_sentence: bool
    """Whether the answer's first sentence states at least one key point."""

    @property
    def recall(self) -> float:
        """Share of key points stated (0 when there are none)."""
        return sum(self.stated) / len(self.stated) if self.stated else 0.0

    @property
    def half(self) -> bool:
        """At least half of the key points stated (2 of 4 counts; 1 of 3 does not)."""
        return bool(self.stated) and 2 * sum(self.stated) >= len(self.stated)


def states(terms: frozenset[str] | set[str], nugget: Sequence[str], analyse: Analyser | None = None) -> bool:
    """Is one key point stated by text whose analysed terms are ``terms``?"""
    for wording in nugget:
        wanted = wording_terms(wording, analyse)
        if wanted and wanted <= terms:
            return True
    return False


def score(answer_text: str, nuggets: Sequence[Sequence[str]], analyse: Analyser | None = None) -> NuggetScore:
    """Match ``nuggets`` against an answer.

    Args:
        answer_text: The answer as shown (markers are stripped here).
        nuggets: Key points, each a list of alternative wordings.
        analyse: Text -> analysed terms; defaults to the BM25 analyser.

    Returns:
        A :class:`NuggetScore` (see the module docstring for worked examples).
    """
    analyse = analyse or default_analyser()
    terms = frozenset(analyse([plain(answer_text)])[0])
    lead = frozenset(analyse([first_sentence(answer_text)])[0])
    stated = tuple(states(terms, n, analyse) for n in nuggets)
    return NuggetScore(stated, any(states(lead, n, analyse) for n in nuggets))
