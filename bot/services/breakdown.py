"""Networks and campaigns as users read them (issue 13); the rules are in kpi.breakdown."""

from __future__ import annotations

import html

from bot.i18n import Html, Translator
from kpi import breakdown


def segment_label(network: str, campaign: str, t: Translator) -> Html:
    """`VK`, the user's own network as typed, or `campaign “Black Friday”`, as escaped HTML."""
    if campaign:
        return Html(t("breakdown-campaign", name=campaign))
    if network in breakdown.NETWORKS:
        return Html(t(f"breakdown-network-{network}"))
    return Html(html.escape(network, quote=False))
