"""Feature routers, in the order they must see updates (free-text entry last)."""

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import (
        alerts,
        channel,
        common,
        danger,
        entry,
        errors,
        export,
        files,
        guided_entry,
        history,
        members,
        onboarding,
        projects,
        report,
        settings,
    )

    routers = [
        errors.router,
        common.router,
        members.router,
        onboarding.router,
        projects.router,
        guided_entry.router,
        history.router,
        export.router,
        report.router,
        settings.router,
        alerts.router,
        channel.router,
        danger.router,
        files.router,
        entry.router,
    ]
    for router in routers:
        # Routers are module singletons; a new Dispatcher in the same process (tests, an
        # in-process restart) takes them over from the previous one.
        router._parent_router = None
    return routers
