"""/history's table stays within one Telegram message; what does not fit is named."""

from datetime import date, timedelta

from bot.i18n import get_translator
from bot.services.history import WeekRow
from handlers.history import TEXT_LIMIT, fit_table


def test_a_wide_table_is_cut_to_one_message_and_the_rest_is_named():
    metrics = [f"custom_metric_{i}" for i in range(60)]
    rows = [WeekRow(date(2026, 1, 5) + timedelta(weeks=w), dict.fromkeys(metrics, 123456.0),
                    frozenset()) for w in range(8)]
    t = get_translator("en")
    text, hidden = fit_table(t, "Shop", rows, metrics)
    assert hidden and hidden == metrics[len(metrics) - len(hidden):]
    assert len(text + "\n" + t("history-more-metrics", metrics=", ".join(hidden[:5]))) \
        <= TEXT_LIMIT
    assert "custom_me" in text


def test_a_narrow_table_is_whole():
    rows = [WeekRow(date(2026, 1, 5), {"reach": 1.0, "leads": 2.0}, frozenset())]
    _text, hidden = fit_table(get_translator("ru"), "Shop", rows, ["leads", "reach"])
    assert hidden == []
