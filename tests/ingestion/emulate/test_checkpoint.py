"""The checkpoint file: a position per table, read back as written; a checkpoint of the
former format (one key for every table) loads as every table at that key."""

from __future__ import annotations

import json

import pytest

from core.catalogue import TABLE_NAMES
from core.errors import ConfigurationError
from ingestion.emulate.checkpoint import describe_positions, load_checkpoint, save_checkpoint
from ingestion.emulate.source import BEFORE_FIRST_KEY

PIN, GEO, USER = TABLE_NAMES


def test_positions_are_read_back_as_saved(tmp_path):
    path = tmp_path / "run.checkpoint"
    positions = {PIN: 5012, GEO: 4800, USER: BEFORE_FIRST_KEY}
    save_checkpoint(path, positions)
    assert load_checkpoint(path) == positions
    saved = json.loads(path.read_text())
    assert saved["tables"] == {PIN: 5012, GEO: 4800, USER: None}
    assert saved["last_delivered_key"] is None
    save_checkpoint(path, {PIN: 5012, GEO: 4800, USER: 4900})
    assert json.loads(path.read_text())["last_delivered_key"] == 4800


def test_a_checkpoint_of_one_key_puts_every_table_there(tmp_path):
    path = tmp_path / "old.checkpoint"
    path.write_text('{"last_delivered_key": 11153}\n')
    assert load_checkpoint(path) == dict.fromkeys(TABLE_NAMES, 11153)
    path.write_text('{"last_delivered_key": null}\n')
    assert load_checkpoint(path) == dict.fromkeys(TABLE_NAMES, BEFORE_FIRST_KEY)


def test_no_file_is_no_checkpoint(tmp_path):
    assert load_checkpoint(tmp_path / "missing") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is unreadable"),
        ("[1, 2]", "is not a JSON object"),
        ('{"last_delivered_key": "12"}', "has no integer last_delivered_key"),
        ('{"tables": {"pinterest_data": 3}}', "has no position for each of pinterest_data"),
        (
            '{"tables": {"pinterest_data": 3, "geolocation_data": true, "user_data": 1}}',
            "has no integer tables.geolocation_data",
        ),
    ],
)
def test_a_damaged_checkpoint_is_refused_in_one_line(tmp_path, text, message):
    path = tmp_path / "bad.checkpoint"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match=message) as caught:
        load_checkpoint(path)
    assert "fix or delete it" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_description_leads_with_the_key_every_table_reached():
    assert describe_positions(dict.fromkeys(TABLE_NAMES, 40)) == "key 40"
    positions = {PIN: 5012, GEO: 4800, USER: 4900}
    assert describe_positions(positions) == f"key 4800 ({PIN} 5012, {USER} 4900)"
