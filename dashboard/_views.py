"""Rendering helpers shared by the pages: number formats, empty states, the run picker, heat maps.

The one rule for strings that come from a run, a dataset or a model config:
they are shown as text, never interpreted. Streamlit renders Markdown (with
images, links and ``:color[...]`` directives) in titles, captions, tabs,
alerts, and every part of ``st.metric`` (label, value, delta, help), so any
such string passes through :func:`md` before it reaches one of those; in a
plotly chart it passes through :func:`auditkit.report.figures.plot_text`;
tables (``st.dataframe``) and ``st.text`` show it as is; word heat maps are
the report's :func:`auditkit.report._html.heatmap_html` (autoescaped; ``st.html``
then sanitises it again with DOMPurify).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import streamlit as st

from auditkit._text import printable
from auditkit import _format as fmt
from auditkit.report._html import heatmap_html
from auditkit.store import Run
from auditkit.store import sections as S

from auditkit_dashboard import _data

AUDIT_COMMAND = "auditkit audit --model MODEL --data DATA --out {runs}/NAME"
BIAS_ATTRIBUTES = ("gender", "race")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:&])")
# GFM autolink literals (a bare http(s):// URL, a www. name, an e-mail address) are found in the text *after* escapes
# are read, so escaping cannot stop them: a WORD JOINER (U+2060, invisible, no line break) where each would start
# ("://", "www" + ".", "@") breaks the pattern and changes nothing a reader sees.
_AUTOLINK_STARTS = re.compile(r"(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?<=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"
#: Longest string from a run (model name, data source, run folder) shown whole; a longer one is cut with "…",
#: so a 100,000-character model name does not fill every page.
DISPLAY_LIMIT = 120


def clip(text, limit: int = DISPLAY_LIMIT) -> str:
    """``text`` made printable and cut to ``limit`` characters ("…" marks the cut)."""
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def md(text) -> str:
    """``text`` as literal text for anything Streamlit renders as Markdown (st.caption, st.metric, tabs, alerts...).

    Every Markdown/HTML/Streamlit-directive character is backslash-escaped,
    control characters are removed, and bare URLs, ``www.`` names and e-mail
    addresses get an invisible word joiner that stops GFM from turning them
    into links, so ``![x](http://host/x.png)`` shows as those characters,
    fetches nothing and links nowhere.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _AUTOLINK_STARTS.sub(WORD_JOINER, printable(text)))


def show_error(exc: BaseException) -> None:
    """An engine error (its message may quote run data) as a red box of plain text."""
    st.error(md(exc))


def number(value, digits: int = 3, *, signed: bool = False) -> str:
    """A float for display (auditkit's one number format); "—" when not measured."""
    return fmt.number(value, digits=digits, signed=signed, missing="—")


def p_text(value) -> str:
    """A p-value in scientific notation (1.23e-06); "—" when not tested."""
    return fmt.p_value(value, missing="—")


def ci_text(entry: dict, low: str = "ci_low", high: str = "ci_high", *, signed: bool = False) -> str:
    """"[low, high]" from a mapping's ``low`` / ``high`` keys; "" when not computed (null)."""
    if entry.get(low) is None or entry.get(high) is None:
        return ""
    return f"[{number(entry[low], signed=signed)}, {number(entry[high], signed=signed)}]"


def interval_name(entry: dict) -> str:
    """What a bias scope's ci_low / ci_high are: "95% t interval" (or an older run's bootstrap interval)."""
    kind = "t interval" if entry.get("ci_kind") == "crossed_t" else "pigeonhole bootstrap interval"
    return f"{entry['ci_level']:.0%} {kind}"


as_float = S.finite  # float or None, for numeric, sortable table columns (table cells may be NaN)


VERDICT_MARKS = {"bias": "✱ bias", "no_material_bias": "no material bias", "inconclusive": "? inconclusive"}


def verdict_mark(section: dict) -> str:
    """"✱ bias", "no material bias" or "? inconclusive"."""
    return VERDICT_MARKS[section["verdict"]]


def run_label(run: Run) -> str:
    return f"{clip(run.name, 60)} — {clip(run.record['model']['name'], 60)}"


def empty_state() -> None:
    """No runs yet: say where the dashboard looked and how to create a run."""
    root = _data.runs_dir()
    st.info(f"No audit runs found under {md(root)}. Create one, then reload this page:")
    st.code(AUDIT_COMMAND.format(runs=root), language="bash")


def not_measured(what: str, how: str) -> None:
    st.info(f"{what} was not measured in this run. {how}")


def find_run(runs: list[Run], key: str | None) -> Run | None:
    """The run whose path or directory name is ``key``."""
    if not key:
        return None
    for run in runs:
        if str(run.path) == key or run.name == key:
            return run
    return None


def _picked() -> None:
    st.session_state["ak_run"] = st.session_state["ak_run_picker"]


def pick_run(runs: list[Run]) -> Run | None:
    """Sidebar run selector shared by the per-run pages.

    The choice is kept in ``st.session_state["ak_run"]`` so it survives page
    switches; a new ``?run=NAME`` in the URL selects that run.
    """
    if not runs:
        empty_state()
        return None
    by_path = {str(r.path): r for r in runs}
    requested = st.query_params.get("run")
    if requested and requested != st.session_state.get("ak_seen_query_run"):
        st.session_state["ak_seen_query_run"] = requested
        found = find_run(runs, requested)
        if found is not None:
            st.session_state["ak_run"] = str(found.path)
    if st.session_state.get("ak_run") not in by_path:
        st.session_state["ak_run"] = str(runs[0].path)
    st.session_state["ak_run_picker"] = st.session_state["ak_run"]
    choice = st.sidebar.selectbox(
        "Run", list(by_path), format_func=lambda p: run_label(by_path[p]), key="ak_run_picker", on_change=_picked
    )
    return by_path[choice]


def open_run_page(title: str) -> Run:
    """The preamble of a per-run page: its title, the sidebar run picker and the run's header line.

    Stops the page (after the empty state) when there is no run.
    """
    st.title(title)
    run = pick_run(_data.stored_runs())
    if run is None:
        st.stop()
    run_header(run)
    return run


def run_header(run: Run) -> None:
    rec = run.record
    model, data = rec["model"], rec["dataset"]
    st.caption(md(
        f"Run {clip(run.name)} · model {clip(model['name'])} ({model['kind']}) · dataset "
        f"{clip(Path(data['source']).name)} (n={data['n_examples']}) · {clip(rec['created_at'], 40)}"
    ))


def show_figure(fig, *, key: str | None = None, missing: str | None = None) -> None:
    """Draw a plotly figure; a None figure (the run did not measure it) becomes a short note, an error a red box."""
    if isinstance(fig, BaseException):
        show_error(fig)
        return
    if fig is None:
        if missing:
            st.caption(f"{md(missing)}: not measured in this run.")
        return
    st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False})


def show_table(frame: pd.DataFrame, **kwargs) -> None:
    kwargs.setdefault("hide_index", True)
    st.dataframe(frame, width="stretch", **kwargs)


def show_slices(run: Run, figure_metrics: tuple[str, ...]) -> None:
    """The run's observed-group slices: a table per group column and a figure per metric in ``figure_metrics``."""
    st.subheader("Observed-group slices")
    by_group = run.record["metrics"]["by_group"]
    if not by_group:
        not_measured("Slice metrics", "Pass `--group-col COL` to `auditkit audit` when the data has identity columns.")
    for column, groups in by_group.items():
        frame = pd.DataFrame([{column: g, **val} for g, val in groups.items()])
        show_table(frame, key=f"ak_slice_{column}")
        if groups:
            for fig_col, name in zip(st.columns(len(figure_metrics)), figure_metrics):
                with fig_col:
                    show_figure(_data.figure(run, "group_metrics_figure", column, metric=name), key=f"ak_slice_{column}_{name}",
                                missing=f"{name} by {column}")
        if groups and frame["small"].any():
            st.caption("Groups marked small have too few examples for stable estimates.")


# ---------------------------------------------------------------- word heat maps

def show_heatmap(words, scores, *, label: str | None = None) -> None:
    st.html(heatmap_html(words, scores, label=label))


HEATMAP_LEGEND = "Red words push toward the explained class, blue words away from it; hover a word for its score."
