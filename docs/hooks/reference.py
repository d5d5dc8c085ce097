"""MkDocs hook: pages generated from the code when the site is built.

``<!-- auditkit:cli -->`` becomes the ``--help`` of ``auditkit`` and of every subcommand, rendered from the
argparse parsers the CLI builds (so the reference cannot drift from the flags); ``<!-- auditkit:contract -->``
becomes the run contract block that ``make schema`` writes into ``docs/ARCHITECTURE.md`` from
``auditkit/store/schema.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

CLI_MARKER = "<!-- auditkit:cli -->"
CONTRACT_MARKER = "<!-- auditkit:contract -->"
API_MARKER = "<!-- auditkit:api-names -->"
#: The subpackages whose ``__all__`` is the stable API, in the order of the layers.
API_PACKAGES = ("errors", "data", "models", "metrics", "probes", "attribution", "training", "audit", "store", "report",
                "compare", "gate", "export", "evaluate_modules", "distributed")
HELP_WIDTH = "100"


def cli_reference() -> str:
    from auditkit.cli import COMMANDS, build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_WIDTH  # argparse wraps help at $COLUMNS
    try:
        parser = build_parser()
        helps = {name: parser.commands[name].format_help() for name in COMMANDS}
        top = parser.format_help()
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous
    out = ["## auditkit", "", "```text", top.rstrip(), "```", ""]
    for name, text in helps.items():
        out += [f"## auditkit {name}", "", "```text", text.rstrip(), "```", ""]
    return "\n".join(out)


def api_names() -> str:
    """A table of the stable names: ``auditkit``'s own and each subpackage's ``__all__`` (read, not imported)."""
    import ast

    import auditkit

    root = Path(auditkit.__file__).parent
    rows = ["| import from | stable names |", "| --- | --- |",
            f"| `auditkit` | {', '.join(f'`{n}`' for n in auditkit.__all__)} |"]
    for name in API_PACKAGES:
        path = root / name / "__init__.py" if (root / name).is_dir() else root / f"{name}.py"
        names = _all_of(ast.parse(path.read_text(encoding="utf-8")))
        rows.append(f"| `auditkit.{name}` | {', '.join(f'`{n}`' for n in names)} |")
    return "\n".join(rows) + "\n"


def _all_of(tree) -> list[str]:
    import ast

    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise RuntimeError("a subpackage of the stable API has no literal __all__")


def contract_block(docs_dir: Path) -> str:
    text = (docs_dir / "ARCHITECTURE.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- BEGIN run contract[^>]*-->\n(.*?)<!-- END run contract -->", text, re.S)
    if found is None:
        raise RuntimeError("docs/ARCHITECTURE.md has no generated run contract block; run make schema")
    return found.group(1)


def on_page_markdown(markdown, page, config, files):
    if CLI_MARKER in markdown:
        markdown = markdown.replace(CLI_MARKER, cli_reference())
    if API_MARKER in markdown:
        markdown = markdown.replace(API_MARKER, api_names())
    if CONTRACT_MARKER in markdown:
        markdown = markdown.replace(CONTRACT_MARKER, contract_block(Path(config["docs_dir"])))
    return markdown
