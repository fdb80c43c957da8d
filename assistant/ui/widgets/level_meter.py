"""Live input level: a bar that shows the microphone hears something."""

from __future__ import annotations

import math

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

# Speech RMS sits around 0.02-0.2; a log scale keeps quiet speakers visible.
_FLOOR_DB = -60.0


def level_fraction(rms: float) -> float:
    if rms <= 0:
        return 0.0
    db = 20 * math.log10(max(rms, 1e-6))
    return min(max((db - _FLOOR_DB) / -_FLOOR_DB, 0.0), 1.0)


class LevelMeter(Static):
    level: reactive[float] = reactive(0.0)

    def __init__(self, width: int = 20, **kwargs) -> None:
        super().__init__(**kwargs)
        self.bar_width = width

    def render(self) -> Text:
        filled = round(level_fraction(self.level) * self.bar_width)
        style = "green" if filled < self.bar_width * 0.8 else "red"
        return Text.assemble(("mic ", "dim"), ("█" * filled, style), ("░" * (self.bar_width - filled), "dim"))
