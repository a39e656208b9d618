"""`/campaigns «name» START [END]`: a campaign's weeks (issue 13). Pure parsing, no I/O.

The name is quoted (« », " ", “ ”) or runs up to the first week; START and END are ISO weeks
(`2026-W47`) or dates (`17.11.2026`, `2026-11-17`: their weeks); END may be left out (open) and
`-` instead of START clears both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kpi.breakdown import MAX_SEGMENT_NAME, clean_name
from kpi.experiment_command import CommandError
from kpi.weeks import parse_iso_week, week_start

_QUOTED = re.compile(r"\s*[«\"“„'](?P<name>[^»\"”“'\n]+)[»\"”“']\s*(?P<rest>.*)\Z", re.S)
_WEEK = re.compile(r"(?:[0-9]{4}-?[wWнН][0-9]{1,2}|[0-9]{1,2}[./][0-9]{1,2}[./][0-9]{2,4}"
                   r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|-)\Z")


class CampaignCommandError(CommandError):
    """Same (key, args) shape as /experiment's errors: one class holds the logic."""


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    name: str
    start_week: date | None
    end_week: date | None


def parse_week(text: str) -> date | None:
    text = text.strip()
    if re.fullmatch(r"[0-9]{4}-?[wWнН][0-9]{1,2}", text):
        return parse_iso_week(re.sub("[нН]", "W", text))
    match = re.fullmatch(r"([0-9]{1,2})[./]([0-9]{1,2})[./]([0-9]{2,4})", text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return week_start(date(year + 2000 if year < 100 else year, month, day))
        match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", text)
        if match:
            return week_start(date(*(int(g) for g in match.groups())))
    except ValueError:
        return None
    return None


def parse_campaign_command(args: str) -> CampaignSpec:
    quoted = _QUOTED.match(args)
    if quoted:
        name, words = quoted["name"], quoted["rest"].split()
    else:
        words = args.split()
        first_week = next((i for i, w in enumerate(words) if _WEEK.match(w)), len(words))
        name, words = " ".join(words[:first_week]), words[first_week:]
    name = clean_name(name)
    if not name:
        raise CampaignCommandError("campaign-error-no-name")
    if len(name) > MAX_SEGMENT_NAME:
        raise CampaignCommandError("campaign-error-long-name")
    if not words:
        raise CampaignCommandError("campaign-error-no-weeks")
    if len(words) > 2:
        raise CampaignCommandError("campaign-error-bad-week", value=" ".join(words[2:]))
    if words == ["-"]:
        return CampaignSpec(name, None, None)
    weeks = []
    for word in words:
        week = parse_week(word)
        if week is None:
            raise CampaignCommandError("campaign-error-bad-week", value=word)
        weeks.append(week)
    start, end = weeks[0], weeks[1] if len(weeks) > 1 else None
    if end is not None and end < start:
        raise CampaignCommandError("campaign-error-end-before-start")
    return CampaignSpec(name, start, end)
