"""Findings as answers: the sentence that says what a study found, read on through its paragraph."""

from __future__ import annotations

import re

from assistant.compose.base import Line, heading
from assistant.compose.cues import EXPLAINING_SECTION, FINDING_CUE, PUBLICATION, RESULTS_SECTION, WHY_SECTION
from assistant.evidence import sentence_quotes
from assistant.retrieve import Passage, is_reference_section


CLOSEST_MARGIN = 0.9
"""The others' closeness in meaning at most, as a share of the best-ranked passage's, for its section to be the one a findings question asks about."""


ELSEWHERE_MARGIN = 0.8
"""How well the closest section's best sentence must match, against the best finding sentence elsewhere, to anchor the answer."""


FINDINGS_HEADING = re.compile(r"\bfindings\b|\bwhat\s+(?:the\s+|we\s+|they\s+|it\s+)?(?:\w+\s+)?(?:found|learned|learnt)\b", re.I)
"""A heading over what a study or case found, in those words ("Summary of key findings", "What the evaluations found")."""


ACTIVITY_NAMED = re.compile(r"\b[Ww]hen\s+(?:it|they|we|he|she|the\s+[\w-]+|[A-Z][\w’'-]+)\s+(?:first\s+)?\w+ed\b")
"""A question naming what was done before asking what it found ("When Sunlight looked at residents' feedback, what did it find?")."""


FINDINGS_RANKS = 5
"""How far down the ranking a section of findings of the best-ranked document is read for a findings question (:meth:`Findings.findings`)."""


class Findings:
    """Findings answers (mixed into :class:`assistant.compose.Composition`)."""

    def closest_first(self) -> Passage | None:
        """The best-ranked passage when it is also the closest in meaning, clearly: its section is what the question asks about.

        "What does the evidence say about outcomes-based performance management encouraging gaming?"
        ranks "Gaming and the limits of outcome measures" first, and no other passage comes near it
        in meaning. When another is nearly as close (above ``CLOSEST_MARGIN`` of its closeness), the
        ranking does not say which section is asked about.
        """
        ranked = self.passages[: self.ranked]
        if not ranked or not ranked[0].section or is_reference_section(ranked[0].section):
            return None
        best, others = ranked[0], [self.meaning(p) for p in ranked[1:]]
        return best if max(others, default=0.0) <= CLOSEST_MARGIN * self.meaning(best) else None

    def findings(self, most: int = 4) -> list[Line]:
        """The best finding sentence, read on in its paragraph: a study's findings follow one another.

        "What did the NAO find?" is answered by the sentence that introduces the NAO's report and
        the ones after it ("The NAO estimated ... concluded ... also found ..."), which need not
        repeat the question's words. The anchor is the best-scoring sentence from a findings
        section or carrying a finding cue; the sentences after it in the same passage follow, up
        to ``most`` in all.
        """
        named = self.named_section()
        if named is not None and (WHY_SECTION.match(heading(named)) or EXPLAINING_SECTION.search(heading(named))):
            # "What did Making It Work find about lone parents?": "Why the programme targeted lone parents"
            # names the lone parents, yet says why they were chosen, not what was found.
            named = None
        ranked = self.passages[: self.ranked]
        if named is None and ranked and self.c.expand is not None and not self.beyond_subject(ranked[0]):
            # Nothing asked beyond the document's subject ("What did Making It Work find?"): its own section of results
            # answers, not the lessons section ranked first on the programme's name.
            named = next((p for p in self.document(ranked[0].doc_id) if p.section and RESULTS_SECTION.search(p.section) and not is_reference_section(p.section)), None)
        closest = self.closest_first() if named is None else None
        if named is None and closest is None and ranked:
            # The best document's own section of findings among the best passages ("Summary of key findings", ranked
            # fourth for "What did the user research with contractors in Glendale reveal ...?") is read, not the
            # story around it.
            named = next((p for p in ranked[:FINDINGS_RANKS] if p.doc_id == ranked[0].doc_id and p.section and RESULTS_SECTION.search(heading(p))), None)
        if named is None and ranked and self.c.expand is not None and not ACTIVITY_NAMED.search(self.question) and (closest is None or not RESULTS_SECTION.search(heading(closest))):
            # Not among them, the best document's section headed as its findings ("Summary of key findings" for "what did
            # Glendale learn from vendors about contracting data", where its goals and "Outcomes toward ..." ranked). Not when
            # the question names what was done ("When Glendale analysed its public records requests ..., what did it find?"):
            # the account of doing it says what that found.
            headed = next((p for p in self.document(ranked[0].doc_id) if p.section and FINDINGS_HEADING.search(heading(p)) and not is_reference_section(p.section)), None)
            # Its text must say half of what the question asks: not Glendale's findings for "what did it do with what it learned".
            named = headed if headed is not None and self.said_coverage(headed) >= 0.5 else None
        if named is not None:
            lines = [Line([q for q in line.quotes if not PUBLICATION.search(q.text)], line.prefix) for line in self.section_sentences(named.doc_id, named.section, most + 1)]
            lines = [line for line in lines if line.quotes]
            if lines:
                return lines
        # The anchor states a finding: a finding's cue word, or a sentence of a section of results
        # ("What the evaluations found"); "Lessons for people designing ..." is our advice, not a finding.
        # The best-ranked passage, when it is also the closest in meaning, holds the section asked about:
        # the anchor is sought there first ("outcomes-based performance management encouraging gaming"
        # in "Gaming and the limits of outcome measures", not a review's remark on outcomes).
        held = [p for p in self.document(closest.doc_id) if p.section == closest.section] if closest is not None and self.c.expand is not None else []
        # There any sentence may anchor (its heading, not a cue word, says it is what was asked).
        # A sentence elsewhere that matches the question clearly better still wins ("the Work Programme's
        # payment groups", stated in another section of the same digest).
        there = [c for c in self.scored_sentences(held) if c.quote.role != "pitfall"] if held else []
        pool = [
            c for c in self.scored_sentences(self.passages)
            if c.quote.role != "pitfall" and (RESULTS_SECTION.search(c.quote.passage.section) or FINDING_CUE.search(c.quote.text))
        ]
        if there and (not pool or max(c.score for c in there) >= ELSEWHERE_MARGIN * max(c.score for c in pool)):
            pool = there
        if not pool:
            return []
        # A sentence saying what was found beats one saying what was examined ("The report examined ...").
        anchor = max(pool, key=lambda c: c.score * (1.5 if FINDING_CUE.search(c.quote.text) else 1.0)).quote
        own = [q for q in sentence_quotes(anchor.passage) if q.role != "pitfall"]
        after = [q for q in own if q.span[0] >= anchor.span[1]][: most - 1]
        before = [q for q in own if q.span[1] <= anchor.span[0] and not PUBLICATION.search(q.text)]
        room = most - 1 - len(after)  # a finding closing its paragraph is read with the sentences leading up to it
        quotes = (before[-room:] if room > 0 else []) + [anchor] + after
        if len(quotes) < 2:
            return []
        return [Line(quotes)]
