"""Generated answers through a real ``ChatOpenAI`` client over real HTTP.

The chat API itself is a FAKE (tests/fakes.py): a paid or GPU-sized model cannot run here, so a
small local server speaks the OpenAI chat-completions protocol and replies with sentences taken
from the passages it was sent (plus planted bad ones). Everything else is real: the bundled encoder, the
index, retrieval, the support check and the CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.answer import verify
from assistant.generate import FIGURE, LLMUnavailable, build_chat_model, parse_reply
from assistant.pipeline import build_pipeline
from assistant.settings import LLMSettings, Settings
from helpers import free_port
from fakes import FakeChatAPI, first_sentence

pytest.importorskip("langchain_openai")

QUESTION = "What does a boundary spanner do?"
OFF_TOPIC = "What is the boiling point of mercury?"


@pytest.fixture()
def chat_api():
    api = FakeChatAPI()
    yield api
    api.close()


@pytest.fixture()
def generating(indexed, chat_api):
    """The session's indexed pipeline with a chat model pointed at the fake API."""
    settings = Settings(data_dir=indexed.settings.data_dir, llm={"backend": "openai", "base_url": chat_api.url, "model": "test-model", "timeout": 20})
    p = build_pipeline(settings, embeddings=indexed.embeddings, index=indexed.index)
    return p


def test_supported_sentences_are_kept_and_cited_the_rest_dropped_with_reasons(generating, chat_api):
    def reply(passages: dict[int, str]) -> str:
        second = first_sentence(passages[2]).rstrip(".")
        return (
            f"{second} [2]. The Eiffel Tower stands in Paris and was finished for a world fair [1]. "
            f"{first_sentence(passages[1]).rstrip('.')}, with 7,777 staff in every team [1]. "
            f"Everything here is also in the passages [9]. This sentence cites nothing."
        )

    chat_api.reply = reply
    answer = generating.ask(QUESTION)
    request = chat_api.requests[-1]
    assert request["model"] == "test-model" and request["temperature"] == 0
    user = request["messages"][-1]["content"]
    assert user.endswith(f"Question: {QUESTION}") and "<passage n=\"1\"" in user and "<passage n=\"5\"" in user
    assert answer.generated_by == "test-model" and not answer.abstained and answer.note is None
    verify(answer)
    # One kept sentence, renumbered [1], pointing to the passage the model called [2].
    assert answer.text.endswith("[1]") and answer.text.count("[") == 1
    (c,) = answer.citations
    assert c.chunk_id == answer.passages[1].id and c.text[c.span[0]:c.span[1]] == c.sentence
    def reason(fragment: str) -> str:
        return next(d.reason for d in answer.dropped if fragment in d.sentence)

    assert reason("Eiffel").startswith("too far from passage 1 (")
    assert reason("7,777").startswith("states 7,777, not found in passage 1")
    assert reason("Everything") == "cites passage 9, which it was not given"
    assert reason("cites nothing") == "cites no passage"
    out = answer.to_json()
    assert out["generated_by"] == "test-model" and len(out["dropped"]) == 4 and out["citations"][0]["n"] == 1


def test_markers_before_or_after_the_full_stop_and_lists_of_numbers_are_read():
    reply = (
        "According to Williams (2002, p. 103), spanners broker trust [1]. They translate [2][3]. "
        "Leaders share power. [1, 4] Boards meet often.[2] No source here.\n\n"
        "- Boards meet every 6.5 weeks [3].\n2) Terms of reference settle disputes [4]"
    )
    assert [(c.text, c.cites) for c in parse_reply(reply)] == [
        ("According to Williams (2002, p. 103), spanners broker trust.", (1,)), ("They translate.", (2, 3)),
        ("Leaders share power.", (1, 4)), ("Boards meet often.", (2,)), ("No source here.", ()),
        ("Boards meet every 6.5 weeks.", (3,)), ("Terms of reference settle disputes", (4,)),
    ]
    assert FIGURE.findall("In 2019, 4,500 staff (12.5%) joined") == ["2019", "4,500", "12.5"]


def test_an_unreachable_or_failing_model_falls_back_to_the_quoted_answer_with_a_note(generating, chat_api):
    chat_api.status = 503
    answer = generating.ask(QUESTION)
    assert answer.generated_by is None and answer.note.startswith("The language model could not be used (")
    assert "503" in answer.note and len(chat_api.requests) == 2  # one retry, then the fallback
    verify(answer)  # the extractive rules: every sentence quoted before its marker
    assert answer.citations and all(f"{c.sentence} [{c.n}]" in answer.text for c in answer.citations)

    nobody = Settings(data_dir=generating.settings.data_dir, llm={"backend": "openai", "base_url": f"http://127.0.0.1:{free_port()}/v1", "timeout": 5})
    answer = build_pipeline(nobody, embeddings=generating.embeddings, index=generating.index).ask(QUESTION)
    assert "Connection error" in answer.note and answer.citations and answer.generated_by is None


def test_a_model_that_finds_no_answer_leaves_the_quoted_answer(generating, chat_api):
    chat_api.reply = lambda passages: "The passages do not say what a boundary spanner does."
    answer = generating.ask(QUESTION)
    assert answer.generated_by is None and "found no answer" in answer.note and answer.citations
    assert answer.dropped[0].reason == "cites no passage"


def test_the_model_is_not_asked_when_the_assistant_abstains(generating, chat_api):
    answer = generating.ask(OFF_TOPIC)
    assert answer.abstained and chat_api.requests == []


def test_the_cli_prints_generated_answers_and_their_json(indexed, chat_api, tmp_path):
    chat_api.reply = lambda passages: f"{first_sentence(passages[1]).rstrip('.')} [1]."
    env = {
        "ASSISTANT_DATA_DIR": str(indexed.settings.data_dir), "ASSISTANT_LLM__BACKEND": "openai",
        "ASSISTANT_LLM__BASE_URL": chat_api.url, "ASSISTANT_LLM__MODEL": "cli-model", "PATH": "",
        "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
    }
    done = subprocess.run([sys.executable, "-m", "assistant", "ask", QUESTION, "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["generated_by"] == "cli-model" and out["citations"][0]["n"] == 1 and "dropped" not in out
    text = subprocess.run([sys.executable, "-m", "assistant", "ask", QUESTION], capture_output=True, text=True, env=env, timeout=300)
    assert "(worded by cli-model;" in text.stdout and "[1]" in text.stdout


def test_no_chat_model_unless_one_is_configured():
    assert build_chat_model(LLMSettings()) is None
    model = build_chat_model(LLMSettings(backend="openai", base_url="http://127.0.0.1:9/v1", model="m"))
    assert model.model_name == "m" and model.openai_api_base == "http://127.0.0.1:9/v1"


def test_a_missing_client_package_is_one_clear_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "langchain_openai", None)  # as if the llm extra were not installed
    with pytest.raises(LLMUnavailable, match=r"pip install 'collab-innovation-assistant\[llm\]'"):
        build_pipeline(Settings(llm={"backend": "openai"}))
