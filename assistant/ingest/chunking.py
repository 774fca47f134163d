"""Structure-aware chunking: sections from headings (or PDF pages), passages from a token-measured splitter.

A document is first cut into *units*: the spans between Markdown headings (found with
markdown-it-py by :mod:`assistant.ingest.headings`, so code fences and setext headings are
handled) or, for PDFs, pages. Each unit is then split by LangChain's
``RecursiveCharacterTextSplitter`` measuring length with the embedder's own tokenizer,
preferring paragraph, then line, then sentence breaks.

Worked numbers (defaults): the encoder window is 256 word pieces, two are [CLS]/[SEP], leaving
254. The "title > section" trail embedded with each passage is capped at 48 pieces, so a passage
may hold at most 254 - 48 = 206 pieces; we target 180 with a 24-piece overlap.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.ingest.headings import headings as find_headings
from assistant.ingest.loaders import LoadedDocument
from assistant.ingest.structure import Unit, definition_term, document_units, units_in
from assistant.settings import ChunkingSettings

SPECIAL_TOKENS = 2  # [CLS] and [SEP]
PASSAGE_FORMAT = 10
"""Bumped when passages or what is recorded with them change (2: evidence units, HTML stripped, checkboxes; 3: a list item ending in a colon keeps the list nested under it; 4: a Markdown link to a site generator's tag, "[x]({% link a.md %})", keeps only its text; 5: so does a sub-list written at the margin, and the list it interrupted goes on; 6: a Markdown file's front-matter description opens its text; 7: its "why" makes a section "Why"; a link to "{{ site.baseurl }}/...", an image whose address has spaces and a link after "<br>" keep only their text; site generator tags and HTML comments are dropped; 8: a front-matter "what" is the summary before "description"; 9: bullets indented too little to nest under a numbered step stay with it, and the steps after them go on; 10: a list item that is a label without a full stop takes the list nested under it)."""
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]


@dataclass(frozen=True)
class Chunk:
    """One passage, positioned in its document.

    ``text`` is exactly ``document_text[start:end]``; ``embed_text`` adds the heading trail for
    the encoder and BM25; ``sentences`` are ``(start, end)`` spans inside ``text``.
    """

    id: str
    doc_id: str
    position: int
    text: str
    start: int
    end: int
    section: str
    page: int | None
    embed_text: str
    sentences: tuple[tuple[int, int], ...] = field(default=())
    units: tuple[Unit, ...] = field(default=())
    """Lists, table rows and definitions inside ``text`` (spans relative to it)."""


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    trail: tuple[str, ...]
    page: int | None


def chunk_id(doc_id: str, content_hash: str, position: int) -> str:
    """Stable passage id from the document's content hash and the passage's position in it.

    The document id is mixed in so that the same file stored under two names keeps two
    distinct sets of passages.
    """
    return hashlib.sha1(f"{doc_id}:{content_hash}:{position}".encode()).hexdigest()[:24]


class Chunker:
    """Cuts loaded documents into passages that always fit the encoder window."""

    def __init__(self, tokenizer: Any, settings: ChunkingSettings | None = None, window: int = 256) -> None:
        # A zero-argument callable defers loading the encoder until a file really needs cutting,
        # so re-ingesting an unchanged library never loads the model.
        self._tokenizer = tokenizer
        self.settings = settings or ChunkingSettings()
        self.limit = window - SPECIAL_TOKENS
        self._segmenter = None

    @property
    def tokenizer(self) -> Any:
        """The Hugging Face tokenizer that measures passages."""
        if callable(self._tokenizer) and not hasattr(self._tokenizer, "tokenize"):
            self._tokenizer = self._tokenizer()
        return self._tokenizer

    def count(self, text: str) -> int:
        """Word pieces in ``text`` without special tokens.

        Raises:
            TimeoutError: The thread's :func:`time_limit` has run out (checked here because the
                splitter measures every piece: a 5 MB line is ~600k calls).
        """
        at = getattr(_LIMIT, "at", None)
        if at is not None and time.monotonic() > at:
            raise TimeoutError("cutting the text into passages ran out of time")
        return len(self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    @lru_cache(maxsize=64)
    def _splitter(self, size: int) -> RecursiveCharacterTextSplitter:
        return RecursiveCharacterTextSplitter(
            separators=SEPARATORS,
            chunk_size=size,
            chunk_overlap=min(self.settings.overlap_tokens, size // 4),
            length_function=self.count,
            strip_whitespace=True,
            keep_separator="end",
        )

    def chunk(self, doc: LoadedDocument, doc_id: str, content_hash: str, title: str) -> list[Chunk]:
        """Split one document.

        Args:
            doc: The loaded document.
            doc_id: Its stable id.
            content_hash: Hash of its bytes (chunk ids derive from it).
            title: Title for the embedded heading trail.

        Returns:
            Passages in document order.
        """
        text = doc.text
        units = _page_units(doc) if doc.pages else _heading_units(text, title)
        blocks = document_units(text)
        chunks: list[Chunk] = []
        # A short note is one small passage rather than none: the length floor only drops
        # fragments when the document has something longer to offer.
        min_chars = self.settings.min_chars if len(_content(text)) >= self.settings.min_chars else 1
        for unit in units:
            section = " > ".join(unit.trail)
            prefix = self._prefix(title, section)
            size = min(self.settings.chunk_tokens, self.limit - self.count(prefix))
            body = text[unit.start : unit.end]
            for offset, passage in self._split(body, size):
                start = unit.start + offset
                if len(_content(passage)) < min_chars:
                    continue
                embed_text = f"{prefix}{passage}"
                # The splitter measures pieces one by one; re-measure the joined text and cut
                # again on the rare occasion the join added word pieces (never truncate).
                for sub_start, sub_text in self._fit(passage, size, prefix):
                    abs_start = start + sub_start
                    position = len(chunks)
                    spans = tuple(self.sentences(sub_text))
                    chunks.append(
                        Chunk(
                            id=chunk_id(doc_id, content_hash, position),
                            doc_id=doc_id,
                            position=position,
                            text=sub_text,
                            start=abs_start,
                            end=abs_start + len(sub_text),
                            section=section,
                            page=unit.page,
                            embed_text=f"{prefix}{sub_text}" if sub_text != passage else embed_text,
                            sentences=spans,
                            units=tuple(units_in(blocks, abs_start, abs_start + len(sub_text)))
                            + _definitions(sub_text, spans, abs_start),
                        )
                    )
        return chunks

    def _fit(self, passage: str, size: int, prefix: str) -> list[tuple[int, str]]:
        if self.count(prefix + passage) <= self.limit:
            return [(0, passage)]
        out: list[tuple[int, str]] = []
        for offset, piece in self._split(passage, max(16, size - 16)):
            out.extend((offset + s, t) for s, t in self._fit(piece, size - 16, prefix))
        return out

    def _split(self, text: str, size: int) -> list[tuple[int, str]]:
        """``(offset, piece)`` pairs: the splitter's pieces with where each starts in ``text``.

        LangChain's ``add_start_index`` looks for a piece from ``previous end - chunk_overlap``,
        counting the overlap in characters; ours is in word pieces (~4 characters each), so that
        search can start past an overlapping piece and return -1. Pieces come in order, each
        starting after the previous one, so searching from the previous start is exact.
        """
        out: list[tuple[int, str]] = []
        cursor = 0
        for piece in self._splitter(size).split_text(text):
            at = text.find(piece, cursor)
            out.append((at, piece))
            cursor = at + 1
        return out

    def _prefix(self, title: str, section: str) -> str:
        trail = f"{title} > {section}" if section else title
        cap = self.settings.context_tokens
        if cap == 0 or not trail:
            return ""
        ids = self.tokenizer(trail, add_special_tokens=False)["input_ids"]
        if len(ids) > cap:
            trail = self.tokenizer.decode(ids[:cap])
        return trail + "\n"

    def sentences(self, passage: str) -> list[tuple[int, int]]:
        """Sentence spans inside a passage, skipping headings and list markers; a sentence wrapped across lines stays whole.

        Returns:
            ``(start, end)`` offsets such that ``passage[start:end]`` is one sentence.
        """
        if self._segmenter is None:
            import pysbd

            self._segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
        spans: list[tuple[int, int]] = []
        for block_start, block_end in _prose_blocks(passage):
            # pysbd ends a sentence at every newline; a wrap becomes a space of the same length,
            # so the spans still index the passage.
            body = passage[block_start:block_end].replace("\n", " ")
            for span in self._segmenter.segment(body):
                sent = span.sent.strip()
                skip = 0
                if sent.count("**") % 2:  # a sentence break inside **bold**: drop the stray marker
                    if sent.startswith("**"):
                        sent, skip = sent[2:].lstrip(), len(sent) - len(sent[2:].lstrip())
                    elif sent.endswith("**"):
                        sent = sent[:-2].rstrip()
                # Questions (discussion prompts) and fragments make poor answers.
                if len(sent) < 20 or len(sent.split()) < 4 or sent.endswith("?"):
                    continue
                s = block_start + span.start + (len(span.sent) - len(span.sent.lstrip())) + skip
                spans.append((s, s + len(sent)))
        return spans


def _definitions(text: str, spans: tuple[tuple[int, int], ...], offset: int) -> tuple[Unit, ...]:
    """Sentences of a passage that define a term ("A boundary spanner is ...")."""
    out = []
    for a, b in spans:
        term = definition_term(text[a:b])
        if term:
            out.append(Unit("definition", a, b, term=term, key=offset + a))
    return tuple(out)


def _prose_blocks(passage: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each prose line in a passage, list markers and indentation left out.

    A line that stops mid-sentence (no closing punctuation) and is followed by one starting in
    lower case was wrapped, as PDFs and 80-column text are: the two lines form one block, so
    the sentence running across them is not cut in half. Headings, rules and table borders are
    skipped.
    """
    blocks: list[tuple[int, int]] = []
    offset = 0
    open_sentence = False
    for line in passage.splitlines(keepends=True):
        line_start = offset
        offset += len(line)
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or set(stripped) <= set("-=*_|: "):
            open_sentence = False
            continue
        lead = len(line) - len(line.lstrip())
        marker = _LIST_MARKER.match(line, lead)
        if marker:
            lead = marker.end()
        end = line_start + len(line.rstrip())
        if open_sentence and not marker and stripped[0].islower():
            blocks[-1] = (blocks[-1][0], end)
        else:
            blocks.append((line_start + lead, end))
        open_sentence = stripped[-1] not in ".!?:;"
    return blocks


_LIMIT = threading.local()


@contextmanager
def time_limit(seconds: float):
    """Make :meth:`Chunker.count` on this thread raise ``TimeoutError`` once ``seconds`` have passed.

    Python cannot stop a thread from outside; an ingest that gives up on a slow file uses this
    so the abandoned thread stops at its next measurement instead of burning a core.
    """
    _LIMIT.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _LIMIT.at = None


def _heading_units(text: str, title: str) -> list[_Unit]:
    """Spans between headings, each with its heading trail (the document-title heading dropped)."""
    headings = [(h.start, h.level, h.title) for h in find_headings(text)]  # (char offset, level, heading text)
    units: list[_Unit] = []
    stack: list[tuple[int, str]] = []
    bounds = [h[0] for h in headings] + [len(text)]
    if not headings or headings[0][0] > 0:
        units.append(_Unit(0, bounds[0], (), None))
    for (start, level, heading), end in zip(headings, bounds[1:]):
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading))
        trail = tuple(h for lvl, h in stack if not (lvl == 1 and h.strip().lower() == title.strip().lower()))
        units.append(_Unit(start, end, trail, None))
    return [u for u in units if text[u.start : u.end].strip()]


def _page_units(doc: LoadedDocument) -> list[_Unit]:
    return [_Unit(p.start, p.end, (p.section,) if p.section else (), p.number) for p in doc.pages]


def _content(passage: str) -> str:
    """Passage text without heading lines (a passage of headings alone says nothing)."""
    return "".join(line for line in passage.splitlines() if not line.lstrip().startswith("#")).strip()


_LIST_MARKER = re.compile(r"(?:[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?")
