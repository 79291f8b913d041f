"""The stack's generated credentials survive upgrades: a file written before a credential
existed keeps its values and gains the new one."""

from __future__ import annotations

import json
from dataclasses import asdict

from standins.stack.stack_config import Credentials


def test_a_new_credential_is_added_and_the_old_ones_kept(tmp_path):
    path = tmp_path / "credentials.json"
    old = asdict(Credentials.generate())
    del old["api_key"]
    path.write_text(json.dumps(old))

    loaded = Credentials.load_or_create(path)

    assert {name: getattr(loaded, name) for name in old} == old
    assert len(loaded.api_key) == 40
    assert json.loads(path.read_text())["api_key"] == loaded.api_key
    assert path.stat().st_mode & 0o777 == 0o600
    assert Credentials.load_or_create(path) == loaded


def test_first_use_generates_distinct_secrets(tmp_path):
    creds = Credentials.load_or_create(tmp_path / "credentials.json")
    values = list(asdict(creds).values())
    assert len(set(values)) == len(values)
