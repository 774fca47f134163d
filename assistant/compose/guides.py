"""How-to answers: the section of a well-ranked guide that says how, read as steps, parts, variants or prose in order."""

from __future__ import annotations

import re

from assistant.compose.base import Line, has_term, heading, in_list_item, read_in_order
from assistant.compose.cues import (
    AIMS_SECTION, AUDIENCE_SECTION, BARE_QUESTION, CHECKLIST_SECTION, CHECKLIST_WANTED, CHECKS_SECTION, CONTENTS_HEAD, EXAMPLE_SECTION, EXPLAINING_SECTION, FACETS,
    KEY_TERMS_SECTION, LIMITS_SECTION, LIST_MAX, NEXT_STEPS_SECTION, NEXT_WANTED, NUMBERED_HEADING, NUMBERED_HEADING_MARK, PHASES, PREPARATION_SECTION, PREPARATION_WANTED,
    QUESTIONS_SECTION, QUESTIONS_WANTED, RANGE_WANTED, ROLES_SECTION, SIGNS_SECTION, SIGNS_WANTED, STUDY_SECTION, WHOLE_WANTED, WHY_SECTION, facets_asked,
)
from assistant.compose.lists import FOCUS_READ, example_list, first_list, lead_in, subsections
from assistant.evidence import PITFALL_SECTION, STEPS_SECTION, Quote, is_pitfall_section, quotable_item
from assistant.question import QUESTION_STOPWORDS, last_sentence
from assistant.retrieve import Passage, is_reference_section

LEAD_IN = re.compile(r"[A-Z][^\n]{20,300}:")
"""A list's lead-in worth quoting before its steps: a sentence of its own, ending in a colon."""
NESTED_ITEM = re.compile(r"^[ \t]+[-*+]\s+(?P<item>\S[^\n]*?)\s*$", re.M)
"""An item indented under another in a bulleted list (ingest records the outer items only)."""
HEADING = 0.5
"""Weight of a section heading's coverage of the question when :meth:`Guides.lead_section` picks among the best passages."""
TWICE = 0.1
"""Added in :meth:`Guides.lead_section` for the section holding both of the two best passages."""
CLOSER_RANKS = 5
CLOSER = 0.3
"""A passage ranked 4th or 5th (``CLOSER_RANKS``) joins :meth:`Guides.lead_section`'s candidates when it is this much closer in meaning than the best three."""
EVIDENCE_HEADING = re.compile(
    r"^(?:the\s+)?scale\s+of\b|^what\s+the\s+(?:evidence|research|studies|literature)\s+(?:says|shows|found)\b"
    r"|^what\s+changed\b|^(?:key\s+|main\s+)?(?:findings|results)\b|^what\s+the\s+(?:[\w-]+\s+){1,3}(?:shows|showed|found|finds)\b",
    re.I,
)
"""A heading over the size of a problem or what research found: background to a how-to, not its steps."""


def block_end(text: str, at: int) -> int:
    """Where the text block holding ``at`` ends (the next blank line, or the end of the text)."""
    end = text.find("\n\n", at)
    return len(text) if end < 0 else end


def emphasised_first(quotes: list[Quote], most: int) -> list[Quote]:
    """``most`` of a section's quotes in document order, those holding words its author set in bold first.

    Glendale's "2. Refining use cases" opens on why more was needed; what was done is in bold further on
    ("Sunlight **conducted interviews with records requesters**").
    """
    bold = [q for q in quotes if "**" in q.text]
    plain = [q for q in quotes if "**" not in q.text]
    chosen = {q.doc_offset for q in (bold + plain)[:most]}
    return [q for q in quotes if q.doc_offset in chosen]


PUBLICATION_SECTION = re.compile(r"(?:the|this)\s+(?:article|study|review|paper|book|report|research)\b(?!\s+(?:says|shows|found|finds|suggests)\b)", re.I)
"""A heading over a publication itself ("The article and its purpose", "The study and where it was published"), not over what to do."""


class Guides:
    """How-to answers from a guide's sections (mixed into :class:`assistant.compose.Composition`)."""

    def lead_section(self) -> list[Line]:
        """A how-to answered by the section of the best-ranked passage that can hold guidance: its list, or its prose read in order.

        Retrieval fuses the words and the meaning of the whole question; when one of its three best
        passages sits in a section that gives guidance (:meth:`gives_guidance`) and has no
        subsections, the best of them by rank plus closeness in meaning plus half its heading's
        coverage of the question (:meth:`named_coverage`) is the answer, or the same
        guide's section for the phase or facet asked about (:meth:`same_phase`). "How do we decide
        where to position a new innovation lab?" is answered by "Designing the lab's place in the
        council" though no heading word but "lab" is shared, and "Our pilot money runs out - how do
        we decide which bits to keep going?" by the list under "Decide what should be sustained".
        The section's first list is shown whole as steps, after the section's own words and the
        list's lead-in; a prose section gives its first five sentences under a line naming it. A
        heading naming the part of a guide asked about (:meth:`parts_wanted`: "3. After the event"
        for following up, "What to include in the written agreement" for what should go in one)
        counts as a second heading naming the whole question, and one numbered part of a steps
        section stands for all of them when the question asks for the whole (:meth:`parts_in_order`).
        A passage ranked 4th or 5th joins the candidates when it is far closer in meaning (``CLOSER``).
        A candidate whose section never says any of the question's words gives way to one that does.
        """
        if self.analysis.kind != "procedure" or self.c.expand is None:
            return []
        if told := self.situation_told() or self.questions_to_ask():
            return told
        top = [p for p in self.passages[: min(3, self.ranked)] if self.gives_guidance(p)]
        if top:
            # The passage far closest in meaning may rank just below them on words: "What should a key worker do
            # in the first meeting with a lone parent?" ranks three Making It Work and supervision passages on
            # "lone parent" and "key worker", and "What the key worker does day to day" fifth.
            closest = max(self.meaning(p) for p in self.passages[: min(3, self.ranked)])
            top += [p for p in self.passages[3 : min(CLOSER_RANKS, self.ranked)] if self.meaning(p) >= closest + CLOSER and self.gives_guidance(p)]
        top += self.steps_of_summaries(top)
        # A document the question names by its authors ("How could I use the Emerson, Nabatchi and Balogh framework ...?")
        # is the one asked about: when none of its sections is among the candidates, its guidance ranked 4th or 5th joins
        # (the article's purpose and definition rank first, "Using the framework in practice" 4th), and another guide's
        # steps, however close in meaning to the situation described, are not its use.
        named = {p.doc_id for p in self.passages[: min(CLOSER_RANKS, self.ranked)] if self.names_title(p.title)}
        if named and not any(p.doc_id in named for p in top):
            top += [p for p in self.passages[3 : min(CLOSER_RANKS, self.ranked)] if p.doc_id in named and self.gives_guidance(p)]
        if named:
            top = [p for p in top if p.doc_id in named] or top
        # "How to do it" over "Open card sort" and "Closed card sort": a subsection answers; numbered
        # parts ("1. Introduce yourself" ... "6. Iterate") are read together (:meth:`parts_in_order`).
        candidates = [p for p in top if not any(x.section.startswith(f"{p.section} > ") for x in self.document(p.doc_id)) or self.numbered_parts(p.section, self.document(p.doc_id))]
        if not CHECKLIST_WANTED.search(self.question):
            # A guide's checklist sums up the whole guide; "How should we set the limits of their
            # autonomy?" is answered by "Agreeing the limits of autonomy" ranked beside it.
            # Steps offered by a guide ranked only on its roles (:meth:`steps_of_summaries`) compete with a checklist but do
            # not set it aside: a review's "Commissioning checklist" ranked first still answers.
            others = [p for p in candidates if not CHECKLIST_SECTION.search(heading(p))]
            if any(p.id not in self.joined for p in others):
                candidates = others
        # Rank and meaning together: a case study's account of "how Austin built user personas" may
        # rank first on its words, the method card on personas is far closer in meaning.
        # A section's closeness is its closest retrieved passage's: Austin's working-group section ranks
        # second on a passage far from the question and fourth on one close to it.
        # A heading naming the part asked about ("3. After the event" for following up) adds as much as one naming the
        # question: "What to include in the written agreement" for "What should go in a partnership agreement?" beats
        # commissioning steps closer in meaning that never say "agreement".
        # A section that never says any of the question's words gives way to one that does: "How do I write a memorandum
        # of understanding?" is closest in meaning to the design-principles card's steps, which never say "memorandum".
        said = {p.id: self.said_coverage(p) for p in candidates}
        if any(said.values()):
            candidates = [p for p in candidates if said[p.id] > 0]
        phases = self.parts_wanted()
        phased = lambda p: len(phases) == 1 and self.names_part(phases[0], heading(p))  # noqa: E731
        # A section holding both of the two best passages is found twice over: "acting out the user journey with props"
        # ranks Bodystorming's "How to do it" first and second, and the journey-mapping card's steps, offered by its
        # "Why" ranked third, name "journey" in their title only. (Two passages of a long section ranked second and
        # third are no such agreement: the user-testing toolkit's "4. Do the task" for a test of an evening drop-in.)
        if WHOLE_WANTED.search(self.question):
            # "What did the team do at each stage, from choosing procurement as the focus to testing the draft dataset?": a
            # process told in numbered parts ("2. Refining use cases" ranked second), not the case study's story ranked first.
            whole = [p for p in candidates if self.parts_in_order(p, self.document(p.doc_id))]
            candidates = whole or candidates
        first, second = ((x.doc_id, x.section) for x in self.passages[:2]) if self.ranked >= 2 else (None, None)
        agreed = first if first == second else None
        best = max(candidates, key=lambda p: self.weight.get(p.id, 0.0) + self.section_meaning(p) + HEADING * (self.named_coverage(p) + float(phased(p))) + TWICE * ((p.doc_id, p.section) == agreed), default=None)
        if best is None:
            return []
        document = self.document(best.doc_id)
        variants = self.variants(best, document) or self.parts_in_order(best, document)
        if variants:
            return variants
        return self.section_answer(self.same_phase(best, document), document)

    def parts_in_order(self, p: Passage, document: list[Passage]) -> list[Line]:
        """Every part of a process, in order, when ``p`` is one numbered part and the question asks for the whole.

        "How do we run a community data dialogue?" ranks "Tips for successful events > 2. During
        the event" first; "How do I do user testing?" ranks "4. Do the task". Both ask for the
        whole: before, during and after; introducing, arranging, doing, concluding, iterating. The
        parent must head steps or tips (:data:`STEPS_SECTION`), its three or more parts must be
        numbered, and the question must name neither a phase (:data:`PHASES`: "on the day itself"
        is answered by the part for the day) nor any word of a part's own heading. Each part is
        given under its heading, by two of its sentences or items: those its author set in bold first
        (:func:`emphasised_first`), else its first.
        """
        parent = p.section
        children = self.numbered_parts(parent, document)
        if not children:  # ``p`` is one of the parts
            parent = p.section.rpartition(" > ")[0]
            children = self.numbered_parts(parent, document)
        parent_head = parent.rsplit(" > ", 1)[-1]
        if not children or not STEPS_SECTION.search(parent_head):
            return []
        if any(cue.search(self.question) for cue in PHASES.values()) or CHECKLIST_WANTED.search(self.question):
            return []
        heads = [child.rsplit(" > ", 1)[-1] for child in children]
        title = set(self.c.analyse([f"{p.title} {parent_head}"])[0])
        asked = [t for t in self.q_terms if not has_term(title, t)]
        if not RANGE_WANTED.search(self.question) and any(has_term(set(terms) - title, t) for terms in self.c.analyse(heads) for t in asked):
            return []  # "How should we introduce the task?" asks for one part; "from picking the focus through to releasing the data" for all
        if p.section != parent and not WHOLE_WANTED.search(self.question) and self.coverage(list(title)) < 0.5:
            # One part ranked best, and the question is about more than what the title and the parent
            # heading name: "which city information residents want most, using records we already hold"
            # is told in Glendale's "1. Finding a focus area", not by the first lines of each part.
            return []
        lines: list[Line] = [Line(prefix=f"From “{p.title}”, section “{parent_head}”, in {len(children)} parts:")]
        for i, (child, head) in enumerate(zip(children, heads), start=1):
            quotes = emphasised_first([q for line in read_in_order([x for x in document if x.section == child], FOCUS_READ, least=1) for q in line.quotes], 2)
            if not quotes:
                return []
            label = NUMBERED_HEADING_MARK.sub("", head).rstrip(":. ")
            lines.append(Line(quotes, prefix=f"{i}. **{label}:** "))
        self.as_block = True
        return lines

    @staticmethod
    def numbered_parts(section: str, document: list[Passage]) -> list[str]:
        """The subsections of ``section``, in order, when there are three or more and all are numbered ("1. Before the event"); else none."""
        if not section:
            return []
        children = subsections(section, document)
        return children if len(children) >= 3 and all(NUMBERED_HEADING.match(c.rsplit(" > ", 1)[-1]) for c in children) else []

    def section_meaning(self, p: Passage) -> float:
        """The closeness in meaning of ``p``'s section: that of its closest passage among those retrieved."""
        return max(self.meaning(x) for x in self.passages[: self.ranked] + [p] if x.doc_id == p.doc_id and x.section == p.section)

    def steps_of_summaries(self, top: list[Passage]) -> list[Passage]:
        """For a guide whose summary, "why", roles or explaining section ranks among the three best passages, its one steps section, ranked as that passage.

        A summary or "why" passage also lends the steps its closeness in meaning; roles ("Who does what in
        measuring value") or what the subject is lend only their rank, and the steps they offer do not set
        aside a checklist (:meth:`lead_section`).

        "What's the process for running a design studio session?" ranks the Design studio card's
        summary ("A collaborative exercise ...") first; its "How to do it" answers. "How do I do
        user testing of our open data portal?" ranks "Why do user testing" first, and the toolkit's
        "How to do user testing" fourth. A document with several steps sections gives the one closest
        in meaning ("How do I stop partners falling out?": "working through a conflict" or "repairing
        trust after a breach", not another guide's steps); the numbered parts of one are not more.
        """
        found = []
        for p in self.passages[: min(3, self.ranked)]:
            introduces = not p.section or WHY_SECTION.match(heading(p))  # "Why do user testing", "Why do they matter?"
            # A guide ranked on its roles or on what its subject is ("Who does what in measuring value" for "How do I
            # measure whether our partnership is working?") offers its steps too, as close in meaning as they are themselves.
            # Not on its pitfalls: "how do I stop the payment model undermining collaboration" ranks a guide's pitfalls,
            # and a review's commissioning checklist answers.
            other_part = not introduces and bool(p.section) and bool(ROLES_SECTION.match(heading(p)) or EXPLAINING_SECTION.search(heading(p)))
            if not (introduces or other_part) or self.c.expand is None or any(x.doc_id == p.doc_id for x in top + found):
                continue
            document = self.document(p.doc_id)
            # A guide's own steps, not a review's closing advice ("The alternative: ... > Commissioning for collaboration").
            steps = [x for x in document if x.section and STEPS_SECTION.search(heading(x)) and self.gives_guidance(x) and " > " not in x.section
                     and (CHECKLIST_WANTED.search(self.question) or not CHECKLIST_SECTION.search(heading(x)))]  # a checklist sums up, it is no steps
            # Parts of a steps section ("Tips for successful events > 1. Before the event") are not more steps sections.
            heads = {x.section for x in steps}
            heads = {h for h in heads if not any(h.startswith(f"{other} > ") for other in heads)}
            if not heads:
                continue
            # With several steps sections ("working through a conflict", "repairing trust after a breach"), the
            # one holding the passage closest in meaning to the question (the earlier on a tie). Either is the
            # guide's answer, where skipping the guide hands the question to another guide whose summary ranked lower.
            x = max((x for x in steps if x.section in heads), key=lambda x: (self.meaning(x), -x.start))
            # Ranked as the passage that led to it, or as itself when it ranked better.
            self.weight[x.id] = max(self.weight.get(x.id, 0.0), self.weight.get(p.id, 0.0))
            if p.id in self.similarity and introduces:
                self.similarity[x.id] = max(self.similarity.get(x.id, -1.0), self.similarity[p.id])
            found.append(x)
            if other_part:
                self.joined.add(x.id)
        return found

    def variants(self, p: Passage, document: list[Passage]) -> list[Line]:
        """The steps of every variant when ``p`` is one of two or more sibling subsections with lists and the question names none.

        "What are the steps of a card sort?": "How to do it" holds "Open card sort" and "Closed
        card sort", each a list; the question asks for neither, so both are given, each under its
        heading, after the parent section's own words ("There are two types of card sorting ...").
        The parent must head steps ("How to do it"), and numbered or phase subsections ("1. Before
        the event") are parts done in order, not alternatives.
        """
        parent, sep, _ = p.section.rpartition(" > ")
        if not sep:
            return []
        children = subsections(parent, document)
        parent_head = parent.rsplit(" > ", 1)[-1]
        if len(children) < 2 or len(children) > 4 or not STEPS_SECTION.search(parent_head):
            return []  # "Where it fits in with open data > When? / Who?" are facets, not ways of doing it
        heads = [child.rsplit(" > ", 1)[-1] for child in children]
        if any(h[:1].isdigit() or any(cue.search(h) for cue in PHASES.values()) for h in heads):
            return []  # "1. Before the event", "2. During the event": parts in order, not alternatives
        title = set(self.c.analyse([p.title])[0])
        asked = [t for t in self.q_terms if not has_term(title, t)]
        for head in heads:
            own = set(self.c.analyse([head])[0]) - title
            if any(has_term(own, t) for t in asked):
                return []  # "How do I run a closed card sort?" names its variant
        lines: list[Line] = [Line(prefix=f"From “{p.title}”, section “{parent_head}”, {len(children)} ways:")]
        lines += read_in_order([x for x in document if x.section == parent], 2)
        for child, head in zip(children, heads):
            held = [x for x in document if x.section == child]
            keys = [(x, u) for x in held for u in x.units if u.kind == "list"]
            if not keys:
                return []
            items = self.list_items(p.doc_id, first_list(keys)[1].key, document)
            if len(items) < 2:
                return []
            lines.append(Line(prefix=f"**{head}:**"))
            lines += [Line([q], prefix=f"{i}. ") for i, q in enumerate(items[:LIST_MAX], start=1)]
        self.as_block = True
        return lines

    def situation_told(self) -> list[Line]:
        """A how-to whose situation an example tells: the example ranked first, far closer in meaning (``CLOSER``) than the guidance beside it.

        "We want to sit in while inspectors interview workers about unpaid wages, but it's a
        sensitive subject. How should we handle observing those conversations?" is what the
        contextual-inquiry card's "Example" did (18F asked the investigators, not the workers,
        and kept faces out of photos); the research steps of a case study ranked next are far
        from it in meaning.
        """
        if not self.ranked or not EXAMPLE_SECTION.search(heading(self.passages[0])):
            return []
        example = self.passages[0]
        guidance = [self.meaning(p) for p in self.passages[1 : min(3, self.ranked)] if self.gives_guidance(p)]
        if not guidance or self.meaning(example) < max(guidance) + CLOSER:
            return []
        return self.framed(example, self.section_sentences(example.doc_id, example.section, least=2))

    def questions_to_ask(self) -> list[Line]:
        """For a how-to asking what to ask oneself (:data:`QUESTIONS_WANTED`), a list of questions in the part of a guide the best passages are from.

        "We're organising a data dialogue event ... Before we get into the detailed plan, what should we be
        asking ourselves so that a wide mix of residents can and will come?" is answered by the data-dialogues
        guide's "Some examples of questions to consider:" (childcare, an accessible location, language), in
        "Tips for successful events", not by the steps of its "1. Before the event". A list is one of
        questions when most of its items end in a question mark.
        """
        if not QUESTIONS_WANTED.search(self.question) or self.c.expand is None:
            return []
        for p in self.passages[: min(3, self.ranked)]:
            part = p.section.split(" > ")[0]
            if not part or is_reference_section(part):
                continue
            document = self.document(p.doc_id)
            for x in document:
                if x.section != part and not x.section.startswith(f"{part} > "):
                    continue
                for u in x.units:
                    if u.kind != "list" or len(u.items) < 3:
                        continue
                    items = self.list_items(x.doc_id, u.key, document)
                    if len(items) >= 3 and sum(q.text.rstrip().endswith("?") for q in items) * 3 >= len(items) * 2:
                        # The questions indented under an item ("How can we incentivize attendance?": childcare, an
                        # accessible location) are the specific ones; each follows the item it is under.
                        nested = [
                            Quote(x, span, "step") for m in NESTED_ITEM.finditer(x.text, u.start, block_end(x.text, u.end))
                            if (span := quotable_item(x.text, (m.start("item"), m.end("item")))) is not None
                        ]
                        have = {q.doc_offset for q in items}
                        items = sorted(items + [q for q in nested if q.doc_offset not in have], key=lambda q: q.doc_offset)
                        self.as_block = True
                        return self.steps((items, x.title, heading(x), len(items), lead_in(x, u)), focus=False)
        return []

    def section_answer(self, p: Passage, document: list[Passage], least: int = 2) -> list[Line]:
        """The section of ``p`` as an answer: its first list whole, after the section's own words and the list's lead-in, or its prose read in order (``least`` sentences or none)."""
        held = [x for x in document if x.section == p.section] or [p]
        lists = [(x, u) for x in held for u in x.units if u.kind == "list" and not example_list(x, u, document)]
        if not lists:
            return self.framed(p, self.section_sentences(p.doc_id, p.section, least=least))
        x, u = first_list(lists)
        items = self.list_items(p.doc_id, u.key, document)
        if len(items) < 2:
            return self.framed(p, self.section_sentences(p.doc_id, p.section, least=least))
        lead = lead_in(x, u)
        topical = self.topic_items(items, f"{x.title} {x.section} {lead}")
        if topical:
            # "How should I pay people who take part in co-design workshops?": the workshop guide's
            # preparation steps that speak of paying, not all eight of them.
            self.as_block = True
            return self.steps((topical, x.title, x.section, len(items), lead), focus=False, part=True)
        lines = self.steps((items, x.title, x.section, len(items), lead), focus=False)
        # The section's own words before its list say what the steps are for ("Not everything should continue ...").
        before = [q for q in read_in_order(held, 3) for q in q.quotes if q.doc_offset < items[0].doc_offset and not in_list_item(q)]
        # The list's own lead-in ends in a colon, so it is no quotable sentence; here it introduces the steps that follow.
        if u.lead and LEAD_IN.fullmatch(lead) and all(q.span != u.lead for q in before):
            before.append(Quote(x, u.lead, "body"))
        if before and lines:
            lines.insert(1, Line(before))
        self.as_block = True
        return lines

    def same_phase(self, p: Passage, document: list[Passage]) -> Passage:
        """``p``, or the first section of its document giving guidance for the phase the question asks about when ``p``'s heading names another.

        "What should we do once a co-design workshop is over?" ranks "Step-by-step: preparing the
        workshop" first; the same guide's "Follow-up after the workshop" is what comes after
        (phases: before, during, after, :data:`PHASES`). A question asking what to check ("... to
        make sure nothing has been missed?") is answered by the guide's checklist, and one asking
        what a document should say ("We're drafting the founding document for our board. What should
        it spell out?") by the section on what to put in it.
        """
        wanted = self.parts_wanted()
        if len(wanted) != 1 or self.names_part(wanted[0], heading(p)):
            return p
        return next((x for x in document if self.names_part(wanted[0], heading(x)) and self.gives_guidance(x)), p)

    def parts_wanted(self) -> list[re.Pattern[str]]:
        """Headings of the part of a guide the question asks for: its phases (:data:`PHASES`), its checklist, or what a document should say."""
        if CHECKLIST_WANTED.search(self.question):
            # "What should I run through before the workshop?": the checklist, not the preparation steps; "Before we start
            # paying them, what do we need to check?": "Benefit rules to check before paying someone"
            return [CHECKS_SECTION]
        # "I'm running the 90-minute session next week. What do I need to prepare?": the question sentence names the
        # phase asked about; the statements before it say what is going on.
        asked = last_sentence(self.question)
        wanted = [cue for cue in PHASES.values() if cue.search(asked)] or [cue for cue in PHASES.values() if cue.search(self.question)]
        return wanted or ([CONTENTS_HEAD] if self.contents_wanted else [])

    def names_title(self, title: str) -> bool:
        """Whether the question names a document by two or more of the capitalised names its title holds ("Emerson, Nabatchi and Balogh")."""
        names = {w for w in re.findall(r"(?<![.?!]\s)(?<!^)\b[A-Z][a-z]{2,}\b", self.question) if w.lower() not in QUESTION_STOPWORDS}
        return len(names & set(re.findall(r"\b[A-Z][a-z]{2,}\b", title))) >= 2

    @staticmethod
    def names_part(part: re.Pattern[str], head: str) -> bool:
        """Whether a heading names the part of a guide asked about; a session plan's "Materials and room set-up" is what comes before it."""
        return bool(part.search(head)) or (part is PHASES["before"] and bool(PREPARATION_SECTION.search(head)))

    def framed(self, p: Passage, lines: list[Line]) -> list[Line]:
        """A section's sentences under a line naming the section, as its steps would be."""
        if not lines:
            return []
        self.as_block = True
        if is_pitfall_section(p.section) or PITFALL_SECTION.search(heading(p)):
            # The line naming the section ("Pitfalls to watch") says what they are.
            lines = [Line(line.quotes, "" if line.prefix == "Pitfall: " else line.prefix) for line in lines]
        return [Line(prefix=f"From “{p.title}”, section “{heading(p)}”:")] + lines

    def gives_guidance(self, p: Passage) -> bool:
        """Whether a passage's section may answer a how-to (see :meth:`lead_section`)."""
        own = heading(p)
        if not p.section or is_reference_section(p.section) or KEY_TERMS_SECTION.search(p.section) or KEY_TERMS_SECTION.search(p.title):
            return False
        if (m := EVIDENCE_HEADING.search(own)) and self.analysis.kind != "findings" and not self.names_only_asked(own[m.end():]):
            # "The scale of the problem", "What the evidence says about signposting": why, not how. "What the research says
            # about trust" tells how trust is built when building trust is what is asked.
            return False
        if EXPLAINING_SECTION.search(own) or ROLES_SECTION.match(own) or WHY_SECTION.match(own) or EXAMPLE_SECTION.search(own) or BARE_QUESTION.match(own) or AIMS_SECTION.match(own):
            return False
        if LIMITS_SECTION.search(own) and not LIMITS_SECTION.search(self.question):
            return False  # "The limits of SROI" are not the steps of measuring
        if SIGNS_SECTION.search(own) and not SIGNS_WANTED.search(self.question):
            return False  # "How do I stop one partner dominating?" is not answered by the signs of conflict
        if QUESTIONS_SECTION.search(own) and not QUESTIONS_SECTION.search(self.question):
            return False  # "How will you know whether co-production has improved outcomes?" asks, it does not say how
        if AUDIENCE_SECTION.search(own):
            return False  # "Who the session is for and what it covers" introduces a plan
        if PREPARATION_SECTION.search(own) and not PREPARATION_WANTED.search(self.question):
            return False  # "How do I start doing co-production with lone parents?" is not answered by a trainer's materials list
        if FACETS["government"][1].search(own) and "government" not in facets_asked(self.question):
            return False  # "How do I run a KJ method session?" is not answered by what government requires of it
        if NEXT_STEPS_SECTION.match(own) and not NEXT_WANTED.search(self.question):
            return False  # a case study's "Next steps" are what its authors will do next, not how they got there
        if STUDY_SECTION.search(p.section) or PUBLICATION_SECTION.match(own):
            # "Rees, Whitworth and Carter (2014): the evidence on creaming and parking" reports a study; "The article and its
            # purpose" says what a paper set out to do.
            return False
        return self.pitfalls_wanted or not is_pitfall_section(p.section)
