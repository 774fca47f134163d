"""Evidence units beyond sentences: list blocks with their lead-in, table rows and definitions, with character spans.

A how-to question is answered by a list of steps, not by the sentence that happens to share the
most words with it. So at ingest we record where each list, table row and definition sits in the
document text (markdown-it tokens give the line ranges; every loader hands us Markdown-shaped
text: DOCX list paragraphs and HTML ``<ol>/<ul>`` come through as ``1.``/``-`` lines). Each passage
stores the units that fall inside it, with spans relative to the passage, so the answer composer
can quote a whole list item for item, each cited to the passage it sits in.

Inline HTML in Markdown (``<a href=...>``, ``<section ...>``) is reduced to its text before any of
this (:func:`strip_html`): tags never reach a passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal, Sequence

from markdown_it import MarkdownIt

UnitKind = Literal["list", "row", "definition"]

# "[ ] " / "[x] " after a list marker is a checkbox, not part of the step.
CHECKBOX = re.compile(r"\[[ xX]\]\s+")
# A definition names its subject first: "A wicked problem is ...", "Co-design means ...".
# The subject is at most six words (beyond that it is a sentence about something, not a term).
DEFINITION = re.compile(
    r"^(?:\*\*)?(?:(?:a|an|the)\s+)?(?P<term>[A-Za-z][\w'’()-]*(?:\s+[\w'’()-]+){0,5}?)(?:\*\*)?"
    r"(?:\s*\([^)]{1,60}\))?,?\s+(?:is|are|means|refers\s+to|describes|denotes|is\s+defined\s+as)\s+(?:a|an|the|when|what|where|any|one|[a-z])",
    re.I,
)
_NOT_TERMS = {"this", "that", "it", "there", "these", "those", "they", "he", "she", "we", "you", "i", "which", "what", "here", "one", "each", "why", "how"}


@dataclass(frozen=True)
class Unit:
    """A list block, table row or definition inside a text.

    Attributes:
        kind: ``list``, ``row`` or ``definition``.
        start: Where the unit starts in the text it was found in.
        end: Where it ends.
        items: List items' text spans (list marker and checkbox left out); a row's cell spans.
        lead: The lead-in line introducing a list ("When paying people:"), if any.
        ordered: True for a numbered list.
        term: The defined term (definitions) or the row's first cell (rows).
        key: The unit's start in the *document*, so parts of one list cut across passages can be joined.
    """

    kind: UnitKind
    start: int
    end: int
    items: tuple[tuple[int, int], ...] = ()
    lead: tuple[int, int] | None = None
    ordered: bool = False
    term: str = ""
    key: int = 0
    heads: tuple[int, ...] = ()
    """Per item, where its first paragraph ends, when a list nested under it was taken along (document units only)."""

    def to_json(self) -> dict:
        """Compact JSON for the manifest."""
        out: dict = {"k": self.kind, "s": self.start, "e": self.end, "key": self.key}
        if self.items:
            out["items"] = [list(i) for i in self.items]
        if self.lead:
            out["lead"] = list(self.lead)
        if self.ordered:
            out["ordered"] = True
        if self.term:
            out["term"] = self.term
        return out

    @classmethod
    def from_json(cls, data: dict) -> "Unit":
        """Inverse of :meth:`to_json`."""
        return cls(
            kind=data["k"], start=data["s"], end=data["e"], items=tuple(tuple(i) for i in data.get("items", ())),
            lead=tuple(data["lead"]) if data.get("lead") else None, ordered=bool(data.get("ordered")),
            term=data.get("term", ""), key=data.get("key", 0),
        )


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _line_starts(text: str) -> list[int]:
    """Offset of each line as markdown-it numbers them (it splits on ``\\n`` only, unlike ``str.splitlines``)."""
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    starts.append(len(text))
    return starts


def strip_html(text: str) -> str:
    """Markdown with its raw HTML and its links reduced to text: block tags dropped, inline tags and link addresses removed, their text kept.

    ``See <a href="https://x" class="usa-link">the guide</a>.`` and ``See [the guide]({{site.baseurl}}/guide/).``
    both become ``See the guide.``; a ``<section class="...">`` line disappears. Code spans and fences are left alone (markdown-it
    does not report HTML inside them).
    """
    tokens = _parser().parse(text)
    lines = text.split("\n")
    drop: set[int] = set()
    for token in tokens:
        if token.type == "html_block" and token.map:
            if token.content.lstrip().startswith("<!--"):
                drop.update(range(token.map[0], token.map[1]))  # a comment, however many lines, is no text
                continue
            for n in range(token.map[0], token.map[1]):
                if _is_tag_line(lines[n]):
                    drop.add(n)
                else:
                    # "<br>" opens an HTML block that runs to the next blank line: "_Photo by [x](url)._" after it is text with a link.
                    lines[n] = _MD_LINK.sub(_link_text, _remove_tags(lines[n]))
        elif token.type == "inline" and token.map and token.children:
            first, end = token.map
            tags = [c.content for c in token.children if c.type == "html_inline"]
            if "{%" in token.content and _LIQUID_TAG.search(block := "\n".join(lines[first:end])):
                # A site generator's tag ("{% include link-arrow-right.html url=... %}", over several lines) is no
                # text: the token's lines are read as one, and what is left of them stands on its first line.
                block = _LIQUID_TAG.sub("", block)
                for tag in tags:
                    block = block.replace(tag, "")
                lines[first] = _MD_LINK.sub(_link_text, block).strip("\n")
                if not lines[first].strip():
                    drop.add(first)
                drop.update(range(first + 1, end))
                continue
            # markdown-it sees no link in "[x]({% link a.md %})" or "[x]({{ site.baseurl }}/a/)" (an address may not
            # hold spaces); a site generator does.
            links = any(c.type in ("link_open", "image") for c in token.children) or _MD_LINK.search(token.content) is not None
            for n in range(first, end):
                for tag in tags:
                    lines[n] = lines[n].replace(tag, "")
                if links:
                    lines[n] = _MD_LINK.sub(_link_text, lines[n])
    if not drop and lines == text.split("\n"):
        return text
    return "\n".join(line for n, line in enumerate(lines) if n not in drop)


# A Markdown link or image, ``[text](url "title")`` / ``![alt](src)``: its text stays, the address goes.
# The address may be a site generator's tag with spaces in it: "[interviews]({% link _methods/x.md %})",
# "[user research]({{ site.baseurl }}/discovery/)".
_MD_LINK = re.compile(
    r"!\[([^\]\n]*)\]\(\s*(?:[^()\n\"']|\([^()\n]*\))*\.(?:png|jpe?g|gif|svg|webp)\s*\)"  # an image whose address has spaces ("/img/data days (1).png")
    r"|!?\[([^\]\n]*)\]\(\s*<?(?:\{%[^%\n]*%\}|\{\{[^{}\n]*\}\}|[^()\s<>]|\([^()\s]*\))*>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)",
    re.I,
)
_LIQUID_TAG = re.compile(r"\{%.*?%\}", re.S)
"""A site generator's (Liquid) tag, which may run over several lines."""
_TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>|<!--.*?-->")


def _link_text(m: re.Match[str]) -> str:
    return m.group(1) if m.group(1) is not None else m.group(2)


def _is_tag_line(line: str) -> bool:
    return not _TAG.sub("", line).strip()


def _remove_tags(line: str) -> str:
    return _TAG.sub("", line)


def document_units(text: str) -> list[Unit]:
    """Top-level lists (with their lead-in) and table rows of a Markdown text, in document order."""
    tokens = _parser().parse(text)
    starts = _line_starts(text)
    units: list[Unit] = []
    depth = 0
    for i, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
            if depth == 1 and token.map:
                unit = _list_unit(text, tokens, i, starts)
                if unit is not None:
                    units.append(unit)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "tr_open" and token.map and depth == 0:
            row = _row_unit(text, tokens, i, starts)
            if row is not None:
                units.append(row)
    return [u for u in _rejoin(text, units) if u.kind != "list" or len(u.items) >= 2]


def _rejoin(text: str, units: list[Unit]) -> list[Unit]:
    """Join a list interrupted by an unindented sub-list back together.

    "1. Create a diagram with four rows:" followed at the margin by "- User steps ...", then
    "1. Map the flow ...": Markdown reads three lists; the writer meant one, whose second step
    holds the four rows. A list whose last item ends in a colon takes the list right after it
    into that item, and a list of its own kind right after that continues it. So does a numbered list followed by
    bullets indented too little to nest under its last step ("1. Interview participants about their reactions."
    then "  - Ask questions as objectively as possible." two spaces in, then "1. Compare the results ...").
    """
    out: list[Unit] = []
    i = 0
    while i < len(units):
        unit = units[i]
        nxt = units[i + 1] if i + 1 < len(units) else None
        if (
            unit.kind == "list" and nxt is not None and nxt.kind == "list" and unit.items and not text[unit.end : nxt.start].strip()
            and (text[unit.items[-1][0] : unit.items[-1][1]].endswith(":") or (nxt.ordered != unit.ordered and text[nxt.start : nxt.start + 1] in " \t"))
        ):
            a, _ = unit.items[-1]
            items = unit.items[:-1] + ((a, nxt.end),)
            heads = (unit.heads or tuple(b for _, b in unit.items))[:-1] + (unit.items[-1][1],)
            end = nxt.end
            i += 2
            after = units[i] if i < len(units) else None
            if after is not None and after.kind == "list" and after.ordered == unit.ordered and not text[end : after.start].strip():
                items += after.items
                heads += after.heads or tuple(b for _, b in after.items)
                end = after.end
                i += 1
            out.append(replace(unit, end=end, items=items, heads=_heads(items, heads)))
            continue
        out.append(unit)
        i += 1
    return out


def _list_unit(text: str, tokens: list, i: int, starts: list[int]) -> Unit | None:
    open_token = tokens[i]
    level = open_token.level
    items: list[tuple[int, int]] = []
    heads: list[int] = []
    j = i + 1
    while j < len(tokens) and not (tokens[j].type == open_token.type.replace("_open", "_close") and tokens[j].level == level):
        tok = tokens[j]
        if tok.type == "list_item_open" and tok.level == level + 1:
            # The item's first paragraph is its step; a nested list under it stays part of the block.
            para = next((t for t in tokens[j + 1 :] if t.type == "paragraph_open"), None)
            if para is not None and para.map and para.level == level + 2:
                a = starts[para.map[0]]
                b = starts[para.map[1]] if para.map[1] < len(starts) else len(text)
                a = _item_text_start(text, a, b, first=para.map[0] == tok.map[0] if tok.map else True)
                head = b = a + len(text[a:b].rstrip())
                if not text[a:b].endswith((".", "!", "?", ")", "”", '"')) and tok.map and tok.map[1] > para.map[1]:
                    # "have participants vote:" is finished by the list nested under it: the step takes it along. So is
                    # a label with no full stop ("Guides and tutorials for advanced users of Open Data" over the guides).
                    b = starts[tok.map[1]] if tok.map[1] < len(starts) else len(text)
                    b = a + len(text[a:b].rstrip())
                if b > a:
                    items.append((a, b))
                    heads.append(head)
        j += 1
    if not items:
        return None
    start = starts[open_token.map[0]]
    end = items[-1][1]
    return Unit(
        "list", start, end, tuple(items), _lead(text, tokens, i, starts), open_token.type.startswith("ordered"), key=start,
        heads=_heads(items, heads),
    )


def _heads(items: Sequence[tuple[int, int]], heads: Sequence[int]) -> tuple[int, ...]:
    """:attr:`Unit.heads`, empty when every item's first paragraph is the whole item (no list nested under any)."""
    return tuple(heads) if tuple(heads) != tuple(b for _, b in items) else ()


_MARKER = re.compile(r"[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+")


def _item_text_start(text: str, a: int, b: int, *, first: bool) -> int:
    """Skip the list marker (on the item's first line) and a checkbox."""
    if first:
        m = _MARKER.match(text, a, b)
        if m:
            a = m.end()
    else:
        a += len(text[a:b]) - len(text[a:b].lstrip())
    m = CHECKBOX.match(text, a, b)
    return m.end() if m else a


def _lead(text: str, tokens: list, i: int, starts: list[int]) -> tuple[int, int] | None:
    """The paragraph right before a list, if it introduces it (ends with a colon, or is one short line)."""
    if i < 3 or tokens[i - 1].type != "paragraph_close":
        return None
    para = tokens[i - 3]
    if para.type != "paragraph_open" or not para.map:
        return None
    a, b = starts[para.map[0]], starts[para.map[1]] if para.map[1] < len(starts) else len(text)
    body = text[a:b].rstrip()
    if body.endswith(":") or len(body) <= 160:
        # Keep only the last sentence of a long introducing paragraph: "... . When paying people:".
        cut = max(body.rfind(". ", 0, len(body) - 1), body.rfind("? ", 0, len(body) - 1))
        a2 = a + cut + 2 if cut >= 0 and body.endswith(":") else a
        return (a2, a + len(body))
    return None


def _row_unit(text: str, tokens: list, i: int, starts: list[int]) -> Unit | None:
    tr = tokens[i]
    a = starts[tr.map[0]]
    b = a + len(text[a : starts[tr.map[1]] if tr.map[1] < len(starts) else len(text)].rstrip())
    cells = []
    j = i + 1
    while j < len(tokens) and tokens[j].type != "tr_close":
        if tokens[j].type == "inline":
            cells.append(tokens[j].content.strip())
        j += 1
    if not any(cells):
        return None
    return Unit("row", a, b, term=cells[0], key=a)


def definition_term(sentence: str) -> str | None:
    """The term a sentence defines ("A boundary spanner is a person ..." -> "boundary spanner"), else ``None``."""
    m = DEFINITION.match(sentence.strip())
    if not m:
        return None
    term = re.sub(r"^(?:the\s+)?(?:term|concept|idea|word)\s+", "", m["term"].strip().strip("*").strip(), flags=re.I)
    if term.lower() in _NOT_TERMS or term.split()[0].lower() in _NOT_TERMS:
        return None
    return term


def units_in(units: list[Unit], start: int, end: int) -> list[Unit]:
    """The document units inside ``[start, end)``, shifted to be relative to ``start``.

    A list keeps the items that lie wholly inside (at least one); an item whose nested list runs
    past ``end`` keeps its first paragraph. Its lead-in only if inside too. A row must lie wholly inside.
    """
    out: list[Unit] = []
    for u in units:
        if u.end <= start or u.start >= end:
            continue
        if u.kind == "list":
            ends = [min(b, h) if b > end else b for (_, b), h in zip(u.items, u.heads or [b for _, b in u.items])]
            items = tuple((a - start, b - start) for (a, _), b in zip(u.items, ends) if a >= start and b <= end)
            if not items:
                continue
            lead = (u.lead[0] - start, u.lead[1] - start) if u.lead and u.lead[0] >= start and u.lead[1] <= end else None
            out.append(replace(u, start=max(u.start, start) - start, end=min(u.end, end) - start, items=items, lead=lead, heads=()))
        elif u.start >= start and u.end <= end:
            out.append(replace(u, start=u.start - start, end=u.end - start))
    return out
