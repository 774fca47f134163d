"""The Search page through AppTest: ranked passages, marked query words, filters and the three exports."""

from __future__ import annotations

import csv
import io
import re

QUERY = "creaming and parking"


def search(app, query: str = QUERY, **widgets):
    at = app().run()
    at.switch_page("pages/search.py").run()
    for key, value in widgets.items():
        at.multiselect(key=key).set_value(value).run()
    at.text_input(key="search_query").set_value(query).run()
    assert not at.exception, at.exception
    return at


def hit_titles(at) -> list[str]:
    return [m.value.strip("*").split(". ", 1)[1].replace("\\", "") for m in at.markdown if re.match(r"\*\*\d+\. ", m.value)]


def test_results_are_ranked_with_metadata_and_marked_query_words(app):
    at = search(app)
    titles = hit_titles(at)
    assert len(titles) == 10  # the default page size
    assert "creaming" in titles[0].lower()
    passages = [m.value for m in at.markdown if m.value.startswith('<div class="assistant-text">')]
    marked = {w.lower() for p in passages for w in re.findall(r"<mark[^>]*>(.*?)</mark>", p)}
    assert {"creaming", "parking"} <= marked
    assert "and" not in marked  # stop words are not marked
    assert any("score" in c.value and "literature digest" in c.value for c in at.caption)


def test_filters_restrict_the_results(app, corpus_index):
    at = search(app, "how to involve service users", flt_types=["guidance"])
    guidance = {d.meta.title for d in corpus_index.documents() if d.meta.doc_type == "guidance"}
    titles = hit_titles(at)
    assert titles and set(titles) <= guidance


def test_result_count_can_be_changed(app):
    at = search(app)
    at.selectbox(key="search_k").set_value(5).run()
    assert len(hit_titles(at)) == 5


def test_no_match_says_so(app):
    at = search(app, "co-production", flt_types=["glossary"], flt_tags=["scotland"])
    assert at.info and "No passages match" in at.info[0].value


def test_exports_hold_the_results(app, downloads):
    at = search(app)
    titles = hit_titles(at)
    rows = list(csv.DictReader(io.StringIO(downloads["search-results.csv"].decode())))
    assert [r["title"] for r in rows] == titles
    assert rows[0]["rank"] == "1" and "creaming" in rows[0]["text"].lower() and rows[0]["authors"]

    bib = downloads["search-results.bib"].decode()
    entries = re.findall(r"^@\w+\{([^,]+),", bib, flags=re.MULTILINE)
    assert len(entries) == len(set(titles)) == len(set(entries))  # one entry per document, unique keys
    assert "title = {{Marketisation and payment by results" in bib

    md = downloads["search-results.md"].decode()
    assert md.startswith(f"# Search results: {QUERY}")
    assert md.count("\n## ") == len(titles) + 1  # one heading per passage, then References
