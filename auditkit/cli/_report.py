"""``auditkit report RUN``: write the audit report of a stored run (HTML, Markdown or JSON)."""

from __future__ import annotations

from pathlib import Path

from auditkit.cli._common import say
from auditkit.report import FORMATS, export_figures, render_report
from auditkit.report._output import check_writable, write_text_atomic
from auditkit.store import read_run

_SUFFIX = {"html": "report.html", "md": "report.md", "json": "report.json"}


def add_parser(sub):
    p = sub.add_parser("report", help="write the audit report of a run (self-contained HTML, Markdown or JSON)",
                       description="Render a stored run as a report: one offline HTML file with interactive charts, "
                                   "Markdown tables for pull requests, or JSON.")
    p.add_argument("run", metavar="RUN", help="run directory written by auditkit audit")
    p.add_argument("--format", choices=FORMATS, default="html")
    p.add_argument("--out", metavar="FILE", default=None, help="output file (default: RUN/report.<format>; - for stdout)")
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
    target = read_run(args.run)
    out = None if args.out == "-" else Path(args.out) if args.out else target.path / _SUFFIX[args.format]
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
