"""The project's root, found from wherever a command runs: PINTEREST_PROJECT_DIR, else the
nearest folder upwards from the current one holding dbt_project.yml, else the one above the
package; an error naming what to do when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import paths
from core.errors import ConfigurationError


def project(folder: Path) -> Path:
    (folder / "models").mkdir(parents=True)
    (folder / "dbt_project.yml").write_text("name: elsewhere\n")
    return folder


def test_the_variable_names_the_root(tmp_path, monkeypatch):
    root = project(tmp_path / "named")
    monkeypatch.chdir(project(tmp_path / "current"))
    assert paths.project_root({"PINTEREST_PROJECT_DIR": str(root)}) == root.resolve()


def test_a_variable_naming_no_project_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match=r"PINTEREST_PROJECT_DIR=.* holds no dbt_project"):
        paths.project_root({"PINTEREST_PROJECT_DIR": str(tmp_path)})


def test_the_nearest_project_above_the_current_folder_is_the_root(tmp_path, monkeypatch):
    # A project other than the package's checkout: found from the folder, not the package.
    root = project(tmp_path / "other")
    monkeypatch.chdir(root / "models")
    # Set empty, the variable is unset (as every setting is).
    assert paths.project_root({"PINTEREST_PROJECT_DIR": ""}) == root.resolve()


def test_outside_any_project_the_packages_checkout_is_the_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert paths.project_root({}) == Path(paths.__file__).resolve().parents[1]


def test_no_project_anywhere_is_an_error_saying_what_to_do(tmp_path, monkeypatch):
    # An installed copy of the package: no project above it, nor above the current folder.
    monkeypatch.setattr(paths, "PACKAGE_DIR", tmp_path / "site-packages" / "core")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match="set PINTEREST_PROJECT_DIR"):
        paths.project_root({})
