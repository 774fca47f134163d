"""Evidence units recorded at ingest: lists with their lead-in, table rows, definitions; HTML reduced to text."""

from __future__ import annotations

from assistant.ingest.structure import Unit, definition_term, document_units, strip_html, units_in

GUIDE = """# Paying people

Some intro text about payment.

When paying people, a partnership should:

- [ ] pay for time at a rate that reflects the role;
- [x] pay promptly, within days rather than months.

## Steps

1. **Agree payment in advance.** Tell people what they will be paid.
2. **Cover costs.** Pay travel in advance.
   1. A nested point stays inside step two.
3. **Review.** Ask how it went.

| Role | Does |
| --- | --- |
| Chair | Runs meetings |
"""


def test_lists_keep_their_lead_in_and_items_without_markers_or_checkboxes():
    lists = [u for u in document_units(GUIDE) if u.kind == "list"]
    assert len(lists) == 2
    bullets, steps = lists
    assert GUIDE[bullets.lead[0] : bullets.lead[1]] == "When paying people, a partnership should:"
    assert [GUIDE[a:b] for a, b in bullets.items] == ["pay for time at a rate that reflects the role;", "pay promptly, within days rather than months."]
    assert not bullets.ordered and steps.ordered and steps.lead is None
    assert [GUIDE[a:b] for a, b in steps.items] == [
        "**Agree payment in advance.** Tell people what they will be paid.",
        "**Cover costs.** Pay travel in advance.",
        "**Review.** Ask how it went.",
    ]


def test_table_rows_are_units_named_by_their_first_cell():
    rows = [u for u in document_units(GUIDE) if u.kind == "row"]
    assert [u.term for u in rows] == ["Role", "Chair"]
    assert GUIDE[rows[1].start : rows[1].end] == "| Chair | Runs meetings |"


def test_units_in_a_passage_are_shifted_and_cut_to_whole_items():
    steps = [u for u in document_units(GUIDE) if u.kind == "list"][1]
    second = steps.items[1]
    inside = units_in([steps], second[0] - 5, len(GUIDE))
    assert len(inside) == 1 and len(inside[0].items) == 2  # step one starts before the passage: left out
    a, b = inside[0].items[0]
    assert GUIDE[second[0] - 5 :][a:b] == "**Cover costs.** Pay travel in advance."
    assert inside[0].key == steps.key  # the document offset joins parts of one list across passages
    assert Unit.from_json(inside[0].to_json()) == inside[0]


VOTE = """## How to do it

1. Start with the topic that got the most votes
1. At the end of the allotted time, have participants vote:
    - Thumbs up: keep talking for a shorter time
    - Thumbs down: move to the next topic
1. Close the meeting.
"""


def test_an_item_ending_in_a_colon_takes_its_nested_list_along_unless_the_passage_ends_first():
    (steps,) = [u for u in document_units(VOTE) if u.kind == "list"]
    vote = VOTE[steps.items[1][0] : steps.items[1][1]]
    assert vote.startswith("At the end of the allotted time") and vote.endswith("- Thumbs down: move to the next topic")
    assert VOTE[steps.items[2][0] : steps.items[2][1]] == "Close the meeting."
    cut = VOTE.index("    - Thumbs up")  # a passage ending before the nested list keeps the step's own words
    (inside,) = units_in([steps], 0, cut)
    assert [VOTE[a:b] for a, b in inside.items][-1] == "At the end of the allotted time, have participants vote:"
    assert Unit.from_json(inside.to_json()) == inside


MARGIN = (
    "## How to do it\n\n1. Gather information on the service.\n\n1. Create a diagram with four rows:\n"
    "- User steps: what someone does\n- Frontstage actions: what users meet\n- Backstage actions: what supports them\n"
    "- Support processes: everything else\n\n1. Map the flow of each user interaction.\n\nA closing paragraph.\n"
)


def test_a_sub_list_written_at_the_margin_stays_with_its_step_and_the_steps_go_on():
    # The 18F service blueprint card: Markdown reads three lists; the writer meant three steps, the second holding four rows.
    (steps,) = [u for u in document_units(MARGIN) if u.kind == "list"]
    texts = [MARGIN[a:b] for a, b in steps.items]
    assert steps.ordered and len(texts) == 3
    assert texts[1].startswith("Create a diagram with four rows:") and texts[1].endswith("- Support processes: everything else")
    assert texts[2] == "Map the flow of each user interaction."
    (head,) = units_in([steps], 0, MARGIN.index("- User steps"))[0].items[-1:]
    assert MARGIN[head[0] : head[1]] == "Create a diagram with four rows:"


SHALLOW = (
    "## How to do it\n\n1. Create iterations of a style tile.\n1. Interview participants about their reactions.\n"
    "  - Ask questions as objectively as possible.\n  - Allow participants to give feedback unmoderated.\n"
    "1. Compare the results of your research with the branding guidelines.\n1. Publish the results to the team.\n"
)


def test_bullets_indented_too_little_to_nest_stay_with_their_step_and_the_steps_go_on():
    # The 18F visual preference testing card: two spaces do not nest under "1. ", so Markdown reads three lists and
    # answers gave two of the four steps.
    (steps,) = [u for u in document_units(SHALLOW) if u.kind == "list"]
    texts = [SHALLOW[a:b] for a, b in steps.items]
    assert steps.ordered and len(texts) == 4
    assert texts[1].startswith("Interview participants about their reactions.") and texts[1].endswith("feedback unmoderated.")
    assert texts[2:] == ["Compare the results of your research with the branding guidelines.", "Publish the results to the team."]
    # A bullet list at the margin after numbered steps is a list of its own.
    margin = SHALLOW.replace("  - ", "- ")
    assert [len(u.items) for u in document_units(margin) if u.kind == "list"] == [2, 2, 2]


def test_a_label_without_a_full_stop_takes_the_list_nested_under_it():
    # WPRDC's "Guides and tutorials for advanced users of Open Data" names what the guides nested under it are.
    text = (
        "- Guides and tutorials for beginning users of Open Data\n    - So You Want to Use Open Data\n    - Data 101 Toolkit\n\n"
        "- Guides and tutorials for advanced users of Open Data\n    - CKAN API documentation\n    - Data Wizards FAQs\n"
    )
    (guides,) = [u for u in document_units(text) if u.kind == "list"]
    texts = [text[a:b] for a, b in guides.items]
    assert texts[0].startswith("Guides and tutorials for beginning users") and texts[0].endswith("- Data 101 Toolkit")
    assert texts[1].endswith("- Data Wizards FAQs")
    # A step ending in a full stop keeps its own words; the list under it stays in the block, not in the step.
    steps = text.replace("Open Data\n", "Open Data.\n")
    assert [steps[a:b] for u in document_units(steps) if u.kind == "list" for a, b in u.items][0] == "Guides and tutorials for beginning users of Open Data."


def test_inline_and_block_html_is_reduced_to_its_text():
    text = 'Read <a href="https://x.gov" class="usa-link">the guide</a> first.\n\n<section class="m" markdown="1" >\n\n## How\n\nSteps.\n</section>\n'
    clean = strip_html(text)
    assert clean.startswith("Read the guide first.") and "<" not in clean and "class=" not in clean
    assert "## How" in clean and "Steps." in clean
    assert strip_html("No HTML here, a < b.") == "No HTML here, a < b."


def test_markdown_links_keep_their_text_and_lose_their_address():
    text = "1. Share [user personas]({{site.baseurl}}/decide/personas/) and [the law](https://x.org/a_(b) \"Title\").\n2. ![A chart](c.png) here.\n"
    assert strip_html(text) == "1. Share user personas and the law.\n2. A chart here.\n"
    assert strip_html("A [bracketed] word, no link.") == "A [bracketed] word, no link."
    assert strip_html("desk research and  [interviews]({% link _methods/stakeholder-and-user-interviews.md %}) with users") == (
        "desk research and  interviews with users"
    )
    # A site generator's output tag with spaces in it (the Sunlight user-testing toolkit).
    assert strip_html("(based on [user research]({{ site.baseurl }}/discovery/)), and then") == "(based on user research), and then"
    # An image whose address has spaces, and a link in the text after "<br>" (which opens an HTML block).
    assert strip_html("## Tips\n![Data days](/assets/img/cleveland data days.jpg)\n\nText.\n") == "## Tips\nData days\n\nText.\n"
    assert strip_html("![Charts](/assets/img/Accessible data visualizations (1).png)\n") == "Charts\n"
    assert strip_html("Text.\n\n<br>\n_Photo by [Norfolk](https://example.org/v?x=1)._\n") == "Text.\n\n_Photo by Norfolk._\n"


def test_site_generator_tags_and_html_comments_are_no_text():
    # The Sunlight guides: "{% include link-arrow-right.html url=... %}" over several lines, and drafts left in comments.
    text = 'Para.\n\n{%\n  include link-arrow-right.html\n  url="http://x"\n  text="Read"\n%}\n\n<!--\n### Draft example?\nmore\n-->\n\nNext.\n'
    assert strip_html(text) == "Para.\n\n\n\nNext.\n"
    assert strip_html("Keep {% raw %}this{% endraw %} and [a link]({% link a.md %}).\n") == "Keep this and a link.\n"
    assert strip_html("```\n{% include x %}\n```\n") == "```\n{% include x %}\n```\n"  # code is left alone


def test_definitions_name_their_term_and_other_sentences_do_not():
    assert definition_term("A boundary spanner is a person whose job crosses borders.") == "boundary spanner"
    assert definition_term("**Co-production** is the joint contribution of users and staff.") == "Co-production"
    assert definition_term("Collaborative innovation (CI) is a process of joint creation.") == "Collaborative innovation"
    assert definition_term("The term wicked problem is used for problems without a stopping rule.") == "wicked problem"
    assert definition_term("This guide walks through planning a workshop.") is None
    assert definition_term("It is written for programme staff.") is None


def test_passages_store_their_units_in_the_manifest(pipeline, tmp_path):
    doc = tmp_path / "guide.md"
    doc.write_text("---\ntitle: Paying people\n---\n" + GUIDE.split("\n", 1)[1], encoding="utf-8")
    report = pipeline.ingest([doc])
    assert report.ok
    stored = [u for rec in pipeline.index.manifest.document_chunks(pipeline.documents()[0].doc_id) for u in rec.units]
    assert {u.kind for u in stored} == {"list", "row"}
    record = pipeline.index.manifest.document_chunks(pipeline.documents()[0].doc_id)[0]
    for u in record.units:
        for a, b in u.items:
            assert record.text[a:b].strip() and "[ ]" not in record.text[a:b]
