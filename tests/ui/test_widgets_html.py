"""What the pages draw from document text: escaped HTML, marks, badges; never markup from a document."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app.sources import segments


@pytest.fixture()
def widgets(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "ui"))
    import widgets

    return widgets


def test_document_markup_is_shown_as_text_and_the_mark_survives(widgets):
    text = "## Funding <script>alert(1)</script>\n\nIt costs $5 and **matters** a lot."
    html = widgets.marked_html(segments(text, [(text.index("It"), len(text))]))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>Funding &lt;script&gt;" in html
    assert '<mark style="background:#ffe082' in html and "<strong>matters</strong>" in html
    assert "\n" not in widgets.block(html)  # one raw HTML block: Markdown never re-reads it


def test_a_mark_inside_a_heading_keeps_the_heading(widgets):
    text = "## Creaming and parking defined\nBody."
    html = widgets.marked_html(segments(text, [(3, 11)]))
    assert "<strong><mark" in html


def test_document_lists_are_lists_without_blank_gaps(widgets):
    text = "Three steps:\n\n- agree the aim\n- map the partners\n\n\n\nThen start."
    html = widgets.document_html(text)
    assert html.count("<li") == 2 and "<ul" in html and "- agree" not in html
    assert "<br>" not in html and "\n" not in html
    assert html.count("<p") == 2  # the blank lines make no empty paragraphs


def test_answer_markers_become_badges(widgets):
    html = widgets.answer_html("First <b>claim</b>. [1] Second claim. [2]")
    assert html.count("min-width:1.3em") == 2 and ">1</span>" in html and ">2</span>" in html
    assert "&lt;b&gt;claim&lt;/b&gt;" in html and "[1]" not in html


def test_a_steps_own_sub_list_nests_inside_it_and_the_numbering_goes_on(widgets):
    text = "From “Lean coffee”:\n1. Write topics. [1]\n2. At the end, vote:\n    - Thumbs up: go on\n    - Thumbs down: next [1]\n3. Close. [2]"
    html = widgets.answer_html(text, "a", "procedure")
    assert html.count("<ol") == 1 and html.count("<ul") == 1  # one numbered list, the thumbs nested in step 2
    assert html.index("At the end, vote:") < html.index("<ul") < html.index("Thumbs down: next") < html.index("</ul></li><li>Close.")
    assert "- Thumbs" not in html


def test_a_quoted_heading_line_is_drawn_bold_and_a_hashtag_is_not(widgets):
    html = widgets.answer_html("## Paying <people> ##\nPay on the day. [1]\n#hashtag stays text. [2]")
    assert "<strong>Paying &lt;people&gt;</strong>" in html  # closing #s dropped, the title still escaped
    assert "#hashtag stays text." in html and "##" not in html


def test_labels_escape_markdown(widgets):
    assert widgets.md_label("Costs: $5 *each* [draft]") == r"Costs\: \$5 \*each\* \[draft\]"
