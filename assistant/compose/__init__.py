"""Composing an answer of the kind asked for from retrieved passages.

:class:`Composition` holds one question and its passage pool. :mod:`.base` scores sentences;
:mod:`.findings` reads a study's findings on; :mod:`.guides` finds the section of a guide that says how; :mod:`.lists` finds the list (or prose section) that answers a how-to or list
question; :mod:`.reasons` reads the section that says why; :mod:`.outline` reads a session plan's timed parts; :mod:`.compare` finds definitions and sets compared things side by side; :mod:`.sources` lists the documents treating a topic; :mod:`.cues`
holds the word patterns they read. :class:`assistant.answer.ExtractiveComposer` turns the lines
into a cited, verified answer.
"""

from __future__ import annotations

from assistant.compose.base import Base, Line, Scored, sentence_relevance
from assistant.compose.compare import Definitions
from assistant.compose.findings import Findings
from assistant.compose.guides import Guides
from assistant.compose.lists import Lists
from assistant.compose.outline import Outline
from assistant.compose.reasons import Reasons
from assistant.compose.sources import Sources

__all__ = ["Composition", "Line", "Scored", "sentence_relevance"]


class Composition(Sources, Outline, Guides, Lists, Definitions, Reasons, Findings, Base):
    """One question's composition: lists, definitions and comparisons on top of sentence scoring."""
