"""Library: every indexed document with its metadata, a reader, and (with the admin token) upload and removal."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant.app import admin, library, reader, uploads
from assistant.app.sources import byline

import session
import widgets

pipeline = session.pipeline()
settings = session.settings()
docs = pipeline.documents()
n_docs, n_passages = pipeline.counts()
by_id = {d.doc_id: d for d in docs}
ids = list(by_id)

st.title("Library")
left, right, _ = st.columns([1, 1, 4])
left.metric("Documents", n_docs)
right.metric("Passages", n_passages)

# The open document lives in the URL (?doc=ID&section=HEADING), so a search result can link
# straight to its section and a reader view can be shared; a row click writes it there.
chosen = st.query_params.get("doc")
if chosen is not None and chosen not in by_id:  # removed meanwhile (here or in another browser)
    st.query_params.pop("doc", None)
    st.query_params.pop("section", None)
    chosen = None


def picked() -> None:
    """A row was (un)selected: open that document, or close the reader."""
    selection = st.session_state.library_table.selection
    # A click anywhere on a row opens it: a cell click selects that cell, the checkbox the row.
    rows = list(selection.rows) + [cell[0] for cell in selection.get("cells", [])]
    if rows:
        st.query_params["doc"] = ids[rows[0]]
    else:
        st.query_params.pop("doc", None)
    st.query_params.pop("section", None)


if docs:
    st.caption("Click a row to read the document.")
    st.dataframe(
        library.table_rows(docs),
        hide_index=True,
        width="stretch",
        height=min(36 * (len(docs) + 1) + 2, 460),
        # The grid cuts text at the column edge and shows no cell tooltips (Styler tooltips draw as
        # raw HTML here): 640 px holds ~95 characters, all but the longest titles; the reader below
        # shows the full title. The other columns scroll sideways.
        column_config={"Title": st.column_config.TextColumn(width=640)},
        key="library_table",
        on_select=picked,
        selection_mode=["single-row", "single-cell"],
        selection_default={"selection": {"rows": [ids.index(chosen)]}} if chosen else None,
    )
else:
    st.info("Nothing is indexed yet.", icon=":material/info:")

# -- reader ---------------------------------------------------------------------------------------

if chosen:
    view = reader.read_document(pipeline, chosen)
    if view is None:
        st.warning("That document is no longer indexed.")
    else:
        meta = view.record.meta
        target = reader.find_section(view, st.query_params.get("section"))
        st.markdown(f"### {widgets.md_label(meta.title)}")
        st.caption(widgets.md_label(" · ".join(b for b in (byline(meta), f"file {Path(view.record.source).name}") if b)))
        if meta.reference:
            st.caption(f"Reference: {widgets.md_label(meta.reference)}")
        toc, body = st.columns([1, 3])
        with toc:
            st.markdown("**Sections**")
            st.markdown("\n".join(f"{i}. {widgets.md_label(s.title)}" + (f" (p. {s.page})" if s.page else "") for i, s in enumerate(view.sections, start=1)))
        with body:
            for i, s in enumerate(view.sections):
                page = f" · p. {s.page}" if s.page else ""
                st.markdown(f"#### {widgets.md_label(s.title)}")
                if i == target:
                    st.caption(f":material/arrow_forward: The section your search result came from{page}")
                elif page:
                    st.caption(page.lstrip(" ·"))
                st.markdown(widgets.md_document(s.text))
        cited = reader.reference_list(meta)
        if cited:
            with st.expander(f"Works this document draws on ({len(cited)})", icon=":material/menu_book:"):
                st.markdown("\n".join(f"- {widgets.md_document(line)}" for line in cited))
        if target is not None:
            widgets.scroll_to_heading(view.sections[target].title)

# -- admin ----------------------------------------------------------------------------------------

st.divider()
st.subheader("Add or remove documents")
if not admin.admin_enabled(settings):
    st.info("The library is read-only. To upload or remove documents, start the app with ASSISTANT_ADMIN_TOKEN set.", icon=":material/lock:")
    st.stop()

token = st.text_input("Admin token", type="password", key="admin_token", help="The value of ASSISTANT_ADMIN_TOKEN on the server.")
if not token:
    st.caption(":material/lock: Enter the admin token to upload or remove documents.")
    st.stop()
if not admin.is_admin(settings, token):
    st.error("That admin token is not right; the library stays read-only.", icon=":material/lock:")
    st.stop()

for level, text in st.session_state.pop("library_messages", []):
    getattr(st, level)(text)

max_mb = pipeline.settings.ingest.max_file_mb
kinds = ", ".join(uploads.accepted_types())
uploader_key = f"upload-{st.session_state.get('upload_round', 0)}"
files = st.file_uploader(
    f"Upload documents ({kinds}; up to {max_mb} MB each)",
    accept_multiple_files=True,
    key=uploader_key,
    help="Files are checked, saved under a safe name in the data folder's uploads/ and indexed straight away.",
)
if files and st.button(f"Index {len(files)} file{'s' if len(files) != 1 else ''}", type="primary", icon=":material/upload:"):
    bar = st.progress(0.0, text="Checking and saving the files…")

    def step(done: int, total: int, name: str) -> None:
        bar.progress(done / max(total, 1), text=f"Indexing {name} ({done} of {total})")

    try:
        result = uploads.upload(pipeline, [(f.name, f.getvalue()) for f in files], on_progress=step)
    except uploads.IndexBusy as exc:  # a CLI ingest or another session's upload is writing
        bar.empty()
        st.warning(f"{str(exc)[:1].upper()}{str(exc)[1:]}.", icon=":material/hourglass_top:")
        st.stop()
    bar.empty()
    # Names and reasons come from the browser and the file: shown as typed, never as Markdown.
    label = widgets.md_label
    messages = [("success", f"Indexed {label(name)}.") for name in result.added]
    messages += [("success", f"Re-indexed {label(name)} (its content changed).") for name in result.updated]
    messages += [("info", f"{label(name)} was already indexed with the same content.") for name in result.unchanged]
    messages += [("error", f"{label(r.name)} was not added: {label(r.reason)}.") for r in result.rejected]
    st.session_state.library_messages = messages
    st.session_state.upload_round = st.session_state.get("upload_round", 0) + 1  # a fresh, empty uploader
    st.rerun()


def remove(doc_id: str) -> None:
    """Runs before the next script run, so the selectors can be reset before they are drawn."""
    try:
        removed = uploads.remove(pipeline, doc_id)
    except uploads.IndexBusy as exc:  # a CLI ingest or another session's upload is writing
        st.session_state.library_messages = [("warning", f"{str(exc)[:1].upper()}{str(exc)[1:]}.")]
        return
    except Exception as exc:  # shown as a message on the next run, never as a traceback
        session.log.error("removing %s failed", doc_id, exc_info=exc)
        st.session_state.library_messages = [("error", session.explain(exc, "removing the document"))]
        return
    st.session_state.library_messages = [("success", f"Removed {removed.meta.title}.")] if removed else [("warning", "That document was already gone.")]
    if st.session_state.get("remove_doc") == doc_id:
        st.session_state.remove_doc = None
    if st.query_params.get("doc") == doc_id:
        st.query_params.pop("doc", None)
        st.query_params.pop("section", None)


if st.session_state.get("remove_doc") not in by_id:
    st.session_state.remove_doc = None
if docs:
    doomed = st.selectbox("Remove a document", list(by_id), format_func=lambda i: by_id[i].meta.title, index=None, placeholder="Choose a document to remove", key="remove_doc")
    if doomed:
        record = by_id[doomed]
        where = "its uploaded file is deleted too" if uploads.is_uploaded(pipeline.settings, record.source) else "the file itself stays on disk"
        st.warning(f"This removes “{record.meta.title}” and its {record.n_chunks} passages from the index; {where}.", icon=":material/warning:")
        st.button("Remove from the index", type="primary", icon=":material/delete:", on_click=remove, args=(doomed,))
