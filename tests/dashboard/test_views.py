"""Escaping helpers of the dashboard: dataset text never becomes markup."""

from __future__ import annotations

import re

import pytest

from auditkit_dashboard import _views  # dashboard/, installed as auditkit_dashboard


def test_heatmap_escapes_every_word():
    out = _views.heatmap_html(["<img", "src=x", "onerror=alert(1)>", "</div><script>x</script>"], [0.5, -0.2, 0.1, 0.0],
                              label="<b>label</b>")
    assert "<img" not in out and "<script>" not in out and "<b>" not in out
    assert "&lt;img" in out and "onerror=alert(1)&gt;" in out and "&lt;/div&gt;&lt;script&gt;" in out


def test_heatmap_colours_follow_the_sign():
    out = _views.heatmap_html(["up", "down"], [1.0, -1.0])
    assert "rgba(214,39,40,1.00)" in out and "rgba(31,119,180,1.00)" in out


def test_md_escapes_markdown_html_and_directives():
    assert _views.md("[x](javascript:alert(1)) <img> :red[hi] $x$ *b*") == (
        r"\[x\]\(javascript\:alert\(1\)\) \<img\> \:red\[hi\] \$x\$ \*b\*"
    )


@pytest.mark.parametrize("text", ["http://evil.example/x", "HTTPS://EVIL.EXAMPLE", "www.evil.example", "WWW.evil.example",
                                  "me@evil.example", "mailto:me@evil.example"])
def test_md_leaves_no_gfm_autolink(text):
    """GFM finds autolink literals after escapes are read: the shown text (escapes read) must match none of them."""
    shown = re.sub(r"\\(.)", r"\1", _views.md(f"model {text} here"))
    assert shown.replace(_views.WORD_JOINER, "") == f"model {text} here"
    assert not re.search(r"(https?://|(?<![\w])www\.)[-.\w]", shown, re.IGNORECASE)  # mdast-util-gfm-autolink-literal's URL
    assert not re.search(r"[-.\w+]+@[-\w]+(\.[-\w]+)+", shown)  # and its e-mail pattern


def test_long_run_strings_are_clipped_for_display():
    assert _views.clip("m" * 100_000) == "m" * (_views.DISPLAY_LIMIT - 1) + "…"
    assert _views.clip("short") == "short"


def test_numbers_keep_tiny_values_visible():
    assert _views.number(0.0642, signed=True) == "+0.064"
    assert _views.number(2.4e-06, signed=True) == "+2.40e-06"
    assert _views.number(None) == "—" and _views.number(float("nan")) == "—"
