"""Feature routers, in the order they must see updates.

Free-text entry, the most frequent update by far, comes right after the error router: aiogram
walks routers in order, and each router passed costs it a copy of the update's context. That
is safe because its filter is exact — a non-command text in no dialog state, which no other
router handles (tests/unit/test_router_order.py checks that).
"""

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import (
        alerts,
        breakdown,
        channel,
        common,
        danger,
        dashboard,
        entry,
        errors,
        experiments,
        experiments_manage,
        export,
        files,
        guided_entry,
        history,
        members,
        onboarding,
        posts,
        projects,
        report,
        settings,
    )

    routers = [
        errors.router,
        entry.router,
        common.router,
        members.router,
        onboarding.router,
        projects.router,
        guided_entry.router,
        history.router,
        export.router,
        experiments.router,
        experiments_manage.router,
        breakdown.router,
        report.router,
        posts.router,
        dashboard.router,
        settings.router,
        alerts.router,
        channel.router,
        danger.router,
        files.router,
    ]
    for router in routers:
        # Routers are module singletons; a new Dispatcher in the same process (tests, an
        # in-process restart) takes them over from the previous one.
        router._parent_router = None
    return routers
