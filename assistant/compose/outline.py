"""Session outlines: "How do I run the session on ...?" answered by a plan's timed parts, in order."""

from __future__ import annotations

import re

from assistant.compose.base import Line, has_term
from assistant.evidence import sentence_quotes
from assistant.retrieve import Passage

SEQUENCE_HEADING = re.compile(
    r"^\s*(?:\d{1,2}(?:[:.]\d\d)?\s*[-–]\s*\d{1,2}(?:[:.]\d\d)?(?:\s*(?:minutes?|mins?|hours?))?|(?:step|stage|phase|day|week|session|part|module)\s+\d+)\b",
    re.I,
)
"""A heading that is one part of a sequence: "0-10 minutes: welcome", "09:30-09:50: ground rules", "Day 2"."""
SESSION_WANTED = re.compile(r"\b(?:sessions?|workshops?|training|course|agenda|timetable|lessons?|modules?|teach(?:ing)?|deliver(?:ing)?)\b", re.I)


class Outline:
    """Session-plan answers (mixed into :class:`assistant.compose.Composition`)."""

    def outline(self, most: int = 10) -> list[Line]:
        """The timed parts of the best session plan, each with its first sentence, for a how-to about a session.

        Asked "How do I run a training session on wicked problems?", the answer is the plan: "0-10
        minutes: welcome and opening question", "10-25 minutes: input on wicked and tame problems",
        ... each labelled by its heading and quoted from its first sentence, which in a session plan
        is a stage direction ("The trainer explains that Rittel and Webber ..."), quoted here as the
        answer it is. Only a how-to question about a session, workshop or course qualifies, and only
        a document among the two best whose title covers 30% of the question and which holds three
        or more parts under one heading.
        """
        if self.analysis.kind != "procedure" or not SESSION_WANTED.search(self.question) or self.c.expand is None:
            return []
        # The title must name what the session is on, not only that it is a session: a plan for a
        # session on co-design does not answer "How should we run a design studio session?".
        framing = set(self.c.analyse([" ".join(SESSION_WANTED.findall(self.question))])[0])
        topic = [t for t in self.q_terms if t not in framing]
        total = sum(self.weights.get(t, 0.0) for t in topic)
        for doc_id in list(self.best_documents())[:2]:
            passages = self.c.expand(doc_id)
            if not passages or not total:
                continue
            title = set(self.c.analyse([passages[0].title])[0])
            if sum(self.weights.get(t, 0.0) for t in topic if has_term(title, t)) < 0.5 * total:
                continue
            parts: dict[str, dict[str, list[Passage]]] = {}  # parent heading -> part heading -> its passages
            for p in passages:
                *parent, heading = p.section.split(" > ") if p.section else [""]
                if SEQUENCE_HEADING.match(heading):
                    parts.setdefault(" > ".join(parent), {}).setdefault(heading, []).append(p)
            if not parts:
                continue
            parent, plan = max(parts.items(), key=lambda kv: len(kv[1]))
            lines = []
            for heading, held in list(plan.items())[:most]:
                quotes = [q for p in held for q in sentence_quotes(p, directions=True) if q.role != "pitfall"]
                if quotes:
                    first = min(quotes, key=lambda q: q.doc_offset)
                    lines.append(Line([first], prefix=f"{len(lines) + 1}. **{heading}:** "))
            if len(lines) >= 3:
                where = f"“{passages[0].title}”" + (f", section “{parent.rsplit(' > ', 1)[-1]}”" if parent else "")
                self.as_block = True
                return [Line(prefix=f"From {where}:")] + lines
        return []
