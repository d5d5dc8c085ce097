"""Package list of the distribution (everything else is declared in pyproject.toml).

The dashboard lives in the top-level ``dashboard/`` folder of the repository and ships inside the wheel as the
package ``auditkit_dashboard``; a ``package-dir`` mapping cannot be combined with ``packages.find`` in
pyproject.toml, hence this file.
"""

from setuptools import find_namespace_packages, setup

DASHBOARD = "auditkit_dashboard"

setup(
    # namespace packages too: the data folders (probes/lexicons, report/templates, the evaluate modules) ship as
    # package data of packages setuptools knows about
    packages=[*find_namespace_packages(include=["auditkit", "auditkit.*"], exclude=["*.__pycache__"]), DASHBOARD, f"{DASHBOARD}.app_pages"],
    package_dir={DASHBOARD: "dashboard"},
)
