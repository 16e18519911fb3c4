"""The public entry point for other NND systems (and the CLI): open a store, run commands,
read reports and audit trails.

This is the composition root: it picks the persistence adapters from the store location
and wires them to the application layer. Everything it returns is a pydantic model or an
id, so callers need not know about ``eventsourcing``.

    from nnd_competence import open_store, Actor, Role
    from nnd_competence.application.commands import HireEmployee

    with open_store("nnd-competence.sqlite") as store:
        hr = Actor(employee_number="10001", role=Role.HR)
        store.execute(HireEmployee(...), hr)
        print(store.gap_report(unit="RADIATION-PROTECTION").units)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from uuid import UUID

from eventsourcing.persistence import Notification, PersistenceError

from nnd_competence.application import commands as c
from nnd_competence.application.audit import AuditEntry, entries
from nnd_competence.application.clock import Clock, oslo_date
from nnd_competence.application.event_codec import as_uuid
from nnd_competence.application.ports import ViewDatabase
from nnd_competence.application.projections.audit_index import (
    AuditIndexProjection,
    indexed_events,
)
from nnd_competence.application.projections.competence_gaps import (
    CompetenceGapsProjection,
    GapReport,
    active_assignments,
    gap_report,
)
from nnd_competence.application.projections.completion import (
    CompletionProjection,
    CompletionReport,
    TrainingRequestRow,
    completion_report,
    training_requests,
)
from nnd_competence.application.projections.conversations import (
    ConversationReport,
    ConversationsProjection,
    conversation_report,
)
from nnd_competence.application.projections.engine import (
    CatchUpResult,
    Progress,
    Projection,
    ProjectionRunner,
)
from nnd_competence.application.projections.live import LiveProjections
from nnd_competence.application.service import CompetenceApplication
from nnd_competence.domain import ids
from nnd_competence.domain.errors import NotFound
from nnd_competence.domain.values import Actor, normalise_employee_number

if TYPE_CHECKING:
    from nnd_competence.adapters.store_location import PostgresSettings


def default_projections() -> list[Projection]:
    return [
        AuditIndexProjection(),
        CompetenceGapsProjection(),
        CompletionProjection(),
        ConversationsProjection(),
    ]


#: Events per transaction when rebuilding views (a live catch-up uses 1,000): fewer
#: commits, and rows changed by many events of a page written once.
REBUILD_PAGE_SIZE = 20_000


class CompetenceStore:
    """One event store with its views; close it (or use ``with``) when done."""

    def __init__(self, app: CompetenceApplication, views: ViewDatabase) -> None:
        self.app = app
        self.views = views
        self.runner = ProjectionRunner(app.recorder, app.mapper, views, default_projections())
        app.roster = self._roster
        app.open_requests = self._open_requests
        self._handlers: dict[type[c.Command], Callable[[Any, Actor], Any]] = {
            c.DefineCompetence: app.define_competence,
            c.ReviseCompetence: app.revise_competence,
            c.SetRequirementProfile: app.set_requirement_profile,
            c.WithdrawCompetence: app.withdraw_competence,
            c.HireEmployee: app.hire,
            c.TransferEmployee: app.transfer,
            c.RecordCompetence: app.record_competence,
            c.CorrectCompetenceRecord: app.correct_competence_record,
            c.RevokeCompetence: app.revoke_competence,
            c.ConfirmRecord: app.confirm_record,
            c.CorrectPersonalDetails: app.correct_personal_details,
            c.RegisterLeaving: app.register_leaving,
            c.StartCycle: app.start_cycle,
            c.OpenPlan: app.open_plan,
            c.ScheduleConversation: app.schedule_conversation,
            c.HoldConversation: app.hold_conversation,
            c.AgreeWorkGoal: app.agree_work_goal,
            c.AgreeCompetenceGoal: app.agree_competence_goal,
            c.RecordGoalProgress: app.record_goal_progress,
            c.ReviseGoal: app.revise_goal,
            c.CloseGoal: app.close_goal,
            c.ClosePlan: app.close_plan,
            c.ReportTrainingNeed: app.report_training_need,
            c.ReceiveTrainingRequest: app.receive_training_request,
            c.ChooseMeasure: app.choose_measure,
            c.CompleteTraining: app.complete_training,
            c.RejectTrainingRequest: app.reject_training_request,
            c.CancelTrainingRequest: app.cancel_training_request,
        }

    # --- commands -------------------------------------------------------------------
    def execute(self, command: c.Command, actor: Actor) -> UUID | int:
        """Run one command; returns the id of what it changed (a count for StartCycle)."""
        try:
            handler = self._handlers[type(command)]
        except KeyError:
            raise TypeError(f"no use case for {type(command).__name__}") from None
        result: UUID | int = handler(command, actor)
        return result

    def _open_requests(self, employee_number: str) -> list[UUID]:
        self.catch_up()
        return [
            UUID(r.request_id)
            for r in training_requests(self.views, employee_number=employee_number)
            if r.status in ("reported", "received", "measure_chosen")
        ]

    def _roster(self, day: date, unit: str | None) -> list[str]:
        self.catch_up()
        return [a.employee_number for a in active_assignments(self.views, day, unit)]

    # --- views ----------------------------------------------------------------------
    def catch_up(self, progress: Progress | None = None, page_size: int = 1000) -> CatchUpResult:
        return self.runner.catch_up(page_size, progress=progress)

    def rebuild(
        self,
        progress: Progress | None = None,
        page_size: int = REBUILD_PAGE_SIZE,
        max_pages: int | None = None,
    ) -> CatchUpResult:
        """Empty and replay all views; resumes an interrupted rebuild instead of restarting.

        Pages are larger than a live catch-up's: fewer commits, and a row changed by many
        events of a page is written once (measured in docs/performance.md)."""
        return self.runner.rebuild(page_size, progress=progress, max_pages=max_pages)

    def today(self) -> date:
        return oslo_date(self.app.clock.now())

    def gap_report(
        self,
        as_of: date | None = None,
        *,
        unit: str | None = None,
        employee_number: str | None = None,
        expiring_within_days: int = 90,
        detail: bool = True,
    ) -> GapReport:
        """Gaps per unit, and per employee and competence unless ``detail=False`` (the
        per-unit summary alone: ``rows`` is then empty and ``detailed`` False)."""
        self.catch_up()
        return gap_report(
            self.views,
            as_of or self.today(),
            unit=unit,
            employee_number=normalise_employee_number(employee_number) if employee_number else None,
            expiring_within_days=expiring_within_days,
            detail=detail,
        )

    def completion_report(
        self, as_of: date | None = None, *, year: int | None = None, unit: str | None = None
    ) -> CompletionReport:
        self.catch_up()
        return completion_report(self.views, as_of or self.today(), year=year, unit=unit)

    def conversation_report(
        self, as_of: date | None = None, *, year: int | None = None, unit: str | None = None
    ) -> ConversationReport:
        self.catch_up()
        return conversation_report(self.views, as_of or self.today(), year=year, unit=unit)

    def training_requests(
        self, *, employee_number: str | None = None, status: str | None = None
    ) -> list[TrainingRequestRow]:
        self.catch_up()
        number = normalise_employee_number(employee_number) if employee_number else None
        return training_requests(self.views, employee_number=number, status=status)

    # --- audit ----------------------------------------------------------------------
    def audit_trail(self, employee_number: str, *, show_personal: bool = False) -> list[AuditEntry]:
        """Every event about one employee, across all aggregates, oldest first.

        After the catch-up the audit index knows every event of the employee's
        aggregates up to its position; they are read in log order with the log's own rows
        in one query (``indexed_events``), which replaced one read per aggregate and a
        sort. Only events stored after that position (by another process, since) are
        looked for in the log's tail, and go last, by time. Whether the employee exists
        is decided from the same rows: loading the Employee aggregate just to ask cost a
        snapshot and up to 50 events.
        """
        employee_number = normalise_employee_number(employee_number)
        position = self.catch_up().positions.get(AuditIndexProjection.name, 0)
        recorder, decode = self.app.recorder, self.app.mapper.to_domain_event
        table = getattr(recorder, "events_table_name", "stored_events")
        rows = indexed_events(self.views, employee_number, str(table))
        events: list[Any] = [
            decode(Notification(id=n, originator_id=a, originator_version=v, topic=t, state=s))
            for n, a, v, t, s in rows
        ]
        employee_id = ids.employee_id(employee_number)
        aggregate_ids = {employee_id, *(e.originator_id for e in events)}
        indexed = {row[0] for row in rows}
        newer: list[Any] = [
            decode(n)
            for n in self._log_after(position)
            if as_uuid(n.originator_id) in aggregate_ids and n.id not in indexed
        ]
        newer.sort(key=lambda e: (e.timestamp, e.via is not None, e.originator_version))
        events.extend(newer)
        if not any(e.originator_id == employee_id for e in events):
            raise NotFound(f"employee {employee_number} does not exist")
        return entries(events, show_personal=show_personal)

    def _log_after(self, position: int, page_size: int = 1000) -> Iterator[Notification]:
        """The notifications stored after ``position``, read in pages."""
        while True:
            page = self.app.recorder.select_notifications(
                position, page_size, inclusive_of_start=False
            )
            yield from page
            if len(page) < page_size:
                return
            position = page[-1].id

    def actions_by(self, actor_number: str, page_size: int = 1000) -> list[AuditEntry]:
        """Everything one person did (as actor or on whose behalf), in log order."""
        found = []
        decode = self.app.mapper.to_domain_event
        for notification in self._log_after(0, page_size):
            event = decode(notification)
            actor = getattr(event, "actor", None)
            if actor is not None and actor_number in (actor.employee_number, actor.on_behalf_of):
                found.append(event)
        return entries(found)

    def event_count(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def employee_exists(self, employee_number: str) -> bool:
        return self.app.exists(ids.employee_id(normalise_employee_number(employee_number)))

    # --- lifecycle ------------------------------------------------------------------
    def close(self) -> None:
        self.views.close()
        self.app.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_store(
    location: str | Path,
    *,
    clock: Clock | None = None,
    sqlite_synchronous: str | None = None,
) -> CompetenceStore:
    """Open (creating if needed) the store at ``location``.

    ``location`` is one of (details in ``nnd_competence.adapters.store_location``):

    * ``PATH`` or ``sqlite:///PATH`` — a SQLite file (the default kind of store);
    * ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME?schema=NAME`` (or ``postgres://``;
      more parameters: ``pool_size``, ``max_overflow``, ``connect_timeout``,
      ``lock_timeout``, ``idle_in_transaction_session_timeout``, ``application_name``) —
      PostgreSQL; the event store and the views share the database and the schema (the
      schema is created if missing, default ``public``);
    * ``env:`` — the ``eventsourcing`` environment variables: ``PERSISTENCE_MODULE=
      eventsourcing.postgres`` with ``POSTGRES_DBNAME``, ``POSTGRES_HOST``,
      ``POSTGRES_PORT``, ``POSTGRES_USER``, ``POSTGRES_PASSWORD``, ``POSTGRES_SCHEMA``; or
      ``PERSISTENCE_MODULE=eventsourcing.sqlite`` with ``SQLITE_DBNAME``.

    ``sqlite_synchronous="NORMAL"`` makes SQLite commits skip the fsync (for bulk loads of
    regenerable data; the default ``FULL`` keeps every commit on disk).

    A malformed location or an unreachable database raises ``StoreLocationError`` (a
    ``DomainError`` and ``ValueError``) whose one-line message names the location without
    its password.
    """
    from nnd_competence.adapters.store_location import parse_store_location

    where = parse_store_location(location)
    if where.postgres is not None:
        return _open_postgres(where.postgres, clock)
    from nnd_competence.adapters.sqlite_views import SQLiteViewDatabase

    assert where.sqlite_path is not None
    env = where.sqlite_env()
    if sqlite_synchronous is not None:  # "NORMAL" for bulk loads, see adapters/sqlite_store
        env["SQLITE_SYNCHRONOUS"] = env["NNDCOMPETENCE_SQLITE_SYNCHRONOUS"] = sqlite_synchronous
    app = CompetenceApplication(env, clock=clock)
    return CompetenceStore(app, SQLiteViewDatabase(where.sqlite_path))


def _open_postgres(settings: PostgresSettings, clock: Clock | None) -> CompetenceStore:
    from nnd_competence.adapters.store_location import StoreLocationError, StoreUnavailable

    try:
        from eventsourcing.utils import get_topic

        from nnd_competence.adapters.postgres_views import (
            PostgresStoreFactory,
            PostgresViewDatabase,
        )
    except ImportError as error:
        raise StoreLocationError(
            f"store location {settings.display()!r}: PostgreSQL support is not installed "
            f"({error}); install nnd-competence[postgres]"
        ) from None
    views = PostgresViewDatabase(settings)  # connects now: StoreUnavailable if it cannot
    try:
        # One process at a time creates the schema, the event tables and the views.
        with views.setup_lock():
            views.create_schema()
            app = CompetenceApplication(
                settings.eventsourcing_env(get_topic(PostgresStoreFactory)), clock=clock
            )
            try:
                return CompetenceStore(app, views)
            except BaseException:
                app.close()
                raise
    except (PersistenceError, OSError) as error:
        views.close()
        raise StoreUnavailable(
            f"cannot open the store {settings.display()}: {' '.join(str(error).split())}"
        ) from None
    except BaseException:
        views.close()
        raise


def live_projections(
    location: str | Path,
    *,
    interval: float = 0.2,
    page_size: int = 1000,
    max_backoff: float = 5.0,
    on_applied: Callable[[CatchUpResult], None] | None = None,
    on_error: Callable[[BaseException, float], None] | None = None,
) -> LiveProjections:
    """A live runner on a store of its own at ``location``: it follows new events as they
    are committed and applies them to the views, surviving lost connections.

        runner = live_projections("postgresql://...")
        runner.start()          # a background thread; or runner.run(stop_event)
        ...
        runner.stop()           # and closes its store
    """
    store = open_store(location)
    return LiveProjections(
        store.runner,
        interval=interval,
        page_size=page_size,
        max_backoff=max_backoff,
        on_close=store.close,
        on_applied=on_applied,
        on_error=on_error,
    )
