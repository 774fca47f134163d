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
from assistant.index.manifest import ChunkRecord
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


_ENTRY = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)
_WHY = "**Why it matters:**"
_SOURCE = "**Source:**"


def glossary(pipeline: Pipeline) -> list[GlossaryEntry]:
    """Every term defined in the indexed glossary documents, alphabetically.

    Sections without a "why it matters" paragraph (a reference list, an introduction) are
    not terms and are skipped.
    """
    manifest = pipeline.index.manifest
    entries: dict[str, GlossaryEntry] = {}
    for doc in pipeline.documents():
        if doc.meta.doc_type != "glossary":
            continue
        text = manifest.text(doc.doc_id)
        heads = list(_ENTRY.finditer(text))
        for i, head in enumerate(heads):
            body = text[head.end() : heads[i + 1].start() if i + 1 < len(heads) else len(text)]
            paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
            definition = " ".join(p for p in paragraphs if not p.startswith("**") and not p.startswith("#"))
            why = next((p[len(_WHY) :].strip() for p in paragraphs if p.startswith(_WHY)), "")
            source = next((p[len(_SOURCE) :].strip() for p in paragraphs if p.startswith(_SOURCE)), "")
            term = head.group(1).strip()
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
    the first sentence naming the term in the best-ranked passage from ``example_from``
    documents for the query "TERM example"; sentences that merely define the term ("X is
    ...") are passed over when another one names it.

    Args:
        pipeline: The indexed corpus.
        entry: The glossary entry (from :func:`glossary`).
        example_from: Document types an example may come from.
    """
    chunks = [c for c in pipeline.index.manifest.document_chunks(entry.doc_id) if c.section == entry.term]
    citations: list[Citation] = []
    numbers: list[int | None] = []
    for needle in (entry.definition[:60], entry.why[:60]):
        cited = _cite_text(len(citations) + 1, chunks, needle)
        if cited is not None:
            citations.append(cited)
        numbers.append(cited.n if cited else None)
    example = None
    result = pipeline.search(f"{entry.term} example", k=8, filters=Filters(doc_types=example_from))
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


def _cite_text(n: int, chunks: list[ChunkRecord], needle: str) -> Citation | None:
    """Cite the sentence of ``chunks`` that contains the start of ``needle``."""
    for chunk in chunks:
        at = chunk.text.find(needle)
        if at == -1:
            continue
        a, b = next(((a, b) for a, b in chunk.sentences if a <= at < b), (at, at + len(needle)))
        return Citation(n, chunk.id, chunk.doc_id, chunk.title, chunk.source, chunk.page, chunk.section, chunk.text, chunk.text[a:b], (a, b), 1.0)
    return None


def _example(passages: list[Passage], pattern: re.Pattern[str], prefer: str = "case-study", types: dict[str, str] | None = None) -> tuple[Passage, tuple[int, int]] | None:
    """The first usable sentence naming the term, from a case study if one ranks in the list.

    Usable: a full sentence (at least 50 characters, not a heading, list item, checkbox or
    bold label) outside a reference list. A sentence that only defines the term is used when
    nothing else names it.
    """
    found: list[tuple[int, Passage, tuple[int, int]]] = []
    for p in passages:
        if "reference" in p.section.lower():
            continue
        for a, b in p.sentences:
            sentence = p.text[a:b].strip()
            if len(sentence) < 50 or sentence.startswith(("#", "-", "*", "[", "|", ">")) or not pattern.search(sentence):
                continue
            defining = re.match(rf"(an?\s+|the\s+)?{pattern.pattern}\w*\s+(is|are|means|refers)\b", sentence, re.IGNORECASE)
            rank = (0 if not defining else 2) + (0 if (types or {}).get(p.doc_id) == prefer else 1)
            found.append((rank, p, (a, b)))
            break
    if not found:
        return None
    _, passage, span = min(found, key=lambda f: f[0])
    return passage, span
