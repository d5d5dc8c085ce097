"""auditkit dashboard — the router.

Start it with ``auditkit dashboard --runs DIR`` (or
``streamlit run dashboard/app.py -- --runs DIR``). Pages live in ``app_pages/``;
this file only sets up the frame and routes.
"""

import streamlit as st

# this folder is installed as the package auditkit_dashboard (pyproject.toml maps it), so the pages import it by
# that name, from a wheel and from a source checkout (pip install -e .) alike; nothing is added to sys.path
from auditkit_dashboard import _data

# an emoji favicon is drawn locally (a data: URL); a :material/...: one would be fetched from fonts.gstatic.com
st.set_page_config(page_title="auditkit", page_icon="⚖️", layout="wide")

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/table_view:", url_path="overview", default=True),
    st.Page("app_pages/model.py", title="Model", icon=":material/analytics:", url_path="model"),
    st.Page("app_pages/bias.py", title="Bias", icon=":material/balance:", url_path="bias"),
    st.Page("app_pages/explanations.py", title="Explanations", icon=":material/format_color_text:", url_path="explanations"),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"),
    st.Page("app_pages/whatif.py", title="What-if", icon=":material/edit_note:", url_path="what-if"),
]

page = st.navigation(PAGES)
with st.sidebar:
    st.caption("Runs folder")
    st.text(str(_data.runs_dir()))
for _, reason in _data.rejected_runs():  # a malformed run gets one message (as text); the others still show
    st.warning("One run under the runs folder was skipped because it does not read:", icon=":material/warning:")
    st.text(reason)
page.run()
