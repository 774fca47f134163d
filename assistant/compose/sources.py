"""Which documents treat a topic: one line per document, with the sentence of it that does."""

from __future__ import annotations

from typing import Sequence

from assistant.compose.base import Line, Scored, has_term
from assistant.evidence import PITFALL_LEAD
from assistant.question import sources_wanted
from assistant.retrieve import Passage

SOURCES_SHOWN = 8
"""Documents listed, at most, for "Which papers discuss ...?"."""


class Sources:
    """Answers listing documents (mixed into :class:`assistant.compose.Composition`)."""

    def documents_list(self) -> list[Line]:
        """For "Which papers in the library discuss boundary spanners?": each document that does, in rank order, named with its best sentence on the topic.

        A document is listed only when one of its sentences (not a pitfall; those of the passage
        retrieved first, else any of the document) holds every topic word of the question
        ("boundary" and "spanners"; 60% of their weight for a
        topic of four words or more): a passage ranked for one of its words ("problems") does not
        show that the document treats the topic. At most :data:`SOURCES_SHOWN` documents.
        """
        if not sources_wanted(self.question):
            return []
        topic = self.topic_terms()
        total = sum(self.weights.get(t, 0.0) for t in topic) or 1.0
        need = 1.0 if len(topic) <= 3 else 0.6
        lines: list[Line] = []
        seen: set[str] = set()

        def naming(passages: Sequence[Passage]) -> list[Scored]:
            """The sentences of ``passages`` that name the topic."""
            return [
                c for c in self.scored_sentences(passages)
                if c.quote.role != "pitfall" and sum(self.weights.get(t, 0.0) for t in topic if has_term(c.terms, t)) >= need * total - 1e-9
            ]

        for p in self.passages + self.extra:
            if p.doc_id in seen or len(lines) >= SOURCES_SHOWN:
                continue
            # The passage retrieved, else the rest of its document: a review ranked first on
            # "outcome-based contracting" names payment by results in another section.
            scored = naming([p]) or (naming(self.document(p.doc_id)) if self.c.expand is not None else [])
            if not scored:
                continue
            seen.add(p.doc_id)
            best = max(scored, key=lambda c: c.score * (0.5 if PITFALL_LEAD.search(c.quote.text) else 1.0))  # what it says, not a warning
            lines.append(Line([best.quote], prefix=f"- **{p.title}**: "))
        if len(lines) < 1:
            return []
        self.as_block = True
        return [Line(prefix=f"{len(lines)} documents in the library treat this:" if len(lines) > 1 else "One document in the library treats this:")] + lines

    def topic_terms(self) -> list[str]:
        """The question's terms beyond the words asking for documents ("papers", "library", "discuss")."""
        return [t for t in self.q_terms if t not in self.c.asking_for_sources] or self.q_terms
