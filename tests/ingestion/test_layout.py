"""The package's layering: the runtime packages stand without the local stack (only the stack
itself and `make live`, which starts the stack's services, import `ingestion.stack`); library
code raises its typed errors, and UserError only at the command boundary."""

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


# The command boundary: where UserError is raised, and where the errors are defined.
BOUNDARY = {"cli.py", "errors.py"}


def raised_names(path: Path) -> list[str]:
    """The exception classes a module raises by name (`raise Name(...)`)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            function = node.exc.func
            if isinstance(function, ast.Name):
                names.append(function.id)
    return names


def test_library_code_raises_typed_errors_not_user_errors():
    library = [
        path
        for path in PACKAGE.rglob("*.py")
        if path.name != "__main__.py" and str(path.relative_to(PACKAGE)) not in BOUNDARY
    ]
    raised = {str(path.relative_to(PACKAGE)): raised_names(path) for path in library}
    assert {path: names for path, names in raised.items() if "UserError" in names} == {}
    typed = [
        name
        for names in raised.values()
        for name in names
        if name in ("ConfigurationError", "TransientError", "FatalError")
    ]
    assert len(typed) > 60  # the scan finds them (some classes are chosen at run time)
