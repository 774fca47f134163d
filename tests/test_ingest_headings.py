"""The one heading reader: CommonMark headings with their offsets, as chunking, metadata, the reader, Learn and the UI see them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.ingest.headings import Heading, first_heading, headings, leading_heading
from assistant.ingest.loaders import load

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
# The regex metadata, the Library reader and the glossary reader used before they shared this helper.
OLD_REGEX = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)


def test_atx_and_setext_headings_with_offsets():
    text = "# Title\n\nIntro.\n\nWhy it matters\n--------------\n\nBody.\n### Deep ###\nend"
    assert headings(text) == [
        Heading(1, "Title", 0, 8, 0),
        Heading(2, "Why it matters", 17, 47, 4),
        Heading(3, "Deep", 54, 67, 8),
    ]
    h = headings(text)[1]
    assert text[h.end :].startswith("\nBody.")  # a section's body starts right after its heading


def test_what_is_not_a_heading():
    text = "```\n# a comment in code\n```\n\n#hashtag\n\n    # indented code\n\n> quoted\n"
    assert headings(text) == []
    assert first_heading(text) is None
    assert first_heading("#not a heading\nplain") is None


def test_closing_hashes_go_but_a_hash_inside_the_title_stays():
    assert [h.title for h in headings("## Step one ##\n\n## C# for partners\n")] == ["Step one", "C# for partners"]


def test_offsets_count_lines_as_markdown_it_does():
    # \r\n and \r end lines; U+2028 and \f do not (str.splitlines would shift every later heading).
    text = "# A\r\nx\u2028y\fz\r\r## B\n"
    (a, b) = headings(text)
    assert (a.start, a.end) == (0, 5)
    assert text[b.start : b.end] == "## B\n" and b.line == 3


def test_leading_heading_only_when_the_text_opens_with_it():
    assert leading_heading("\n\n### Partners\nThey agree.") == Heading(3, "Partners", 2, 15, 2)
    assert leading_heading("They agree.\n\n## Later\n") is None
    assert leading_heading("Budget\n======\nShared.").title == "Budget"


@pytest.mark.parametrize("path", sorted(CORPUS.rglob("*.md")), ids=lambda p: p.name)
def test_every_shipped_document_reads_as_the_old_regex_read_it(path):
    """Level, title and offset of every heading match the regex the reader used, so no section label moved."""
    text = load(path, path.read_bytes()).text
    old = [(len(m.group(1)), m.group(2), m.start()) for m in OLD_REGEX.finditer(text)]
    assert [(h.level, h.title, h.start) for h in headings(text)] == old
    assert old, "every shipped document has headings"
