"""`smm-kpi-bot demo`: realistic demo projects in a temporary database, rendered through the
same storage → analysis → chart pipeline the scheduler uses. No token, no network."""

from __future__ import annotations

import asyncio
import math
import random
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.services.digest import build_digest, load_digest_input
from kpi.weeks import current_week
from storage import open_storage
from storage.models import BatchSource, NewValue, ProjectKpi

DEMO_WEEKS = 16
DEMO_PROJECTS = (
    ("Кофейня «Зерно»", "Coffee shop", "leads", ("clicks", "ctr", "leads", "cpl")),
    ("Студия йоги", "Yoga studio", "engagement", ("er_reach", "comments", "shares", "saves")),
    ("Магазин свечей", "Candle shop", "sales", ("orders", "revenue", "cpa", "romi")),
    ("Блог о путешествиях", "Travel blog", "awareness",
     ("reach", "followers", "follower_growth", "virality")),
)


def demo_week(rng: random.Random, i: int, decline: bool) -> dict[str, float]:
    """One week of plausible numbers; the last weeks sag when `decline` is set."""
    season = 1 + 0.08 * math.sin(i / 2.5)
    sag = 0.82 ** max(0, i - (DEMO_WEEKS - 4)) if decline else 1.0
    reach = 12000 * season * sag * rng.uniform(0.9, 1.1) * (1 + 0.02 * i)
    posts = rng.choice((5, 6, 6, 7)) if not (decline and i >= DEMO_WEEKS - 2) else 3
    impressions = reach * rng.uniform(1.4, 1.7)
    clicks = impressions * rng.uniform(0.011, 0.015) * sag
    leads = clicks * rng.uniform(0.05, 0.08)
    spend = 15000 * rng.uniform(0.95, 1.05)
    orders = leads * rng.uniform(0.25, 0.35)
    return {
        "reach": round(reach), "impressions": round(impressions), "posts": posts,
        "followers": round(3000 + 45 * i + rng.uniform(-10, 10)),
        "likes": round(reach * 0.035 * sag), "comments": round(reach * 0.004 * sag),
        "shares": round(reach * 0.003), "saves": round(reach * 0.005),
        "clicks": round(clicks), "leads": round(leads), "spend": round(spend),
        "orders": round(orders), "revenue": round(orders * rng.uniform(2800, 3400)),
    }


async def build_demo(out: Path, projects: int, lang: str, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        storage = open_storage(f"sqlite:///{folder}/demo.db")
        await storage.connect()
        try:
            for index in range(projects):
                name_ru, name_en, goal, kpis = DEMO_PROJECTS[index % len(DEMO_PROJECTS)]
                name = name_ru if lang == "ru" else name_en
                if index >= len(DEMO_PROJECTS):
                    name += f" {index + 1}"
                project = await storage.create_project(
                    index + 1, name, goal, "Europe/Moscow", lang,
                    [ProjectKpi(k, position=p) for p, k in enumerate(kpis)])
                rng = random.Random(index)
                this_week = current_week(project.timezone, now)
                for i in range(DEMO_WEEKS):
                    week: date = this_week - timedelta(weeks=DEMO_WEEKS - i)
                    values = demo_week(rng, i, decline=index % 2 == 0)
                    await storage.save_batch(project.id, index + 1, BatchSource.IMPORT,
                                             [NewValue(week, k, v) for k, v in values.items()])
                digest = build_digest(await load_digest_input(storage, project, now=now))
                stem = "digest" if index == 0 else f"digest-{index + 1}"
                (out / f"{stem}.png").write_bytes(digest.png)
                (out / f"{stem}.txt").write_text(digest.text + "\n", encoding="utf-8")
        finally:
            await storage.close()


def run_demo(out: str, projects: int, lang: str) -> int:
    if projects < 1:
        raise ValueError("--projects must be at least 1")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    asyncio.run(build_demo(folder, projects, lang))
    print(f"wrote {folder / 'digest.png'} and {folder / 'digest.txt'}"
          + (f" (+{projects - 1} more)" if projects > 1 else ""))
    return 0
