"""End to end in Debian's Chromium: `streamlit run ui/app.py` on a free loopback port, driven by Playwright.

Screenshots land in test-artifacts/ for people to look at. Without /usr/bin/chromium the tests
skip, unless ASSISTANT_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from bench.process import free_port, served

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTION = "What does a boundary spanner do?"
WAIT = 180_000  # ms; the first page load also loads the embedding model


def _require_browser() -> None:
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed"
    if missing:
        if os.environ.get("ASSISTANT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required here but {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="session")
def server(tmp_path_factory, corpus_index):
    """One `streamlit run` for the session, on a copy of the indexed corpus; yields its URL."""
    _require_browser()
    base = tmp_path_factory.mktemp("browser")
    data = base / "data"
    shutil.copytree(corpus_index.settings.data_dir, data)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(data), ASSISTANT_CORPUS_DIR=str(CORPUS), ANONYMIZED_TELEMETRY="False")
    command = [
        str(Path(sys.executable).with_name("streamlit")), "run", "ui/app.py", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]
    url = f"http://127.0.0.1:{port}"
    log = base / "streamlit.log"
    try:
        with served(command, f"{url}/_stcore/health", log, timeout=120, env=env, cwd=ROOT):
            yield url
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, ARTIFACTS / "streamlit.log")


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, server):
    """A fresh browser session (so a fresh conversation) on the running app."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 1500})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(server)
    page.get_by_test_id("stChatInput").locator("textarea").wait_for()
    yield page
    context.close()


def shot(page, name: str) -> None:
    page.wait_for_timeout(600)  # let expanders and fonts settle so the picture is what a person sees
    page.screenshot(path=str(ARTIFACTS / name))


def test_question_gets_a_cited_answer_and_the_source_shows_the_sentence_marked(page):
    shot(page, "01-chat-start.png")
    assert page.get_by_text("Not sure where to start?").is_visible()

    page.get_by_test_id("stChatInput").locator("textarea").fill(QUESTION)
    page.keyboard.press("Enter")
    reply = page.get_by_test_id("stChatMessageContent").filter(has_text="Sources")
    reply.wait_for()
    answer = reply.locator(".assistant-text").first.inner_text()
    assert "boundary spanner" in answer.lower()
    sources = reply.get_by_test_id("stExpander")
    assert sources.count() >= 1
    assert "[1] " in sources.first.locator("summary").inner_text()

    sources.first.locator("summary").click()
    marked = sources.first.locator("mark")
    marked.first.wait_for(state="visible")
    flat = " ".join(answer.split())
    quotes = [" ".join(t.split()) for t in marked.all_inner_texts()]
    # Every highlighted sentence is quoted word for word in the answer, right before its badge.
    assert quotes and all(len(q) > 20 and f"{q} 1" in flat for q in quotes), (quotes, flat)
    assert marked.first.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    # The badge links to its source card.
    assert reply.locator(".assistant-text a[href$='-1']").count() >= 1
    reply.scroll_into_view_if_needed()
    shot(page, "02-chat-answer-with-source.png")

    # The context view renders the document's Markdown: no literal "- " bullets, no "## " headings.
    sources.first.get_by_text("Show surrounding context").click()
    context = sources.first.locator(".assistant-text")
    page.wait_for_function("e => e.querySelectorAll('div').length >= 2", arg=context.first.element_handle())
    text = context.first.inner_text()
    assert not any(line.lstrip().startswith(("- ", "## ")) for line in text.splitlines()), text
    sources.first.scroll_into_view_if_needed()
    shot(page, "02-chat-source-context.png")


def test_pages_switch_from_the_sidebar(page, server):
    nav = page.get_by_test_id("stSidebarNav")
    main = page.get_by_test_id("stMainBlockContainer")
    width = main.evaluate("e => e.getBoundingClientRect().width")  # the chat page's content width

    nav.get_by_role("link", name="Search").click()
    page.get_by_label("Search for").fill("boundary spanner")
    page.keyboard.press("Enter")
    page.locator("mark").first.wait_for(state="visible")
    assert page.url.rstrip("/").endswith("/search")
    assert page.get_by_role("heading", name="Search passages").is_visible()
    assert page.get_by_text("strong match").first.is_visible()
    assert page.get_by_text("More from this document").first.is_visible()
    shot(page, "03-search.png")
    page.get_by_text("Group by document").click()
    page.get_by_role("link", name="Open in the Library").first.wait_for()
    shot(page, "03-search-grouped.png")

    # A result opens the Library reader at its own section.
    page.get_by_role("link", name="Open in the Library").nth(1).click()
    page.get_by_text("The section your search result came from").wait_for()
    assert "/library?doc=" in page.url
    page.wait_for_timeout(1500)  # the reader scrolls to the section
    assert page.get_by_text("The section your search result came from").is_visible()
    assert main.evaluate("e => e.getBoundingClientRect().width") == width  # one layout: no jump between pages
    shot(page, "06-library-from-search.png")

    nav.get_by_role("link", name="Learn").click()
    page.get_by_role("heading", name="What it is").wait_for()
    projector = page.get_by_test_id("stSidebar").get_by_text("Projector mode (large text)")
    assert main.evaluate("e => e.getBoundingClientRect().width") == width
    size = float(page.locator(".assistant-text").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert size < 22  # projector mode starts off
    projector.click()
    # Projector mode: every text block on the page is at least 22 px.
    page.wait_for_function(
        """() => {
            const blocks = [...document.querySelectorAll('[data-testid="stMain"] .assistant-text')].filter(e => e.offsetParent);
            return blocks.length > 0 && blocks.every(e => parseFloat(getComputedStyle(e).fontSize) >= 22);
        }""",
    )
    page.set_viewport_size({"width": 1280, "height": 800})  # a common projector resolution
    shot(page, "04-learn-projector.png")
    page.get_by_role("tab", name="Guided demos").click()
    page.get_by_role("button", name="Ask question 1 of 5").click()
    page.get_by_role("heading", name="1. What is a wicked problem?").wait_for()
    page.get_by_role("button", name="Ask question 2 of 5").click()
    second = page.get_by_role("heading", name="2. How does a wicked problem differ from a tame problem?")
    second.wait_for()
    first = page.get_by_role("heading", name="1. What is a wicked problem?")
    assert first.bounding_box()["y"] < second.bounding_box()["y"]  # answers in the order asked
    second.scroll_into_view_if_needed()
    shot(page, "05-learn-demo.png")

    page.set_viewport_size({"width": 1280, "height": 1500})
    nav.get_by_role("link", name="Library").click()
    page.get_by_text("The library is read-only").wait_for()
    grid = page.get_by_test_id("stDataFrame")
    grid.wait_for()
    box = grid.bounding_box()
    # Rows are drawn on a canvas: click the second data row (the header row is ~36 px high).
    page.mouse.click(box["x"] + 200, box["y"] + 36 + 36 + 18)
    page.get_by_text("Sections", exact=True).wait_for()
    assert "doc=" in page.url
    assert not page.get_by_text("passages", exact=False).filter(has_text="passages ·").count()
    shot(page, "06-library-reader.png")

    nav.get_by_role("link", name="Learn").click()
    page.get_by_role("heading", name="What it is").wait_for()
    page.wait_for_function(  # projector mode is remembered for the session, across pages
        """() => [...document.querySelectorAll('[data-testid="stMain"] .assistant-text')].some(e => parseFloat(getComputedStyle(e).fontSize) >= 22)""",
    )

    nav.get_by_role("link", name="Chat").click()
    page.get_by_test_id("stChatInput").locator("textarea").wait_for()
    assert page.url.rstrip("/") == server.rstrip("/")
