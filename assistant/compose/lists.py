"""Lists as answers: the list that best answers a how-to or list question, its items in order, or the prose section that beats it; a facet of a subject asked for."""

from __future__ import annotations

import re
from typing import Sequence

from assistant.compose.base import Line, has_term, heading, read_in_order, sentence_relevance
from assistant.compose.cues import (
    CHECKLIST_SECTION, CONTENTS_SECTION, CRITIQUE_CUE, EXAMPLES_LEAD, RESOURCES_LEAD, EXPLAINING_SECTION, FACETS, KEY_TERMS_SECTION, LIMITS_SECTION,
    LIST_MAX, LIST_WHOLE, RISKS_WANTED, ROLES_SECTION, WHY_SECTION, facets_asked,
)
from assistant.evidence import PITFALL_LEAD, STEPS_SECTION, Quote, is_pitfall_section, quotable_item
from assistant.ingest.structure import Unit
from assistant.question import WORD
from assistant.retrieve import Passage, is_reference_section


STEP_TITLE = re.compile(r"\*\*(.+?)\*\*")
"""A step's own title: the bold words that open a list item ("**Agree payment and expenses in advance.** The NIHR ...")."""
MEANING = 0.15
"""Weight of closeness in meaning (:meth:`Base.meaning`) in a list's score and, for how-to questions, a prose heading's."""
FOCUS_READ = 40
"""Sentences of a section read before :meth:`Lists.section_sentences` keeps those bearing most on the question."""
FACET_MARGIN = 0.2
"""How much more of the question another document's facet heading must cover to beat the best-ranked document's (:meth:`Lists.facet_section`)."""
PAIRED = re.compile(r"\b([A-Za-z][\w'-]*)\s+(?:and|or|&)\s+([A-Za-z][\w'-]*)")
"""Two words joined as one subject ("outcomes and indicators")."""
NAMED_SECTION = 0.5
"""Share of the question's words beyond its document's subject that the best passage's heading must cover to be the section asked about (:meth:`Lists.named_section`)."""
LABEL = re.compile(r"^\s*[-*+]\s+\*\*([^*]+?):?\*\*", re.M)
ROLE_WORD = re.compile(r"\broles?\b", re.I)
"""A heading over who does what in other words ("The role of public leaders and managers")."""
NOT_STEPS = frozenset(
    "benefits advantages disadvantages drawbacks downsides risks barriers obstacles challenges limitations criticisms strengths "
    "weaknesses problems issues gaps pressures tensions drivers factors conditions signs symptoms skills qualities competencies "
    "characteristics features principles values types kinds forms categories levels".split()
)
"""What a list question may ask for that no list of steps or roles gives, unless its heading names it: "benefits of co-location" is not answered by "Steps for co-location"."""
NAMED = 0.20
"""Added to a list whose heading names what a list question asks for ("What skills ...?": "Skills and qualities the role needs"),
enough to beat a list whose heading only names the subject ("Practical guidance for developing boundary spanners")."""


class Lists:
    """Procedure and list answers (mixed into :class:`assistant.compose.Composition`)."""

    def _prose_meaning(self) -> float:
        """Weight of meaning for prose against lists: a how-to answered in prose ("09:50: input on the ladder"); a list question wants a list."""
        return MEANING if self.analysis.kind == "procedure" else 0.0

    def facet_section(self) -> list[Line]:
        """A question asking for one facet of its subject answered by that section of a well-ranked document.

        Facets (:data:`FACETS`): pitfalls ("What traps should I avoid when re-commissioning
        services?"), who does what ("Who is responsible for what in safeguarding?"), lessons and
        options ("What routes are there to carry on the work?"). Among the documents of the three
        best passages, and the document of the passage closest in meaning, those with a section
        whose own heading names the facet compete: the closest document's, else the best-ranked
        one's, answers unless another's title and heading cover ``FACET_MARGIN`` more of the
        question. Definitions, comparisons, findings
        and reasons keep their own forms, except that research asked for its lessons or its
        limits ("What lessons from the Glasgow and Edinburgh research should shape ...?") is
        answered by the section giving them.
        """
        if self.c.expand is None or self.analysis.kind in ("definition", "comparison", "reason"):
            return []
        names = facets_asked(self.question)
        if len(names) != 1 or (self.analysis.kind == "findings" and names[0] not in ("lessons", "limits")):
            return []
        heads = FACETS[names[0]][1]

        def is_facet(x: Passage) -> bool:
            if not x.section or is_reference_section(x.section):
                return False
            # Who does what may be a list a step introduces by its roles ("2. Arrange the group": "You will need three roles
            # for your user testing:") in the document closest in meaning to the question.
            return bool(heads.search(heading(x))) or (
                names[0] == "roles" and x.doc_id in first_docs and any(u.kind == "list" and ROLE_WORD.search(lead_in(x, u)) for u in x.units)
            )

        # The document closest in meaning (its two closest passages in the pool) speaks first: "Common pitfalls in consent and
        # records", found for a question on consent and case notes, over the pitfalls of the key-worker
        # guide that ranked first on "key workers"; the autonomy guide's pitfalls for teams whose tests
        # teach nothing, over the meeting guide ranked first on the facet word alone ("Why partnership
        # meetings go wrong" for "What are we getting wrong?").
        closeness: dict[str, list[float]] = {}
        for p in self.passages:
            closeness.setdefault(p.doc_id, []).append(self.meaning(p))
        first_docs = [max(closeness, key=lambda d: closest_two(closeness[d]))] if closeness else []
        found = []
        for rank, doc_id in enumerate(dict.fromkeys(first_docs + [p.doc_id for p in self.passages[: min(3, self.ranked)]])):
            document = self.document(doc_id)
            x = next((x for x in document if is_facet(x)), None)
            if x is not None:
                found.append((self.coverage(self.c.analyse([f"{x.title} {x.section}"])[0]), -rank, x, document))
        if not found:
            return self.critiques() if names[0] == "limits" else []
        # That section answers unless another's title and heading cover clearly more of the question
        # ("Common pitfalls in paying people with lived experience" over "Pitfalls in lived experience
        # involvement" for the risks of paying people; "Who does what in the evaluation", in "Evaluating a
        # collaborative innovation programme", over the meeting guide's roles for who evaluates; not "Who
        # does what in a co-leadership arrangement" over "... in mutual learning arrangements" for
        # co-location, on one shared "co").
        first = found[0]
        best = max(found, key=lambda t: t[:2])
        _, _, x, document = best if best[0] >= first[0] + FACET_MARGIN else first
        # A question naming the parties ("split between the commissioner, the partnership board, the lead provider and
        # the evaluator") is answered by the section whose labelled items are those parties: "Who does what in
        # commissioning a collaborative programme", over the co-leadership roles closer in meaning, which share one.
        named = [(self.labels_named(y, doc), y, doc) for _, _, y, doc in found]
        most = max(named, key=lambda t: t[0])
        if most[0] >= 2 and most[0] > next(n for n, y, _ in named if y is x):
            _, x, document = most
        return self.section_answer(x, document, least=1)  # the section asked for answers even in one sentence

    def labels_named(self, x: Passage, document: list[Passage]) -> int:
        """How many labels of the section's items ("- **Lead provider or accountable body:** ...") the question names: all the words of the label, or of one of its alternatives."""
        q = set(self.q_terms)
        labels = [m.group(1) for y in document if y.section == x.section for m in LABEL.finditer(y.text)]
        return sum(
            any((terms := self.c.analyse([part])[0]) and all(has_term(q, t) for t in terms) for part in re.split(r"\s+or\s+|\s*\(|\)", label))
            for label in labels
        )

    def critiques(self, most: int = 4) -> list[Line]:
        """Criticisms or limits asked for where no section heads them: the sentences that state one, best first.

        "What are the main criticisms of co-production?" finds no "Criticisms" section; a checklist
        for naming co-production is not one either. The sentences that say what is doubtful,
        limited or at risk ("The term is now used so widely ... that it risks meaning almost
        anything") answer, each as good as a third of the best; fewer than two give nothing.
        """
        pool = sorted((c for c in self.scored_sentences(self.passages) if CRITIQUE_CUE.search(c.quote.text)), key=lambda c: -c.score)
        if not pool:
            return []
        kept = [c.quote for c in pool[:most] if c.score >= pool[0].score / 3]
        return [Line(kept)] if len(kept) >= 2 else []

    def procedure(self) -> list[Line]:
        """The best-matching list as numbered steps under a line naming where it comes from."""
        found = self.best_list()
        if found is None:
            return self.procedure_fallback()
        return self.steps(found)

    def steps(self, found: tuple[list[Quote], str, str, int, str], focus: bool = True, part: bool = False) -> list[Line]:
        """A list's items under a line naming where they come from; with ``focus``, a long list is cut to the items that bear on the question.

        ``part`` says the items given are already those of the list that bear on the question.
        """
        items, title, section, total, lead = found
        count = self.analysis.count
        where = f"“{title}”" + (f", section “{section}”" if section else "")
        focused = self.focus(items, f"{title} {section} {lead}") if focus else items if part else None
        if focused == [] and self.coverage(self.c.analyse([f"{section} {lead}"])[0]) < 0.25:
            # No item bears on the question's own words, and the heading does not name what is asked either
            # (a scenario such as "after one partner bid alone" need not reappear in the steps for it).
            return self.procedure_fallback()
        if count:
            focused = None
        if focused:
            shown = focused[:LIST_MAX]
            framing = f"From {where}, the {len(shown)} of its {total} points that bear on this:"
        else:
            shown = items[: count or (total if total <= LIST_WHOLE else LIST_MAX)]
            framing = f"From {where} (the first {len(shown)} of its {total} points):" if len(shown) < total else f"From {where}:"
        if count and count > total:
            framing = f"The documents give {total} points, not {count}, in {where}:"
        lines = [Line(prefix=framing)]
        # Pitfalls answering a how-to ("What should I be careful not to do?") are no steps to follow in order.
        ordered = self.analysis.kind == "procedure" and not is_pitfall_section(section)
        for i, q in enumerate(shown, start=1):
            lines.append(Line([q], prefix=f"{i}. " if ordered else "- "))
        return lines

    def procedure_fallback(self) -> list[Line]:
        """No list answers the question: sentences instead, saying so when a plan of N steps was asked for."""
        if self.prose_section is not None:
            lines = self.section_sentences(*self.prose_section)
            if lines:
                return lines
        if not self.analysis.count or self.analysis.kind != "procedure":
            return []
        lines = self.sentences()
        if lines:
            lines.insert(0, Line(prefix=f"The documents set out no {self.analysis.count}-step plan for this; the closest guidance they give:"))
        return lines

    def section_sentences(self, doc_id: str, section: str, most: int = 5, least: int = 2, focus: bool = False) -> list[Line]:
        """A prose section that answers a list or how-to question, read in order ("The first ... The second ..."); its pitfalls too when they are asked for.

        With ``focus``, a section of more than twice ``most`` sentences gives the ``most`` that bear most on the
        question, still in order: "Why do they matter?" opens on two sentences about the guide's other
        strategies, and says what residents add ("enrich existing data with their experiences") in its fifth paragraph.
        """
        passages = [p for p in self.passages + self.extra if p.doc_id == doc_id and p.section == section]
        if self.c.expand is not None:
            passages += [p for p in self.document(doc_id) if p.section == section]
        if focus:
            lines = read_in_order(passages, FOCUS_READ, pitfalls=self.pitfalls_wanted, least=least)
            quotes = [q for line in lines for q in line.quotes]
            if len(quotes) > 2 * most:  # a short section reads best whole from its start ("... in four ways. ... ideas. ... learning.")
                # The section is chosen; its sentences compete on their own words, not on their passages' rank.
                terms = self.c.analyse([q.text for q in quotes])
                score = {q.doc_offset: sentence_relevance(t, self.q_terms, self.weights, self.q_pairs) * self.kind_factor(q) for q, t in zip(quotes, terms)}
                kept = {q.doc_offset for q in sorted(quotes, key=lambda q: -score[q.doc_offset])[:most]}
                return [Line(kept_quotes, line.prefix) for line in lines if (kept_quotes := [q for q in line.quotes if q.doc_offset in kept])]
            return lines
        return read_in_order(passages, most, pitfalls=self.pitfalls_wanted, least=least)

    def best_list(self) -> tuple[list[Quote], str, str, int, str] | None:
        """``(items, title, section, total items, lead-in)`` of the list that best answers the question, or ``None``.

        List score = 0.20 x passage weight + 0.20 x coverage of the question's terms by the whole
        list (with its document's title: a method card's steps need not repeat the method's name) + 0.35 x their coverage by its section heading and lead-in
        (with the title when the heading names nothing, as "How to do it" does) + 0.10 x by the document
        title + 0.15 x the closeness in meaning of its passage (:meth:`meaning`: "case notes" and
        "Writing case records" share no heading word) + 0.05 if numbered + 0.05 if the heading or
        lead-in reads like steps - 0.40 for a pitfalls list (unless pitfalls are asked for). A
        how-to question never takes a list introduced by "Examples include:". A list must hold two
        quotable items, cover 30% of the question's weighted terms, 20% with its title, heading and
        lead-in together, and score 0.35. A prose section whose heading covers the question 0.25
        better than the list's wins instead ("Setting up the partnership board" over a governance
        checklist); for a how-to question both sides add 0.15 x their closeness in meaning.

        Example: a numbered "Step-by-step: paying people" list in the top passage (weight 1)
        covering 80% of the terms, 50% in its heading and 40% in its title, the passage closest
        in meaning among the candidates, scores 0.20 + 0.16 + 0.175 + 0.04 + 0.15 + 0.05 + 0.05 = 0.825.
        """
        groups: dict[tuple[str, int], tuple[Passage, Unit, float]] = {}
        meaning: dict[tuple[str, int], float] = {}
        for p in self.passages:
            for u in p.units:
                if u.kind == "list":
                    w = self.weight.get(p.id, 0.0)
                    if (p.doc_id, u.key) not in groups or groups[(p.doc_id, u.key)][2] < w:
                        groups[(p.doc_id, u.key)] = (p, u, w)
                    meaning[(p.doc_id, u.key)] = max(meaning.get((p.doc_id, u.key), 0.0), self.meaning(p))
        scored = []
        for (doc_id, key), (p, u, weight) in groups.items():
            items = self.list_items(doc_id, key, [q for q in self.passages if q.doc_id == doc_id])
            if len(items) < 2:
                continue
            lead = lead_in(p, u)
            # A heading that names nothing ("How to do it" on a method card) is headed by its document's title.
            named_by = f"{p.section} {lead}" if self.names_something(p.section) else f"{p.title} {p.section} {lead}"
            whole, head, title = self.c.analyse([" ".join([p.title, p.section, lead] + [q.text for q in items]), named_by, p.title])
            pitfall = is_pitfall_section(p.section) or bool(lead and PITFALL_LEAD.search(lead))
            steps = bool(STEPS_SECTION.search(f"{p.section} {lead}"))
            coverage, head_cov = self.coverage(whole), self.coverage(head)
            if self.contents_wanted:  # "what should go into an agreement": a list of contents, not the steps of making one
                steps = bool(CONTENTS_SECTION.search(f"{p.section} {lead}"))
            named = bool(self.listed and has_term(set(head), self.listed))
            own = heading(p)
            advice = steps or ROLES_SECTION.match(own) or ROLE_WORD.search(own) or FACETS["lessons"][1].search(own) or CHECKLIST_SECTION.search(own)
            if self.analysis.kind == "list" and not named and advice and (self.analysis.listed or "").lower() in NOT_STEPS:
                # The steps of co-location, who does what in it, or a review's advice ("Implications for practitioners") are not
                # its benefits; a section or sentences naming them may answer ("What collaboration adds to innovation").
                continue
            score = 0.20 * weight + 0.20 * coverage + 0.35 * head_cov + 0.10 * self.coverage(title) + 0.05 * u.ordered + 0.05 * steps
            score += MEANING * meaning[(doc_id, key)]
            if named:
                score += NAMED  # "what roles ...": a list under "The role of leaders" is a list of roles
            if WHY_SECTION.match(own):  # "Why payment by results can crowd out collaboration"
                score += 0.10 if self.analysis.kind == "reason" else -0.15 if self.analysis.kind == "procedure" else 0.0
            if self.analysis.kind == "procedure":
                if ROLES_SECTION.match(own) and self.analysis.answer_type != "person":
                    score -= 0.30  # "Who does what in measuring value" names who, not the steps of measuring
                if LIMITS_SECTION.search(own) and not LIMITS_SECTION.search(self.question):
                    score -= 0.15  # "The limits of SROI" are limits, not steps
            if self.analysis.kind == "procedure" and not (self.listed or "").startswith("exampl") and example_list(p, u, self.document(p.doc_id) if self.c.expand else [p]):
                continue  # "Examples include:" introduces instances, not the steps to take; the prose around it may answer
            if count := self.analysis.count:  # "the three functions": a list of exactly three is very likely the one
                if self.analysis.kind == "list" and len(items) != count:
                    continue  # a list of six checks is not "the three components"; prose may name them
                score += 0.10 if len(items) == count else 0.0
            if pitfall and not self.pitfalls_wanted:
                score -= 0.40
            elif pitfall and RISKS_WANTED.search(self.question):
                score += 0.15  # "What are the risks of paying people ...": the pitfalls are the answer
            if coverage >= (0.20 if named else 0.30) and self.coverage(head + title) >= 0.20 and score >= 0.35:
                scored.append((score, head_cov, doc_id, key, p, lead, named))
        naming = self.prose_naming_listed()
        if not scored and naming is None and (under := self.steps_under_top(groups)) is not None:
            scored.append(under)
        if not scored:
            if naming is not None:
                self.prose_section = (naming.doc_id, naming.section)
            elif (prose := self.best_prose())[0] >= 0.4:
                self.prose_section = (prose[1].doc_id, prose[1].section)
            return None
        if self.analysis.kind == "list" and any(t[6] for t in scored):
            # "What are the types of co-production …?": the list headed "The four types" answers it,
            # before a checklist whose heading says "co-production" but lists no types.
            scored = [t for t in scored if t[6]]
        score, head_cov, doc_id, key, p, lead, named = max(scored, key=lambda t: t[0])
        if naming is not None and not named:
            # "What are the barriers to ...": a section headed "The barriers to collaborative innovation"
            # answers it, even in prose, before a list of advice that never says "barriers".
            self.prose_section = (naming.doc_id, naming.section)
            return None
        # Within one document the title's words say nothing about which section answers, so headings are
        # compared on the question's other words ("starting conditions" in an Ansell and Gash question).
        best_prose = self.best_prose(exclude=p.section, doc_id=p.doc_id)
        if best_prose[0] >= self.section_coverage(p, lead) + self._prose_meaning() * meaning[(doc_id, key)] + 0.25 and not named:  # "The limits of SROI" lists the limits asked for
            self.prose_section = (best_prose[1].doc_id, best_prose[1].section)
            return None
        rival = self.rival_prose(p.doc_id, head_cov, self.weight.get(p.id, 0.0), meaning[(doc_id, key)])
        if rival is not None and not named:
            self.prose_section = (rival.doc_id, rival.section)
            return None
        docs = self.document(doc_id) if self.c.expand else []
        items = self.list_items(doc_id, key, [q for q in self.passages if q.doc_id == doc_id] + docs)
        return items, p.title, p.section, len(items), lead

    def rival_prose(self, doc_id: str, head_cov: float, weight: float, meaning: float) -> Passage | None:
        """A prose section of another document that plainly answers instead of the list, if any.

        "How do we set up the partnership board?": the best passage, headed "Setting up the
        partnership board", beats a commissioning guide's steps that mention an alliance board.
        It must be ranked and close in meaning at least as well as the list's passage, its heading
        must cover half the question, and that coverage, plus half of each of those leads, must beat the list's
        heading and lead-in by 0.4 (coverage of all the question's words: headings of different
        documents are compared). A glossary entry defines; it does not say how.
        """
        rivals = [
            q for q in self.prose_passages()
            if q.doc_id != doc_id and self.weight.get(q.id, 0.0) >= weight and self.meaning(q) >= meaning
            and not (KEY_TERMS_SECTION.search(q.title) or KEY_TERMS_SECTION.search(q.section))
            and self.head_coverage(q) >= 0.5
            and self.head_coverage(q) + 0.5 * (self.weight.get(q.id, 0.0) - weight) + 0.5 * (self.meaning(q) - meaning) >= head_cov + 0.4
        ]
        return max(rivals, key=lambda q: (self.head_coverage(q), self.weight.get(q.id, 0.0)), default=None)

    def names_only_asked(self, words: str) -> bool:
        """Whether ``words`` (what a heading is about) name something, and only what the question names."""
        terms = [t for t in self.c.analyse([words])[0] if t not in self.c.ignore and t not in self.c.frame]
        return bool(terms) and all(has_term(set(self.q_terms), t) for t in terms)

    def names_something(self, section: str) -> bool:
        """Whether a section trail holds a word beyond stop and frame words ("How to do it", "Steps" do not)."""
        return any(t not in self.c.ignore and t not in self.c.frame for t in self.c.analyse([section])[0])

    def steps_under_top(self, groups: dict[tuple[str, int], tuple[Passage, Unit, float]]) -> tuple | None:
        """For a how-to question no list covers in words, the steps list of a subsection of the best passage's section.

        "How should we set up a shared online space for frontline staff ...?" ranks "Method 3: shared digital
        platforms" first, but its words ("online space", "chat channel") are not the list's; the steps under that
        section ("Steps for shared digital platforms") are how to do what the section describes.
        """
        if self.analysis.kind != "procedure" or not self.passages[: self.ranked]:
            return None
        top = self.passages[0]
        if not top.section or KEY_TERMS_SECTION.search(top.section) or is_reference_section(top.section):
            return None
        under = [
            (p, u) for (doc_id, key), (p, u, _) in groups.items()
            if doc_id == top.doc_id and p.section.startswith(f"{top.section} > ") and STEPS_SECTION.search(heading(p))
            and not is_pitfall_section(p.section) and len(self.list_items(doc_id, u.key, [q for q in self.passages if q.doc_id == doc_id])) >= 2
        ]
        if len(under) != 1:
            return None  # none, or several to choose between on words the question does not share
        p, u = under[0]
        lead = lead_in(p, u)
        return (0.0, 0.0, p.doc_id, u.key, p, lead, False)

    def prose_naming_listed(self) -> Passage | None:
        """The best well-ranked passage without a list whose heading names what the question asks a list of."""
        if not self.listed:
            return None
        naming = [q for q in self.prose_passages() if has_term(set(self.c.analyse([q.section])[0]), self.listed)]
        return max(naming, key=lambda q: self.weight.get(q.id, 0), default=None)

    def prose_passages(self) -> list[Passage]:
        """Well-ranked passages (half the best passage's weight or more) of a named section holding no list."""
        return [
            q for q in self.passages
            if self.weight.get(q.id, 0) >= 0.5 and q.section and not any(u.kind == "list" for u in q.units)
        ]

    def best_prose(self, exclude: str | None = None, doc_id: str | None = None) -> tuple[float, Passage | None]:
        """The well-ranked passage without a list whose heading best covers the question (see :meth:`section_coverage`).

        Against a list, only sections of the list's own document compete: headings are compared on the
        question's words beyond the document's title, which differ from one document to another.
        """
        explaining = self.analysis.kind == "procedure"  # a how-to question is not answered by "Creaming and parking explained"
        prose = [
            (self.section_coverage(q) + self._prose_meaning() * self.meaning(q), q) for q in self.prose_passages()
            if q.section != exclude and (doc_id is None or q.doc_id == doc_id)
            and not (explaining and (EXPLAINING_SECTION.search(q.section) or KEY_TERMS_SECTION.search(q.title)))  # nor by a glossary entry
        ]
        return max(prose, key=lambda t: t[0], default=(0.0, None))

    def section_coverage(self, p: Passage, lead: str = "") -> float:
        """How much of the question, beyond the words of the document's subject, a passage's heading (and list lead-in) covers.

        The subject is the title, or only its part before a colon when the part after it lists the
        sections' topics: in "Supporting key workers: caseloads, supervision and reflective practice"
        the words "reflective practice" say which section answers, "key workers" do not.
        """
        title = set(self.c.analyse([subject_of(p.title)])[0])
        rest = [t for t in self.q_terms if not has_term(title, t)]
        return self.coverage(self.c.analyse([f"{p.section} {lead}"])[0], among=rest)

    def named_section(self) -> Passage | None:
        """The best passage when its heading names what the question asks about beyond its document's subject, else ``None``.

        "What did Ostrom's cases from Brazil and Nigeria show about co-production?": the best
        passage's heading, "Two cases: Brazilian sanitation and Nigerian schools", covers half or
        more of the question's words outside the title's subject, so its section is what is asked.
        """
        best = self.passages[0] if self.passages else None
        if best is None or not best.section or is_reference_section(best.section):
            return None
        rest = self.beyond_subject(best)
        if not rest:
            return None
        return best if self.coverage(self.c.analyse([best.section])[0], among=rest) >= NAMED_SECTION else None

    def beyond_subject(self, p: Passage) -> list[str]:
        """The question's terms beyond the subject of ``p``'s document (its title's) and beyond the names it holds.

        Names are left out: a heading naming the authors ("Rees, Whitworth and Carter (2014): the
        evidence on creaming and parking") says whose study it is, not which of its findings is asked.
        """
        names = {t for terms in self.c.analyse(re.findall(r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]+", self.question)) for t in terms}
        title = set(self.c.analyse([subject_of(p.title)])[0])
        return [t for t in self.q_terms if not has_term(title, t) and t not in names]

    def named_coverage(self, p: Passage) -> float:
        """How much of the question a passage's section heading covers, with its document's title when the heading names nothing ("How to do it")."""
        named_by = p.section if self.names_something(p.section) else f"{p.title} {p.section}"
        return self.coverage(self.c.analyse([named_by])[0])

    def head_coverage(self, p: Passage) -> float:
        """How much of the question a passage's section heading covers (cached per passage)."""
        if p.id not in self._head:
            self._head[p.id] = self.coverage(self.c.analyse([p.section])[0]) if p.section else 0.0
        return self._head[p.id]

    def focus(self, items: list[Quote], context: str) -> list[Quote] | None:
        """The items of a list that bear on what the question adds to the list's own subject.

        Focus terms are the question's terms missing from the list's title, heading and lead-in
        ("pay" in a payment question answered from a workshop-preparation list). When they carry
        40% or more of the question's weight, only items scoring at least half the best item on
        them are kept, in a list too long to show whole (over ``LIST_MAX`` items). Returns ``None``
        to keep the whole list (short, no focus, or nearly every item bears on it) and ``[]`` when the focus carries 60% of the question and no item covers a
        third of it: then the list is about something else and is not offered as the answer.
        """
        if len(items) <= 5:
            return None
        covered = set(self.c.analyse([context])[0])
        focus = [t for t in self.q_terms if not has_term(covered, t)]
        total = sum(self.weights.get(t, 0.0) for t in self.q_terms) or 1.0
        focus_weight = sum(self.weights.get(t, 0.0) for t in focus)
        if focus_weight < 0.4 * total:
            return None
        per_item = [
            sum(self.weights.get(t, 0.0) for t in focus if has_term(set(terms), t))
            for terms in self.c.analyse([q.text for q in items])
        ]
        best = max(per_item, default=0.0)
        if best < focus_weight / 3 and focus_weight >= 0.6 * total:
            return []
        if len(items) <= LIST_MAX:
            return None  # a list short enough to show whole is shown whole: its items were written to be read together
        kept = [q for q, w in zip(items, per_item) if w >= 0.5 * best]
        return kept if 2 <= len(kept) < len(items) - 1 else None

    def topic_items(self, items: list[Quote], context: str) -> list[Quote] | None:
        """The items of a section's list that speak of a topic the question adds to the section, if it adds one.

        The topic is a term of the question missing from the list's title, heading and lead-in, not
        counting frame words or numbers, the heaviest that qualifies: "pay" in "How should I pay
        community members who take part in co-design workshops?" against "Step-by-step: preparing
        the workshop". It must carry 15% of the question's weight, be named by at least two items and at most half of
        them, and one item must be a step about it (its bold title names it: "**Agree payment and
        expenses in advance.**"). Otherwise the list answers the question as a whole ("Two partners
        want to co-lead the programme. What steps should we take?" against the steps of a
        co-leadership agreement, nearly all naming co-leads), or the missing word is incidental
        ("How do we keep our partnership's work going ...?": "going"), and it is shown whole.
        """
        if len(items) < 4:
            return None
        covered = set(self.c.analyse([context])[0])
        # A word joined by "and" to one the heading names is part of the same subject ("one set of outcomes
        # and indicators" against "Step-by-step: building a shared outcome framework"), not one the question adds.
        joined: set[str] = set()
        for a, b in PAIRED.findall(self.question):
            x, y = self.c.analyse([a, b])
            if any(has_term(covered, t) for t in y):
                joined.update(x)
            if any(has_term(covered, t) for t in x):
                joined.update(y)
        # A word closing a compound the heading names is its head, not another topic ("data sharing agreement"
        # against "Step-by-step: setting up data sharing": the agreement is what setting up data sharing makes).
        words = [terms[0] if terms else "" for terms in self.c.analyse(WORD.findall(self.question))]
        for before, word in zip(words, words[1:]):
            if before and word and has_term(covered, before) and not has_term(covered, word):
                joined.add(word)
        topics = [t for t in self.q_terms if not has_term(covered, t) and t not in self.c.frame and t not in self.c.numbers and t not in joined]
        total = sum(self.weights.get(t, 0.0) for t in self.q_terms) or 1.0
        analysed = [set(terms) for terms in self.c.analyse([q.text for q in items])]
        titles = [set(self.c.analyse([m.group(1)])[0]) if (m := STEP_TITLE.match(q.text)) else set() for q in items]
        for topic in sorted(topics, key=lambda t: -self.weights.get(t, 0.0)):
            if self.weights.get(topic, 0.0) < 0.15 * total:
                break
            naming = [i for i, terms in enumerate(analysed) if has_term(terms, topic)]
            if 2 <= len(naming) <= len(items) // 2 and any(has_term(titles[i], topic) for i in naming):
                return [items[i] for i in naming]
        return None

    def list_items(self, doc_id: str, key: int, passages: Sequence[Passage]) -> list[Quote]:
        """One list's quotable items in document order, each from the best-ranked passage holding it."""
        by_offset: dict[int, Quote] = {}
        for p in passages:
            for u in p.units:
                if u.kind != "list" or u.key != key or p.doc_id != doc_id:
                    continue
                for span in u.items:
                    quoted = quotable_item(p.text, span)
                    if quoted is not None:
                        by_offset.setdefault(p.start + quoted[0], Quote(p, quoted, "step"))
        return [by_offset[k] for k in sorted(by_offset)]


def first_list(lists: Sequence[tuple[Passage, Unit]]) -> tuple[Passage, Unit]:
    """The ``(passage, list)`` pair that comes first in its document: a section's first list."""
    return min(lists, key=lambda xu: xu[0].start + (xu[1].items[0][0] if xu[1].items else 0))


def subject_of(title: str) -> str:
    """A title's subject: the part before its colon when the part after it lists topics ("..., ... and ..."), else all of it."""
    head, colon, rest = title.partition(":")
    return head if colon and ("," in rest or " and " in rest) else title


def lead_in(p: Passage, u: Unit) -> str:
    """The line introducing list ``u`` of ``p`` ("Practical design rules are:"), or "" when it has none."""
    return p.text[u.lead[0] : u.lead[1]] if u.lead else ""


def subsections(section: str, document: Sequence[Passage]) -> list[str]:
    """The direct subsections of ``section`` in ``document``, in document order ("How to do it > Open card sort", ...)."""
    return list(dict.fromkeys(x.section for x in document if x.section.startswith(f"{section} > ") and " > " not in x.section[len(section) + 3 :]))


def closest_two(meanings: list[float]) -> float:
    """A document's closeness in meaning: its closest passage, with a quarter of its second closest."""
    top = sorted(meanings, reverse=True)[:2] + [0.0]
    return top[0] + 0.25 * top[1]


EXAMPLE_BEFORE = re.compile(r"\b(?:see\s+(?:the\s+)?examples?\s+below|examples?\s+below|here\s+is\s+an\s+example|as\s+an\s+example)\b[^.]{0,40}[:.]?\s*$", re.I)
"""Words just before a list saying it is an example ("See example below:" over a worked five whys)."""


def example_list(p: Passage, u: Unit, document: Sequence[Passage]) -> bool:
    """Whether a list gives instances or other pages to read, not steps: its lead-in says so ("Examples include:",
    "Additional sites with detail on various co-design methods include:"), or the words just before it do.

    The words before may close the passage before (a passage can open on the list's lead-in).
    """
    if u.lead and (EXAMPLES_LEAD.search(lead := lead_in(p, u)) or RESOURCES_LEAD.search(lead)):
        return True
    at = p.start + (u.lead[0] if u.lead else u.start)  # where the list starts in the document
    x = max((x for x in document if x.start < at), key=lambda x: x.start, default=None)  # the passage holding the words before it
    return x is not None and bool(EXAMPLE_BEFORE.search(x.text[max(0, at - 120 - x.start) : at - x.start].rstrip()))
