"""Start-up and failure through AppTest: first-launch indexing, an empty corpus, an unreachable store, bad settings."""

from __future__ import annotations

from bench.process import free_port


def test_first_launch_builds_the_index_from_the_corpus(fresh_app, small_corpus):
    at = fresh_app(small_corpus).run()
    assert not at.exception
    assert at.success and at.success[0].value.startswith(f"Built the index from {small_corpus}/: 2 documents")
    at.chat_input[0].set_value("What does a boundary spanner do?").run()
    assert any(e.label.startswith("**[1]** Partnership governance for test purposes") for e in at.expander)
    at.run()
    assert not at.success  # built once, announced once


def test_nothing_indexed_is_said_in_words(fresh_app, tmp_path):
    empty = tmp_path / "no-documents"
    empty.mkdir()
    at = fresh_app(empty).run()
    assert not at.exception
    assert at.info and "Nothing is indexed yet" in at.info[0].value
    at.switch_page("pages/learn.py").run()
    assert not at.exception
    assert any("no glossary is indexed" in i.value for i in at.info)


def test_unreachable_store_is_a_friendly_message(fresh_app, small_corpus):
    at = fresh_app(small_corpus, ASSISTANT_STORE__URL=f"http://127.0.0.1:{free_port()}").run()
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value.startswith("The document store cannot be reached")
    assert "Traceback" not in at.error[0].value
    assert not at.chat_input  # nothing to ask until the store is back


def test_a_bad_setting_is_named(fresh_app, small_corpus):
    at = fresh_app(small_corpus, ASSISTANT_RETRIEVAL__K="0").run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("A setting is wrong: retrieval.k")


def test_a_chroma_server_dying_under_the_app_is_a_sentence(fresh_app, small_corpus, tmp_path):
    import os
    import signal

    from bench.query_speed import chroma_server

    with chroma_server(tmp_path / "chroma" / "db", timeout=120) as (url, pid):
        at = fresh_app(small_corpus, ASSISTANT_STORE__URL=url).run()
        assert not at.exception and at.chat_input
        os.kill(pid, signal.SIGKILL)
        # A page view reruns ui/app.py, which touches the store before drawing the page. (Here a
        # second AppTest: after its first run AppTest reruns only the page script, not app.py.)
        at = fresh_app(small_corpus, ASSISTANT_STORE__URL=url).run()
    assert not at.exception
    assert len(at.error) == 1 and "Traceback" not in at.error[0].value
    assert at.error[0].value.startswith("The document store cannot be reached (")
    assert f"lost the Chroma server at {url}" in at.error[0].value  # the cached pipeline, not a new one
    assert not at.chat_input  # nothing to ask until the store is back
