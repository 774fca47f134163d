"""Definitions and comparisons: the sentence that defines a term, and a labelled line for each compared thing."""

from __future__ import annotations

import re
from typing import Sequence

from assistant.compose.base import Line, Scored, capital, heading, list_item, read_in_order
from assistant.compose.cues import CONTRAST_CUE, GENERIC_HEADS, KEY_TERMS_SECTION, NOT_DEFINING
from assistant.compose.lists import first_list, subject_of, subsections
from assistant.evidence import Quote, is_reference_section, quotable_sentence, sentence_quotes
from assistant.retrieve import Passage

HOW_SECTION = re.compile(r"^(?:how\s+to\s+do\s+it|how\s+to\b|step[- ]by[- ]step\b|steps\b)", re.I)
"""A method's section of steps ("How to do it" on a method card)."""
METHOD_STEPS = 3
"""Steps of each compared method shown under its definition (:meth:`Definitions.method_steps`)."""
METHOD_WORDS = ("exercise", "exercises", "method", "technique", "activity", "tool", "session", "workshop")
"""Words naming the form of a method ("a hopes and fears exercise"), left out when matching a card's title."""
ACRONYM = re.compile(r"^[^(]*\(([A-Z][A-Za-z]{1,9})\)")
"""An abbreviation a defined term introduces in brackets ("Individual Placement and Support (IPS)")."""
ITEM_LABEL = re.compile(r"^\*\*(?P<label>[^*]{1,60}?):?\*\*")
"""A list item's bold label ("**Chair:** holds the purpose ...")."""


TABLE_ROWS = 8
"""Rows read from a table comparing two things (:meth:`Compare.table_rows`)."""


def table_cells(text: str, row) -> list[tuple[int, int]]:
    """Character spans of a Markdown table row's cells in ``text``, stripped of spaces (the first cell first)."""
    spans = []
    for m in re.finditer(r"\|([^|\n]*)(?=\|)", text[row.start : row.end]):
        a, b = row.start + m.start(1), row.start + m.end(1)
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        spans.append((a, b))
    return spans


class Definitions:
    """Definition and comparison answers (mixed into :class:`assistant.compose.Composition`)."""

    def definition(self, subject: str) -> list[Line]:
        """The defining sentence first, then at most two that elaborate it from the same passage.

        A pair named as one thing ("What is creaming and parking?") that the documents define one
        term at a time ("Creaming is ...", "Parking is ...") gets each definition under its own label.
        """
        found = self.find_definition(subject)
        summary = self.title_line_over(subject, found)
        if summary is not None:  # a card's line under its title names nothing: the label says what it defines
            return [Line([summary[0]] + summary[1][:2], prefix=f"**{capital(subject)}:** ")]
        if found is None:
            parts = [part for part in re.split(r"\s+and\s+", subject) if part.strip()]
            defined = [self.find_definition(part) for part in parts] if len(parts) == 2 else [None]
            if None in defined:
                return self.described(subject)
            self.as_block = True
            return [Line([first] + rest[:1], prefix=f"**{capital(part)}:** ") for part, (first, rest) in zip(parts, defined)]
        first, rest = found
        return [Line([first] + rest[:2])]

    def described(self, subject: str, most: int = 3) -> list[Line]:
        """Where no sentence defines ``subject`` ("X is ..."), the sentences that say what it is or does, best first.

        "What is a reticulist?" finds no "A reticulist is ...", but "Williams draws on the idea of the
        reticulist, a term ... to describe a person skilled in working through networks" and "The
        reticulist role focuses on networking ...". A sentence naming the term in a run of others
        ("four roles: reticulist, interpreter or communicator, coordinator and entrepreneur") says
        nothing of it. The best of those left, and any as good as half of it, answer, each document's in its order.
        Only a term of one or two words is read this way: a longer subject ("personalisation of a public
        service") is answered from the sentences most like the question.
        """
        want = set(self.c.analyse([subject])[0])
        if not want or len(subject.split()) > 2:
            return []
        name = r"\s+".join(re.escape(w) for w in subject.split())
        listed = re.compile(rf"(?:[:,]\s*|\band\s+|\bor\s+){name}\w*\s*(?:[,;]|\s+(?:and|or)\b|\(|\.?$)|\b{name}\w*\s*(?:\([^)]*\)\s*)?,\s*(?:\w+\s+){{0,3}}\w+\s*(?:,|\band\b)", re.I)
        pool = [c for c in self.scored_sentences(self.passages) if want <= c.terms and not listed.search(c.quote.text)]
        if not pool:
            return []
        pool.sort(key=lambda c: -c.score)
        kept = [c.quote for c in pool[:most] if c.score >= pool[0].score / 2]
        order = {doc: i for i, doc in enumerate(dict.fromkeys(q.passage.doc_id for q in kept))}
        return [Line(sorted(kept, key=lambda q: (order[q.passage.doc_id], q.doc_offset)))]

    def find_definition(self, subject: str, passages: Sequence[Passage] | None = None) -> tuple[Quote, list[Quote]] | None:
        """The sentence defining ``subject`` (best match, best passage) and the quotable sentences after it."""
        want = set(self.c.analyse([subject])[0])
        if not want:
            return None
        # "Arnstein's ladder of participation" is defined as "The ladder of participation is ...", and
        # "the Buurtzorg model" as "Buurtzorg is ...": an owner's name and a generic head may be left out.
        loose = [w for w in re.findall(r"[\w'’-]+", subject) if not re.search(r"['’]s$", w) and w.lower() not in GENERIC_HEADS]
        core = set(self.c.analyse([" ".join(loose)])[0]) or want
        best: tuple[float, Quote] | None = None
        for p in passages if passages is not None else self.passages + self.extra:
            if is_reference_section(p.section):
                continue
            for u in p.units:
                if u.kind != "definition":
                    continue
                got = set(self.c.analyse([u.term])[0])
                if subject.strip().lower() in {a.lower() for a in ACRONYM.findall(p.text[u.start : u.start + len(u.term) + 14])}:
                    got = want  # "Individual Placement and Support (IPS) is ..." defines "IPS"
                if not got or not core <= got or len(got - want) > 1:
                    continue
                quoted = quotable_sentence(p.text, (u.start, u.end))
                if quoted is None:
                    continue
                text = p.text[quoted[0] : quoted[1]]
                if not want <= got and NOT_DEFINING.search(text):
                    continue  # "Buurtzorg is useful for ..." does not define "the Buurtzorg model"
                score = self.weight.get(p.id, 0.0) + (1.0 if got == want else 0.6 if want <= got else 0.4)
                # A "Key terms" paragraph defines on purpose, and so, asked what one thing is, does a glossary entry headed by the term
                # itself ("Theory of change"); things compared are defined where they are set side by side.
                entry = self.analysis.kind == "definition" and bool(p.section) and set(self.c.analyse([heading(p)])[0]) == want
                score += 0.3 if KEY_TERMS_SECTION.search(p.section) or entry else 0.0
                score -= 0.8 if NOT_DEFINING.search(text) else 0.0  # "Signposting is also efficient ..." says something of it
                if best is None or score > best[0]:
                    best = (score, Quote(p, quoted, "definition"))
        if best is None:
            return None
        first = best[1]
        # In a "Key terms" paragraph the next sentence defines the next term: that is no elaboration.
        others = [(u.start, u.end) for u in first.passage.units if u.kind == "definition" and set(self.c.analyse([u.term])[0]) != want]
        after = [
            q for q in sentence_quotes(first.passage)
            if q.span[0] >= first.span[1] and q.role != "pitfall" and not any(a <= q.span[0] < b for a, b in others)
        ]
        return first, after

    def comparison(self) -> list[Line]:
        """A labelled definition of each compared thing, then the sentence that contrasts them.

        Each defined thing gets one sentence more on what it does; a thing the documents do not
        define gets the best sentence naming it instead, so a three-way comparison is not cut short.
        """
        subjects = self.analysis.subjects
        labelled = self.labelled_items(subjects)
        if labelled:
            return labelled
        defined: dict[str, Line] = {}
        for subject in subjects:
            found = self.find_definition(subject)
            found = self.title_line_over(subject, found) or found
            if found is not None:
                defined[subject] = Line([found[0]], prefix=f"**{capital(subject)}:** ")
        if not defined:
            return self.sibling_sections()
        used = {(q.passage.doc_id, q.doc_offset) for line in defined.values() for q in line.quotes}
        # The sentence setting them side by side may sit anywhere in the documents that define them.
        docs = dict.fromkeys(q.passage.doc_id for line in defined.values() for q in line.quotes)
        more = [p for d in docs for p in (self.document(d) if self.c.expand else []) if not is_reference_section(p.section)]
        for p in more:
            self.weight.setdefault(p.id, 0.8)
        have = {p.id for p in self.passages + self.extra}
        pool = self.scored_sentences(self.passages + self.extra + [p for p in more if p.id not in have])
        lines: list[Line] = []
        missing: list[str] = []  # neither defined nor described
        for subject in subjects:
            more_on = self.about(subject, [c for c in pool if (c.quote.passage.doc_id, c.quote.doc_offset) not in used], subjects, exact=subject not in defined)
            # A thing no passage defines is labelled as such: the sentence naming it is a mention, not what it is.
            line = defined.get(subject) or (Line([], prefix=f"**{capital(subject)}** (no definition in the passages found): ") if more_on else None)
            if line is None:
                missing.append(subject)
                continue
            if more_on is not None:
                line.quotes.append(more_on)
                used.add((more_on.passage.doc_id, more_on.doc_offset))
            lines.append(line)
            lines.extend(self.method_steps(subject, line))
        contrast = self.contrast(subjects, used, pool)
        # A table setting them side by side point by point ("| Consideration | Grant funding | Payment by results |") compares them.
        table = [] if contrast else self.table_rows(subjects, list(dict.fromkeys([*docs, *(p.doc_id for p in self.passages[: self.ranked])])))
        if table:
            self.as_block = True
            return lines + table
        if missing and not contrast:
            # "journey map" against "service blueprint" with nothing found on journey maps: say so, not "defined separately"
            words = " or ".join(f"“{s}”" for s in missing)
            lines.append(Line(prefix=f"The passages found do not define or describe {words}, so the two cannot be compared here."))
            return lines
        # A thing defined only by its difference from the other ("Quasi-markets differ from ordinary markets because
        # providers are not necessarily profit-seeking ..."): that sentence is the comparison.
        if contrast:
            lines.append(Line(contrast, prefix="**How they relate:** "))
        elif len(defined) == len(subjects):
            lines.append(Line(prefix="The documents define them separately but do not contrast them directly."))
        else:
            lines.append(Line(prefix="The documents do not contrast them directly."))
        return lines

    def table_rows(self, subjects: Sequence[str], docs: Sequence[str]) -> list[Line]:
        """The rows of a table whose header names both compared things, each point with what it says of each.

        "How do the two options compare?" after "deciding between a grant and a payment-by-results contract":
        "| Consideration | Grant funding | Payment by results |" heads the guide's trade-offs, and each row below
        it ("Risk to providers | Low financial risk | High; ...") is the comparison, cell by cell, each cell quoted.
        """
        if len(subjects) != 2 or self.c.expand is None:
            return []
        wanted = [set(self.c.analyse([subject])[0]) for subject in subjects]
        for doc_id in docs[:3]:
            for p in self.document(doc_id):
                rows = [u for u in p.units if u.kind == "row"]
                for i, head in enumerate(rows):
                    cells = table_cells(p.text, head)
                    names = [set(self.c.analyse([p.text[a:b]])[0]) for a, b in cells]
                    columns = [next((j for j, n in enumerate(names) if n and (n <= w or w <= n)), None) for w in wanted]
                    if None in columns or columns[0] == columns[1]:
                        continue
                    lines: list[Line] = [Line(prefix=f"From “{p.title}”, section “{heading(p)}”:")]
                    for row in rows[i + 1 : i + 1 + TABLE_ROWS]:
                        got = table_cells(p.text, row)
                        if len(got) != len(cells) or not p.text[got[0][0] : got[0][1]].strip():
                            break
                        label = p.text[got[0][0] : got[0][1]].strip().rstrip(":")
                        for j in columns:
                            a, b = got[j]
                            if b > a:
                                lines.append(Line([Quote(p, (a, b))], prefix=f"- **{label}**, {p.text[cells[j][0] : cells[j][1]].strip()}: "))
                    if len(lines) > 2:
                        return lines
        return []

    def method_steps(self, subject: str, line: Line) -> list[Line]:
        """The first steps of a compared method, from the "How to do it" of the document named for it (the one that defined it, else one retrieved).

        "What's the difference between making style tiles and running visual preference testing?": each
        card says what its method is in a line, and how it is done in a list; the first ``METHOD_STEPS``
        steps follow the definition, numbered. A concept (co-production) is defined by no such document.
        """
        if self.c.expand is None or not line.quotes:
            return []
        want = set(self.c.analyse([subject])[0])
        named = lambda x: set(self.c.analyse([subject_of(x.title)])[0]) == want  # noqa: E731
        # Defined by a glossary, a method is still done as the retrieved document named for it says ("service
        # blueprint": the glossary entry, then the 18F card's steps).
        p = line.quotes[0].passage if named(line.quotes[0].passage) else next((x for x in self.passages + self.extra if named(x)), None)
        if p is None:
            return []
        document = self.document(p.doc_id)
        lists = [(x, u) for x in document if HOW_SECTION.match(heading(x)) for u in x.units if u.kind == "list"]
        if not lists:
            return []
        x, u = first_list(lists)
        quoted = {(q.passage.doc_id, q.doc_offset) for q in line.quotes}
        items = [q for q in self.list_items(x.doc_id, u.key, document) if (q.passage.doc_id, q.doc_offset) not in quoted][:METHOD_STEPS]
        return [Line([q], prefix=f"{i}. ") for i, q in enumerate(items, start=1)] if len(items) >= 2 else []

    def sibling_sections(self) -> list[Line]:
        """Two things described rather than named, answered by the two subsections of one section, each under its heading.

        "What's the difference between letting residents invent their own groups and giving them groups we've
        decided on?" names neither "Open card sort" nor "Closed card sort", but ranks one of them among its three best; the
        section they both sit under ("How to do it") has those two subsections and no others, and their headings
        share a word (two ways of one thing), so each is read in order under its own label. Only a question whose
        things no passage defines is read this way.
        """
        if len(self.analysis.subjects) != 2 or self.c.expand is None:
            return []
        for p in self.passages[: min(3, self.ranked)]:
            parent = p.section.rpartition(" > ")[0]
            if not parent or is_reference_section(p.section):
                continue
            document = self.document(p.doc_id)
            children = subsections(parent, document)
            if len(children) != 2 or not set.intersection(*(set(self.c.analyse([c.rpartition(" > ")[2]])[0]) for c in children)):
                continue  # two ways of one thing share its name ("Open card sort", "Closed card sort"); steps and pitfalls do not
            lines = []
            for child in children:
                read = read_in_order([x for x in document if x.section == child], 5)
                if not read:
                    return []
                lines.append(Line([q for line in read for q in line.quotes], prefix=f"**{child.rpartition(' > ')[2]}:** "))
            self.as_block = True
            return [Line(prefix=f"From “{p.title}”, section “{parent.rpartition(' > ')[2]}”:")] + lines
        return []

    def title_line_over(self, subject: str, found: tuple[Quote, list[Quote]] | None) -> tuple[Quote, list[Quote]] | None:
        """The line under a card's title (:meth:`titled_summary`) when the definition ``found`` is missing or only says something of it.

        "Static prototypes (often paper) are helpful for ..." gives way to "Prototyping": "A rudimentary version,
        either static or functional, ..."; a sentence that does define stays (``None``).
        """
        if found is not None and not NOT_DEFINING.search(found[0].text):
            return None
        return self.titled_summary(subject)

    def titled_summary(self, subject: str) -> tuple[Quote, list[Quote]] | None:
        """The opening summary of a document titled by ``subject`` itself, as its definition ("Personas": "User archetypes based on conversations with real people.").

        A method card says what its method is in a line under its title, never "Personas are ...".
        Only a document among those retrieved whose title is the thing, word for word, is read.
        """
        want = set(self.c.analyse([subject])[0])
        bare = set(self.c.analyse([re.sub(rf"\b(?:{'|'.join(METHOD_WORDS)})\b", " ", subject, flags=re.I)])[0])  # "hopes and fears exercise"
        if not want:
            return None
        firsts: dict[str, Passage] = {}  # each retrieved document's best-ranked passage
        for p in self.passages + self.extra:
            firsts.setdefault(p.doc_id, p)
        for doc_id, first in firsts.items():
            if set(self.c.analyse([first.title])[0]) not in (want, bare):
                continue
            document = self.document(doc_id) if self.c.expand is not None else [first]
            opening = [x for x in document if not x.section]
            quotes = [q for x in opening for q in sentence_quotes(x)]
            if quotes:
                return quotes[0], quotes[1:]
            # A card's summary may be a phrase without a full stop ("An exercise that quickly surfaces a
            # group's hopes and fears for the future"): under its label it reads as the definition it is.
            line = opening[0].text.strip() if opening else ""
            if len(line.split()) >= 4 and line[:1].isupper() and "\n" not in line:
                start = opening[0].text.index(line)
                return Quote(opening[0], (start, start + len(line)), "definition"), []
        return None

    def labelled_items(self, subjects: Sequence[str]) -> list[Line]:
        """Compared things that are labelled items of one retrieved list, each item quoted under the list's section.

        "How should the chair's job differ from that of the facilitator?" is answered by "Who does
        what in a partnership meeting": "**Chair:** holds the purpose ..." and "**Facilitator:**
        designs and runs the process ...". Each thing must be named by its own item's label (every
        word of the label in the thing's name); the best-ranked such list answers.
        """
        wanted = [set(self.c.analyse([s])[0]) for s in subjects]
        if len(subjects) < 2 or not all(wanted):
            return []
        for p in self.passages[: self.ranked]:
            for u in p.units:
                if u.kind != "list":
                    continue
                items = self.list_items(p.doc_id, u.key, self.passages + self.extra + self.document(p.doc_id))
                labels = [(q, set(self.c.analyse([re.sub(r"\([^)]*\)", "", m["label"])])[0])) for q in items for m in [ITEM_LABEL.match(q.text)] if m]  # "Evaluator (internal or external)" labels the evaluator
                chosen: list[Quote] = []
                for want in wanted:
                    fits = [(q, label) for q, label in labels if label and label <= want and q not in chosen]
                    if not fits:
                        break
                    chosen.append(max(fits, key=lambda f: len(f[1]))[0])  # the fullest label the name holds: "line managers of co-leads" over "co-leads"
                else:
                    return self.framed(p, [Line([q], prefix="- ") for q in chosen])
        return []

    def about(self, subject: str, pool: Sequence[Scored], subjects: Sequence[str], exact: bool = False) -> Quote | None:
        """The best sentence naming ``subject`` (as a phrase) and none of the other compared things, if any.

        With ``exact`` (a thing no sentence defines, so this sentence is all that is said of it), the
        phrase itself must be there, in the singular or plural: "case management" shares its stems with
        "case manager" but is not one.
        """
        others = [s for s in subjects if s.lower() != subject.lower()]
        literal = re.compile(r"\b" + r"[\s-]+".join(re.escape(w) for w in subject.split()) + r"(?:s|es)?\b", re.I)
        best: Scored | None = None
        for c in pool:
            if c.quote.role == "pitfall" or not self.names(c.quote.text, subject) or any(self.names(c.quote.text, o) for o in others):
                continue
            if exact and not literal.search(c.quote.text):
                continue
            if best is None or c.score > best.score:
                best = c
        return best.quote if best else None

    def names(self, text: str, phrase: str) -> bool:
        """Whether ``text`` contains ``phrase`` as consecutive analysed terms ("co-design", not "co-creation ... designing")."""
        want = self.c.analyse([phrase])[0]
        seq = self.c.analyse([text])[0]
        n = len(want)
        return bool(want) and any(seq[i : i + n] == want for i in range(len(seq) - n + 1))

    def contrast(self, subjects: Sequence[str], used: set, pool: Sequence[Scored]) -> list[Quote]:
        """The sentence that best sets the compared things against each other, if any names both.

        A list item says one thing across its sentences: "**Make warm handovers the default for
        people with complex needs.** Plan a three-way call ..., and keep signposting for people who
        prefer it" relates the two though neither sentence names both; its sentences are quoted together.
        """
        best: tuple[float, list[Quote]] | None = None
        unused = [c for c in pool if (c.quote.passage.doc_id, c.quote.doc_offset) not in used]
        for scored in unused:
            q = scored.quote
            if not all(self.names(q.text, s) for s in subjects):
                continue
            score = scored.score + (0.5 if CONTRAST_CUE.search(q.text) else 0.0)
            if best is None or score > best[0]:
                best = (score, [q])
        if best is None:
            items: dict[tuple[str, int, int], list[Scored]] = {}
            for scored in unused:
                if (item := list_item(scored.quote)) is not None:
                    items.setdefault((scored.quote.passage.id, *item), []).append(scored)
            for together in items.values():
                text = " ".join(c.quote.text for c in together)
                if len(together) > 1 and all(self.names(text, s) for s in subjects):
                    score = max(c.score for c in together) + (0.5 if CONTRAST_CUE.search(text) else 0.0)
                    if best is None or score > best[0]:
                        best = (score, sorted((c.quote for c in together), key=lambda q: q.span))
        return best[1] if best else []
