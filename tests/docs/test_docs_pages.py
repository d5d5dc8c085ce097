"""The README stays a front page and the docs site's pages stay whole (``make docs`` builds them with --strict)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
README_LIMIT = 12 * 1024


def test_readme_is_a_short_front_page_opening_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= README_LIMIT
    first_block = text.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert first_block[0].startswith("make demo ") and first_block[1].startswith("make test ")


def test_readme_links_point_at_files_that_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = [t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", text) if "://" not in t]
    assert targets, "the README links the docs pages"
    missing = [t for t in targets if t and not (ROOT / t).exists()]
    assert missing == []


def test_every_docs_page_is_in_the_site_navigation():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))

    def pages(nav):
        for item in nav:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            yield from (pages(value) if isinstance(value, list) else [value])

    in_nav = set(pages(config["nav"]))
    on_disk = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert on_disk == in_nav


def test_the_cli_reference_renders_every_subcommand():
    import importlib.util

    spec = importlib.util.spec_from_file_location("auditkit_docs_hook", ROOT / "docs" / "hooks" / "reference.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    from auditkit.cli import COMMANDS

    page = hook.on_page_markdown("# CLI\n\n" + hook.CLI_MARKER, None, {"docs_dir": str(ROOT / "docs")}, None)
    for name in COMMANDS:
        assert f"## auditkit {name}\n" in page and f"usage: auditkit {name} " in page
    assert "--n-boot N_BOOT" in page and hook.CLI_MARKER not in page
    contract = hook.on_page_markdown(hook.CONTRACT_MARKER, None, {"docs_dir": str(ROOT / "docs")}, None)
    assert "#### RunRecord" in contract
