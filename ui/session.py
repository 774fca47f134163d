"""What the pages share: the cached pipeline, first-launch indexing, friendly errors and per-browser state."""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

import streamlit as st
from pydantic import ValidationError

from assistant import Conversation, Pipeline, Settings, build_pipeline
from assistant.app.first_run import build_if_empty
from assistant.embeddings import SentenceEmbeddings, build_embeddings
from assistant.generate import LLMUnavailable
from assistant.index import StoreUnavailable, VectorSpaceMismatch
from assistant.retrieve import FilterError

log = logging.getLogger("assistant.ui")

# Widget values that must survive a visit to a page that does not draw the widget.
PERSISTENT_KEYS = (
    "flt_types", "flt_audiences", "flt_tags", "flt_year_on", "flt_years",
    "search_query", "search_k", "search_group", "admin_token", "learn_term", "learn_demo", "projector",
)


def keep_widget_state() -> None:
    """Re-assign remembered widget values so Streamlit does not drop them on other pages."""
    for key in PERSISTENT_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def settings() -> Settings:
    """Settings as the environment says now (read on every run, so the admin token is current)."""
    return Settings()


@st.cache_resource(show_spinner="Loading the embedding model (first start only)…")
def _embeddings(key: str, _settings: Settings) -> SentenceEmbeddings:
    embeddings = build_embeddings(_settings.embedding)
    embeddings.load()  # now, not in the middle of someone's first question
    return embeddings


@st.cache_resource(show_spinner="Opening the index…")
def _pipeline(key: str, _settings: Settings) -> Pipeline:
    # One pipeline per distinct configuration, shared by every browser session of this server.
    return build_pipeline(_settings, embeddings=_embeddings(_settings.embedding.model_dump_json(), _settings))


@st.cache_resource
def _build_lock(key: str) -> threading.Lock:
    return threading.Lock()


def pipeline() -> Pipeline:
    """The shared pipeline for the current settings (pages call this after :func:`open_pipeline`)."""
    s = settings()
    return _pipeline(s.model_dump_json(), s)


def open_pipeline() -> Pipeline | None:
    """The pipeline, with the index built from the corpus on first launch.

    Shows a friendly message and returns ``None`` when the assistant cannot be used
    (a bad setting, an unreachable store, a broken index).
    """
    try:
        s = settings()
    except ValidationError as exc:
        show_error(exc)
        return None
    key = s.model_dump_json()
    try:
        p = _pipeline(key, s)
        if p.counts()[0] == 0:
            _first_launch(p, key)
        p.stats()  # touches the vector store: an unreachable server shows up here
    except Exception as exc:  # every failure becomes a message, never a traceback
        show_error(exc, "opening the index")
        return None
    return p


def _first_launch(p: Pipeline, key: str) -> None:
    corpus = Path(p.settings.corpus_dir)
    with _build_lock(key):  # two browsers opening a fresh server must not index twice
        if p.counts()[0] > 0:
            return
        bar = st.progress(0.0, text=f"First launch: building the index from {corpus}/ …")

        def step(done: int, total: int, name: str) -> None:
            bar.progress(done / max(total, 1), text=f"First launch: indexing {name} ({done} of {total} files)")

        report = build_if_empty(p, on_progress=step)
        bar.empty()
    if report is not None:
        docs, passages = p.counts()
        st.success(f"Built the index from {corpus}/: {docs} documents, {passages} passages.", icon=":material/check_circle:")
        for name, reason in report.failed:
            st.warning(f"{Path(name).name} was not indexed: {reason}")


def explain(exc: BaseException, doing: str = "") -> str:
    """A message for people: what went wrong and what to do, without a traceback."""
    if isinstance(exc, StoreUnavailable):
        return (
            f"The document store cannot be reached ({exc}). Start the Chroma server, or unset "
            "ASSISTANT_STORE__URL to use the built-in store, then reload this page."
        )
    if isinstance(exc, VectorSpaceMismatch):
        return f"The index and the encoder do not match: {exc}."
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        return f"A setting is wrong: {where}: {err['msg']}. Check the ASSISTANT_* environment variables."
    if isinstance(exc, FilterError):
        return f"The filters cannot be applied: {exc}."
    if isinstance(exc, LLMUnavailable):
        return f"The chat model cannot be used: {exc}. Or unset ASSISTANT_LLM__BACKEND for quoted answers."
    text = str(exc).lower()
    if isinstance(exc, ConnectionError) or "connect" in text or "timed out" in text:
        return "The document store stopped answering. Check that it is running, then try again."
    while_ = f" while {doing}" if doing else ""
    return f"Something went wrong{while_} ({type(exc).__name__}). The details are in the server log; please try again."


def show_error(exc: BaseException, doing: str = "") -> None:
    """Log the full error for the operator and show people a friendly line."""
    log.error("UI error%s", f" while {doing}" if doing else "", exc_info=exc)
    st.error(explain(exc, doing), icon=":material/error:")


# -- per-browser state ---------------------------------------------------------------------------


def conversation() -> Conversation:
    """This browser's conversation (follow-ups are resolved against it)."""
    if "conversation" not in st.session_state:
        st.session_state.conversation = Conversation()
        st.session_state.conversation_id = uuid.uuid4().hex[:12]
        st.session_state.turn_filters = []
    return st.session_state.conversation


def conversation_id() -> str:
    """Groups this conversation's feedback entries."""
    conversation()
    return st.session_state.conversation_id


def new_conversation() -> None:
    """Forget the turns (a new id keeps old feedback widgets from leaking into the new chat)."""
    for key in ("conversation", "conversation_id", "turn_filters"):
        st.session_state.pop(key, None)


def queue_question(question: str) -> None:
    """Ask ``question`` on the next run (starter buttons)."""
    st.session_state.queued_question = question


def take_queued_question() -> str | None:
    """The question a starter button queued, if any (once)."""
    return st.session_state.pop("queued_question", None)
