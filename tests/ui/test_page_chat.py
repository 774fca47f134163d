"""The Chat page through AppTest: asking, citations with marks, follow-ups, filters, abstention, feedback, export."""

from __future__ import annotations

import json
import re
from pathlib import Path

QUESTION = "What does a boundary spanner do?"


def ask(at, question: str):
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def answer_blocks(at) -> list[str]:
    """The drawn answers (HTML blocks carrying citation badges)."""
    return [m.value for m in at.markdown if m.value.startswith('<div class="assistant-text">') and "min-width:1.3em" in m.value]


def source_labels(at) -> list[str]:
    return [e.label for e in at.expander]


def test_empty_chat_offers_starter_questions_per_audience(app):
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Ask the assistant"
    starters = [b.label for b in at.button if b.key and b.key.startswith("starter-")]
    assert "What does a key worker do as a boundary spanner?" in starters
    at.segmented_control(key="starter_audience").set_value("researcher").run()
    starters = [b.label for b in at.button if b.key and b.key.startswith("starter-")]
    assert "What did Ansell and Gash find about collaborative governance?" in starters


def test_starter_button_asks_its_question(app):
    at = app().run()
    next(b for b in at.button if b.label == "What does a key worker do as a boundary spanner?").click().run()
    assert not at.exception
    assert at.chat_message[0].markdown[0].value == "What does a key worker do as a boundary spanner?"
    assert answer_blocks(at), "the starter question was not answered"


def test_answer_shows_markers_and_one_source_card_per_citation_in_order(app):
    at = ask(app().run(), QUESTION)
    [answer] = answer_blocks(at)
    markers = list(dict.fromkeys(re.findall(r">(\d+)</span>", answer)))  # a passage quoted twice keeps its number
    labels = source_labels(at)
    assert markers == [str(n) for n in range(1, len(labels) + 1)]
    assert [re.match(r"\*\*\[(\d+)\]\*\*", label).group(1) for label in labels] == markers
    assert any("The competent boundary spanner" in label for label in labels)
    assert f"Sources** · {len(labels)} cited passage" in " ".join(m.value for m in at.markdown)


def test_source_card_shows_metadata_and_marks_the_cited_sentence(app, corpus_index):
    at = ask(app().run(), QUESTION)
    expected = corpus_index.ask(QUESTION)
    first = at.expander[0]
    captions = [c.value for c in first.caption]
    meta = {d.doc_id: d.meta for d in corpus_index.documents()}[expected.citations[0].doc_id]
    assert any(meta.authors[0].replace(",", "") in c.replace("\\", "").replace(",", "") and str(meta.year or "") in c for c in captions)
    assert any(expected.citations[0].section in c.replace("\\", "") for c in captions)
    [passage] = [m.value for m in first.markdown]
    marked = re.findall(r"<mark[^>]*>(.*?)</mark>", passage)
    assert len(marked) == len(expected.citations[0].quotes)
    for mark, sentence in zip(marked, expected.citations[0].sentences):
        # The card renders the passage's Markdown ("**Label:**" becomes <strong>): compare the words.
        assert _words(mark) == _words(sentence), (mark, sentence)


def _words(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text.replace("**", "")).split())


def test_surrounding_context_appears_on_request(app):
    at = ask(app().run(), QUESTION)
    before = at.expander[0].markdown[0].value
    at.expander[0].toggle[0].set_value(True).run()
    after = at.expander[0].markdown[0].value
    assert len(after) > len(before)
    assert "color:#6b7280" in after  # the context is drawn muted around the passage
    assert "<mark" in after


def test_follow_up_is_resolved_against_the_previous_question(app):
    at = ask(app().run(), QUESTION)
    ask(at, "And what skills do they need?")
    assert len(answer_blocks(at)) == 2
    notes = [c.value for c in at.caption if c.value.startswith("Understood as:")]
    assert len(notes) == 1 and "boundary" in notes[-1] and "spanner" in notes[-1]  # only the merged question says so


def test_doc_type_filter_restricts_the_cited_documents(app, corpus_index):
    at = app().run()
    at.multiselect(key="flt_types").set_value(["case-study"]).run()
    assert any("documents match the filters" in c.value for c in at.sidebar.caption)
    ask(at, "How did the partnership support lone parents into work?")
    case_titles = {d.meta.title for d in corpus_index.documents() if d.meta.doc_type == "case-study"}
    labels = source_labels(at)
    assert labels
    for label in labels:
        title = re.sub(r"^\*\*\[\d+\]\*\* ", "", label).split(" — ")[0].replace("\\", "")
        assert title in case_titles


def test_unanswerable_question_abstains_and_shows_closest_passages(app):
    at = ask(app().run(), "What is the capital of France?")
    assert at.warning and "could not find an answer" in at.warning[0].value
    assert not answer_blocks(at)
    assert any("Closest passages" in m.value for m in at.markdown)
    assert len(at.expander) >= 1 and at.expander[0].label.startswith("1.")


def test_feedback_is_saved_with_question_answer_and_citations(app, corpus_index):
    at = ask(app().run(), QUESTION)
    at.feedback[0].set_value(0).run()
    at.text_input(key=at.text_input[0].key).set_value("Too long for a newcomer").run()
    next(b for b in at.button if b.label == "Send feedback").click().run()
    assert not at.exception
    assert any("feedback is saved" in c.value for c in at.caption)
    log = Path(corpus_index.settings.data_dir) / corpus_index.settings.ui.feedback_file
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    mine = [e for e in entries if e["comment"] == "Too long for a newcomer"]
    assert mine and mine[-1]["rating"] == "down" and mine[-1]["question"] == QUESTION
    assert mine[-1]["citations"] and mine[-1]["answer"].endswith("]")


def test_export_has_the_conversation_and_a_reference_list(app, downloads):
    at = ask(app().run(), QUESTION)
    ask(at, "What is the capital of France?")
    exported = downloads["conversation.md"].decode()
    assert exported.startswith("# Conversation with the Collaborative Innovation Assistant")
    assert f"## 1. {QUESTION}" in exported and "## 2. What is the capital of France?" in exported
    references = exported.split("## References")[1]
    assert "The competent boundary spanner" in references
    assert references.count("**R1.**") == 1
    assert "Closest passages" in exported  # the abstention is exported honestly


def test_conversation_exports_cite_the_original_works_in_bibtex_and_ris(app, downloads):
    import bibtexparser
    import rispy

    ask(app().run(), QUESTION)
    library = bibtexparser.parse_string(downloads["conversation.bib"].decode())
    assert not library.failed_blocks and library.entries
    keys = [e.key for e in library.entries]
    assert len(keys) == len(set(keys))
    originals = [e for e in library.entries if "Assistant team" not in e["author"]]
    ours = [e for e in library.entries if "Assistant team" in e["author"]]
    assert originals and ours, keys  # the works the passages draw on, and our documents as secondary sources
    assert any(e.key == "williams2002competent" and e["doi"] == "10.1111/1467-9299.00296" for e in originals), keys
    records = rispy.loads(downloads["conversation.ris"].decode())
    assert [r["id"] for r in records] == keys


def test_new_conversation_starts_empty(app):
    at = ask(app().run(), QUESTION)
    assert at.chat_message
    next(b for b in at.sidebar.button if b.label == "New conversation").click().run()
    assert not at.chat_message
    assert any(b.key and b.key.startswith("starter-") for b in at.button)


def test_a_generated_answer_names_its_model_and_lists_what_was_dropped(app):
    from fakes import FakeChatAPI, first_sentence  # the chat API is a fake (tests/fakes.py); the client is real

    api = FakeChatAPI()
    api.reply = lambda passages: f"{first_sentence(passages[1]).rstrip('.')} [1]. The Eiffel Tower is in Paris [2]."
    try:
        at = ask(app(ASSISTANT_LLM__BACKEND="openai", ASSISTANT_LLM__BASE_URL=api.url, ASSISTANT_LLM__MODEL="ui-model").run(), QUESTION)
    finally:
        api.close()
    assert len(api.requests) == 1
    assert any(c.value.startswith("Worded by ui-model from the passages below.") for c in at.caption)
    assert any(c.value.startswith("Answers are worded by ui-model from the indexed documents only.") for c in at.caption)
    assert "1 generated sentence not shown" in source_labels(at)
    assert "Eiffel Tower" in " ".join(m.value for m in at.markdown)
    (block,) = answer_blocks(at)
    assert ">1</span>" in block and ">2</span>" not in block  # one kept sentence, one citation badge
