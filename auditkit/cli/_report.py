"""``auditkit report RUN``: write the audit report of a stored run (HTML, Markdown, JSON or a Hub model card)."""

from __future__ import annotations

from pathlib import Path

from auditkit.cli._common import say
from auditkit.report import FORMATS, export_figures, render_report
from auditkit.report._output import check_writable, write_text_atomic, written_by_auditkit
from auditkit.store import read_run

_SUFFIX = {"html": "report.html", "md": "report.md", "json": "report.json", "model-card": "README.md"}
MODEL_CARD = "model-card"


def add_parser(sub):
    p = sub.add_parser("report", help="write the audit report of a run (self-contained HTML, Markdown, JSON or a model card)",
                       description="Render a stored run as a report: one offline HTML file with interactive charts, "
                                   "Markdown tables for pull requests, JSON, or a Hugging Face model card "
                                   "(README.md with model-index eval results and a bias section).")
    p.add_argument("run", metavar="RUN", help="run directory written by auditkit audit")
    p.add_argument("--format", choices=(*FORMATS, MODEL_CARD), default="html")
    p.add_argument("--out", metavar="FILE", default=None,
                   help="output file (default: RUN/report.<format>, RUN/README.md for a model card; - for stdout)")
    p.add_argument("--update", action="store_true",
                   help="model card only: merge into the existing --out README.md, keeping the author's metadata and sections")
    p.add_argument("--policy", metavar="POLICY.toml", default=None, help="put a release-gate verdict first")
    p.add_argument("--baseline", metavar="RUN", default=None, help="baseline run for the policy's no_regression check")
    p.add_argument("--images", metavar="DIR", default=None,
                   help="also export the charts into DIR (needs the optional kaleido package and a Chromium: pip install -e '.[images]')")
    p.add_argument("--image-format", choices=("png", "svg"), default="png", help="format of --images (default png)")
    return p


def run(args) -> int:
    if args.baseline and not args.policy:
        from auditkit.errors import ConfigError
        raise ConfigError("--baseline is used by the policy's no_regression check; pass --policy POLICY.toml as well")
    if args.format == MODEL_CARD and (args.policy or args.images):
        from auditkit.errors import ConfigError
        raise ConfigError("a model card takes no --policy or --images; write those with --format html or md")
    if args.update and args.format != MODEL_CARD:
        from auditkit.errors import ConfigError
        raise ConfigError("--update merges into a model card; use it with --format model-card")
    target = read_run(args.run)
    out = None if args.out == "-" else Path(args.out) if args.out else target.path / _SUFFIX[args.format]
    if args.format == MODEL_CARD:
        return _model_card(target, out, update=args.update)
    if out is not None:
        check_writable(out)  # before any work: never replace a file we did not write
    if args.images:
        from auditkit.report.figures import check_image_export
        check_image_export()
    text = render_report(target, format=args.format, policy=args.policy, baseline=args.baseline)
    if out is None:
        print(text, end="")
    else:
        write_text_atomic(out, text)
        say(f"wrote {args.format} report to {out}")
    if args.images:
        written = export_figures(target, args.images, format=args.image_format)
        say(f"exported {len(written)} charts to {args.images}")
    return 0


def _model_card(target, out, *, update: bool) -> int:
    from auditkit.export import render_model_card
    from auditkit.export._model_card import read_model_card

    existing = None
    if update:
        if out is None:
            from auditkit.errors import ConfigError
            raise ConfigError("--update needs --out PATH/README.md naming the card to merge into")
        check_writable(out, replace=True)
        existing = read_model_card(out)
    elif out is not None:
        if out.exists() and not written_by_auditkit(out):
            from auditkit.errors import RunStoreError
            raise RunStoreError(f"--out {str(out)!r} exists and was not written by auditkit; "
                                "pass --update to merge the audit into it, or choose another name")
        check_writable(out)
    text = render_model_card(target, existing=existing, where=str(out))
    if out is None:
        print(text, end="")
    else:
        write_text_atomic(out, text, replace=update)
        say(f"{'updated' if existing is not None else 'wrote'} model card {out}")
    return 0
