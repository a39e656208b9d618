"""/history [network] [metric]: recent weeks as a compact table; one metric as a chart (the
project's count and money KPIs stacked by network, issue 13)."""

from __future__ import annotations

import html
from datetime import date

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot.i18n import Html, Translator
from bot.rendering import Renderer
from bot.services.breakdown import segment_label
from bot.services.digest import CAPTION_LIMIT
from bot.services.history import WeekRow, weekly_table
from bot.services.stacks import NetworkWeeks, network_weeks, with_network_stack
from charts import Panel
from handlers.filters import PRIVATE
from handlers.kpi_picker import metric_label
from kpi import breakdown, catalogue
from kpi.formatting import format_number
from storage.base import Storage
from storage.models import Membership

router = Router(name=__name__)

TABLE_WEEKS = 8
SINGLE_METRIC_WEEKS = 12
COLUMN_WIDTH = 9
TEXT_LIMIT = 4096  # Telegram's limit for a message's text
HINT_ROOM = 600  # the hint naming the metrics that did not fit


@router.message(Command("history"), PRIVATE, flags={"needs": "member"})
async def history(message: Message, command: CommandObject, t: Translator, storage: Storage,
                  renderer: Renderer, membership: Membership) -> None:
    project = membership.project
    kpis = await storage.get_kpis(project.id)
    formulas = [f.name for f in await storage.get_formula_kpis(project.id)]
    custom = [k.metric for k in kpis if k.custom] + formulas
    args = (command.args or "").strip()
    # `/history vk [metric]`: one network's own numbers (a metric's name keeps its meaning).
    network, typed = None, ""
    if args and catalogue.resolve(args, custom) is None:
        network, typed, args = network_argument(args, await storage.get_networks(project.id))
    segment = (network, "") if network else None
    table = await weekly_table(storage, project.id, segment=segment)
    if args:
        key = catalogue.resolve(args, custom)
        if key is None:
            await message.answer(t("history-unknown-metric", name=args))
            return
        metrics, weeks = [key], SINGLE_METRIC_WEEKS
    else:
        # The KPIs (built-in and formula) first, then every other metric that has data: what
        # was typed is shown.
        metrics, weeks = [k.metric for k in kpis] + formulas, TABLE_WEEKS
        recent = table[-weeks:]
        metrics += sorted({m for row in recent for m in row.values} - set(metrics))
    rows = [row for row in table if any(m in row.values for m in metrics)][-weeks:]
    if not rows:
        await message.answer(t("history-empty"))
        return
    name = project.name if network is None else Html(
        f"{html.escape(project.name, quote=False)} · {segment_label(network, '', t)}")
    text, hidden = fit_table(t, name, rows, metrics)
    if hidden:
        labels = ", ".join(metric_label(m, t.lang) for m in hidden)
        if len(labels) > HINT_ROOM - 200:  # the hint's own words take the rest of the room
            labels = labels[:HINT_ROOM - 201] + "…"
        text += "\n" + t("history-more-metrics", metrics=labels)
    if network and not args:  # one network's table: say how to get its chart
        hint = t("history-network-chart-hint",
                 command=f"/history {typed} {command_name(chart_metric(rows, metrics), t.lang)}")
        if len(text) + 1 + len(hint) <= TEXT_LIMIT:
            text += "\n" + hint
    elif len(metrics) == 1 and len(text) <= CAPTION_LIMIT:
        key = metrics[0]
        target = next((k.target for k in kpis if k.metric == key), None)
        notes = tuple(n.week_start for n in await storage.get_notes(project.id))
        networks = None  # the project's total: by network, when numbers were typed per network
        if segment is None:
            networks = (await network_weeks(storage, project.id, [key],
                                            since=rows[0].week_start,
                                            until=rows[-1].week_start)).get(key)
        panel = history_panel(rows, key, target, t.lang, notes, networks=networks, t=t,
                              formulas=formulas)
        png = await renderer.history(panel, project.name, t.lang)
        await message.answer_photo(BufferedInputFile(png, filename="history.png"), caption=text)
        return
    await message.answer(text)


def network_argument(args: str, networks: list[str]) -> tuple[str | None, str, str]:
    """(network, its words as typed, the rest) when `args` starts with a network's alias or one
    of the project's own networks (`vk reach`, `дзен`); (None, "", args) otherwise."""
    words = args.split()
    own = {breakdown.fold(n): n for n in networks}
    for size in (2, 1):
        head = " ".join(words[:size])
        if len(words) < size:
            continue
        found = breakdown.builtin_network(head) or own.get(breakdown.fold(head))
        if found:
            return found, head, " ".join(words[size:])
    return None, "", args


def fit_table(t: Translator, name: str | Html, rows: list[WeekRow], metrics: list[str]
              ) -> tuple[str, list[str]]:
    """The table with as many of `metrics` (in order) as fit one message; the rest by name."""
    shown = list(metrics)
    while True:
        text = t("history-title", name=name, weeks=len(rows)) + "\n" + render_table(
            rows, shown, t.lang)
        hidden = metrics[len(shown):]
        if len(text) <= TEXT_LIMIT - HINT_ROOM or len(shown) <= 1:
            return text, hidden
        shown.pop()


def chart_metric(rows: list[WeekRow], metrics: list[str]) -> str:
    """The metric a network's chart hint names: the first (KPIs come first) with data."""
    return next((m for m in metrics if any(m in row.values for row in rows)), metrics[0])


def command_name(key: str, lang: str) -> str:
    """How to type a metric after /history: its name in the user's language when /history
    reads it back (`охват`), else its key or custom name."""
    metric = catalogue.get(key)
    name = metric.name(lang).lower() if metric else key
    return name if catalogue.resolve(name) == key else key


def history_panel(rows: list[WeekRow], key: str, target: float | None, lang: str,
                  markers: tuple[date, ...] = (), *, networks: NetworkWeeks | None = None,
                  t: Translator | None = None, formulas: list[str] | tuple[str, ...] = ()
                  ) -> Panel:
    """One metric's chart; with `networks` (and `t` for the legend) a count or money KPI's
    total is stacked by network."""
    metric = catalogue.get(key)
    values = [row.values.get(key) for row in rows]
    last, previous = values[-1], values[-2] if len(values) > 1 else None
    change = (last - previous) / abs(previous) * 100 if last is not None and previous else None
    panel = Panel(title=metric_label(key, lang), weeks=[row.week_start for row in rows],
                  values=values, target=target,
                  unit=metric.unit.value if metric else "count", status="ok",
                  change_pct=change,
                  direction=metric.direction.value if metric else "higher_is_better",
                  markers=markers)
    if networks and t is not None:
        panel = with_network_stack(panel, key, networks, t, formulas)
    return panel


def render_table(rows: list[WeekRow], metrics: list[str], lang: str) -> Html:
    def cell(text: str) -> str:
        return " " + text[:COLUMN_WIDTH].rjust(COLUMN_WIDTH)  # a space between columns

    header = "week " if lang == "en" else "нед. "
    header += "".join(cell(metric_label(m, lang)) for m in metrics)
    lines = [header]
    for row in rows:
        label = row.week_start.strftime("%d.%m")
        values = []
        for metric in metrics:
            value = row.values.get(metric)
            unit = catalogue.get(metric).unit.value if catalogue.get(metric) else "count"
            text = "—" if value is None else format_number(value, lang, unit, compact=True)
            values.append(cell(text))
        lines.append(label + "".join(values))
    return Html("<pre>" + html.escape("\n".join(lines)) + "</pre>")
