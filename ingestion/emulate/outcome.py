"""What a run of the emulator did, in either mode: the figures of its final summary."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    posts: int = 0
    messages: int = 0
    delivered: int = 0
    failed: int = 0
    value_bytes: int = 0
    positions: dict[str, int] = field(default_factory=dict)  # a replay's, per table
    first_error: str | None = None  # of the first failed delivery
    interrupted: bool = False
    error: str | None = None  # why the run stopped early
    seconds: float = 0.0

    @property
    def unconfirmed(self) -> int:
        """Messages handed to the Kafka client with no delivery report by the end."""
        return self.messages - self.delivered - self.failed
