"""Reasons as answers: the section that says why ("Why payment by results can crowd out collaboration"), read in order."""

from __future__ import annotations

from assistant.compose.base import Line, heading
from assistant.compose.cues import FAILURE_ASKED, FAILURE_REASONS_SECTION, WHEN_SECTION, WHY_SECTION
from assistant.question import WHEN_WANTED
from assistant.retrieve import Passage


class Reasons:
    """Reason answers (mixed into :class:`assistant.compose.Composition`)."""

    def reasons(self, most: int = 4) -> list[Line]:
        """The section giving reasons that is closest to a "Why ..." question, read in order.

        Candidates are well-ranked passages (half the best weight or more, the two best documents'
        reason sections included by :meth:`add_sections`) under a heading that gives reasons ("Why
        ...", "The case for ...", "Reasons ..."). Each scores 0.4 x its weight + 0.3 x its closeness
        in meaning + 0.3 x its heading's coverage of the question. The best is read only when its
        heading covers 30% of the question or it is among the closest passages in meaning (0.8 of
        the way from the least to the most similar candidate); otherwise ``[]`` and the best
        sentences answer. A section holding a list answers with the list, as steps are answered.

        Example: "Why can payment by results crowd out collaboration?" is answered from "Why payment
        by results can crowd out collaboration", not from the sentences defining payment by results.
        """
        pool = [p for p in self.passages if p.section and self.gives_reasons(p) and self.weight.get(p.id, 0.0) >= 0.5]
        if WHEN_WANTED.match(self.question):  # "When should we do user testing?": the toolkit's "When?", not its "Why do user testing"
            pool = [p for p in pool if WHEN_SECTION.match(heading(p))] or pool
        if not pool:
            return []
        best = max(pool, key=lambda p: 0.4 * self.weight.get(p.id, 0.0) + 0.3 * self.meaning(p) + 0.3 * self.named_coverage(p))
        if self.named_coverage(best) < 0.3 and self.meaning(best) < 0.8:
            return []
        section = [q for q in self.passages if q.doc_id == best.doc_id and q.section == best.section]
        if self.c.expand is not None:
            section += [q for q in self.document(best.doc_id) if q.section == best.section]
        listed = [u for q in section for u in q.units if u.kind == "list"]
        if listed:
            items = self.list_items(best.doc_id, listed[0].key, section)
            if len(items) >= 2:
                self.as_block = True
                where = f"“{best.title}”, section “{best.section}”"
                return [Line(prefix=f"From {where}:")] + [Line([q], prefix="- ") for q in items[:8]]
        return self.section_sentences(best.doc_id, best.section, most=most, least=1, focus=True)  # a card says what it is for in one sentence

    def gives_reasons(self, p: Passage) -> bool:
        """Whether ``p``'s section says why ("Why ...", "The case for ..."), or, for a question asking when, when ("When?")."""
        if FAILURE_ASKED.search(self.question) and FAILURE_REASONS_SECTION.search(heading(p)):
            return True  # "... hardly any get taken up. Why might that happen?": the critique of such labs says why
        return bool(WHY_SECTION.match(heading(p)) or (WHEN_WANTED.match(self.question) and WHEN_SECTION.match(heading(p))))
