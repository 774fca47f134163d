"""Search: ranked passages for a query, with filters, marked query words and exports (CSV, BibTeX, Markdown)."""

from __future__ import annotations

import streamlit as st

from assistant import export

import session
import widgets

st.set_page_config(layout="wide")
pipeline = session.pipeline()
filters = widgets.filter_sidebar(pipeline)

st.title("Search passages")
st.caption("Ranked passages from every indexed document (meaning and keywords combined). Words of your query are marked.")
st.session_state.setdefault("search_k", 10)
left, right = st.columns([5, 1], vertical_alignment="bottom")
query = left.text_input("Search for", key="search_query", placeholder="e.g. creaming and parking in payment by results")
k = right.selectbox("Results", (5, 10, 20, 50), key="search_k")

if query.strip():
    result = pipeline.search(query.strip(), k=k, filters=filters)
    metas = widgets.documents(pipeline)
    if not result.passages:
        st.info("No passages match. Try other words, or loosen the filters in the sidebar.", icon=":material/search_off:")
    else:
        n_docs = len({p.doc_id for p in result.passages})
        st.markdown(f"**{len(result.passages)} passages** from {n_docs} document{'s' if n_docs != 1 else ''}")
        with st.container(horizontal=True):
            st.download_button("CSV", export.results_csv(result.passages, metas), file_name="search-results.csv", mime="text/csv", icon=":material/table:")
            st.download_button("BibTeX", export.results_bibtex(result.passages, metas), file_name="search-results.bib", mime="application/x-bibtex", icon=":material/menu_book:", help="One entry per document among the results.")
            st.download_button("Markdown", export.results_markdown(query.strip(), result.passages, metas), file_name="search-results.md", mime="text/markdown", icon=":material/description:")
        for p in result.passages:
            widgets.search_hit(pipeline, p, metas.get(p.doc_id), query)
else:
    st.info("Type a few words and press Enter. Use the sidebar to restrict the search to a document type, audience, tag or years.", icon=":material/manage_search:")
