"""The records of one partition waiting to become one S3 object."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class PartitionBuffer:
    topic: str
    partition: int
    # Offset of the first record consumed into this buffer (landed or dead-lettered).
    first_offset: int | None = None
    # Offset of the first landed record: it names the object.
    start_offset: int | None = None
    next_offset: int | None = None
    first_timestamp: int | None = None
    # The object's body as it grows: one buffer rather than an object per record keeps the
    # sink's memory at the size of the data it holds.
    data: bytearray = field(default_factory=bytearray)
    records: int = 0
    dead_lettered: int = 0
    opened_at: float = field(default_factory=time.monotonic)

    def consumed(self, offset: int) -> None:
        if self.first_offset is None:
            self.first_offset = offset
            self.opened_at = time.monotonic()
        self.next_offset = offset + 1

    def append(self, offset: int, line: bytes, timestamp: int) -> None:
        self.consumed(offset)
        if self.start_offset is None:
            self.start_offset = offset
            self.first_timestamp = timestamp
        self.data += line
        self.data += b"\n"
        self.records += 1

    def skip(self, offset: int) -> None:
        """A record that went to the dead-letter topic: consumed, not landed."""
        self.consumed(offset)
        self.dead_lettered += 1

    @property
    def pending(self) -> bool:
        """Something consumed that is not yet committed."""
        return self.first_offset is not None

    def body(self) -> bytes:
        return bytes(self.data)

    def reset(self) -> None:
        self.first_offset = self.start_offset = self.next_offset = self.first_timestamp = None
        self.data = bytearray()
        self.records = 0
        self.dead_lettered = 0
