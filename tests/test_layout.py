"""The layout's rules: the five packages are layered, each importing only itself and the
packages to its left (so the pipeline stands without the warehouse's readers, both without
Dagster, and all of them without the local stand-ins for production); no two modules share a
file name; library code raises its typed errors, and UserError only at the command boundary."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Left to right: each package may import the packages to its left, never those to its right.
LAYERS = ["core", "ingestion", "warehouse", "streaming", "orchestration", "standins"]
# The files every package has by convention.
SHARED_NAMES = {"__init__.py", "__main__.py"}


def modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """The absolute imports of a module; a relative import stays inside its own package."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_each_package_imports_only_itself_and_the_packages_to_its_left():
    offenders: dict[str, list[str]] = {}
    scanned = 0
    for index, package in enumerate(LAYERS):
        allowed = set(LAYERS[: index + 1])
        for path in modules(package):
            scanned += 1
            forbidden = sorted(
                name
                for name in imported_modules(path)
                if name.split(".")[0] in LAYERS and name.split(".")[0] not in allowed
            )
            if forbidden:
                offenders[str(path.relative_to(REPO))] = forbidden
    assert scanned > 90  # the scan finds the modules
    assert offenders == {}


def test_no_two_modules_share_a_file_name():
    paths_by_name: dict[str, list[str]] = defaultdict(list)
    for package in LAYERS:
        for path in modules(package):
            paths_by_name[path.name].append(str(path.relative_to(REPO)))
    shared = {
        name: paths
        for name, paths in paths_by_name.items()
        if len(paths) > 1 and name not in SHARED_NAMES
    }
    assert shared == {}


# The command boundary: where UserError is raised, and where the errors are defined.
# The live runner is its __main__'s body, apart so that --help does not import Dagster.
BOUNDARY = {"core/cli.py", "core/errors.py", "standins/live/runner.py"}


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
        for package in LAYERS
        for path in modules(package)
        if path.name != "__main__.py" and str(path.relative_to(REPO)) not in BOUNDARY
    ]
    raised = {str(path.relative_to(REPO)): raised_names(path) for path in library}
    assert {path: names for path, names in raised.items() if "UserError" in names} == {}
    typed = [
        name
        for names in raised.values()
        for name in names
        if name in ("ConfigurationError", "TransientError", "FatalError")
    ]
    assert len(typed) > 60  # the scan finds them (some classes are chosen at run time)
