"""Learn: concept cards and guided demo sequences for trainers, in type large enough for a projector."""

from __future__ import annotations

import streamlit as st

from assistant import Conversation
from assistant.app import learn

import session
import widgets

pipeline = session.pipeline()

st.session_state.setdefault("projector", False)  # off until a trainer turns it on; kept for the session
with st.sidebar:
    st.toggle("Projector mode (large text)", key="projector")
if st.session_state.projector:
    widgets.projector_mode()

st.title("Learn")
st.caption("Concept cards from the glossary and the literature, and short demos that walk a room through a topic. Every line cites its source.")
cards_tab, demos_tab = st.tabs(["Concept cards", "Guided demos"])

with cards_tab:
    entries = {e.term: e for e in learn.glossary(pipeline)}
    if not entries:
        st.info("Concept cards are built from glossary documents, and no glossary is indexed.", icon=":material/info:")
    else:
        if st.session_state.get("learn_term") not in entries:  # e.g. its glossary was removed meanwhile
            st.session_state.pop("learn_term", None)
        term = st.selectbox("Concept", list(entries), key="learn_term")
        card = learn.concept_card(pipeline, entries[term])

        def cited(text: str, n: int | None) -> None:
            st.markdown(widgets.block(widgets.answer_html(f"{text} [{n}]" if n else text)), unsafe_allow_html=True)

        with st.container(border=True):
            st.header(card.term, anchor=False)
            st.subheader("What it is", anchor=False)
            cited(card.definition, card.definition_n)
            st.subheader("Why it matters", anchor=False)
            cited(card.why, card.why_n)
            st.subheader("An example", anchor=False)
            if card.example:
                cited(card.example, card.example_n)
            else:
                st.caption("No passage gives an example of this term yet (a case study, or a “for example” in a guide or digest).")
            if card.source:
                st.caption(f"Glossary source: {widgets.md_label(card.source)}")
        widgets.sources_panel(pipeline, card.citations, key=f"card-{term}")

with demos_tab:
    titles = {d.title: d for d in learn.DEMOS}
    title = st.selectbox("Demo", list(titles), key="learn_demo")
    demo = titles[title]
    st.caption(demo.summary)
    runs = st.session_state.setdefault("demo_runs", {})
    conversation: Conversation = runs.setdefault(title, Conversation())
    asked = len(conversation.turns)

    def ask_next() -> None:
        # A callback, so the answer is drawn in the same run as the updated question list.
        conv = st.session_state.demo_runs[title]
        question = demo.questions[len(conv.turns)]
        try:
            pipeline.ask(question, conversation=conv)
        except Exception as exc:
            session.log.error("demo question failed", exc_info=exc)
            st.session_state.demo_error = session.explain(exc, "answering the demo question")

    st.markdown("\n".join(
        f"{i}. {widgets.md_label(q)}" + (" :green[:material/check_circle:]" if i <= asked else "")
        for i, q in enumerate(demo.questions, start=1)
    ))
    done = asked >= len(demo.questions)
    with st.container(horizontal=True):
        st.button(
            "Demo finished" if done else f"Ask question {asked + 1} of {len(demo.questions)}",
            type="primary", disabled=done, on_click=ask_next, icon=":material/play_arrow:",
        )
        st.button("Start again", disabled=not asked, on_click=lambda: runs.pop(title, None), icon=":material/replay:")
    if "demo_error" in st.session_state:
        st.error(st.session_state.pop("demo_error"))
    # In the order asked, like a conversation: the newest answer is the last one.
    for i in range(asked):
        turn = conversation.turns[i]
        st.divider()
        st.subheader(f"{i + 1}. {widgets.md_label(turn.question)}", anchor=False)
        widgets.answer(pipeline, turn.answer, key=f"demo-{title}-{i}")
