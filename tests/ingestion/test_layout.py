"""The runtime packages stand without the local stack: only the stack itself and `make live`
(which starts the stack's services) import `ingestion.stack`."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "ingestion"
LOCAL_ONLY = {"stack", "live"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_runtime_modules_do_not_import_the_local_stack():
    runtime = [
        path
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in LOCAL_ONLY
    ]
    assert len(runtime) > 40
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in imported_modules(path) if name.split(".")[:2] == ["ingestion", "stack"]
        )
        for path in runtime
    }
    assert {path: names for path, names in offenders.items() if names} == {}
