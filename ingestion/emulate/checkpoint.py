"""The emulator's checkpoint: for each source table, the last key up to which its rows were all
delivered. A table's position is its own: a geolocation or user row that lands after its post's
pin row was sent is still ahead of its table's position, and is sent.

The file also holds `last_delivered_key`, the lowest of the positions, where every table is
delivered up to. A checkpoint written before the positions were per table holds that key
alone, which meant every table delivered up to it: it loads as every table at that key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from core.catalogue import TABLE_NAMES
from core.errors import ConfigurationError
from ingestion.emulate.source import BEFORE_FIRST_KEY

# table -> last key whose rows, and all of the table's rows before it, were delivered
# (BEFORE_FIRST_KEY while none were).
Positions = dict[str, int]


def load_checkpoint(path: Path) -> Positions | None:
    """Each table's saved position, or None when no checkpoint was written yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"checkpoint {path} is unreadable ({exc}): fix or delete it"
        ) from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"checkpoint {path} is not a JSON object: fix or delete it")
    tables = data.get("tables")
    if tables is None:  # the format of one key for all tables
        key = _key(path, "last_delivered_key", data.get("last_delivered_key"))
        return dict.fromkeys(TABLE_NAMES, key)
    if not isinstance(tables, dict) or any(table not in tables for table in TABLE_NAMES):
        raise ConfigurationError(
            f"checkpoint {path} has no position for each of {', '.join(TABLE_NAMES)}: "
            "fix or delete it"
        )
    return {table: _key(path, f"tables.{table}", tables[table]) for table in TABLE_NAMES}


def _key(path: Path, name: str, value: object) -> int:
    if value is None:
        return BEFORE_FIRST_KEY
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ConfigurationError(f"checkpoint {path} has no integer {name}: fix or delete it")


def save_checkpoint(path: Path, positions: Mapping[str, int]) -> None:
    """Replace the checkpoint atomically, so a crash mid-write leaves the previous one."""
    data = {
        "last_delivered_key": _saved(lowest(positions)),
        "tables": {table: _saved(key) for table, key in positions.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def lowest(positions: Mapping[str, int]) -> int:
    """The key every table is delivered up to."""
    return min(positions.values(), default=BEFORE_FIRST_KEY)


def describe_positions(positions: Mapping[str, int]) -> str:
    """'key 4800', or with the tables further on: 'key 4800 (pinterest_data 5012, ...)'."""
    low = lowest(positions)
    ahead = [f"{table} {key}" for table, key in positions.items() if key != low]
    return f"key {_saved(low)}" + (f" ({', '.join(ahead)})" if ahead else "")


def _saved(key: int) -> int | None:
    return None if key == BEFORE_FIRST_KEY else key
