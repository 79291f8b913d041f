"""The emulator's checkpoint: the last post key whose messages were all delivered."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ingestion.errors import ConfigurationError


def load_checkpoint(path: Path) -> int | None:
    """The saved key, or None when no checkpoint was written yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"checkpoint {path} is unreadable ({exc}): fix or delete it"
        ) from None
    key = data.get("last_delivered_key") if isinstance(data, dict) else None
    if key is not None and not isinstance(key, int):
        raise ConfigurationError(
            f"checkpoint {path} has no integer last_delivered_key: fix or delete it"
        )
    return key


def save_checkpoint(path: Path, key: int | None) -> None:
    """Replace the checkpoint atomically, so a crash mid-write leaves the previous one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"last_delivered_key": key}) + "\n", encoding="utf-8")
    os.replace(temporary, path)
