"""kpi.campaign_command: `/campaigns «name» START [END]`."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi.campaign_command import CampaignCommandError, CampaignSpec, parse_campaign_command

W47, W48 = date(2026, 11, 16), date(2026, 11, 23)


@pytest.mark.parametrize(("args", "spec"), [
    ("«Чёрная пятница» 2026-W47 2026-W48", CampaignSpec("Чёрная пятница", W47, W48)),
    ('"BF" 2026-W47', CampaignSpec("BF", W47, None)),
    ("Зима 2026 17.11.2026 2026-11-26", CampaignSpec("Зима 2026", W47, W48)),
    ("“BF” -", CampaignSpec("BF", None, None)),
    ("BF 2026W47", CampaignSpec("BF", W47, None)),
])
def test_examples(args: str, spec: CampaignSpec) -> None:
    assert parse_campaign_command(args) == spec


@pytest.mark.parametrize(("args", "key"), [
    ("2026-W47", "campaign-error-no-name"), ("«BF»", "campaign-error-no-weeks"),
    ("«BF» 2026-W48 2026-W47", "campaign-error-end-before-start"),
    ("«BF» 31.02.2026", "campaign-error-bad-week"), ("«BF» W1 W2 W3", "campaign-error-bad-week"),
    ("«" + "x" * 70 + "» 2026-W47", "campaign-error-long-name"),
])
def test_errors(args: str, key: str) -> None:
    with pytest.raises(CampaignCommandError) as error:
        parse_campaign_command(args)
    assert error.value.key == key


@given(st.text(max_size=80))
def test_never_raises_anything_else(args: str) -> None:
    try:
        spec = parse_campaign_command(args)
    except CampaignCommandError:
        return
    assert spec.name and (spec.end_week is None or spec.start_week <= spec.end_week)
