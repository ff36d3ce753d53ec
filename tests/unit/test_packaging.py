"""Every package of the product is named in pyproject.toml: the packages are listed by hand (the top-level
names are generic), so a new room left off the list would be missing from an installed, non-editable copy."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("cli", "config", "flows", "migrations", "models", "notifications", "packs", "web", "workbooks")


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in PRODUCT
        if (ROOT / top).is_dir()
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found - listed == set(), f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert {"models.sweep", "models.reports.pack_data", "flows.doctor"} <= found
