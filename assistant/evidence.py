"""Answer evidence: the sentences, list items and definitions a passage offers, cleaned and labelled.

What may be quoted as an answer is narrower than what a passage contains. A sentence about the
document itself ("This guide walks through ..."), a session plan's stage directions ("The trainer
defines ..."), a checkbox, a bare role label, a bibliography entry or a fragment never answers a
question; a pitfall answers one only when read as a pitfall. These rules live here, in one place,
and every composition mode draws from the same cleaned evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from assistant.retrieve import Passage, is_reference_section

PITFALL_SECTION = re.compile(r"\b(pitfalls?|mistakes?|what (?:goes|can go) wrong|traps?|warnings?|things to avoid|what to avoid|don'?ts?|common errors|risks? to avoid)\b", re.I)
FINDINGS_SECTION = re.compile(r"\b(find|found|findings?|results?|evaluat\w*|outcomes?|lessons?|evidence|impact|conclu\w*|what (?:it|we|they) (?:showed|learned|learnt))\b", re.I)
STEPS_SECTION = re.compile(r"\b(steps?|step-by-step|how to|process|stages?|plan|checklist|what to do|practical|lessons|tips|recommendations?|guidance|doing it|getting started|setting up|before|during|after)\b", re.I)

# Sentences about the document, the session or the reader's journey through them.
META = re.compile(
    r"^(?:(?:this|the|our) (?:guide|document|digest|note|briefing|page|section|chapter|paper|card|toolkit|glossary|session(?: plan)?|handout|module|summary|overview|resource|case study|article)\b(?! (?:found|showed|reported|argued|concluded))"
    r"|it (?:is|was) (?:written|intended|meant|designed) for\b|it (?:covers|compares|walks|sets out|draws on|explains|describes|summarises|summarizes)\b"
    r"|it (?:complements|accompanies|supplements|builds on|extends|follows on from) (?:the|our|this|a|an) (?:\w+ )?(?:guide|document|digest|note|briefing|case study|session|toolkit)\b"
    r"|(?:in )?this (?:session|exercise|activity|module)\b|see (?:also|the)\b|read (?:more|on)\b|for more (?:on|information)\b"
    r"|by the end of (?:the|this) session\b)",
    re.I,
)
# A session plan's learning outcomes: what participants will be able to do.
OUTCOMES_SECTION = re.compile(r"(?:^|> )(?:learning (?:outcomes|objectives)|session (?:aims|objectives)|aims and objectives)$", re.I)
# A session plan's stage directions: what the trainer does in the room, not what the literature says.
STAGE_DIRECTION = re.compile(
    r"^(?:(?:the |a )?(?:trainer|facilitator|presenter)s? (?:then |now |next |first |briefly |also )?(?:defines?|explains?|asks?|says|shows?|introduces?|invites?|presents?|reads?|draws?|notes?|writes?|gives?|hands?|runs?|closes?|opens?)\b"
    r"|in (?:pairs|trios|threes|fours|small groups|groups|plenary)\b|participants (?:will|then|now|should|each)\b)",
    re.I,
)
# "For practitioners, this digest summarises ...": the document speaking of itself mid-sentence.
SELF_REFERENCE = re.compile(
    r"\b(?:this|our) (?:guide|digest|document|note|briefing|page|card|toolkit|summary|handout|glossary)(?:'s|’s)?\s+(?:summary|synthesis|summarises|summarizes|sets out|covers|describes|explains|walks|draws on|lists|gives|is written)\b"
    r"|^the following (?:checklist|list|steps|table|questions|section)\b",
    re.I,
)
# "Lindsay, C., Pearson, S. (2021). Title ..." / "Ansell, C. and Gash, A. (2008)."
BIBLIOGRAPHY = re.compile(r"^[A-Z][\w'’-]+,\s+(?:[A-Z]\.\s*)+(?:,|and|&|\()|^[A-Z][\w'’ -]+\((?:19|20)\d\d[a-z]?\)\.\s")
# "Weiss (1995), in New Approaches to ..." / "Emerson, Nabatchi and Balogh (2012), Journal of ...": a citation, not a claim.
CITATION_ONLY = re.compile(r"\((?:19|20)\d\d[a-z]?\),\s")
CLAIM_VERB = re.compile(r"\b(is|are|was|were|found|finds|argued?|argues|showed?|shows|described?|describes|defined?|defines|proposed?|proposes|wrote|reported?|reports|identified|identifies|studied|examined|noted|concluded|suggested|called|introduced)\b")
# "**Why it matters:** ..." / "**Partnership board chair:** ..." / "Example: ..."; a plain label is at most
# four words: "The alliance has eight members: Plymouth City Council, ..." is one sentence, not a label and a fragment.
LABEL = re.compile(r"(?:\*\*[^*\n]{1,60}?:?\*\*:?|[A-Z][\w’'-]*(?: [\w’'-]+){0,3}:)\s+")
# "Common signs include: one member on a large board; ...": the words before the colon begin the sentence, they label nothing.
RUN_ON = re.compile(r"\b(?:include|includes|included|are|is|were|was|such as)\s*:$", re.I)
# A list item that is only a link ("[Design Kit](https://...)") names a resource; it is no step.
LINK_ONLY = re.compile(r"(?:\*\*)?\[[^\]]+\]\([^)]+\)(?:\*\*)?[.;,]?(?:\s*[-–:].{0,80})?")
MIXED_SECTION = re.compile(r"\b(?:notes|tips|advice|guidance)\s+and\b|\band\s+(?:notes|tips|advice)\b", re.I)
PITFALL_LEAD = re.compile(r"\b(pitfalls?|mistakes?|avoid|risks?|warnings?|go wrong|(?:never|not)\s+(?:to\s+)?(?:do|say)|stop\s+doing|don'?ts)\b", re.I)
"""Words asking for what not to do ("What should I never say to a new participant?", "What should we stop doing?"); not "so that disagreements don't derail us"."""


@dataclass(frozen=True)
class Quote:
    """A span of a passage that an answer may quote word for word."""

    passage: Passage
    span: tuple[int, int]
    role: str = "body"
    """``body``, ``pitfall`` (from a pitfalls section or list), ``definition``, ``step``."""

    @property
    def text(self) -> str:
        """The quoted words."""
        return self.passage.text[self.span[0] : self.span[1]]

    @property
    def doc_offset(self) -> int:
        """Where the quote starts in its document (orders quotes; spots one quote in overlapping passages)."""
        return self.passage.start + self.span[0]


def is_pitfall_section(section: str) -> bool:
    """True for sections listing pitfalls or mistakes (not "Trainer notes and common pitfalls", which holds advice too)."""
    return bool(PITFALL_SECTION.search(section)) and not MIXED_SECTION.search(section)


def trim_label(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """Drop a leading bold or role label ("**Why it matters:** ") from a span."""
    a, b = span
    m = LABEL.match(text, a, b) if a < b else None
    if m and m.end() < b and not RUN_ON.search(m.group().rstrip()):
        return (m.end(), b)
    return span


SENTENCE_ENDS = ".!)”\"'*"
"""Characters a quotable sentence ends on ("... in 2011.", "... (Torfing, 2016)", "... “for everyone”", "**Agree payment.**")."""


BRACKET_END = re.compile(r"[^.!?]\)$")
"""A bracket closing without a full stop inside it: the sentence has none of its own."""
CITED_END = re.compile(r"\([^()]*\b(?:1[89]|20)\d\d[a-z]?\b[^()]*\)$")
"""A sentence ending on the citation it draws on ("... in 2011 (Torfing, 2016)")."""


TITLED_SOURCE = re.compile(r"[^.!:;,\s]\s+\((?![^)]*\b(?:19|20)\d\d\b)[A-Z][\w.&’' -]{1,40}\)$")
"""A title followed by the publication it ran in, with no full stop ("Finding a spot may get a little easier (Pittsburgh Post-Gazette)");
not a claim citing its source ("... in a system covered by a data sharing agreement (ICO 2021)")."""


def quotable_sentence(text: str, span: tuple[int, int], directions: bool = False, ended: bool = True) -> tuple[int, int] | None:
    """The span to quote for one sentence of a passage, or ``None`` when the sentence must not be quoted.

    Refused: sentences about the document or the session, bibliography entries, and fragments
    (a lower-case start after its label, no final punctuation unless ``ended`` is false, under four
    words). Carrying bracketed reference numbers ("... [3].") is refused too: those would read as our markers.
    """
    a, b = trim_label(text, span)
    sentence = text[a:b].strip()
    if len(sentence) < 20 or len(sentence.split()) < 4:
        return None
    if not (sentence[0].isupper() or sentence[0].isdigit() or sentence[0] in "“\"'(*"):
        return None
    if ended and sentence[-1] not in SENTENCE_ENDS:
        return None
    if ended and BRACKET_END.search(sentence) and not CITED_END.search(sentence) and not _bracketed_whole(sentence) and not has_finite_verb(sentence[: sentence.rfind("(")]):
        # a label with a note in brackets ("Open data program manager (or equivalent)"), not a sentence ending on a citation
        # nor one set in brackets whole ("(In a remote setting, you can do this online using collaboration software such as Mural ...)")
        return None
    if re.fullmatch(r"\*\*[^*]+[^.!?*]\*\*", sentence):
        return None  # a bold line standing as a heading ("**How residents analyze information**")
    if TITLED_SOURCE.search(sentence):
        return None  # an article's title and where it ran ("5 ways Pittsburgh’s public servants are using ... (Technical.ly)")
    if META.search(sentence) or (STAGE_DIRECTION.search(sentence) and not directions) or SELF_REFERENCE.search(sentence) or BIBLIOGRAPHY.search(sentence) or re.search(r"\[\d+\]", sentence):
        return None
    citations = len(CITATION_ONLY.findall(sentence))
    if citations and len(sentence) <= 110 * citations and not CLAIM_VERB.search(sentence):
        return None  # "Sørensen and Torfing (2011), Administration & Society; Hartley ... (2013), Public Administration Review."
    return (a, b)


def _bracketed_whole(sentence: str) -> bool:
    """A sentence of eight words or more set in brackets whole ("(In a remote setting, you can do this online ...)")."""
    return sentence.startswith("(") and sentence[1:2].isupper() and "(" not in sentence[1:] and len(sentence.split()) >= 8


def quotable_item(text: str, span: tuple[int, int]) -> tuple[int, int] | None:
    """The span to quote for a list item (a step may be a fragment: "pay promptly, within days"), or ``None``."""
    a, b = span
    item = text[a:b].strip()
    if len(item) < 8 or len(item.split()) < 2 or re.search(r"\[\d+\]", item) or BIBLIOGRAPHY.search(item):
        return None
    if META.search(item) or LINK_ONLY.fullmatch(item):
        return None
    # A bare role label with nothing after it ("**Programme manager:**") says nothing.
    label = LABEL.match(text, a, b)
    if label and not text[label.end() : b].strip():
        return None
    return (a, b)


CHECKBOX_BEFORE = re.compile(r"\[[ xX]?\]\s*$")
"""A checklist box right before a list item's text."""


def clause_item(text: str, span: tuple[int, int], directions: bool = False) -> tuple[int, int] | None:
    """A list item written as a whole sentence without its full stop, quotable as one; else ``None``.

    "In 2018, Louisville Open Data partnered with University of Louisville’s Speed School of
    Engineering ... for capstone projects" states a fact: eight words or more, a capital first, and a
    word lemminflect knows only as an inflected verb ("partnered"; not "partners", also a noun, nor
    "using"), so that it holds a clause, not a label or a title. A checklist's box ("- [ ] Summary and
    feedback on decisions sent to participants") makes it a thing to tick instead.
    """
    item = text[span[0] : span[1]].strip()
    words = re.findall(r"[A-Za-z][\w’'-]*", item)
    if len(words) < 8 or not item[:1].isupper() or item.startswith("**"):
        return None
    if CHECKBOX_BEFORE.search(text, max(0, span[0] - 8), span[0]):
        return None  # "- [ ] Summary and feedback on decisions sent to participants" is a thing to tick, not a fact
    if not has_finite_verb(item):
        return None
    return quotable_sentence(text, span, directions, ended=False)


def has_finite_verb(text: str) -> bool:
    """Whether ``text`` holds, after its first word, a word lemminflect knows only as an inflected verb ("partnered", "agreed").

    Not "partners" (also a noun), "engaged" (also an adjective), nor "using" (no tense of its own): a
    label or a title ("Open data program manager", "Growing number of engaged open data users") has none.
    """
    from lemminflect import getAllLemmas

    for w in re.findall(r"[A-Za-z][\w’'-]*", text)[1:]:
        if w.lower().endswith("ing"):  # "using", "creating": no tense of their own
            continue
        lemmas = getAllLemmas(w.lower())
        if "VERB" in lemmas and "NOUN" not in lemmas and "ADJ" not in lemmas and lemmas["VERB"][0] != w.lower():
            return True
    return False


def sentence_quotes(passage: Passage, directions: bool = False) -> list[Quote]:
    """Every sentence of a passage that may be quoted, labelled by role; none from reference sections.

    ``directions``: a session plan's stage directions ("The trainer explains ...") may be quoted too
    (for "How do I run the session?", where they are the answer). A session's learning outcomes
    ("Distinguish consultation, co-design and co-production, using Bovaird (2007).") say what
    participants will be able to do, not what is so: quoted only with ``directions`` too (a
    question asking for them is answered from their list, item by item).
    """
    if is_reference_section(passage.section) or (OUTCOMES_SECTION.search(passage.section) and not directions):
        return []
    pitfall_section = is_pitfall_section(passage.section)
    pitfall_items = _pitfall_item_spans(passage)
    items = [item for u in passage.units if u.kind == "list" for item in u.items]
    out: list[Quote] = []
    labelled = [(a, b) for a, b in items if LABELLED_PITFALL.match(passage.text, a, b)]
    out.extend(Quote(passage, span, "pitfall") for span in labelled)
    for span in _short_leads_joined(passage.text, passage.sentences, items):
        if any(a <= span[0] < b for a, b in labelled):
            continue
        quoted = quotable_sentence(passage.text, span, directions)
        if quoted is None and any(a <= span[0] < b for a, b in items):
            quoted = clause_item(passage.text, span, directions)
        if quoted is None:
            continue
        if len(passage.text[quoted[0] : quoted[1]].split()) < 6 and any(a <= quoted[0] < b for a, b in items):
            continue  # "Joint assessment and planning." reads as a fragment without its list's lead-in
        pitfall = pitfall_section or any(a <= quoted[0] < b for a, b in pitfall_items)
        out.append(Quote(passage, quoted, "pitfall" if pitfall else "body"))
    return out


LABELLED_PITFALL = re.compile(r"\*\*(?:pitfall|mistake|trap|risk|warning)s?:\s*[^*\n]{3,}?[.!]?\*\*[ \t]+[A-Z\"“]", re.I)
"""A list item naming its pitfall in bold before saying what it costs ("**Pitfall: the chair facilitates their own proposal.**
Others read the process as rigged ..."): quoted whole, for the explanation alone does not say what the pitfall is."""


def _short_leads_joined(text: str, spans: Sequence[tuple[int, int]], items: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans, each with a short sentence opening its paragraph just before it joined on.

    Ingest keeps no sentence under four words, but "No PRA implications. The PRA explicitly exempts direct
    observation ..." answers "Do we need PRA clearance?" in those three words; joined to the sentence after
    it, the two read as one quote. List items keep their own spans.
    """
    out: list[tuple[int, int]] = []
    end = 0
    for a, b in spans:
        gap = text[end:a]
        lead = SHORT_LEAD.search(gap)
        if lead and not any(x <= a < y for x, y in items):
            a = end + lead.start("lead")
        out.append((a, b))
        end = b
    return out


SHORT_LEAD = re.compile(r"(?:^|\n)[ \t]*(?P<lead>[A-Z][\w'’-]*(?:[ \t]+[\w'’-]+){1,2}\.)[ \t]+$")
"""A sentence of two or three words opening a paragraph ("No PRA implications."), right before the sentence it leads."""


def _pitfall_item_spans(passage: Passage) -> list[tuple[int, int]]:
    """Items of lists introduced as pitfalls ("Common mistakes:") inside a passage."""
    spans: list[tuple[int, int]] = []
    for u in passage.units:
        if u.kind == "list" and u.lead and PITFALL_LEAD.search(passage.text[u.lead[0] : u.lead[1]]):
            spans.extend(u.items)
    return spans
