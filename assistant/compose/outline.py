"""Session outlines: "How do I run the session on ...?" answered by a plan's timed parts, in order."""

from __future__ import annotations

import re
from typing import Sequence

from assistant.compose.base import Line, has_term, heading, read_in_order
from assistant.compose.cues import NUMBERED_HEADING, PHASES
from assistant.evidence import sentence_quotes
from assistant.retrieve import Passage

SEQUENCE_HEADING = re.compile(
    r"^\s*(?:\d{1,2}(?:[:.]\d\d)?\s*[-–]\s*\d{1,2}(?:[:.]\d\d)?(?:\s*(?:minutes?|mins?|hours?))?|(?:step|stage|phase|day|week|session|part|module)\s+\d+)\b",
    re.I,
)
"""A heading that is one part of a sequence: "0-10 minutes: welcome", "09:30-09:50: ground rules", "Day 2"."""
NUMBERED_STEP = re.compile(r"^\s*(?:step|stage|phase)\s+\d+\b", re.I)
SESSION_WANTED = re.compile(r"\b(?:sessions?|workshops?|training|course|agenda|timetable|lessons?|modules?|teach(?:ing)?|deliver(?:ing)?)\b", re.I)


SEQUENCE_NOUNS = frozenset({"level", "levels", "stage", "stages", "phase", "phases", "tier", "tiers", "step", "steps", "part", "parts"})
"""What a list question may ask for that a document gives as numbered sections, under whatever heading."""
TALKS = r"(?:talks?|inputs?|presentations?|lectures?|mini-lectures?)"
"""What a trainer calls a talk within a session, given in a plan's "input on ..." part."""
EXERCISE_WANTED = re.compile(
    r"\b(?:exercises?|icebreakers?|games?|role[- ]plays?)\b"
    # "there's a short talk on shared leadership": a plan's "input on ..." part (a talk named as a thing, not "to talk about")
    rf"|\b(?:a|an|the|my|our|this|that|short|brief|quick|\d+-minute)\s+(?:[\w-]+\s+)?{TALKS}\s+(?:on|about)\b"
    r"|\b(?:use|teach|explain|show|demonstrate|introduce)\b.*\b(?:in|to|with)\s+(?:a|an|the|my|our)\s+(?:\w+\s+)?(?:workshop|session|training|room|group|class|course)\b"
    r"|^\s*how\s+(?:do|can|should|could|would)\s+(?:i|we)\s+teach\b"
    r"|\b(?:open|close|start|end|finish|wrap\s+up|begin)\s+(?:a|an|the|my|our)\s+(?:\w+\s+)?(?:session|workshop|training)\b"
    r"|\b(?:part|slot|segment|bit)\s+of\s+(?:the|my|our|a)\s+(?:[\w'-]+\s+){0,5}?(?:session|workshop|course|training|half-day|day)\b",
    re.I,
)
"""A trainer asking for one activity: "What exercise can I use to ...?", "How can I use X in a workshop to ...?",
"How do I teach the ladder of participation?", "How should I close a training session on ...?", "I'm delivering
the part of the wicked problems course where I explain collaborative innovation"."""
BREAK = re.compile(r"\b(?:break|lunch|coffee|tea)\s*$", re.I)
PART_NAMED = re.compile(
    r"\b(?:where|when|in\s+which)\s+(?:i|we|you|the\s+trainer|participants|people)\s+(?:explain|cover|introduce|teach|discuss|present|look\s+at|talk\s+about|go\s+through|work\s+on)\s+([^.?!,;]+)",
    re.I,
)
"""A clause naming one part of a session by what happens in it ("... where I explain collaborative innovation")."""
ACTIVITY = re.compile(r"\b(?:exercises?|activit(?:y|ies)|icebreakers?|games?|role[- ]plays?)\b", re.I)
INPUT = re.compile(rf"\b{TALKS}\b", re.I)
"""A trainer's talk within a session ("a short talk on shared leadership"), or a plan's part headed as one."""
ROOM_WORDS = "exercise exercises activity activities icebreaker game talk input presentation lecture session workshop training room group class course participants people show teach explain use help"


SLOT_LAST = re.compile(
    r"\b(?:(?:final|last|closing)\s+(?:\w+\s+)?(?:slot|part|section|minutes|segment)|(?:bring|draw)\s+(?:it|the\s+\w+|this)\s+to\s+a\s+close"
    r"|(?:close|end|finish|wrap\s+up)\s+(?:it|the\s+(?:[\w'-]+\s+){0,3}(?:session|workshop|day|course)))\b",
    re.I,
)
SLOT_FIRST = re.compile(r"\b(?:ice-?breakers?|warm-?ups?|energi[sz]ers?|(?:first|opening)\s+(?:\w+\s+)?(?:slot|part|section|minutes|segment)|(?:open|start|begin|kick\s+off)\s+the\s+(?:[\w'-]+\s+){0,3}(?:session|workshop|day|course))\b", re.I)
SLOT_NEAR = re.compile(r"\b(?:slot|part|section|segment|bit)\s+(?:that\s+comes\s+|straight\s+|right\s+|just\s+)?(after|before)\s+(?:the\s+)?([\w\s'-]+?)(?=\s+(?:where|when|in\s+which|that|on|about)\b|[,.?!]|$)", re.I)
"""Which part of a session plan a trainer asks about by its place: the close ("How do I bring it to a
close in the final slot?"), the opening (an icebreaker is one), or the part after or before another
("the slot after the blueprint exercise")."""


class Outline:
    """Session-plan answers (mixed into :class:`assistant.compose.Composition`)."""

    def session_slot(self, most: int = 6) -> list[Line]:
        """The part of a session plan a trainer names by its place, read whole.

        "How do I bring the wicked problems session to a close in the final slot?" is answered by the
        plan's last timed part ("80-90 minutes: review and close"), "the slot after the blueprint
        exercise" by the part after the one the blueprint exercise is in (breaks are passed over).
        The plan is that of the best-ranked session plan among the three best documents whose title
        and headings cover half the question's topic.
        """
        if self.c.expand is None:
            return []
        near = SLOT_NEAR.search(self.question)
        place = "after" if near and near.group(1).lower() == "after" else "before" if near else "last" if SLOT_LAST.search(self.question) else "first" if SLOT_FIRST.search(self.question) else None
        if place is None:
            return []
        room = set(self.c.analyse([ROOM_WORDS])[0])
        anchor = set(self.c.analyse([near.group(2)])[0]) if near else set()
        topic = [t for t in self.q_terms if t not in room and t not in anchor]
        for doc_id in list(self.best_documents())[:3]:
            passages = self.document(doc_id)
            parts = {section: held for section, held in timed_parts(passages).items() if not BREAK.search(heading(held[0]))}
            if len(parts) < 3:
                continue
            titles = " ".join([passages[0].title, *parts])
            if self.coverage(self.c.analyse([titles])[0], among=topic) < 0.5:
                continue
            held_parts = list(parts.values())
            if place in ("first", "last"):
                held = held_parts[0 if place == "first" else -1]
            else:
                wanted = [t for t in self.q_terms if t in anchor]
                if not wanted:
                    return []
                scored = [self.coverage(self.c.analyse([" ".join([heading(h[0])] + [p.text for p in h])])[0], among=wanted) for h in held_parts]
                i = max(range(len(held_parts)), key=lambda j: (scored[j], -j))
                j = i + 1 if place == "after" else i - 1
                if scored[i] < 0.5 or not 0 <= j < len(held_parts):
                    return []
                held = held_parts[j]
            lines = read_in_order(held, most, directions=True)
            if not lines:
                return []
            self.as_block = True
            return [Line(prefix=f"From “{held[0].title}”, section “{heading(held[0])}”:")] + lines
        return []

    def session_part(self, most: int = 6) -> list[Line]:
        """The one timed part of a session plan that does what a trainer asks for, read whole.

        "What exercise can I use to help participants plan a small win?" is answered by "60-80
        minutes: exercise 2, planning a small win", every sentence of it, stage directions included:
        in a session plan they are the instructions. Parts of the three best documents compete on how
        much of the question's topic (its words beyond "exercise", "workshop", "participants" and
        the like) their heading and text cover together, a quarter more for a part headed as an
        exercise when one is asked for; the best must reach half.
        """
        if not EXERCISE_WANTED.search(self.question) or self.c.expand is None:
            return []
        room = set(self.c.analyse([ROOM_WORDS])[0])
        topic = [t for t in self.q_terms if t not in room]
        # "the part of the wicked problems course where I explain collaborative innovation": the clause
        # names the part; the rest names the course, which every part of its plan shares.
        clause = PART_NAMED.search(self.question)
        if clause:
            named_terms = set(self.c.analyse([clause.group(1)])[0])
            topic = [t for t in topic if t in named_terms] or topic
        parts = {(doc_id, section): held for doc_id in list(self.best_documents())[:3] for section, held in timed_parts(self.document(doc_id)).items()}
        activity_wanted = bool(ACTIVITY.search(self.question))
        input_wanted = not activity_wanted and bool(INPUT.search(self.question))
        best: tuple[float, float, float, float, list[Passage]] | None = None
        for held in parts.values():
            covered = raw = self.coverage(self.c.analyse([" ".join([held[0].title, held[0].section] + [p.text for p in held])])[0], among=topic)
            if activity_wanted and ACTIVITY.search(heading(held[0])):
                covered += 0.25  # "Give me an exercise ...": "exercise 1, sorting the problems" before "input on wicked problems"
            elif input_wanted and INPUT.search(heading(held[0])):
                covered += 0.25  # "a short talk on shared leadership": "input on distributed and facilitative leadership"
            # Ties (every part of the right plan covers its title's words) go to the part whose own
            # heading names the topic ("input on the ladder of participation"), then to meaning.
            named = self.coverage(self.c.analyse([heading(held[0])])[0], among=topic)
            key = (covered, named, max(self.meaning(p) for p in held), raw, held)
            if best is None or key[:3] > best[:3]:
                best = key
        # The part must cover half the topic by its own words: an exercise heading breaks ties, it does not
        # make "rates themselves from one to five" answer "How do I run a five whys exercise?".
        if best is None or best[3] < 0.5:
            return []
        held = best[4]
        lines = read_in_order(held, most, directions=True)  # in a session plan the stage directions are the instructions
        if not lines:
            return []
        self.as_block = True
        return [Line(prefix=f"From “{held[0].title}”, section “{heading(held[0])}”:")] + lines

    def outline(self, most: int = 10) -> list[Line]:
        """The timed parts of the best session plan, each with its first sentence, for a how-to about a session.

        Asked "How do I run a training session on wicked problems?", the answer is the plan: "0-10
        minutes: welcome and opening question", "10-25 minutes: input on wicked and tame problems",
        ... each labelled by its heading and quoted from its first sentence, which in a session plan
        is a stage direction ("The trainer explains that Rittel and Webber ..."), quoted here as the
        answer it is. Timed parts answer only a how-to question about a session, workshop or course;
        numbered step sections ("Step 1: build a theory of change") answer any how-to. Only a
        document among the two best whose title covers half the question's topic, holding three or
        more parts under one heading, qualifies.
        """
        if self.analysis.kind != "procedure" or self.c.expand is None:
            return []
        if any(part is not PHASES["during"] for part in self.parts_wanted()):
            return []  # "What do I need to prepare?": what comes before the session, or a checklist, not its timed parts
        # Any how-to may be answered by a guide written as numbered steps ("Step 1: build a theory of
        # change", "Step 2: ..."); a timed plan ("09:30-09:50: welcome") only answers a question about a session.
        session = bool(SESSION_WANTED.search(self.question))
        # The title must name what the session is on, not only that it is a session: a plan for a
        # session on co-design does not answer "How should we run a design studio session?".
        framing = set(self.c.analyse([" ".join(SESSION_WANTED.findall(self.question))])[0])
        topic = [t for t in self.q_terms if t not in framing]
        for doc_id in list(self.best_documents())[:2]:
            passages = self.document(doc_id)
            if not passages or self.coverage(self.c.analyse([passages[0].title])[0], among=topic) < 0.5:
                continue
            parts: dict[str, dict[str, list[Passage]]] = {}  # parent heading -> part heading -> its passages
            for p in passages:
                *parent, heading = p.section.split(" > ") if p.section else [""]
                if SEQUENCE_HEADING.match(heading) and (session or NUMBERED_STEP.match(heading)):
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

    def subsections(self) -> list[Line]:
        """A list question answered by sections that are the items asked for, each by its heading and first sentence.

        "What competencies does a boundary spanner need according to Williams?" is answered by
        "The core competencies", whose four subsections ("Building sustainable relationships",
        "Managing through influence and negotiation", ...) are the competencies. Within the two best
        documents, the items are the two to ten subsections of a section about the listed thing
        (:meth:`names_listed`), or the two to ten top-level sections each headed by it ("Method 1:
        co-location", "Method 2: job shadowing"). When every item's sentence opens with its heading,
        the heading is not repeated as a label.
        """
        if self.analysis.kind != "list" or not self.listed or self.c.expand is None:
            return []
        for doc_id in list(self.best_documents())[:2]:
            passages = self.document(doc_id)
            children: dict[str, dict[str, list[Passage]]] = {}  # parent trail -> child heading -> its passages
            siblings: dict[str, list[Passage]] = {}  # top-level headings naming the listed thing ("Method 1: co-location")
            for p in passages:
                *parent, child = p.section.split(" > ") if p.section else [""]
                if parent:
                    children.setdefault(" > ".join(parent), {}).setdefault(child, []).append(p)
                top = p.section.split(" > ")[0]
                if top and has_term(set(self.c.analyse([top])[0]), self.listed):
                    siblings.setdefault(top, []).append(p)
            if 2 <= len(siblings) <= 10:
                children[""] = siblings  # the document itself is the parent
            for parent, parts in children.items():
                # "What are the levels of the maturity scale?": numbered subsections ("1. Lower barriers to
                # access" ... "6. Formalize community partnerships") are its levels, though their parent
                # ("What type of intervention can you support?") never says "levels".
                numbered = len(parts) >= 3 and all(NUMBERED_HEADING.match(child) for child in parts) and (self.listed or "") in SEQUENCE_NOUNS
                if not 2 <= len(parts) <= 10 or (parent and not numbered and not self.names_listed(parent, [p for p in passages if p.section == parent])):
                    continue
                items = []  # (heading, its first quotable sentence)
                for child, held in parts.items():
                    quotes = [q for p in held for q in sentence_quotes(p) if q.role != "pitfall"]
                    if quotes:
                        items.append((child, min(quotes, key=lambda q: q.doc_offset)))
                if len(items) >= 2:
                    self.as_block = True
                    # "Building sustainable relationships is the competency ...": a sentence naming its item needs no label.
                    named = all(q.text.lower().startswith(child.lower()) for child, q in items)
                    where = f"“{held[0].title}”" + (f", section “{parent.rsplit(' > ', 1)[-1]}”" if parent else "")
                    return [Line(prefix=f"From {where}:")] + [Line([q], prefix="- " if named else f"- **{child}:** ") for child, q in items]
        return []

    def names_listed(self, parent: str, own: list[Passage]) -> bool:
        """Whether a section is about the things a list question asks for: its heading names them ("The core
        competencies"), or its heading covers half the question and its own text names them ("Collaboration
        dynamics": "… divides collaboration dynamics into three interacting components")."""
        heading_terms = set(self.c.analyse([parent.rsplit(" > ", 1)[-1]])[0])
        if has_term(heading_terms, self.listed):
            return True
        text_terms = set(t for terms in self.c.analyse([p.text for p in own]) for t in terms) if own else set()
        return self.coverage(list(heading_terms)) >= 0.5 and has_term(text_terms, self.listed)


def timed_parts(passages: Sequence[Passage]) -> dict[str, list[Passage]]:
    """A document's parts headed as one step of a sequence ("0-10 minutes: welcome"), each with its passages, in document order."""
    parts: dict[str, list[Passage]] = {}
    for p in passages:
        if SEQUENCE_HEADING.match(heading(p)):
            parts.setdefault(p.section, []).append(p)
    return parts
