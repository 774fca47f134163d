"""Drawing helpers shared by the pages: answers with citation markers, source cards, marked passages, filters.

Passage text comes from user documents, so it is HTML-escaped before it is drawn; the only
markup added here is our own (``<mark>``, citation badges, bold for headings and ``**``).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Sequence

import streamlit as st

from assistant import Answer, Citation, Filters, Passage, Pipeline
from assistant.answer import MARKER
from assistant.app import library, sources
from assistant.app.sources import DOC_TYPE_LABELS, Segment
from assistant.ingest.headings import headings

MARK = '<mark style="background:#ffe082;color:inherit;padding:0 .12em;border-radius:.2em">'
BADGE = (
    '<span style="display:inline-block;min-width:1.3em;text-align:center;font-size:.78em;font-weight:600;'
    'line-height:1.35;padding:0 .3em;margin-left:.15em;border-radius:.35em;background:#dbe7fb;color:#1d4ed8;'
    'vertical-align:.12em">{n}</span>'
)
MUTED = '<span style="color:#6b7280">'


# -- text ------------------------------------------------------------------------------------------


def _inline(text: str) -> str:
    """Escaped HTML for one piece of document text: headings (as bold lines) and **bold** kept, line breaks kept."""
    pieces, pos = [], 0
    for h in headings(text):
        pieces += [html.escape(text[pos : h.start], quote=False), f"<strong>{html.escape(h.title, quote=False)}</strong>"]
        pos = h.start + len(text[h.start : h.end].rstrip("\r\n"))  # its line break stays a <br>
    out = "".join(pieces) + html.escape(text[pos:], quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return out.replace("\n\n", "<br><br>").replace("\n", "<br>")


def block(inner: str) -> str:
    """Wrap HTML as one raw block: no blank lines, so Markdown, LaTeX and emoji never touch it."""
    return f'<div class="assistant-text">{inner}</div>'


_OPEN, _CLOSE = "\x02", "\x03"  # stand-ins for <mark> while the whole text is formatted at once


_COMPACT = {  # tight spacing: a passage is a few lines inside a card, not a page
    "<p>": '<p style="margin:0 0 .45em">',
    "<ul>": '<ul style="margin:0 0 .45em;padding-left:1.3em">',
    "<ol>": '<ol style="margin:0 0 .45em;padding-left:1.5em">',
    "<li>": '<li style="margin:0">',
}


def document_html(text: str) -> str:
    """Document Markdown as compact HTML: lists as lists, headings as bold lines, raw HTML shown as text.

    Rendered by markdown-it (CommonMark, HTML disabled, so ``<script>`` is escaped), on one
    line so the result stays a single raw block.
    """
    from markdown_it import MarkdownIt

    out = MarkdownIt("commonmark", {"html": False}).render(text)
    out = re.sub(r"<h[1-6]>(.*?)</h[1-6]>", r"<p><strong>\1</strong></p>", out)
    out = re.sub(r">\s+<", "><", out).strip().replace("\n", " ")
    for tag, styled in _COMPACT.items():
        out = out.replace(tag, styled)
    return out


def marked_html(parts: Sequence[Segment]) -> str:
    """Segments as HTML, marked ones inside ``<mark>``.

    The text is formatted in one piece (so a heading line with a marked word in it is
    still recognised as a heading) and the marks are put in afterwards.
    """
    clean = [(s.text.replace(_OPEN, "").replace(_CLOSE, ""), s.marked) for s in parts]
    text = "".join(f"{_OPEN}{t}{_CLOSE}" if marked else t for t, marked in clean)
    return document_html(text).replace(_OPEN, MARK).replace(_CLOSE, "</mark>")


def answer_html(text: str, anchor: str = "", kind: str | None = None) -> str:
    """Answer text as HTML: each ``[n]`` a numbered badge linking to its source card, steps as a list.

    Lines "1. ..." become an ordered list and "- ..." a bulleted one; a definition sits in a
    callout. ``anchor`` prefixes the ids of the source cards (:func:`citation_card`).
    """
    def inline(line: str) -> str:
        pieces = MARKER.split(line)  # text, n, text, n, ...
        return "".join(_badge(p, anchor) if i % 2 else _inline(p) for i, p in enumerate(pieces))

    out: list[str] = []
    open_list = ""
    for line in text.split("\n"):
        nested = re.match(r"\s{2,}(?:[-*+]|\d{1,3}[.)])\s+", line)
        if nested and open_list:  # a step's own sub-list ("vote:" then thumbs up / thumbs down)
            item = f"<li>{inline(line[nested.end():])}</li>"
            if out[-1].endswith("</ul></li>"):
                out[-1] = out[-1][: -len("</ul></li>")] + item + "</ul></li>"
            else:
                out[-1] = out[-1][: -len("</li>")] + f'<ul style="margin:.2em 0 .2em 1.2em">{item}</ul></li>'
            continue
        m = re.match(r"(\d+)\. |- ", line)
        tag = ("ol" if m.group(1) else "ul") if m else ""
        if open_list and tag != open_list:
            out.append(f"</{open_list}>")
            open_list = ""
        if tag and not open_list:
            out.append(f'<{tag} style="margin:.3em 0 .3em 1.2em">')
            open_list = tag
        if tag:
            out.append(f"<li>{inline(line[m.end():])}</li>")
        elif line.strip():
            out.append(f'<p style="margin:0 0 .5em 0">{inline(line)}</p>')
    if open_list:
        out.append(f"</{open_list}>")
    if len(out) == 1 and out[0].startswith("<p ") and kind != "definition":
        return inline(text)  # one paragraph: no wrapper, as inline as the text it replaces
    body = "".join(out)
    if kind == "definition":
        return f'<div class="assistant-definition" style="border-left:4px solid #1d4ed8;background:#eef4ff;padding:.6em .9em;border-radius:.3em">{body}</div>'
    return body


def _badge(n: str, anchor: str) -> str:
    if not anchor:
        return BADGE.format(n=n)
    return f'<a href="#{anchor}-{n}" title="Open source {n}" style="text-decoration:none">{BADGE.format(n=n)}</a>'


def md_label(text: str) -> str:
    """Text safe inside a Markdown label (expander titles, captions)."""
    return re.sub(r"([\\`*_{}\[\]<>#|$~:])", r"\\\1", text)


def md_document(text: str) -> str:
    """Document Markdown made safe to render: ``$`` is not LaTeX, raw HTML is shown as text."""
    return text.replace("$", r"\$").replace("<", "&lt;")


# -- answers and sources ---------------------------------------------------------------------------


def documents(pipeline: Pipeline) -> dict:
    """Metadata by doc id."""
    return {d.doc_id: d.meta for d in pipeline.documents()}


def answer(pipeline: Pipeline, ans: Answer, *, key: str) -> None:
    """An answer with its badges and its sources panel, or the abstention and closest passages."""
    if ans.abstained:
        st.warning(ans.text, icon=":material/help:")
        st.caption(f"Searched {pipeline.counts()[0]} indexed documents for: {md_label(ans.query or ans.question)}")
        if ans.passages:
            st.markdown("**Closest passages** — shown so you can judge; they may not answer the question.")
            metas = documents(pipeline)
            for i, p in enumerate(ans.passages, start=1):
                passage_card(pipeline, p, metas.get(p.doc_id), key=f"{key}-near-{p.rank}", label=f"{i}.", query=ans.query or ans.question)
        return
    anchor = re.sub(r"[^A-Za-z0-9-]", "-", f"src-{key}")
    st.markdown(block(answer_html(ans.text, anchor, ans.kind)), unsafe_allow_html=True)
    if ans.merged:
        st.caption(f"Understood as: {md_label(ans.query)}")
    generation(ans, key=key)
    sources_panel(pipeline, ans.citations, key=key, anchor=anchor)


def generation(ans: Answer, *, key: str) -> None:
    """Say how an answer was worded: by a model (and what of it was dropped), or why not."""
    if ans.generated_by:
        st.caption(
            f"Worded by {md_label(ans.generated_by)} from the passages below. Each sentence was checked against the "
            "passage it cites for topic and figures, not for meaning: compare it with the highlighted sentence."
        )
    if ans.note:
        st.info(ans.note, icon=":material/info:")
    if ans.dropped:
        with st.expander(f"{len(ans.dropped)} generated sentence{'s' if len(ans.dropped) != 1 else ''} not shown", key=f"{key}-dropped"):
            for d in ans.dropped:
                st.markdown(f"- {md_label(d.sentence)}  \n  _{md_label(d.reason)}_")


def sources_panel(pipeline: Pipeline, citations: Sequence[Citation], *, key: str, anchor: str = "") -> None:
    """One card per cited passage, in marker order; each card is the target of its answer badges."""
    st.space("small")
    st.markdown(f"**Sources** · {len(citations)} cited passage{'s' if len(citations) != 1 else ''}")
    metas = documents(pipeline)
    for c in citations:
        if anchor:
            st.markdown(f'<div id="{anchor}-{c.n}"></div>', unsafe_allow_html=True)
        citation_card(pipeline, c, metas.get(c.doc_id), key=f"{key}-c{c.n}")


def citation_card(pipeline: Pipeline, c: Citation, meta, *, key: str) -> None:
    """A cited passage: document details, the supporting sentence marked, context on request."""
    with st.expander(_card_title(f"**[{c.n}]**", c.title, c.section, c.page), key=key):
        _details(meta, c.section, c.page, c.source)
        _passage_body(pipeline, c.chunk_id, c.text, list(c.quotes), key=key)


def passage_card(pipeline: Pipeline, p: Passage, meta, *, key: str, label: str, query: str) -> None:
    """A retrieved (not cited) passage with the query's words marked."""
    with st.expander(_card_title(label, p.title, p.section, p.page), key=key):
        _details(meta, p.section, p.page, p.source)
        spans = sources.term_spans(p.text, query, pipeline.analyse)
        _passage_body(pipeline, p.id, p.text, spans, key=key)


def _card_title(prefix: str, title: str, section: str, page: int | None) -> str:
    """Expander label: prefix, document title, then section and page when known."""
    label = f"{prefix} {md_label(title)}"
    detail = sources.where(section, page)
    return f"{label} — {md_label(detail)}" if detail else label


def _details(meta, section: str, page: int | None, source: str) -> None:
    line = sources.byline(meta)
    if line:
        st.caption(md_label(line))
    where = [f"Section: {section}" if section else "", f"page {page}" if page else "", f"file {Path(source).name}"]
    st.caption(md_label(" · ".join(w for w in where if w)))


def _passage_body(pipeline: Pipeline, chunk_id: str, text: str, spans, *, key: str) -> None:
    passage = marked_html(sources.segments(text, spans))
    if st.toggle("Show surrounding context", key=f"{key}-ctx"):
        ctx = sources.context(pipeline, chunk_id)
        if ctx is None:
            st.caption("This passage is no longer indexed.")
        else:
            muted = '<div style="color:#6b7280">{}</div>'
            before = muted.format(document_html(ctx.before)) if ctx.before.strip() else ""
            after = muted.format(document_html(ctx.after)) if ctx.after.strip() else ""
            passage = before + f"<div>{passage}</div>" + after
    st.markdown(block(passage), unsafe_allow_html=True)


_STRENGTH_COLOURS = {"strong match": "#16a34a", "partial match": "#d97706", "weak match": "#9ca3af"}


def relevance_bar(value: float) -> str:
    """A small bar filled to ``value`` (0..1) and its words ("strong match"), as HTML."""
    label = sources.match_label(value)
    return (
        f'<span title="{label}" style="display:inline-block;width:4.5em;height:.55em;border-radius:.3em;'
        'background:#e5e7eb;vertical-align:middle;overflow:hidden">'
        f'<span style="display:block;width:{round(value * 100)}%;height:100%;background:{_STRENGTH_COLOURS[label]}"></span></span>'
        f' <span style="font-size:.85em;color:#374151">{label}</span>'
    )


def library_link(p: Passage, label: str = "Open in the Library") -> None:
    """A link to the Library reader, opened at the passage's document and section."""
    params = {"doc": p.doc_id, **({"section": p.section} if p.section else {})}
    st.page_link("pages/library.py", label=label, icon=":material/menu_book:", query_params=params)


def search_hit(pipeline: Pipeline, p: Passage, meta, query: str, *, more: Sequence[Passage] = (), show_title: bool = True) -> None:
    """One ranked search result: title, how well it matches, where it is, the passage with query words marked.

    ``more`` are the document's held-back passages, offered under "More from this document".
    """
    with st.container(border=True):
        if show_title:
            st.markdown(f"**{p.rank}. {md_label(p.title)}**")
            bits = [sources.byline(meta), sources.where(p.section, p.page)]
        else:
            bits = [f"{p.rank}." if p.rank else "", sources.where(p.section, p.page)]
        st.markdown(block(relevance_bar(p.relevance) + f"{MUTED} · {html.escape(' · '.join(b for b in bits if b))}</span>"), unsafe_allow_html=True)
        _marked_passage(pipeline, p, query)
        if show_title:
            library_link(p)
        _more_from_document(pipeline, more, query, key=f"more-{p.id}")


def search_group(pipeline: Pipeline, doc_passages: Sequence[Passage], meta, query: str, *, more: Sequence[Passage] = ()) -> None:
    """One document's results together: its title once, then each passage (for "group by document")."""
    first = doc_passages[0]
    with st.container(border=True):
        st.markdown(f"**{md_label(first.title)}**")
        line = sources.byline(meta)
        if line:
            st.caption(md_label(line))
        for p in doc_passages:
            st.markdown(block(relevance_bar(p.relevance) + f"{MUTED} · {html.escape(' · '.join(b for b in (f'{p.rank}.', sources.where(p.section, p.page)) if b))}</span>"), unsafe_allow_html=True)
            _marked_passage(pipeline, p, query)
        library_link(first)
        _more_from_document(pipeline, more, query, key=f"more-{first.doc_id}")


def _more_from_document(pipeline: Pipeline, more: Sequence[Passage], query: str, *, key: str) -> None:
    """The passages held back by the per-document cap, in an expander (nothing when there are none)."""
    if not more:
        return
    with st.expander(f"More from this document ({len(more)})", icon=":material/unfold_more:", key=key):
        for extra in more:
            st.markdown(block(relevance_bar(extra.relevance) + f"{MUTED} · {html.escape(sources.where(extra.section, extra.page))}</span>"), unsafe_allow_html=True)
            _marked_passage(pipeline, extra, query)


def _marked_passage(pipeline: Pipeline, p: Passage, query: str) -> None:
    spans = sources.term_spans(p.text, query, pipeline.analyse)
    st.markdown(block(marked_html(sources.segments(p.text, spans))), unsafe_allow_html=True)


# -- filters ---------------------------------------------------------------------------------------


def filter_sidebar(pipeline: Pipeline) -> Filters:
    """Sidebar filters (doc type, audience, tags, year range) built from what is indexed."""
    docs = pipeline.documents()
    f = library.facets(docs)
    with st.sidebar:
        st.subheader("Filters")
        _keep_valid("flt_types", f.doc_types)
        _keep_valid("flt_audiences", f.audiences)
        _keep_valid("flt_tags", f.tags)
        types = st.multiselect("Document type", f.doc_types, key="flt_types", format_func=lambda t: DOC_TYPE_LABELS.get(t, t).capitalize(), placeholder="Any type")
        audiences = st.multiselect("Audience", f.audiences, key="flt_audiences", format_func=str.capitalize, placeholder="Any audience")
        tags = st.multiselect("Tags", f.tags, key="flt_tags", placeholder="Any tag")
        year_min = year_max = None
        if f.years and f.years[0] < f.years[1]:
            if st.toggle("Limit by year", key="flt_year_on", help="Undated documents, such as most guidance, are left out while this is on."):
                low, high = st.session_state.get("flt_years", f.years)
                st.session_state.flt_years = (max(low, f.years[0]), min(high, f.years[1])) if low <= f.years[1] and high >= f.years[0] else f.years
                year_min, year_max = st.slider("Year", f.years[0], f.years[1], key="flt_years")
        filters = Filters(doc_types=tuple(types), audiences=tuple(audiences), tags=tuple(tags), year_min=year_min, year_max=year_max)
        if filters.active:
            n = sum(filters.admits(d.meta) for d in docs)
            st.caption(f"{n} of {len(docs)} documents match the filters.")
    return filters


def _keep_valid(key: str, options: Sequence[str]) -> None:
    # After a removal an option may vanish; a remembered value that is no longer offered would fail.
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]


# -- projector --------------------------------------------------------------------------------------

PROJECTOR_CSS = """
<style>
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li,
[data-testid="stMain"] .assistant-text { font-size: 1.45rem; line-height: 1.6; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p { font-size: 1.1rem; }
[data-testid="stMain"] h1 { font-size: 3rem; }
[data-testid="stMain"] h2 { font-size: 2.4rem; }
[data-testid="stMain"] h3 { font-size: 1.9rem; }
[data-testid="stMain"] [data-testid="stExpander"] summary p { font-size: 1.25rem; }
[data-testid="stMain"] button p { font-size: 1.2rem; }
[data-testid="stMain"] [data-testid="stSelectbox"] input { font-size: 1.3rem; }
</style>
"""


def projector_mode() -> None:
    """Large type for the main area, readable from the back of a training room."""
    st.html(PROJECTOR_CSS)


# -- tables and navigation ---------------------------------------------------------------------------


def scroll_to_heading(title: str) -> None:
    """Scroll the page to the first heading reading ``title`` once it is drawn (a search result's section)."""
    import json

    # The title is document text: JSON-encoded with '<' escaped, it cannot close the script.
    want = json.dumps(title.strip()).replace("<", "\\u003c")
    st.html(
        "<script>(() => { const want = " + want + "; let tries = 0;"
        "const go = () => { const h = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].find(e => e.textContent.trim() === want);"
        "if (h) { h.scrollIntoView({block: 'start'}); } else if (tries++ < 40) { setTimeout(go, 150); } };"
        "setTimeout(go, 300); })();</script>",
        unsafe_allow_javascript=True,
    )
