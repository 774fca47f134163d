"""Search: ranked passages for a query, with filters, marked query words and exports (CSV, BibTeX, Markdown)."""

from __future__ import annotations

import streamlit as st

from assistant.app import export

import session
import widgets

pipeline = session.pipeline()
filters = widgets.filter_sidebar(pipeline)
per_doc = pipeline.settings.retrieval.per_document

st.title("Search passages")
st.caption(
    "Ranked passages from every indexed document (meaning and keywords combined). Words of your query are marked"
    + (f"; at most {per_doc} passages per document, the rest under “More from this document”." if per_doc else ".")
)
st.session_state.setdefault("search_k", 10)
left, right = st.columns([5, 1], vertical_alignment="bottom")
query = left.text_input("Search for", key="search_query", placeholder="e.g. creaming and parking in payment by results")
k = right.selectbox("Results", (5, 10, 20, 50), key="search_k")
grouped = st.toggle("Group by document", key="search_group", help="Show each document once, with its passages together.")

if query.strip():
    result = pipeline.search(query.strip(), k=k, filters=filters, per_document=per_doc)
    metas = widgets.documents(pipeline)
    if not result.passages:
        st.info("No passages match. Try other words, or loosen the filters in the sidebar.", icon=":material/search_off:")
    else:
        by_doc: dict[str, list] = {}
        for p in result.passages:
            by_doc.setdefault(p.doc_id, []).append(p)
        n_docs = len(by_doc)
        st.markdown(f"**{len(result.passages)} passages** from {n_docs} document{'s' if n_docs != 1 else ''}")
        with st.container(horizontal=True):
            st.download_button("CSV", export.results_csv(result.passages, metas), file_name="search-results.csv", mime="text/csv", icon=":material/table:", help="One row per passage, with the fused ranking score.")
            st.download_button("BibTeX", export.results_bibtex(result.passages, metas), file_name="search-results.bib", mime="application/x-bibtex", icon=":material/menu_book:", help="The original works these passages draw on, then each document as the secondary source.")
            st.download_button("RIS", export.results_ris(result.passages, metas), file_name="search-results.ris", mime="application/x-research-info-systems", icon=":material/bookmarks:", help="The same works for Zotero, EndNote or Mendeley.")
            st.download_button("Markdown", export.results_markdown(query.strip(), result.passages, metas), file_name="search-results.md", mime="text/markdown", icon=":material/description:")
        if grouped:
            for doc_id, passages in by_doc.items():
                widgets.search_group(pipeline, passages, metas.get(doc_id), query, more=result.more.get(doc_id, ()))
        else:
            last = {p.doc_id: p.id for p in result.passages}  # "more" sits under a document's last shown passage
            for p in result.passages:
                more = result.more.get(p.doc_id, ()) if last[p.doc_id] == p.id else ()
                widgets.search_hit(pipeline, p, metas.get(p.doc_id), query, more=more)
else:
    st.info("Type a few words and press Enter. Use the sidebar to restrict the search to a document type, audience, tag or years.", icon=":material/manage_search:")
