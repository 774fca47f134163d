"""Teaching material: concept cards from the glossary and the digests, guided demo sequences and starter questions.

A concept card takes its definition and "why it matters" from a glossary entry (``## Term``,
definition paragraphs, ``**Why it matters:**``, ``**Source:**``) and its example from the
best-ranked case study, guidance note or literature digest sentence that names the term.
Every part cites the passage it comes from, with the same :class:`~assistant.answer.Citation`
an answer uses, so the front end shows both the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer import Citation
from assistant.ingest.headings import headings
from assistant.pipeline import Pipeline
from assistant.retrieve import Filters, Passage

AUDIENCES = ("practitioner", "trainer", "researcher")

# Checked against the shipped corpus by the tests: each one is answered, none abstains.
STARTERS: dict[str, tuple[str, ...]] = {
    "practitioner": (
        "How do we set up the governance of a cross-sector partnership?",
        "What does a key worker do as a boundary spanner?",
        "How should we pay people with lived experience for their time?",
    ),
    "trainer": (
        "What is a wicked problem?",
        "What is the ladder of participation?",
        "What are small wins in a partnership?",
    ),
    "researcher": (
        "What did Ansell and Gash find about collaborative governance?",
        "How does co-production differ from co-creation?",
        "What are creaming and parking in payment-by-results contracts?",
    ),
}


@dataclass(frozen=True)
class DemoSequence:
    """A short run of questions that walks a room through one concept, in order."""

    title: str
    summary: str
    questions: tuple[str, ...]


# Follow-ups ("And ...?") are deliberate: they show the room that the assistant keeps the topic.
DEMOS: tuple[DemoSequence, ...] = (
    DemoSequence(
        "Wicked problems and collaborative innovation",
        "From what makes a problem wicked to why several actors innovate better than one.",
        (
            "What is a wicked problem?",
            "How does a wicked problem differ from a tame problem?",
            "What is collaborative innovation?",
            "Why can collaboration between several actors improve public innovation?",
            "What are small wins?",
        ),
    ),
    DemoSequence(
        "Co-production: from consultation to co-design",
        "Where co-production comes from, how far participation can go and how to run it well.",
        (
            "What is co-production?",
            "Where does the term co-production come from?",
            "What is the ladder of participation?",
            "How do you run a co-design workshop with service users?",
            "How should people with lived experience be paid?",
        ),
    ),
    DemoSequence(
        "Leading across boundaries",
        "Boundary spanners, the skills they need and leadership that is shared between partners.",
        (
            "What does a boundary spanner do?",
            "What skills does a competent boundary spanner need?",
            "What is distributed leadership?",
            "What is a boundary object?",
        ),
    ),
    DemoSequence(
        "A case: Making It Work for lone parents in Scotland",
        "One programme followed from its funding to what changed for staff and parents.",
        (
            "What was the Making It Work programme?",
            "Who collaborated in the Making It Work partnerships?",
            "How did the way the Making It Work partnerships were governed change what key workers could do?",
            "And how did the lone parents themselves feel about that support?",
        ),
    ),
)


@dataclass(frozen=True)
class GlossaryEntry:
    """One term as the glossary defines it."""

    term: str
    definition: str
    why: str
    source: str
    doc_id: str


@dataclass
class ConceptCard:
    """Definition, why it matters and an example; ``*_n`` is the number of the citation backing each part."""

    term: str
    definition: str
    why: str
    source: str
    example: str | None
    citations: list[Citation] = field(default_factory=list)
    definition_n: int | None = None
    why_n: int | None = None
    example_n: int | None = None


_WHY = "**Why it matters:**"
_SOURCE = "**Source:**"


def glossary(pipeline: Pipeline) -> list[GlossaryEntry]:
    """Every term defined in the indexed glossary documents, alphabetically.

    Sections without a "why it matters" paragraph (a reference list, an introduction) are
    not terms and are skipped.
    """
    entries: dict[str, GlossaryEntry] = {}
    for doc in pipeline.documents():
        if doc.meta.doc_type != "glossary":
            continue
        text = pipeline.document_text(doc.doc_id)
        heads = [h for h in headings(text) if h.level == 2]  # one entry per "## Term"
        for i, head in enumerate(heads):
            body = text[head.end : heads[i + 1].start if i + 1 < len(heads) else len(text)]
            paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
            definition = " ".join(p for p in paragraphs if not p.startswith("**") and not p.startswith("#"))
            why = next((p[len(_WHY) :].strip() for p in paragraphs if p.startswith(_WHY)), "")
            source = next((p[len(_SOURCE) :].strip() for p in paragraphs if p.startswith(_SOURCE)), "")
            term = head.title
            if definition and why and term.lower() not in entries:
                entries[term.lower()] = GlossaryEntry(term, definition, why, source, doc.doc_id)
    return sorted(entries.values(), key=lambda e: e.term.lower())


def term_pattern(term: str) -> re.Pattern[str]:
    """Matches the term in running text: any case, hyphen or space optional ("co-production" ~ "coproduction")."""
    words = re.findall(r"[A-Za-z0-9]+", re.sub(r"\(.*?\)", "", term))
    return re.compile(r"\b" + r"[\s-]?".join(re.escape(w) for w in words), re.IGNORECASE)


EXAMPLE_TYPES = ("case-study", "guidance", "literature", "training")


def concept_card(pipeline: Pipeline, entry: GlossaryEntry, *, example_from: tuple[str, ...] = EXAMPLE_TYPES) -> ConceptCard:
    """Build the card for one glossary entry.

    The definition and the "why it matters" line cite the glossary passage. The example is
    a sentence that really is one (see :func:`_example`) from the passages of ``example_from``
    documents that the query "TERM for example in practice" ranks best; without one the card has
    no example rather than a definition or a bibliography line in its place.

    Args:
        pipeline: The indexed corpus.
        entry: The glossary entry (from :func:`glossary`).
        example_from: Document types an example may come from.
    """
    chunks = [p for p in pipeline.document_passages(entry.doc_id) if p.section == entry.term]
    citations: list[Citation] = []
    numbers: list[int | None] = []
    for needle in (entry.definition[:60], entry.why[:60]):
        cited = _cite_text(len(citations) + 1, chunks, needle)
        if cited is not None:
            citations.append(cited)
        numbers.append(cited.n if cited else None)
    example = None
    result = pipeline.search(f"{entry.term} for example in practice", k=30, filters=Filters(doc_types=example_from))
    types = {d.doc_id: d.meta.doc_type for d in pipeline.documents()}
    found = _example(result.passages, term_pattern(entry.term), types=types)
    if found is not None:
        passage, span = found
        example = passage.text[span[0] : span[1]]
        citations.append(Citation(
            len(citations) + 1, passage.id, passage.doc_id, passage.title, passage.source, passage.page,
            passage.section, passage.text, example, span, passage.score,
        ))
    return ConceptCard(
        entry.term, entry.definition, entry.why, entry.source, example, citations,
        definition_n=numbers[0], why_n=numbers[1], example_n=len(citations) if example else None,
    )


def _cite_text(n: int, chunks: list[Passage], needle: str) -> Citation | None:
    """Cite the sentence of ``chunks`` that contains the start of ``needle``."""
    for chunk in chunks:
        at = chunk.text.find(needle)
        if at == -1:
            continue
        a, b = next(((a, b) for a, b in chunk.sentences if a <= at < b), (at, at + len(needle)))
        return Citation(n, chunk.id, chunk.doc_id, chunk.title, chunk.source, chunk.page, chunk.section, chunk.text, chunk.text[a:b], (a, b), 1.0)
    return None


# What makes a sentence an example: it says so, or its section is a case or an account of practice.
EXAMPLE_MARKER = re.compile(r"\b(for example|for instance|e\.g\.|an example|one example|in one (area|site|city|partnership))\b", re.IGNORECASE)
EXAMPLE_SECTION = re.compile(r"example|case|in practice|illustrat|what .* did|how .* worked|who collaborated|results|story", re.IGNORECASE)
# Not examples: reference lists, pitfalls, checklists, session logistics, and sentences about publications.
NOT_EXAMPLE_SECTION = re.compile(r"reference|bibliograph|further reading|pitfall|mistake|checklist|learning outcome|discussion question|timed session|materials", re.IGNORECASE)
ABOUT_A_PUBLICATION = re.compile(r"\(\d{4}[a-z]?\)|\b\d{4}[a-z]?\)|\bet al\b|\bpublished\b|\bjournal\b|\barticle\b|\breview(ed)?\b|\breport\b|\bthe trainer\b|\bpitfall|\bmistake", re.IGNORECASE)


def _example(passages: list[Passage], pattern: re.Pattern[str], prefer: str = "case-study", types: dict[str, str] | None = None) -> tuple[Passage, tuple[int, int]] | None:
    """The best sentence that is an example of the term, or ``None``.

    A candidate is a full sentence (at least 50 characters, not a heading, list item or
    label) that names the term and is not about a publication ("Lindsay et al. (2021)
    ...") or a pitfall, outside reference lists, pitfalls, checklists and session logistics. It counts
    as an example when it says so ("for example", "for instance", "e.g."), sits in a case study,
    or sits in a section that recounts practice ("What Buurtzorg did", "Results"); a
    "for example" sentence right after one naming the term counts too (both are quoted).
    Sentences that merely define the term ("X is ...") never count. Among examples, one
    from a case study wins, then one that says it is an example, then retrieval order.
    """
    found: list[tuple[int, int, Passage, tuple[int, int]]] = []
    for order, p in enumerate(passages):
        leaf = p.section.split(" > ")[-1]
        if NOT_EXAMPLE_SECTION.search(p.section):
            continue
        case = (types or {}).get(p.doc_id) == prefer
        previous: tuple[int, int] | None = None
        for a, b in p.sentences:
            sentence = p.text[a:b].strip()
            names_term = bool(pattern.search(sentence))
            usable = len(sentence) >= 50 and not sentence.startswith(("#", "-", "*", "[", "|", ">")) and not ABOUT_A_PUBLICATION.search(sentence)
            marked = bool(EXAMPLE_MARKER.search(sentence))
            defining = re.search(rf"{pattern.pattern}\w*\s+(is|are|means|refers|describes)\b", sentence[:80], re.IGNORECASE)
            span = (a, b)
            if usable and marked and not names_term and previous is not None:
                names_term, span = True, (previous[0], b)  # "X matters. For example, ..." quotes both
            previous = (a, b) if pattern.search(sentence) else None
            if not (usable and names_term) or defining:
                continue
            if not (marked or case or EXAMPLE_SECTION.search(leaf)):
                continue
            found.append(((0 if case else 1) + (0 if marked else 2), order, p, span))
            break
    if not found:
        return None
    _, _, passage, span = min(found, key=lambda f: (f[0], f[1]))
    return passage, span
