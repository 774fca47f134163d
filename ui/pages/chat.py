"""Chat: ask questions, read cited answers, follow up, give feedback, export the conversation."""

from __future__ import annotations

import streamlit as st

from assistant.app import export
from assistant.app.feedback import FeedbackLog
from assistant.app.learn import AUDIENCES, STARTERS

import session
import widgets

pipeline = session.pipeline()
filters = widgets.filter_sidebar(pipeline)
conversation = session.conversation()
conv_id = session.conversation_id()

conversation_box = st.sidebar.container()  # filled last, so the export includes this run's answer

st.title("Ask the assistant")
if pipeline.generator is None:
    st.caption("Answers quote the indexed documents. Every sentence carries a marker; open a source below the answer to see the passage it comes from.")
else:
    st.caption(
        f"Answers are worded by {widgets.md_label(pipeline.generator.model_name)} from the indexed documents only. Every sentence carries "
        "a marker and was checked against that passage; open a source below the answer to compare."
    )


def feedback(turn_index: int) -> None:
    """Thumbs up or down, an optional comment, saved to the local feedback log."""
    key = f"fb-{conv_id}-{turn_index}"
    sent = st.session_state.setdefault("feedback_sent", set())
    if key in sent:
        st.caption(":material/check: Thanks, your feedback is saved for review.")
        return
    rating = st.feedback("thumbs", key=key)
    if rating is None:
        return
    comment = st.text_input("Anything to add? (optional)", key=f"{key}-comment", placeholder="What was useful, wrong or missing?")
    if st.button("Send feedback", key=f"{key}-send", icon=":material/send:"):
        turn = conversation.turns[turn_index]
        asked_with = st.session_state.turn_filters[turn_index] if turn_index < len(st.session_state.turn_filters) else None
        FeedbackLog.from_settings(pipeline.settings).record(
            turn.answer, "up" if rating == 1 else "down", comment, filters=asked_with, conversation=conv_id, turn=turn_index,
        )
        sent.add(key)
        st.caption(":material/check: Thanks, your feedback is saved for review.")


def show_turn(i: int) -> None:
    turn = conversation.turns[i]
    with st.chat_message("user"):
        st.markdown(widgets.md_label(turn.question))
    with st.chat_message("assistant"):
        widgets.answer(pipeline, turn.answer, key=f"t-{conv_id}-{i}")
        feedback(i)


for i in range(len(conversation.turns)):
    show_turn(i)

question = st.chat_input("Ask about collaborative innovation in public services…") or session.take_queued_question()

if pipeline.counts()[0] == 0:
    st.info("Nothing is indexed yet, so there is nothing to answer from. An administrator can add documents on the Library page.", icon=":material/info:")
elif not conversation.turns and not question:
    st.markdown("#### Not sure where to start?")
    audience = st.segmented_control("Suggested questions for", AUDIENCES, default="practitioner", format_func=lambda a: f"{a.capitalize()}s", key="starter_audience")
    for q in STARTERS[audience or "practitioner"]:
        st.button(q, key=f"starter-{q}", icon=":material/chat_bubble:", on_click=session.queue_question, args=(q,))

if question and question.strip():
    with st.spinner("Searching the documents…"):
        pipeline.ask(question.strip(), filters=filters, conversation=conversation)
    st.session_state.turn_filters.append(filters)
    show_turn(len(conversation.turns) - 1)

with conversation_box:
    st.subheader("Conversation")
    st.button("New conversation", icon=":material/add_comment:", disabled=not conversation.turns, width="stretch", on_click=session.new_conversation)
    st.download_button(
        "Export as Markdown",
        data=export.conversation_markdown(conversation.turns, widgets.documents(pipeline)),
        file_name="conversation.md",
        mime="text/markdown",
        icon=":material/download:",
        disabled=not conversation.turns,
        width="stretch",
        help="The questions, the answers with their [n] markers, and a reference list of every cited document.",
    )
    documents = widgets.documents(pipeline)
    with st.container(horizontal=True):
        st.download_button(
            "BibTeX", data=export.conversation_bibtex(conversation.turns, documents), file_name="conversation.bib",
            mime="application/x-bibtex", icon=":material/menu_book:", disabled=not conversation.turns,
            help="The original works the cited passages draw on, then the cited documents as secondary sources.",
        )
        st.download_button(
            "RIS", data=export.conversation_ris(conversation.turns, documents), file_name="conversation.ris",
            mime="application/x-research-info-systems", icon=":material/bookmarks:", disabled=not conversation.turns,
            help="The same works for Zotero, EndNote or Mendeley.",
        )
