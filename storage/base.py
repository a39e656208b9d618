"""The storage contract. SQLite implements it today; a PostgreSQL backend must satisfy the same
methods so that handlers, jobs and the CLI never change.

All datetimes are timezone-aware UTC. Weeks are identified by their Monday (`week_start`).
Methods that act for a user never check permissions themselves: `storage.access` does that, on
top of `get_membership`, so every backend gets the same rules.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from storage.models import (
    AlertThreshold,
    Batch,
    BatchSource,
    Campaign,
    Experiment,
    FormulaKpi,
    Invite,
    Membership,
    NewPost,
    NewValue,
    Note,
    Post,
    Project,
    ProjectKpi,
    Role,
    SavedBatch,
    User,
    WeeklyValue,
)

# How long a digest claim holds without a heartbeat: an instance that died mid-digest is
# replaced after at most this (plus a tick); a live one renews well before (bot.digest_job).
DIGEST_LEASE = timedelta(seconds=60)


class Storage(ABC):
    # --- lifecycle -----------------------------------------------------------------------------
    @abstractmethod
    async def connect(self) -> None:
        """Open the database, apply pending migrations, check integrity."""

    @abstractmethod
    async def close(self) -> None: ...

    # --- users ---------------------------------------------------------------------------------
    @abstractmethod
    async def get_user(self, user_id: int) -> User | None: ...

    @abstractmethod
    async def ensure_user(self, user_id: int, display_name: str | None = None) -> User:
        """Return the user, creating an empty record on first contact. A `display_name`
        (the Telegram name, shown in /members) is remembered when given and changed."""

    async def load_context(self, user_id: int,
                           display_name: str | None = None) -> tuple[User, Membership | None]:
        """What every update needs first: the user (as `ensure_user`) and their active project
        with their role, None unless they are still a member of it. Backends override this
        with a single round trip; this composition is the reference behaviour."""
        user = await self.ensure_user(user_id, display_name)
        if user.active_project_id is None:
            return user, None
        role = await self.get_membership(user_id, user.active_project_id)
        project = await self.get_project(user.active_project_id) if role else None
        return user, (Membership(project, role) if project and role else None)

    @abstractmethod
    async def set_user_language(self, user_id: int, language: str | None) -> None: ...

    @abstractmethod
    async def set_active_project(self, user_id: int, project_id: int | None) -> None: ...

    @abstractmethod
    async def delete_user(self, user_id: int) -> list[int]:
        """Forget a user: delete projects they alone own (with all their data), drop their
        memberships elsewhere, delete the user row. Returns the ids of deleted projects."""

    # --- projects and members ------------------------------------------------------------------
    @abstractmethod
    async def create_project(
        self, owner_id: int, name: str, goal: str, timezone: str, language: str,
        kpis: Sequence[ProjectKpi], *, update_id: int | None = None,
    ) -> Project:
        """Create a project with its owner membership and KPIs, and make it the owner's active
        project — all in one transaction. With the `update_id` that asked for it, a second
        call for the same update (redelivered after a crash) returns that project instead."""

    @abstractmethod
    async def get_project(self, project_id: int) -> Project | None: ...

    @abstractmethod
    async def delete_project(self, project_id: int) -> None:
        """Delete the project and everything that belongs to it."""

    @abstractmethod
    async def rename_project(self, project_id: int, name: str) -> None: ...

    @abstractmethod
    async def set_project_timezone(self, project_id: int, timezone: str) -> None: ...

    @abstractmethod
    async def set_project_language(self, project_id: int, language: str) -> None: ...

    @abstractmethod
    async def set_schedule(
        self, project_id: int, *, weekday: int, at: time, enabled: bool,
        reminder_hours: int | None,
    ) -> None: ...

    @abstractmethod
    async def set_channel(self, project_id: int, chat_id: int | None, title: str | None) -> None:
        """Link (or unlink with None) the chat digests go to; un-pauses delivery."""

    @abstractmethod
    async def set_delivery_paused(self, project_id: int, paused: bool) -> None: ...

    @abstractmethod
    async def list_memberships(self, user_id: int) -> list[Membership]:
        """The user's projects with their role, oldest first."""

    @abstractmethod
    async def get_membership(self, user_id: int, project_id: int) -> Role | None: ...

    @abstractmethod
    async def list_members(self, project_id: int) -> list[tuple[int, Role]]: ...

    @abstractmethod
    async def set_member_role(self, project_id: int, user_id: int, role: Role | None) -> None:
        """Add, change (role) or remove (None) a member."""

    @abstractmethod
    async def projects_with_channel(self, chat_id: int) -> list[Project]: ...

    # --- KPIs ----------------------------------------------------------------------------------
    @abstractmethod
    async def get_kpis(self, project_id: int) -> list[ProjectKpi]:
        """In the order the user chose them."""

    @abstractmethod
    async def set_kpis(self, project_id: int, kpis: Sequence[ProjectKpi]) -> None:
        """Replace the project's KPI list (targets included) atomically."""

    @abstractmethod
    async def set_target(self, project_id: int, metric: str, target: float | None) -> None:
        """Set (None: clear) a KPI's target; a metric not yet among the KPIs is appended."""

    @abstractmethod
    async def get_thresholds(self, project_id: int) -> list[AlertThreshold]: ...

    @abstractmethod
    async def set_threshold(self, project_id: int, threshold: AlertThreshold | None,
                            metric: str) -> None:
        """Set a metric's alert thresholds, or reset them to defaults with None."""

    @abstractmethod
    async def get_alert_acks(self, project_id: int) -> dict[str, date]:
        """Metric → start week of the level shift the team has acknowledged."""

    @abstractmethod
    async def set_alert_ack(self, project_id: int, metric: str, since_week: date | None,
                            user_id: int) -> None:
        """Acknowledge a metric's level shift that started `since_week` (None: clear it);
        one per metric, a newer acknowledgement replaces the older one. Idempotent."""

    # --- weekly values -------------------------------------------------------------------------
    @abstractmethod
    async def save_batch(
        self, project_id: int, user_id: int, source: BatchSource, values: Iterable[NewValue],
        *, update_id: int | None = None, read_weeks: Sequence[date] = (),
    ) -> SavedBatch:
        """Write values in one transaction as one undoable batch. A metric already stored for a
        week (and the same network or campaign) is replaced; the old value stays in the history.
        The networks and campaigns the values name are added to the project's. When
        `update_id` was already applied for this project, nothing is written and
        `duplicate=True` is returned.
        The stored values of `read_weeks` are read back in the same transaction (`weeks`)."""

    @abstractmethod
    async def undo_last_batch(self, project_id: int, user_id: int | None = None, *,
                              update_id: int | None = None) -> Batch | None:
        """Revert the newest batch not yet undone (of this user, when given), as `undo_batch`
        does. Returns the undone batch, or None.
        When `update_id` already undid a batch of this project (a redelivered update), that
        batch is returned again and nothing else is undone."""

    @abstractmethod
    async def undo_batch(self, project_id: int, batch_id: int) -> Batch | None:
        """Revert one batch that is not undone yet: each value it set that is still its value
        goes back to the newest earlier value not itself undone (or disappears); a value a
        later batch replaced is left alone. Returns the batch marked undone; None when it is
        already undone or does not belong to the project."""

    @abstractmethod
    async def get_values(
        self, project_id: int, *, since: date | None = None, until: date | None = None,
        metrics: Sequence[str] | None = None, breakdown: bool = False,
    ) -> list[WeeklyValue]:
        """Current values, ordered by week_start then metric: the project totals
        (kpi.breakdown.project_totals), or with `breakdown` every stored value as it is —
        project-wide ones and those of a network or campaign (then ordered by network, campaign
        too)."""

    @abstractmethod
    async def get_all_values(self) -> list[tuple[str, WeeklyValue]]:
        """Every project's stored values (with their network or campaign) with the project's
        name (for backups and exports)."""

    @abstractmethod
    async def save_collected(self, project_id: int, value: NewValue) -> bool:
        """Save a number the bot collected itself as its own batch (source `collected`, user 0),
        unless a person's number (any other source) is already stored for that week, metric
        and segment: that one is never overwritten (False). Atomic on every backend."""

    @abstractmethod
    async def get_networks(self, project_id: int) -> list[str]:
        """The networks the project's values were ever saved for, in the order first used."""

    @abstractmethod
    async def get_campaigns(self, project_id: int) -> list[Campaign]:
        """The project's campaigns (saved values made them, or `set_campaign`), oldest first."""

    @abstractmethod
    async def set_campaign(self, project_id: int, name: str, start_week: date | None,
                           end_week: date | None) -> None:
        """Create a campaign or change its weeks (None: open)."""

    # --- invites -------------------------------------------------------------------------------
    @abstractmethod
    async def create_invite(
        self, project_id: int, role: Role, created_by: int, expires_at: datetime, max_uses: int,
    ) -> Invite: ...

    @abstractmethod
    async def redeem_invite(self, token: str, user_id: int, now: datetime) -> Membership | None:
        """Atomically: a valid (known, unexpired, not used up) invite admits the user with its
        role (never lowering an existing higher role) and counts one use. A member whose role is
        already at least the invite's keeps it, and no use is counted. None otherwise."""

    # --- digests and reminders -----------------------------------------------------------------
    @abstractmethod
    async def due_projects(self, now: datetime) -> list[Project]:
        """Projects with schedule enabled, delivery not paused, whose digest time this week (in
        the project's timezone) is at or before `now` and for which no digest of that week was
        claimed yet."""

    @abstractmethod
    async def claim_digest(self, project_id: int, week_start: date, *,
                           boot: str | None = None, lease: timedelta = DIGEST_LEASE) -> bool:
        """Record that this week's digest is being sent, by the process start `boot`, held for
        `lease` (renewed by `renew_digest_claims`); False when it already was sent or is held
        by a lease that has not run out. An expired claim is taken over by exactly one
        caller."""

    @abstractmethod
    async def renew_digest_claims(self, boot: str, lease: timedelta = DIGEST_LEASE) -> int:
        """The heartbeat: every 'sending' claim of `boot` is held for `lease` from now on.
        Returns how many claims were renewed."""

    @abstractmethod
    async def finish_digest(self, project_id: int, week_start: date, *, sent: bool,
                            boot: str | None = None) -> None:
        """Mark the claimed digest sent, or release the claim so a later run retries it (only
        the claim of `boot` when given: one taken over by another instance stays)."""

    @abstractmethod
    async def start_digest_send(self, project_id: int, week_start: date, *,
                                boot: str | None = None) -> bool:
        """Note on the claim that the chart is being handed to Telegram now (kept from the
        first attempt on). False — send nothing — when the claim is no longer `boot`'s (its
        lease ran out and another instance took it over) or no longer 'sending'."""

    @abstractmethod
    async def release_digest_claims(self, boot: str) -> list[tuple[int, date, bool]]:
        """At start: drop the 'sending' claims of other boots whose lease has run out, so
        those digests are due again; live claims of other instances stay. Returns
        (project_id, week_start, send_started) of each released claim."""

    # --- the update journal (see bot.polling) ---------------------------------------------------
    async def mark_update_handled(self, update_id: int) -> None:
        """Remember that the handler of this update finished."""
        await self.mark_updates_handled([update_id])

    @abstractmethod
    async def mark_updates_handled(self, update_ids: Sequence[int]) -> None:
        """Remember that the handlers of these updates finished, in one write."""

    @abstractmethod
    async def handled_updates(self) -> set[int]:
        """Every update remembered as handled and not yet forgotten."""

    @abstractmethod
    async def forget_updates_below(self, update_id: int) -> None:
        """Telegram confirmed everything below `update_id`: those need no remembering."""

    async def update_was_handled(self, update_id: int) -> bool:
        """Whether this update is in the journal (webhook mode asks once per update; backends
        answer with one indexed lookup instead of this whole-journal read)."""
        return update_id in await self.handled_updates()

    other_writers: bool = False  # set by expect_other_writers

    def expect_other_writers(self) -> None:
        """Other processes (more bot instances) write to this database too: whatever the
        backend caches must notice their writes. Called before the first read."""
        self.other_writers = True

    async def ping(self) -> None:
        """Raise unless the database answers (readiness probe); one cheap read."""
        await self.get_user(0)

    @abstractmethod
    async def reminder_projects(self, now: datetime) -> list[tuple[Project, date]]:
        """Projects inside their reminder window — `reminder_hours` before this week's digest
        moment, up to that moment — with the week_start of the digest's week."""

    @abstractmethod
    async def claim_reminder(self, project_id: int, week_start: date, user_id: int) -> bool: ...

    # --- notes, experiments, formula KPIs (issue 14) -------------------------------------------
    @abstractmethod
    async def add_note(self, project_id: int, user_id: int, week_start: date, text: str, *,
                       update_id: int | None = None) -> Note:
        """Mark a week with what changed. With the `update_id` that asked for it, a second call
        for the same update (redelivered after a crash) returns the note already made."""

    @abstractmethod
    async def get_notes(self, project_id: int, *, since: date | None = None,
                        until: date | None = None) -> list[Note]:
        """Ordered by week_start, then by when they were added."""

    @abstractmethod
    async def delete_note(self, project_id: int, note_id: int) -> bool:
        """False when no such note belongs to the project."""

    @abstractmethod
    async def start_experiment(
        self, project_id: int, user_id: int, name: str, metric: str, want_up: bool,
        start_week: date, end_week: date | None = None, *, update_id: int | None = None,
    ) -> Experiment:
        """Record an experiment; once per `update_id` like `add_note`."""

    @abstractmethod
    async def get_experiments(self, project_id: int) -> list[Experiment]:
        """Newest start first."""

    @abstractmethod
    async def end_experiment(self, project_id: int, experiment_id: int, end_week: date) -> bool:
        """Set the last week of an experiment of this project (not before its start)."""

    @abstractmethod
    async def delete_experiment(self, project_id: int, experiment_id: int) -> bool:
        """False when no such experiment belongs to the project."""

    @abstractmethod
    async def save_formula_kpi(self, project_id: int, kpi: FormulaKpi) -> None:
        """Add (appended after the others) or replace (keeping its place) a formula KPI."""

    @abstractmethod
    async def get_formula_kpis(self, project_id: int) -> list[FormulaKpi]:
        """In the order they were added."""

    @abstractmethod
    async def delete_formula_kpi(self, project_id: int, name: str) -> bool: ...

    # --- posts (issue 13) ----------------------------------------------------------------------
    @abstractmethod
    async def save_posts(self, project_id: int, batch_id: int, posts: Sequence[NewPost]) -> int:
        """Keep an import batch's posts (the batch must belong to the project). Idempotent:
        a post key the batch already has is left as it is, so a confirm redelivered after a
        crash saves nothing twice. Returns how many were new."""

    @abstractmethod
    async def get_posts(self, project_id: int, *, since: date | None = None,
                        until: date | None = None) -> list[Post]:
        """The current posts published in the weeks `since`..`until` (week starts): for each
        post key the copy of the newest batch not undone. Ordered by publication date, key."""


__all__ = ["Storage", "date", "datetime"]
