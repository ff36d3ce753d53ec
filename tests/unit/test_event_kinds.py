"""Every kind of event the code writes to the ledger is one `audit log --kind` accepts (KINDS).

The kinds are written from many places (the import, the rules' decisions, packs, delivery), so the test reads
the code itself: every CamelCase string literal in the product's packages is an event kind unless it names
one of our classes or is in NOT_KINDS. A new kind written anywhere fails here until KINDS lists it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from models.ledger.trail import KINDS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cli", "config", "flows", "models", "notifications", "packs", "web", "workbooks")
CAMEL = re.compile(r"^[A-Z][a-z]+(?:[A-Z][a-z]+)+$")
# CamelCase literals that are not event kinds: Adaptive Card element types, and a kind's prefix.
NOT_KINDS = {"ActionSet", "AdaptiveCard", "FactSet", "TextBlock", "DueDate"}


def _trees() -> list[ast.Module]:
    files = [f for package in PACKAGES for f in sorted((ROOT / package).rglob("*.py"))]
    return [ast.parse(f.read_text(encoding="utf-8"), str(f)) for f in files]


def written_kinds() -> set[str]:
    trees = _trees()
    classes = {n.name for tree in trees for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    literals = {
        n.value
        for tree in trees
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and CAMEL.match(n.value)
    }
    return literals - classes - NOT_KINDS


def test_the_scan_finds_kinds_from_every_door() -> None:
    found = written_kinds()
    assert {"ActionUpdated", "MilestoneMissed", "PackSuperseded", "ProgressKept", "NoticeSent"} <= found


def test_every_kind_the_code_writes_is_a_known_kind() -> None:
    missing = written_kinds() - KINDS
    assert not missing, f"add to models.ledger.kinds.EventKind (or to NOT_KINDS here): {sorted(missing)}"


def test_the_read_only_kinds_the_ledger_index_spells_out_are_the_readers_kinds() -> None:
    """models.audit spells out the kinds its partial index leaves out (it may not import the ledger's room):
    they must be exactly the kinds a reader writes (models.ledger.kinds.READERS), or a change could hide
    behind one and a kept console page would never be rebuilt. The database's own index is checked against
    the same list in tests/integration/test_schema.py."""
    from models.audit import READ_ONLY_KINDS
    from models.ledger.kinds import READERS

    assert set(READ_ONLY_KINDS) == {kind.value for kind in READERS}
