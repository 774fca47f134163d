"""The Streamlit front end: page set-up, navigation and the shared pipeline (pages live in ui/pages/).

Run it with ``make run`` or ``streamlit run ui/app.py``. All behaviour is in the ``assistant``
package; this file and the pages only draw widgets and call the pipeline.
"""

from __future__ import annotations

import streamlit as st

import session

st.set_page_config(page_title="Collaborative Innovation Assistant", page_icon=":material/forum:", layout="wide")  # every page the same width: no jump when a page is picked
session.keep_widget_state()

page = st.navigation([
    st.Page("pages/chat.py", title="Chat", icon=":material/forum:", default=True),
    st.Page("pages/search.py", title="Search", icon=":material/search:"),
    st.Page("pages/library.py", title="Library", icon=":material/library_books:"),
    st.Page("pages/learn.py", title="Learn", icon=":material/school:"),
])
st.sidebar.caption("**Collaborative Innovation Assistant** · cited answers from a curated corpus on collaborative innovation in public services.")

if session.open_pipeline() is None:
    st.stop()
try:
    page.run()
except Exception as exc:  # a page failed: say so in words, keep the traceback for the server log
    session.show_error(exc, "showing this page")
