"""Markdown headings as markdown-it sees them: level, title and where each sits in the text.

Chunking (the heading trail of every passage), metadata (the fallback title), the Library reader
(section titles), the glossary reader (concept cards) and the UI (bold heading lines) all read
headings here, so they agree with each other and with CommonMark: a ``#`` line inside a code
fence is not a heading, a setext heading (``Title`` over ``=====``) is, and a closing ``##``
sequence is not part of the title.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from markdown_it import MarkdownIt

# markdown-it numbers lines after normalising \r\n and \r to \n; only these three end a line.
# (str.splitlines also breaks at U+2028, \x85, \f, \v and \x1c-\x1e, which would shift every
# heading after such a character.)
_NEWLINE = re.compile(r"\r\n?|\n")
_LOCAL = threading.local()  # one parser per thread: no library object shared across threads


@dataclass(frozen=True)
class Heading:
    """One heading of a Markdown text.

    Attributes:
        level: 1 for ``#`` (or an ``===`` underline) to 6 for ``######``.
        title: The heading's text as written (inline Markdown kept, closing ``#`` run dropped).
        start: Offset of the heading's first line in the text.
        end: Offset just past its last line (its line break included), where its section's body starts.
        line: Its first line's number, counting from 0.
    """

    level: int
    title: str
    start: int
    end: int
    line: int


def _parser() -> MarkdownIt:
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = MarkdownIt("commonmark")
    return parser


def headings(text: str) -> list[Heading]:
    """Every heading of ``text``, in order.

    Example: ``headings("# A\\n\\ntext\\n\\nB\\n---\\n")`` gives ``Heading(1, "A", 0, 4, 0)`` and
    ``Heading(2, "B", 10, 16, 4)``.
    """
    if "#" not in text and "=" not in text and "-" not in text:
        return []  # no ATX marker and no setext underline: nothing to parse
    tokens = _parser().parse(text)
    line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
    line_starts.append(len(text))  # a last line without a line break ends at the end of the text
    out: list[Heading] = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            first, after = token.map
            title = tokens[i + 1].content.strip() if i + 1 < len(tokens) else ""
            out.append(Heading(int(token.tag[1]), title, line_starts[first], line_starts[min(after, len(line_starts) - 1)], first))
    return out


def first_heading(text: str) -> str | None:
    """The first heading's title, or ``None`` when the text has no heading (or only an empty one)."""
    return next((h.title for h in headings(text) if h.title), None)


def leading_heading(text: str) -> Heading | None:
    """The heading ``text`` opens with (after blank lines), or ``None``."""
    found = headings(text)
    if found and not text[: found[0].start].strip():
        return found[0]
    return None
