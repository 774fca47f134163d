"""The core of one composition: the question's terms, the passage pool, sentence scoring, findings, coverage."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from assistant.compose.cues import (
    AFTER_EVENT,
    ANSWER_TYPE_CUE,
    CONTENT_OF_WORK,
    CONTENTS_WANTED,
    COUNTED,
    FINDING_CUE,
    HOW_MANY_DID,
    JUDGEMENT_WANTED,
    KEY_TERMS_SECTION,
    LIMITS_SECTION,
    ORIGIN_CUE,
    ORIGIN_WANTED,
    PREPARATION_SECTION,
    PREPARATION_WANTED,
    PUBLICATION,
    PUBLICATION_WANTED,
    REASON_CUE,
    ROLES_SECTION,
    START_CUE,
    START_WANTED,
    TWO_PART,
    VAGUE_VERBS,
    YEAR,
)
from assistant.evidence import FINDINGS_SECTION, LABELLED_PITFALL, PITFALL_LEAD, STEPS_SECTION, Quote, is_pitfall_section, is_reference_section, sentence_quotes
from assistant.question import (
    DEFINING_WORDS, FACET_WORDS, FINDINGS_WORDS, FRAME_PHRASES, FRAME_WORDS, NUMBER_WORDS, TAKING_PART_WORDS, WORD, QuestionAnalysis, initialisms, split_context, statements,
)
from assistant.retrieve import Passage

if TYPE_CHECKING:
    from assistant.answer import ExtractiveComposer


CARRIED = 0.9
"""Share of the sentence before's score a factoid's answering sentence that refers back to it keeps (:meth:`Base.carried`)."""
REFERS_BACK = re.compile(r"\b(?:the|this|that)\s+(?:concept|idea|term|phrase|notion|model|framework|approach|method|programme|program|scheme)\b|^\s*(?:It|This|They|These|Those)\b")
"""A sentence going on about what the sentence before it named ("... introduced the concept in 1973")."""
POINTS_BACK = re.compile(r"(?:This|They|These|Those|Such)\b|It\b(?!\s+(?:is|was|can\s+be|may\s+be)\s+[\w-]+\s+(?:to|that|whether)\b)")
"""A sentence opening on a word that points back to the sentence before it ("These include ..."); not "It is worth noting that"."""
HEADED = 0.5
"""Share of the question its best passage's heading must cover for a question of no particular kind to be answered by that section (:meth:`Composition.headed_section`)."""
CONTEXT_WEIGHT = 0.1
"""Share of its weight a word keeps when only a question's opening statement holds it (:func:`split_context`)."""
EMPHASISED_LINE = re.compile(r"(\*\*?|__?)[^*_]+[^.!?*_]\1")
"""A line wholly in italics or bold, without a full stop: a label, not a sentence to read out."""
MISSING_SHARE = 0.15
"""Share of the question's weight the words no passage names must carry before the answer says so.

At 0.10 the notice opened 77 of the 478 answers to the gold and development sets, most of them
full answers: "versus", "behind", "month" or "parents" carried 10-15% of their questions.
"""
ADJECTIVE_ENDING = re.compile(r"(?:ible|able|ful|ous|less|ish)$")
"""Endings of describing words ("sensible"); checked only for words lemminflect does not know."""


CALENDAR_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday weekend weekday weekdays tomorrow tonight yesterday fortnight "
    "january february march april june july august september october november december".split()
)
"""Days and months: when something happens ("on Thursday", "from April"), never what a question is about ("may" is left out: a verb)."""


@dataclass
class Line:
    """One line of a composed answer: framing words, then quotes each followed by its marker."""

    quotes: list[Quote] = field(default_factory=list)
    prefix: str = ""
    """Our words before the quotes: "1. ", "**Co-design:** ", "Pitfall: ", or a whole framing line."""


@dataclass
class Scored:
    quote: Quote
    terms: frozenset[str]
    score: float


class Base:
    """One composition: the question, its passages, and the scored evidence drawn from them.

    The list and definition readers (:mod:`.lists`, :mod:`.compare`) complete it into
    :class:`assistant.compose.Composition`.
    """

    def __init__(
        self, composer: "ExtractiveComposer", question: str, analysis: QuestionAnalysis, passages: list[Passage], extra: list[Passage],
        query: str | None = None, similarity: dict[str, float] | None = None,
    ) -> None:
        self.c = composer
        self.s = composer.settings
        self.question = question
        self.analysis = analysis
        self.passages = list(passages)  # add_sections grows this pool; the caller's list stays as it was
        self.ranked = len(passages)  # the first ``ranked`` of the pool are the retrieved passages, best first
        self.extra = list(extra)
        self.joined: set[str] = set()  # steps sections offered by a guide ranked only on its roles (Guides.steps_of_summaries)
        self.as_block = False
        # Frame words ("get", "make") say nothing about the topic, unless capitalised inside a name ("Making It Work").
        # A follow-up is scored with the topic it borrowed ("Which rungs count as tokenism on it?" + "ladder participation").
        words = query if query and query.startswith(question.strip()) else question
        # A follow-up's own words ("evaluated" in "And how was it evaluated?"), beside the topic it borrowed.
        self.follow_up = words.strip() != question.strip()
        words = FRAME_PHRASES.sub(" ", words)
        named = {t for terms in composer.analyse([w for w in WORD.findall(words)[1:] if w[:1].isupper()]) for t in terms}
        q_seq = [t for t in composer.analyse([words])[0] if t not in composer.ignore and (t not in composer.frame or t in named)]
        self.q_seq = q_seq
        self.own_terms = frozenset(t for t in composer.analyse([question])[0] if t in q_seq) if self.follow_up else frozenset()
        self.q_terms = list(dict.fromkeys(q_seq))
        self.weights = composer.idf(self.q_terms)
        # "Our forum has a history of distrust. How do we build trust?": the opening statement says why
        # the question is asked; its words count for less than the question's own.
        context, ask = split_context(question)
        # Words only the statements use say where or why the question is asked, even when it points back to
        # them ("that kind of observation session" after "caseworkers in a benefits office"): :meth:`missing_terms`.
        stated, asked_sentence = statements(question)
        self.context_words = {w.lower() for w in WORD.findall(stated)} - {w.lower() for w in WORD.findall(asked_sentence)}
        if context:
            asked = set(composer.analyse([ask])[0])
            for t in composer.analyse([context])[0]:
                if t not in asked and t in self.weights:
                    self.weights[t] *= CONTEXT_WEIGHT
        self.q_pairs = set(zip(q_seq, q_seq[1:]))
        top = max((p.score for p in passages), default=0.0) or 1.0
        self.weight = {p.id: p.score / top for p in passages + extra}
        # Closeness in meaning, scaled 0..1 between the least and the most similar dense candidate:
        # "case notes" is close to a section on "Writing case records" though no heading word is shared.
        self.similarity = dict(similarity or {})
        for p in passages + extra:
            if p.dense is not None:
                self.similarity.setdefault(p.id, p.dense)
        cosines = list(self.similarity.values())
        self._sim_range = (min(cosines), max(cosines)) if cosines else (0.0, 0.0)
        self.judgement = bool(JUDGEMENT_WANTED.search(question))  # "Is that a good idea?": the pitfalls naming the practice answer
        self.pitfalls_wanted = self.judgement or bool(PITFALL_LEAD.search(question))
        self.contents_wanted = bool(CONTENTS_WANTED.search(question))
        # "What does Torfing's book say about ...?" names the book as where to look, not as what is asked about it.
        self.publication_wanted = (bool(PUBLICATION_WANTED.search(question)) and not CONTENT_OF_WORK.search(question)) or analysis.answer_type in ("source", "date") or bool(ORIGIN_WANTED.search(question))
        self.two_part = bool(TWO_PART.search(question))  # "Which journal ..., and what did it find?"
        self.year_asked = bool(YEAR.search(question))  # a year counts as a number only then (:meth:`kind_factor`)
        listed = composer.analyse([analysis.listed])[0] if analysis.listed else []
        self.listed = listed[0] if listed else None  # the analysed term of what a list question asks for ("role")
        self.prose_section: tuple[str, str] | None = None  # a prose section that answers better than any list
        self._head: dict[str, float] = {}
        self._documents: dict[str, list[Passage]] = {}
        self.add_sections()

    def document(self, doc_id: str) -> list[Passage]:
        """All passages of a document in order (the composer's ``expand``), read once per composition.

        Callers check that ``self.c.expand`` is set; the list returned is shared, so it is not changed.
        """
        found = self._documents.get(doc_id)
        if found is None:
            found = self._documents[doc_id] = self.c.expand(doc_id)
        return found

    def add_sections(self, docs: int = 2) -> None:
        """Bring in the sections of the best documents that hold this kind of answer.

        "What did Making It Work find?" retrieves passages *about* Making It Work; its "What the
        evaluations found" section may not be among them. For findings questions the findings
        sections, for reasons the "Why ..." sections, for procedures the passages holding lists, and for definitions the
        "Key terms" sections ("IPS" is defined there as "Individual Placement and Support (IPS) is ...") and the opening
        passage of a document whose title opens with the term ("Buurtzorg: self-managing ..."), and for who first put an
        idea forward the opening passages ("Rittel and Webber ... introduced the concept in ... 1973"), of the two
        best documents join the pool, weighted at 0.9 x their document's best passage.
        """
        kind = self.analysis.kind
        if kind == "factoid" and ORIGIN_WANTED.search(self.question):
            kind = "origin"
        if self.judgement:
            kind = "judgement"
        if kind not in ("findings", "procedure", "list", "reason", "definition", "origin", "judgement") or self.c.expand is None:
            return
        best = self.best_documents()
        have = {p.id for p in self.passages}
        subject = self.c.analyse([self.analysis.subjects[0]])[0] if kind == "definition" and self.analysis.subjects else []
        for doc_id in list(best)[:docs]:
            document = self.document(doc_id)
            for p in document:
                if p.id in have or is_reference_section(p.section):
                    continue
                if kind == "findings":
                    wanted = FINDINGS_SECTION.search(p.section)
                elif kind == "reason":
                    wanted = self.gives_reasons(p)
                elif kind == "judgement":  # "Is that a good idea?": what goes wrong, or the limits of the practice
                    wanted = is_pitfall_section(p.section) or LIMITS_SECTION.search(p.section)
                elif kind == "origin":  # "who coined wicked problems": the document opens with where the idea comes from
                    wanted = p is document[0]
                elif kind == "definition":
                    # A document named for the term opens by saying what it is ("Buurtzorg: self-managing ..." with
                    # "Buurtzorg is a not-for-profit ..."); "Guide to co-design" is named for a guide.
                    named = bool(subject) and p is document[0] and self.c.analyse([p.title])[0][: len(subject)] == subject
                    wanted = KEY_TERMS_SECTION.search(p.section) or named
                else:
                    wanted = any(u.kind == "list" for u in p.units)
                if wanted:
                    self.passages.append(p)
                    self.weight[p.id] = 0.9 * best[doc_id]
                    have.add(p.id)

    def best_documents(self) -> dict[str, float]:
        """Each document of the pool with its best passage's weight, best documents first."""
        best: dict[str, float] = {}
        for p in self.passages:
            best[p.doc_id] = max(best.get(p.doc_id, 0.0), self.weight.get(p.id, 0.0))
        return dict(sorted(best.items(), key=lambda kv: kv[1], reverse=True))

    # -- dispatch ----------------------------------------------------------------------------

    def compose(self) -> list[Line]:
        kind = self.analysis.kind
        lines = self.documents_list() or self.session_slot() or self.session_part() or self.facet_section() or self.what_came_next()
        if lines:
            return lines
        if kind == "procedure":
            lines = self.outline() or self.lead_section()
            if lines:
                return lines
        if kind == "list":
            lines = self.subsections()
            if lines:
                return lines
        if kind in ("procedure", "list"):
            lines = self.procedure()
            if lines:
                self.as_block = True
                return lines
        if kind == "definition":
            lines = self.definition(self.analysis.subjects[0])
            if lines:
                return lines
        if kind == "findings":
            lines = self.findings()
            if lines:
                return lines
        if kind == "reason":
            lines = self.reasons()
            if lines:
                return lines
        if kind == "comparison":
            lines = self.comparison()
            if lines:
                self.as_block = True
                return lines
        if kind == "other":
            lines = self.headed_section()
            if lines:
                return lines
        if kind in ("other", "yes-no"):
            lines = self.list_only_section()
            if lines:
                return lines
        return self.sentences()

    def list_only_section(self) -> list[Line]:
        """The section of the passage ranked first and closest in meaning, when all it says is in a list.

        "Is user testing only something you do once a data tool is finished, or are there other points
        in a project where it pays off?" ranks "When?" first ("There are several times when user testing
        could be useful:" and three moments, none a sentence of its own); the best sentences gathered
        elsewhere said what user testing is and its limits.
        """
        ranked = self.passages[: self.ranked]
        if not ranked or self.c.expand is None or self.follow_up or is_reference_section(ranked[0].section):
            return []
        best = ranked[0]
        if self.meaning(best) < 1.0 or not any(u.kind == "list" and len(u.items) >= 2 for u in best.units):
            return []
        if STEPS_SECTION.search(best.section) or (is_pitfall_section(best.section) and not self.pitfalls_wanted) or ROLES_SECTION.match(heading(best)):
            return []  # steps, pitfalls or who does what answer a question asking for them (their own compositions)
        if not all(in_list_item(q) for q in sentence_quotes(best)):
            return []  # it says something outside its list
        return self.section_answer(best, self.document(best.doc_id))

    def what_came_next(self) -> list[Line]:
        """What someone did after an event a case tells of: the section after the one telling the event, read in order.

        "After Norfolk held its co-design roundtable on flooding, what did the city actually change or
        release?" ranks the roundtable's own section first ("How Norfolk listened to local experts to
        co-design what happened next"); what followed is told in the next section ("How Norfolk has
        implemented recommendations ..."). The event's section is the best document's section whose text
        says most of the event's words (three quarters at least, its rarest among them), wherever it ranks.
        """
        m = AFTER_EVENT.search(self.question)
        ranked = self.passages[: self.ranked]
        if m is None or not ranked or self.c.expand is None or self.follow_up:
            return []
        event = [t for t in self.c.analyse([m["event"] or m["event2"]])[0] if t in self.q_terms]
        document = self.document(ranked[0].doc_id)
        order = list(dict.fromkeys(p.section for p in document if p.section and not is_reference_section(p.section)))
        if len(event) < 2 or len(order) < 2:
            return []
        said = {s: set(self.c.analyse([" ".join(p.text for p in document if p.section == s)])[0]) for s in order}
        # Of sections saying as much, the best ranked: the next section names the event again ("After listening to
        # local experts, Norfolk ..."), and so may a summary up front.
        rank = {s: i for i, s in reversed(list(enumerate(p.section for p in ranked)))}
        told = max(order[:-1], key=lambda s: (sum(t in said[s] for t in event), -rank.get(s, len(ranked)), -order.index(s)))
        rarest = max(event, key=lambda t: self.weights.get(t, 0.0))
        if rarest not in said[told] or sum(t in said[told] for t in event) * 4 < len(event) * 3:
            return []  # "its first workshop with service providers": no section tells of a workshop
        top = told.split(" > ")[0]
        after = next((s for s in order[order.index(told) + 1 :] if s.split(" > ")[0] != top), None)
        if after is None:
            return []
        p = next(p for p in document if p.section == after)
        return self.framed(p, self.section_sentences(p.doc_id, after, least=2))

    def headed_section(self) -> list[Line]:
        """For a question of no particular kind, the best passage's section read in order when its heading names the question.

        "What were the main things Austin and Sunlight actually did together?" ranks "What did Austin achieve
        with Sunlight?" first; its heading covers most of the question (its names too), so the section is what
        is asked (its list whole, or its prose read in order), not the best sentences gathered across the Austin
        case study.
        """
        ranked = self.passages[: self.ranked]
        if not ranked or not ranked[0].section or is_reference_section(ranked[0].section) or self.c.expand is None or self.follow_up:
            return []  # a follow-up's borrowed topic ("small win") is no heading it asks for ("And what should I cut if I run short of time?")
        best = ranked[0]
        cover = self.named_coverage(best)
        if cover < HEADED or any(self.named_coverage(p) >= cover for p in ranked[1:3] if p.section != best.section):
            return []
        return self.section_answer(best, self.document(best.doc_id))

    # -- sentences ---------------------------------------------------------------------------

    def scored_sentences(self, passages: Sequence[Passage]) -> list[Scored]:
        quotes = [q for p in passages for q in sentence_quotes(p)]
        if not quotes:
            return []
        analysed = self.c.analyse([q.text for q in quotes])
        seen: set[str] = set()
        out: list[Scored] = []
        for q, terms in zip(quotes, analysed):
            key = q.text.lower()
            if key in seen:  # the same sentence in an overlapping passage
                continue
            seen.add(key)
            score = self.weight.get(q.passage.id, 0.0) * sentence_relevance(terms, self.q_terms, self.weights, self.q_pairs)
            out.append(Scored(q, frozenset(terms), score * self.kind_factor(q)))
        return out

    def kind_factor(self, q: Quote) -> float:
        """How much a sentence's form suits the kind of answer wanted."""
        kind, text = self.analysis.kind, q.text
        factor = 1.0 + 0.3 * self.head_coverage(q.passage)  # the heading says what the passage is about
        if self.prose_section == (q.passage.doc_id, q.passage.section):
            factor *= 1.5
        if q.role == "pitfall":
            factor *= 1.2 if self.pitfalls_wanted else 0.6
        if PREPARATION_SECTION.search(heading(q.passage)) and not PREPARATION_WANTED.search(self.question):
            factor *= 0.3  # "The trainer needs a one-page self-assessment grid ..." does not say who sits on a steering group
        if PUBLICATION.search(text) and not self.publication_wanted:
            factor *= 0.5  # where a study appeared is not what it found, nor how to do anything
        if kind in ("findings", "reason") and STEPS_SECTION.search(q.passage.section) and in_list_item(q):
            factor *= 0.6  # "Write up what worked … so that later partnerships …" is a step to take, not a reason or a finding
        if kind == "findings":
            factor *= 1.6 if FINDINGS_SECTION.search(q.passage.section) else 1.2 if FINDING_CUE.search(text) else 0.7
        elif kind == "reason":
            factor *= 1.3 if REASON_CUE.search(text) else 0.85
        elif kind == "factoid" and self.analysis.answer_type:
            types = self.analysis.answer_types or (self.analysis.answer_type,)
            # A year counts nothing unless the question names one: "How many people did they interview?" wants "36
            # stakeholders", not "in 2016"; "How much did the NAO estimate in 2015?" is answered beside "June 2015".
            counted = text if self.year_asked else YEAR.sub("", text)
            wanted = any(ANSWER_TYPE_CUE[t].search(counted if t == "number" else text) for t in types) or (self.two_part and FINDING_CUE.search(text))
            factor *= 1.4 if wanted else 0.7
            if "number" in types and self.counts_asked_thing(counted):
                factor *= 1.4  # "How many nurses?": "8,000 nurses" counts the very thing asked about
            if "date" in types and START_WANTED.search(self.question) and START_CUE.search(text):
                factor *= 1.4  # "When was the contract started?": "went live on 1 April 2019", not a 2024 announcement
            if "person" in types and ORIGIN_WANTED.search(self.question) and ORIGIN_CUE.search(text):
                factor *= 1.3  # "Who came up with the idea of wicked problems?": "Rittel and Webber ... introduced the concept"
        return factor

    def count_not_stated(self, lines: Sequence[Line]) -> str | None:
        """A note when "How many X did Y <verb>?" is answered by figures that are not of that doing.

        "How many lone parents did Making It Work support?" finds Scotland's 174,000 lone parents,
        a count of lone parents but not of those supported: no quoted sentence has a form of
        "support", so the answer says the documents do not give that number. Verbs saying little
        ("have", "get") are not checked.
        """
        m = HOW_MANY_DID.match(self.question)
        if not m or self.analysis.kind != "factoid" or m["verb"].lower() in VAGUE_VERBS:
            return None
        from lemminflect import getAllInflections, getAllLemmas

        verb = m["verb"].lower()
        lemmas = getAllLemmas(verb).get("VERB")
        if not lemmas:
            return None  # "... in its first six months?": no verb closes the question
        lemma = lemmas[0]
        inflections = getAllInflections(lemma, upos="VERB")
        forms = {lemma, verb, *(f for fs in inflections.values() for f in fs)}
        quoted = set(re.findall(r"\w+", " ".join(q.text for line in lines for q in line.quotes).lower()))
        if not quoted or forms & quoted:
            return None
        done = next(iter(inflections.get("VBD", (verb,))))
        return f"The passages found do not say how many {m['thing']} {m['subject']} {done}; these are the nearest figures they give."

    def counts_asked_thing(self, text: str) -> bool:
        """Whether a number in ``text`` is followed, within three words, by one of the question's terms."""
        following = [m.group(1) for m in COUNTED.finditer(text)]
        if not following:
            return False
        q = set(self.q_terms)
        return any(q & set(terms) for terms in self.c.analyse(following))

    def carried(self, pool: list[Scored]) -> list[Scored]:
        """For a factoid, a sentence holding the answer's type that goes on from the sentence before it takes part of that one's score.

        "Who came up with the idea of wicked problems, and when?": "A wicked problem is a social or
        policy problem that ..." names the topic, and the next sentence, "Horst Rittel and Melvin
        Webber ... introduced the concept in ... 1973", answers without naming it. A sentence that
        refers back ("the concept", "the term", "it") and holds a person, date or number asked for
        scores at least ``CARRIED`` of the sentence before it in the same passage.
        """
        if self.analysis.kind != "factoid" or not self.analysis.answer_type:
            return pool
        types = self.analysis.answer_types or (self.analysis.answer_type,)
        before: dict[str, Scored] = {}  # the last sentence seen in each passage, read in order
        for c in sorted(pool, key=lambda c: (c.quote.passage.id, c.quote.span[0])):
            previous = before.get(c.quote.passage.id)
            if previous is not None and REFERS_BACK.search(c.quote.text) and any(ANSWER_TYPE_CUE[t].search(c.quote.text) for t in types):
                c.score = max(c.score, CARRIED * previous.score / self.kind_factor(previous.quote) * self.kind_factor(c.quote))
            before[c.quote.passage.id] = c
        return pool

    def sentences(self) -> list[Line]:
        """The best 2-4 sentences by maximal marginal relevance, grouped by passage in document order."""
        pool = self.carried(self.scored_sentences(self.passages))
        everything = list(pool)
        if self.own_terms:
            # A follow-up is answered by sentences on what it asks, not on the topic alone.
            pool = [c for c in pool if any(has_term(c.terms, t) for t in self.own_terms)] or pool
        if not pool:
            return []
        s = self.s
        most = 2 if self.analysis.kind == "factoid" and not self.two_part else s.max_sentences
        least = 1 if self.analysis.kind == "factoid" else s.min_sentences
        best = max(c.score for c in pool)
        chosen: list[Scored] = []
        while pool and len(chosen) < most:
            def mmr(c: Scored) -> float:
                overlap = max((jaccard(c.terms, o.terms) for o in chosen), default=0.0)
                return s.diversity * c.score - (1 - s.diversity) * overlap * best
            pick = max(pool, key=mmr)
            if len(chosen) >= least and (pick.score < s.relative_cutoff * best or mmr(pick) <= 0):
                break
            chosen.append(pick)
            pool.remove(pick)
        chosen += self.antecedents(chosen, everything)
        return [Line([c.quote for c in group], prefix=pitfall_prefix(group[0].quote)) for group in grouped(chosen)]

    @staticmethod
    def antecedents(chosen: Sequence[Scored], pool: Sequence[Scored]) -> list[Scored]:
        """The sentence just before each chosen one that opens on a pronoun pointing back, when it is not chosen itself.

        "These include the University of Wisconsin’s Applied Population Lab, the Northside Planning Council ..."
        names the organisations asked for, and only "With that in mind, we held a co-design session with
        connectors ..." before it says what they are included in.
        """
        have = {(c.quote.passage.id, c.quote.span[0]) for c in chosen}
        added: list[Scored] = []
        for c in chosen:
            if not POINTS_BACK.match(c.quote.text):
                continue
            before = [x for x in pool if x.quote.passage.id == c.quote.passage.id and x.quote.span[1] <= c.quote.span[0]]
            previous = max(before, key=lambda x: x.quote.span[0], default=None)
            if previous is not None and (previous.quote.passage.id, previous.quote.span[0]) not in have and c.quote.span[0] - previous.quote.span[1] <= 3:
                added.append(previous)
                have.add((previous.quote.passage.id, previous.quote.span[0]))
        return added

    # -- coverage ----------------------------------------------------------------------------

    def meaning(self, p: Passage) -> float:
        """How close in meaning ``p`` is to the question, 0..1 among the dense candidates (0 when it was not one)."""
        low, high = self._sim_range
        cosine = self.similarity.get(p.id)
        if cosine is None or high <= low:
            return 0.0
        return (cosine - low) / (high - low)

    def said_coverage(self, p: Passage) -> float:
        """How much of the question the whole text of ``p``'s section says (its every passage in the document)."""
        return self.coverage(self.c.analyse([" ".join(x.text for x in self.document(p.doc_id) if x.section == p.section)])[0])

    def coverage(self, terms: Sequence[str], among: Sequence[str] | None = None) -> float:
        """IDF-weighted share of the question's terms found in ``terms`` (a stem prefix counts: pay ~ payment).

        ``among``: only these of the question's terms count (those beyond a title, or beyond "session"
        and "workshop"); 0 when they carry no weight.
        """
        wanted = self.q_terms if among is None else among
        total = sum(self.weights.get(t, 0.0) for t in wanted) or 1.0
        present = set(terms)
        return sum(self.weights.get(t, 0.0) for t in wanted if has_term(present, t)) / total

    def missing_terms(self) -> list[str]:
        """Nouns of the question that none of the passages contains, when they carry weight.

        Only words that name things count: lemminflect's dictionary must know them as nouns and
        not as verbs ("employers", "council"; not "came", "support"), or not know them at all (a
        name such as "Buurtzorg"); frame words ("plan", "journal") and words of three letters or
        fewer are left out. A word counts as present when a passage has it, its singular or its
        lemma at the start of a word ("employer" in "employers'"); stems are not used here, since
        "employers" and "employment" share one. The words are reported only when they carry 10%
        or more of the question's IDF weight.
        """
        from lemminflect import getAllLemmas

        candidates = []
        for w in self.analysis.topic:
            word = re.sub(r"['’]s$", "", w.lower().strip("'’\""))  # "programme's" is "programme"
            if len(word) <= 3 or word in FRAME_WORDS or word in FACET_WORDS or word in NUMBER_WORDS or word == self.analysis.listed:  # "criticisms" names the answer's form; "in five minutes" is no topic
                continue
            if not re.fullmatch(r"[a-z]+(?:-[a-z]+)*", word):  # "can't", "3-step"
                continue
            if word in self.context_words:  # "We have just been funded for a two-year programme." is why, not what, it asks
                continue
            if self.analysis.kind == "definition" and word in DEFINING_WORDS:  # "distributed leadership definition" asks for one
                continue
            if self.analysis.kind == "findings" and word in FINDINGS_WORDS:  # "Buurtzorg outcomes": what it achieved, in any words
                continue
            if word in TAKING_PART_WORDS:  # "how to pay lived experience participants": the steps say "people"
                continue
            if word in CALENDAR_WORDS:  # "on Thursday", "from April": when it happens, not what is asked
                continue
            if word in ("session", "sessions"):  # the form a method is run in: "How do I run a KJ method session?" asks for the method
                continue
            pos = getAllLemmas(word)
            if pos and ("NOUN" not in pos or "VERB" in pos):
                continue
            if not pos and ADJECTIVE_ENDING.search(word):  # "sensible", unknown to lemminflect, describes; it names nothing
                continue
            forms = {word, singular(word), *pos.get("NOUN", ())}
            forms |= {american(f) for f in forms}  # "neighbourhood" is named by the Sunlight guides' "neighborhood"
            if "-" in word:  # "half-day" is named by "half day"
                forms |= {word.replace("-", " "), word.replace("-", "")}
                if re.match(r"(?:re|pre)-", word):  # "re-commission" is named by "commissioning"
                    forms.add(word.split("-", 1)[1])
            candidates.append((word, forms))
        if not candidates:
            return []
        # The source path counts: "the Sunlight guide" is named by its folder, sunlight_informed_communities/.
        # Underscores are markup ("__Backstage actions__"), not parts of words.
        haystack = " ".join(f"{p.title} {p.source} {p.section} {p.text}" for p in self.passages + self.extra).lower().replace("_", " ")
        # A word no document uses (idf 0: "astronaut", "Kubernetes") weighs as much as the question's rarest
        # word, not nothing; it still counts as present when a passage has a word it derives from
        # ("tokenistic" for "tokenism"): such words are read by their first letters.
        # A compound no document uses is present when its parts are ("know-how", "caseworkers": "case workers").
        rarest = max(self.weights.values(), default=0.0)
        words = set(re.findall(r"[a-z]+", haystack))
        unseen = set()
        for i, (w, forms) in enumerate(candidates):
            terms = [t for t in self.c.analyse([w])[0] if t not in self.c.ignore and t not in self.c.frame]
            if terms and not any(self.weights.get(t, 0.0) for t in terms):
                unseen.add(w)
                candidates[i] = (w, forms | {w[: max(5, len(w) - 3)]})
        ordered = sorted(words)

        def starts_a_word(form: str) -> bool:
            """Whether a word of the haystack starts with ``form`` (a prefix search in the sorted words; forms with spaces or hyphens by pattern)."""
            if not form.isalpha():
                return re.search(rf"\b{re.escape(form)}", haystack) is not None
            i = bisect.bisect_left(ordered, form)
            return i < len(ordered) and ordered[i].startswith(form)

        def named(w: str, forms: set[str]) -> bool:
            if any(starts_a_word(f) for f in forms) or (w in unseen and compound_of(w, words)):
                return True
            # A hyphenated modifier is named by its parts ("multi-agency" evaluation in a guide on agencies working together).
            parts = [x for x in w.split("-") if len(x) > 3]
            return "-" in w and bool(parts) and all(starts_a_word(x) or starts_a_word(american(x)) for x in parts)

        # A name the passages give only by its initials ("PRA" for "Paperwork Reduction Act") is named.
        short = {w.lower() for initials, name in initialisms(self.question).items() if initials in words for w in name}
        missing = [w for w, forms in candidates if w not in short and not named(w, forms)]
        if not missing:
            return []
        weight = lambda t: self.weights.get(t, 0.0) or rarest  # noqa: E731
        total = sum(weight(t) for t in self.q_terms) or 1.0
        lost = sum(weight(t) for terms in self.c.analyse(missing) for t in set(terms) if t in self.q_terms)
        return missing if lost >= MISSING_SHARE * total else []


def compound_of(word: str, words: set[str]) -> bool:
    """Whether ``word`` is two or more of ``words`` run together or hyphenated ("know-how", "caseworkers" from "case" and "workers")."""
    parts = word.split("-")
    if len(parts) > 1:
        return all(p in words or compound_of(p, words) for p in parts if p)
    return any(word[:i] in words and (word[i:] in words or singular(word[i:]) in words) for i in range(3, len(word) - 2))


def heading(p: Passage) -> str:
    """The passage's own heading (the last step of its section trail)."""
    return p.section.rsplit(" > ", 1)[-1]


def pitfall_prefix(q: Quote) -> str:
    """"Pitfall: " before a pitfall, unless the quote names itself one ("**Pitfall: the chair facilitates their own proposal.** ...")."""
    return "Pitfall: " if q.role == "pitfall" and not LABELLED_PITFALL.match(q.text) else ""


def read_in_order(passages: Sequence[Passage], most: int, directions: bool = False, pitfalls: bool = False, least: int = 2) -> list[Line]:
    """The first ``most`` quotable sentences of passages of one section, in document order, a line per passage.

    Pitfalls are left out unless ``pitfalls`` (a question asking for them); then they are quoted
    as such, on lines of their own opening "Pitfall: ".
    Overlapping passages hold some sentences twice: each is quoted from the first passage holding it.
    Fewer than ``least`` sentences give no lines: one sentence does not read a section, unless the
    section itself was asked for (a method card's one sentence on use in government).
    """
    by_offset: dict[int, Quote] = {}
    for p in passages:
        for q in sentence_quotes(p, directions=directions):
            if EMPHASISED_LINE.fullmatch(q.text):
                continue  # "*Design accessible data visualizations*" labels the paragraph after it
            if pitfalls or q.role != "pitfall":
                by_offset.setdefault(q.doc_offset, q)
    quotes = [by_offset[k] for k in sorted(by_offset)][:most]
    if len(quotes) < max(1, least):
        return []
    lines: list[Line] = []
    for q in quotes:
        if lines and lines[-1].quotes[-1].passage.id == q.passage.id and lines[-1].quotes[-1].role == q.role:
            lines[-1].quotes.append(q)
        else:
            lines.append(Line([q], prefix=pitfall_prefix(q)))
    return lines


def american(word: str) -> str:
    """The American spelling of a British word, by its regular endings ("neighbourhood" -> "neighborhood", "organise" -> "organize").

    The realdocs guides are American; practitioners here write British. Irregular words
    ("programme") are left as they are.
    """
    word = re.sub(r"(?<=[a-z]{2})our(?=hood|s?$|ing|ed|able|ite)", "or", word)  # "colour", "behaviour", "neighbourhood"; not "four", "hour"
    word = re.sub(r"(?<=[a-z]{3})is(?=e[sd]?$|ing$|ation)", "iz", word)  # "organise", "prioritising", "organisation"; not "rise"
    word = re.sub(r"(?<=[a-z]{3})ys(?=e[sd]?$|ing$)", "yz", word)  # "analyse"
    return re.sub(r"(?<=[a-z]{3})tre(s?)$", r"ter\1", word)  # "centre"


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 4:
        return word[:-1]
    return word


DERIVING = frozenset({
    "e", "s", "i", "y", "er", "or", "al", "an", "ed", "ic", "iv", "li", "ly", "ti", "ty", "at", "ur", "ing", "ion", "ism", "ist", "iti",
    "abl", "ibl", "ant", "ent", "anc", "enc", "ful", "ment", "ness", "ship",
})
"""What a stem may go on with and still name its word's family ("pay" in "payment", "safe" in "safeti", "span" in
"spanner" with its consonant doubled; not "part" in "partner")."""


def has_term(present: set[str], term: str) -> bool:
    """``term`` or a word it is a stem prefix of by a deriving ending (:data:`DERIVING`: "pay" in "payment"), for stems of 3+ letters."""
    if term in present:
        return True
    return len(term) >= 3 and any(t.startswith(term) and _derives(term, t[len(term) :]) for t in present)


def _derives(term: str, rest: str) -> bool:
    """Whether ``rest`` after ``term`` is a deriving ending, its consonant doubled or not ("span" + "ner")."""
    return rest in DERIVING or (rest[:1] == term[-1] and rest[1:] in DERIVING)


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def list_item(q: Quote) -> tuple[int, int] | None:
    """The span of the list item a quoted sentence sits in (one of its passage's lists), or ``None``."""
    return next(((a, b) for u in q.passage.units if u.kind == "list" for a, b in u.items if a <= q.span[0] < b), None)


def in_list_item(q: Quote) -> bool:
    """Whether a quoted sentence sits inside an item of one of its passage's lists."""
    return list_item(q) is not None


def grouped(chosen: Sequence[Scored]) -> list[list[Scored]]:
    """Chosen sentences grouped by passage (passages in order of their best sentence), each group in document order."""
    order: dict[str, list[Scored]] = {}
    for c in chosen:
        order.setdefault(c.quote.passage.id, []).append(c)
    groups = []
    for group in order.values():
        group.sort(key=lambda c: c.quote.span[0])
        # A pitfall never shares a line with ordinary sentences: its label must not spill over them.
        body = [c for c in group if c.quote.role != "pitfall"]
        pitfalls = [c for c in group if c.quote.role == "pitfall"]
        groups.extend(g for g in (body, pitfalls) if g)
    return groups


def sentence_relevance(terms: Sequence[str], q_terms: Sequence[str], weights: dict[str, float], q_pairs: set[tuple[str, str]]) -> float:
    """How well one sentence answers the question, from 0.25 (no shared term) to 1.

    ``0.25 + 0.45 x coverage + 0.15 x lead + 0.15 x phrase`` where coverage is the IDF-weighted
    share of question terms in the sentence, lead the same share within the sentence's first six
    terms (definitions name their subject first: "A wicked problem is ..."), and phrase the share
    of the question's adjacent term pairs that stay adjacent in the sentence ("making it work").

    Example: question terms {wick: 2.0, problem: 1.0}, sentence "A wicked problem is ..." ->
    coverage 1, lead 1, phrase 1 -> 1.0; a sentence with "problem" late and alone -> 0.25 + 0.15 = 0.40.
    """
    total = sum(weights.get(t, 0.0) for t in q_terms) or 1.0
    present = set(terms)
    lead_terms = set(terms[:6])
    coverage = sum(weights.get(t, 0.0) for t in q_terms if t in present) / total
    lead = sum(weights.get(t, 0.0) for t in q_terms if t in lead_terms) / total
    pairs = set(zip(terms, terms[1:]))
    phrase = len(q_pairs & pairs) / len(q_pairs) if q_pairs else coverage
    return 0.25 + 0.45 * coverage + 0.15 * lead + 0.15 * phrase


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
