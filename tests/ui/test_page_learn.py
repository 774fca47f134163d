"""The Learn page through AppTest: concept cards with citations, guided demos answered live, projector mode."""

from __future__ import annotations

import re

from assistant.app.learn import DEMOS


def learn(app):
    at = app().run()
    at.switch_page("pages/learn.py").run()
    assert not at.exception, at.exception
    return at


def cards_tab(at):
    return next(t for t in at.tabs if t.label == "Concept cards")


def demos_tab(at):
    return next(t for t in at.tabs if t.label == "Guided demos")


def test_concept_card_cites_the_glossary_and_an_example(app):
    at = learn(app)
    at.selectbox(key="learn_term").set_value("Employability").run()
    tab = cards_tab(at)
    assert tab.header[0].value == "Employability"
    assert [s.value for s in tab.subheader] == ["What it is", "Why it matters", "An example"]
    card = [m.value for m in tab.markdown if m.value.startswith('<div class="assistant-text">')]
    assert card[0].startswith('<div class="assistant-text">Employability is a person') and ">1</span>" in card[0]
    assert ">2</span>" in card[1] and ">3</span>" in card[2] and "for example" in card[2]
    labels = [e.label for e in tab.expander]
    assert labels[0].startswith("**[1]** Glossary of collaborative innovation terms") and labels[0].endswith("Employability")
    assert labels[1].startswith("**[2]** Glossary")
    assert "Glossary" not in labels[2]  # the example comes from the literature, a case or guidance
    assert any("Lindsay et al. (2018)" in c.value for c in tab.caption)


def test_a_term_without_a_real_example_says_so_instead_of_showing_a_pitfall(app):
    at = learn(app)
    at.selectbox(key="learn_term").set_value("Boundary spanner").run()
    tab = cards_tab(at)
    assert any("No passage gives an example" in c.value for c in tab.caption)
    labels = [e.label for e in tab.expander]
    assert len(labels) == 2 and all("Glossary" in label for label in labels)  # only the definition and why: no pitfall as example


def test_demo_questions_are_answered_live_in_order(app):
    at = learn(app)
    demo = DEMOS[0]
    at.selectbox(key="learn_demo").set_value(demo.title).run()
    ask = next(b for b in demos_tab(at).button if b.label.startswith("Ask question"))
    assert ask.label == f"Ask question 1 of {len(demo.questions)}"
    ask.click().run()
    ask = next(b for b in demos_tab(at).button if b.label.startswith("Ask question"))
    assert ask.label == f"Ask question 2 of {len(demo.questions)}"
    ask.click().run()
    tab = demos_tab(at)
    assert [s.value for s in tab.subheader] == [f"1. {demo.questions[0]}", f"2. {demo.questions[1]}"]  # in the order asked
    answers = [m.value for m in tab.markdown if "min-width:1.3em" in m.value]
    assert len(answers) == 2 and all(re.search(r">1</span>", a) for a in answers)
    assert any(e.label.startswith("**[1]**") for e in tab.expander)
    next(b for b in tab.button if b.label == "Start again").click().run()
    assert not demos_tab(at).subheader


def test_projector_mode_is_off_until_switched_on_and_is_remembered(app):
    at = learn(app)
    assert at.sidebar.toggle(key="projector").value is False
    assert not any("font-size: 1.45rem" in h.value for h in at.get("html"))
    at.sidebar.toggle(key="projector").set_value(True).run()
    assert any("font-size: 1.45rem" in h.value for h in at.get("html"))
    at.run()
    assert at.sidebar.toggle(key="projector").value is True  # kept on later runs; across pages: test_ui_browser
