"""Feature routers, in the order they must see updates (free-text entry last)."""

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import (
        channel,
        common,
        entry,
        errors,
        export,
        guided_entry,
        history,
        onboarding,
        projects,
        report,
        settings,
    )

    return [
        errors.router,
        common.router,
        onboarding.router,
        projects.router,
        guided_entry.router,
        history.router,
        export.router,
        report.router,
        settings.router,
        channel.router,
        entry.router,
    ]
