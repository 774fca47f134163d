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
    lines = [m.value for m in at.markdown if "match</span>" in m.value]
    assert lines and all(re.search(r"(strong|partial|weak) match", line) for line in lines)
    assert any("literature digest" in line for line in lines)
    assert not any(re.search(r"score \d", m.value) for m in [*at.markdown, *at.caption])  # the fused score is for exports only


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

    import bibtexparser
    import rispy

    library = bibtexparser.parse_string(downloads["search-results.bib"].decode())
    assert not library.failed_blocks
    keys = [e.key for e in library.entries]
    assert len(keys) == len(set(keys))
    ours = [e["title"] for e in library.entries if "Assistant team" in e["author"]]
    assert ours == list(dict.fromkeys(titles))  # each document once, as the secondary source
    originals = {e.key: e for e in library.entries if "Assistant team" not in e["author"]}
    assert "carter2015creaming" in originals and originals["carter2015creaming"]["journal"] == "Journal of Social Policy"
    assert [r["id"] for r in rispy.loads(downloads["search-results.ris"].decode())] == keys

    md = downloads["search-results.md"].decode()
    assert md.startswith(f"# Search results: {QUERY}")
    assert md.count("\n## ") == len(titles) + 1  # one heading per passage, then References


def test_one_document_cannot_fill_the_page_and_the_rest_is_one_click_away(app, corpus_index):
    # The case: 9 of 10 results came from the boundary-spanner digest.
    at = search(app, "boundary spanner")
    titles = hit_titles(at)
    cap = corpus_index.settings.retrieval.per_document
    assert len(titles) == 10 and max(titles.count(t) for t in titles) <= cap
    assert any(t.startswith("The key worker as boundary spanner") for t in titles)
    more = [e for e in at.expander if e.label.startswith("More from this document")]
    assert more, "held-back passages are offered"
    uncapped = corpus_index.search("boundary spanner", k=10).passages
    assert max(sum(p.title == t for p in uncapped) for t in set(titles)) > cap  # the cap is what spread them


def test_results_can_be_grouped_by_document(app):
    at = search(app, "boundary spanner")
    flat = hit_titles(at)
    at.toggle(key="search_group").set_value(True).run()
    assert not at.exception, at.exception
    groups = [m.value.strip("*").replace("\\", "") for m in at.markdown if m.value.startswith("**") and not re.match(r"\*\*\d+\. ", m.value) and "passages**" not in m.value]
    assert groups == list(dict.fromkeys(flat))  # each document once, in order of its best passage


def test_reference_lists_never_outrank_body_text(app):
    at = search(app, "Williams boundary spanners Public Administration")
    sections = [m.value for m in at.markdown if "match</span>" in m.value]
    first_ref = next((i for i, s in enumerate(sections) if "References" in s), None)
    assert first_ref is None or first_ref >= 5, sections
