"""The one-line /experiment grammar."""

from __future__ import annotations

from datetime import date

import pytest

from kpi.experiment_command import CommandError, ExperimentSpec, parse_experiment, parse_week

NOW = date(2026, 11, 30)


def test_forms() -> None:
    assert parse_experiment("Reels 3×/week → er_reach up", NOW) == ExperimentSpec(
        "Reels 3×/week", "er_reach", True, NOW, None)
    assert parse_experiment("Новая аудитория -> цена лида вниз с 2026-W40 по 09.12.2026",
                            NOW) == ExperimentSpec("Новая аудитория", "cpl", False,
                                                   date(2026, 9, 28), date(2026, 12, 7))
    assert parse_experiment("x → calls ↑ from 2026-11-18", NOW, ["calls"]).start_week == date(
        2026, 11, 16)
    assert parse_week("2026-W01") == date(2025, 12, 29)


@pytest.mark.parametrize(("text", "key"), [
    ("Reels", "experiment-bad-format"),
    ("→ reach up", "experiment-bad-format"),
    ("Reels → reach", "experiment-no-direction"),
    ("Reels → foo up", "experiment-unknown-metric"),
    ("Reels → up", "experiment-unknown-metric"),
    ("Reels → reach up from someday", "experiment-bad-week"),
    ("Reels → reach up from 2026-W40 to 2026-W30", "experiment-end-before-start"),
    ("R" * 81 + " → reach up", "experiment-name-too-long"),
])
def test_errors(text: str, key: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_experiment(text, NOW)
    assert caught.value.key == key
