"""The use cases of the competence process, one method per step.

Each body loads what it needs, calls the domain, and returns ``(result, changed
aggregates)``; ``use_case`` adds the context, retries, idempotency and the single save.
Policies that carry the process forward live here too, inside the use case that triggers
them, so their events are stored in the same transaction as the cause:

* completing a training request records the competence on the employee;
* hiring creates training requests for mandatory-at-onboarding competences not held;
* starting a cycle opens a plan and schedules the three conversations for everyone active.

Employees are snapshotted every ``EMPLOYEE_SNAPSHOT_INTERVAL`` events (see
``application/snapshots.py``); ``IS_SNAPSHOTTING_ENABLED=n`` turns snapshots off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProjectorFunction,
)
from eventsourcing.persistence import JSONTranscoder, PersistenceError
from eventsourcing.utils import get_topic

from nnd_competence.application import commands as c
from nnd_competence.application.clock import Clock, SystemClock, oslo_date
from nnd_competence.application.event_codec import DateAsISO, PydanticMapper
from nnd_competence.application.replay import replay
from nnd_competence.application.snapshots import EMPLOYEE_SNAPSHOT_INTERVAL, snapshot_of
from nnd_competence.application.use_case import Outcome, use_case
from nnd_competence.domain import ids
from nnd_competence.domain.aggregate import Aggregate
from nnd_competence.domain.catalogue import Catalogue, CompetenceDefinition
from nnd_competence.domain.competence_plan import (
    CYCLE_CONVERSATIONS,
    CompetencePlan,
    ConversationKind,
    Goal,
    GoalKind,
)
from nnd_competence.domain.employee import (
    Assignment,
    Employee,
    Holding,
    HoldingSource,
    PersonalDetails,
)
from nnd_competence.domain.errors import AlreadyExists, InvalidValue, NotFound
from nnd_competence.domain.training_request import (
    ChosenMeasure,
    RequestReason,
    TrainingRequest,
    TrainingResult,
)
from nnd_competence.domain.values import (
    Actor,
    Context,
    add_months,
    normalise_employee_number,
)

A = TypeVar("A", bound=Aggregate)

_log = logging.getLogger(__name__)

#: Lists the employee numbers active on a day (optionally in one unit); the roster view
#: implements it. Starting a cycle needs it, nothing else does.
RosterQuery = Callable[[date, str | None], Sequence[str]]
#: Ids of an employee's training requests that are still open (the completion view).
OpenRequestsQuery = Callable[[str], Sequence[UUID]]


class CompetenceApplication(Application[UUID]):
    name = "NNDCompetence"
    env: ClassVar[dict[str, str]] = {
        "MAPPER_TOPIC": get_topic(PydanticMapper),
        "AGGREGATE_CACHE_MAXSIZE": "2000",
    }
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Employee: EMPLOYEE_SNAPSHOT_INTERVAL}
    snapshotting_projectors: ClassVar[dict[type[Any], ProjectorFunction[Any, Any]]] = {
        Employee: replay
    }

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        clock: Clock | None = None,
        roster: RosterQuery | None = None,
    ) -> None:
        super().__init__(env)
        self.clock: Clock = clock or SystemClock()
        self.roster = roster
        self.open_requests: OpenRequestsQuery | None = None

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] | None = None,
    ) -> None:
        """Store a snapshot of the aggregate as recorded at ``version`` (default: latest).

        ``save()`` calls this after the events are committed, whenever an employee reaches
        a multiple of the snapshot interval. A snapshot is derived data, so failing to
        take or store one (one already taken at that version, a busy database, a snapshot
        class that lags behind its aggregate) is logged and never raised: it must not
        report a committed command as failed, nor make the use-case wrapper retry it as a
        conflict.
        """
        if self.snapshots is None:
            raise RuntimeError("snapshotting is disabled (IS_SNAPSHOTTING_ENABLED)")
        try:
            aggregate: Aggregate = self.repository.get(
                aggregate_id, version=version, projector_func=projector_func or replay
            )
            snapshot = snapshot_of(aggregate)
            self.snapshots.put([snapshot])
        except PersistenceError as error:
            _log.warning("no snapshot of %s at version %s: %s", aggregate_id, version, error)
        except Exception:
            # A snapshot class behind its aggregate is a bug (the tests catch it), but the
            # command's events are stored: report it loudly, never fail the command.
            _log.exception("cannot snapshot %s at version %s", aggregate_id, version)

    def context(self, actor: Actor) -> Context:
        now = self.clock.now()
        return Context(actor=actor, recorded_at=now, today=oslo_date(now))

    # --- loading --------------------------------------------------------------------
    def load(self, aggregate_id: UUID, kind: type[A], what: str, *, for_change: bool = True) -> A:
        """The aggregate at its latest version. ``for_change=False`` (a use case that only
        reads it) skips the cache's defensive copy: nothing is applied to it, so the
        cached aggregate cannot be left holding changes a failed command never saved."""
        try:
            aggregate: object = self.repository.get(
                aggregate_id, projector_func=replay, deepcopy_from_cache=for_change
            )
        except AggregateNotFoundError:
            raise NotFound(f"{what} does not exist") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"{what} does not exist")
        return aggregate

    def employee(self, employee_number: str, *, for_change: bool = True) -> Employee:
        employee_number = normalise_employee_number(employee_number)
        return self.load(
            ids.employee_id(employee_number),
            Employee,
            f"employee {employee_number}",
            for_change=for_change,
        )

    def plan(self, employee_number: str, year: int) -> CompetencePlan:
        employee_number = normalise_employee_number(employee_number)
        return self.load(
            ids.plan_id(employee_number, year),
            CompetencePlan,
            f"the {year} competence plan of employee {employee_number}",
        )

    def training_request(self, request_id: UUID) -> TrainingRequest:
        return self.load(request_id, TrainingRequest, f"training request {request_id}")

    def catalogue(self, *, for_change: bool = True) -> Catalogue:
        """The catalogue; ``for_change=False`` skips the cache's defensive deep copy for
        use cases that only read it (most of them), which dominated bulk loads."""
        try:
            aggregate: object = self.repository.get(
                ids.CATALOGUE_ID, deepcopy_from_cache=for_change
            )
        except AggregateNotFoundError:
            return Catalogue()
        assert isinstance(aggregate, Catalogue)
        return aggregate

    def exists(self, aggregate_id: UUID) -> bool:
        """One indexed row read, instead of rebuilding the aggregate."""
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    # --- catalogue ------------------------------------------------------------------
    @use_case
    def define_competence(self, cmd: c.DefineCompetence, ctx: Context) -> Outcome[UUID]:
        catalogue = self.catalogue()
        catalogue.define(ctx, cmd.competence)
        return catalogue.id, [catalogue]

    @use_case
    def revise_competence(self, cmd: c.ReviseCompetence, ctx: Context) -> Outcome[UUID]:
        catalogue = self.catalogue()
        catalogue.revise(ctx, cmd.competence, cmd.reason)
        return catalogue.id, [catalogue]

    @use_case
    def withdraw_competence(self, cmd: c.WithdrawCompetence, ctx: Context) -> Outcome[UUID]:
        catalogue = self.catalogue()
        catalogue.withdraw(ctx, cmd.code, cmd.reason)
        return catalogue.id, [catalogue]

    @use_case
    def set_requirement_profile(self, cmd: c.SetRequirementProfile, ctx: Context) -> Outcome[UUID]:
        catalogue = self.catalogue()
        catalogue.set_profile(ctx, cmd.profile)
        return catalogue.id, [catalogue]

    # --- employees ------------------------------------------------------------------
    @use_case
    def hire(self, cmd: c.HireEmployee, ctx: Context) -> Outcome[UUID]:
        if self.exists(ids.employee_id(cmd.employee_number)):
            raise Employee.refuse_duplicate(cmd.employee_number)
        if cmd.manager is not None:
            self._check_manager(cmd.manager, cmd.employee_number)
        catalogue = self.catalogue(for_change=False)
        personal = PersonalDetails(name=cmd.name, birth_date=cmd.birth_date) if cmd.name else None
        assignment = Assignment(unit=cmd.unit, position=cmd.position, manager=cmd.manager)
        employee = Employee.hire(ctx, cmd.employee_number, assignment, cmd.start_date, personal)
        for held in cmd.holdings:
            definition = catalogue.get(held.competence_code)
            definition.scale.check(held.level, held.competence_code)
            employee.record_competence(
                ctx,
                Holding(
                    competence_code=held.competence_code,
                    level=held.level,
                    acquired_on=held.acquired_on,
                    valid_until=held.valid_until or _valid_until(definition, held.acquired_on),
                    source=HoldingSource.IMPORT,
                    evidence=held.evidence,
                ),
            )
        requests = self._onboarding_requests(ctx, employee, catalogue)
        return employee.id, [employee, *requests]

    def _onboarding_requests(
        self, ctx: Context, employee: Employee, catalogue: Catalogue
    ) -> list[TrainingRequest]:
        """Policy: onboarding training for every mandatory competence not held on day one."""
        assert employee.assignment is not None and employee.start_date is not None
        policy_ctx = ctx.because_of("onboarding")
        requests = []
        required = catalogue.requirements_for(
            employee.assignment.position, employee.assignment.unit
        )
        for code, req in sorted(required.items()):
            if not req.mandatory_at_onboarding:
                continue
            held = employee.holdings.get(code)
            if held and held.level >= req.level and held.is_valid_on(employee.start_date):
                continue
            request_id = ids.onboarding_request_id(employee.employee_number, code)
            if self.exists(request_id):
                continue
            requests.append(
                TrainingRequest.report(
                    policy_ctx,
                    request_id,
                    employee.employee_number,
                    code,
                    req.level,
                    RequestReason.ONBOARDING,
                )
            )
        return requests

    def _check_manager(self, manager: str, employee_number: str) -> None:
        if manager == employee_number:
            raise InvalidValue(f"employee {employee_number} cannot be their own manager")
        if not self.exists(ids.employee_id(manager)):
            raise NotFound(f"manager {manager} is not a registered employee")

    @use_case
    def transfer(self, cmd: c.TransferEmployee, ctx: Context) -> Outcome[UUID]:
        employee = self.employee(cmd.employee_number)
        assert employee.assignment is not None
        if (cmd.unit, cmd.position, cmd.manager) == (None, None, None) and not cmd.remove_manager:
            raise InvalidValue("a transfer needs a new unit, position or manager")
        if cmd.remove_manager and cmd.manager is not None:
            raise InvalidValue("give a new manager or remove the manager, not both")
        if cmd.manager is not None:
            self._check_manager(cmd.manager, cmd.employee_number)
        new = Assignment(
            unit=cmd.unit or employee.assignment.unit,
            position=cmd.position or employee.assignment.position,
            manager=None if cmd.remove_manager else cmd.manager or employee.assignment.manager,
        )
        employee.transfer(ctx, new, cmd.effective_on)
        return employee.id, [employee]

    @use_case
    def record_competence(self, cmd: c.RecordCompetence, ctx: Context) -> Outcome[UUID]:
        employee = self.employee(cmd.employee_number)
        employee.record_competence(ctx, self._holding(cmd))
        return employee.id, [employee]

    @use_case
    def correct_competence_record(
        self, cmd: c.CorrectCompetenceRecord, ctx: Context
    ) -> Outcome[UUID]:
        employee = self.employee(cmd.employee_number)
        employee.correct_competence_record(ctx, self._holding(cmd), cmd.reason)
        return employee.id, [employee]

    def _holding(self, cmd: c.RecordCompetence) -> Holding:
        definition = self.catalogue(for_change=False).get(cmd.competence_code)
        definition.scale.check(cmd.level, cmd.competence_code)
        return Holding(
            competence_code=cmd.competence_code,
            level=cmd.level,
            acquired_on=cmd.acquired_on,
            valid_until=cmd.valid_until or _valid_until(definition, cmd.acquired_on),
            source=cmd.source,
            evidence=cmd.evidence,
        )

    @use_case
    def revoke_competence(self, cmd: c.RevokeCompetence, ctx: Context) -> Outcome[UUID]:
        employee = self.employee(cmd.employee_number)
        employee.revoke_competence(ctx, cmd.competence_code, cmd.reason, cmd.effective_on)
        return employee.id, [employee]

    @use_case
    def confirm_record(self, cmd: c.ConfirmRecord, ctx: Context) -> Outcome[UUID]:
        employee = self.employee(cmd.employee_number)
        employee.confirm_record(ctx, cmd.confirmed_on)
        return employee.id, [employee]

    @use_case
    def correct_personal_details(
        self, cmd: c.CorrectPersonalDetails, ctx: Context
    ) -> Outcome[UUID]:
        employee = self.employee(cmd.employee_number)
        employee.correct_personal_details(
            ctx, PersonalDetails(name=cmd.name, birth_date=cmd.birth_date)
        )
        return employee.id, [employee]

    @use_case
    def register_leaving(self, cmd: c.RegisterLeaving, ctx: Context) -> Outcome[UUID]:
        """Policy: training requests still open are cancelled, so the Academy does not
        arrange training for someone who is leaving and no request is left dangling."""
        employee = self.employee(cmd.employee_number)
        employee.leave(ctx, cmd.end_date)
        changed: list[Aggregate] = [employee]
        policy_ctx = ctx.because_of("employee-left")
        for request_id in self.open_requests(cmd.employee_number) if self.open_requests else ():
            request = self.training_request(request_id)
            if request.is_open:
                request.cancel(policy_ctx, f"employee leaves on {cmd.end_date}")
                changed.append(request)
        return employee.id, changed

    # --- competence plans -----------------------------------------------------------
    @use_case
    def start_cycle(self, cmd: c.StartCycle, ctx: Context) -> Outcome[int]:
        """Policy: a plan and the three cycle conversations for every active employee.

        Employees who already have a plan for the year are skipped, so a cycle can be
        started again for the newly hired.
        """
        if self.roster is None:
            raise InvalidValue("starting a cycle needs the roster view, which is not wired")
        if not (
            cmd.employee_conversation_by
            <= cmd.goal_and_development_1_by
            <= cmd.goal_and_development_2_by
        ):
            raise InvalidValue(
                "the conversations must be in order: employee conversation, "
                "goal-and-development 1, goal-and-development 2"
            )
        policy_ctx = ctx.because_of("annual-cycle")
        dates = dict(
            zip(
                CYCLE_CONVERSATIONS,
                (
                    cmd.employee_conversation_by,
                    cmd.goal_and_development_1_by,
                    cmd.goal_and_development_2_by,
                ),
                strict=True,
            )
        )
        plans: list[Aggregate] = []
        day = cmd.as_of or (ctx.today if ctx.today.year == cmd.year else date(cmd.year, 1, 1))
        for number in self.roster(day, cmd.unit):
            if self.exists(ids.plan_id(number, cmd.year)):
                continue
            employee = self.employee(number)
            if employee.has_left_by(day):
                continue
            plans.append(self._open_plan(policy_ctx, employee, cmd.year, dates))
        return len(plans), plans

    @use_case
    def open_plan(self, cmd: c.OpenPlan, ctx: Context) -> Outcome[UUID]:
        if self.exists(ids.plan_id(cmd.employee_number, cmd.year)):
            raise AlreadyExists(f"employee {cmd.employee_number} already has a plan for {cmd.year}")
        employee = self.employee(cmd.employee_number)
        employee.refuse_if_left(ctx.today)
        plan = self._open_plan(ctx, employee, cmd.year, {})
        return plan.id, [plan]

    @staticmethod
    def _open_plan(
        ctx: Context, employee: Employee, year: int, dates: dict[ConversationKind, date]
    ) -> CompetencePlan:
        assert employee.assignment is not None
        plan = CompetencePlan.open(
            ctx,
            employee.employee_number,
            year,
            employee.assignment.unit,
            employee.assignment.manager,
        )
        for kind, day in dates.items():
            plan.schedule(ctx, kind.value, kind, day)
        return plan

    @use_case
    def schedule_conversation(self, cmd: c.ScheduleConversation, ctx: Context) -> Outcome[UUID]:
        plan = self.plan(cmd.employee_number, cmd.year)
        conversation_id = cmd.conversation_id or _conversation_id(plan, cmd.kind)
        plan.schedule(ctx, conversation_id, cmd.kind, cmd.scheduled_for)
        return plan.id, [plan]

    @use_case
    def hold_conversation(self, cmd: c.HoldConversation, ctx: Context) -> Outcome[UUID]:
        self.refuse_if_left(cmd.employee_number, ctx.today)
        plan = self.plan(cmd.employee_number, cmd.year)
        plan.hold(ctx, cmd.conversation_id, cmd.held_on, cmd.topics, cmd.summary)
        return plan.id, [plan]

    @use_case
    def agree_work_goal(self, cmd: c.AgreeWorkGoal, ctx: Context) -> Outcome[UUID]:
        self.refuse_if_left(cmd.employee_number, ctx.today)
        plan = self.plan(cmd.employee_number, cmd.year)
        goal = Goal(
            goal_id=cmd.goal_id,
            kind=GoalKind.WORK,
            description=cmd.description,
            deadline=cmd.deadline,
        )
        plan.agree_goal(ctx, goal, cmd.conversation_id)
        return plan.id, [plan]

    @use_case
    def agree_competence_goal(self, cmd: c.AgreeCompetenceGoal, ctx: Context) -> Outcome[UUID]:
        self.refuse_if_left(cmd.employee_number, ctx.today)
        definition = self.catalogue(for_change=False).get(cmd.competence_code)
        definition.scale.check(cmd.target_level, cmd.competence_code)
        plan = self.plan(cmd.employee_number, cmd.year)
        goal = Goal(
            goal_id=cmd.goal_id,
            kind=GoalKind.COMPETENCE,
            description=cmd.description,
            deadline=cmd.deadline,
            competence_code=cmd.competence_code,
            target_level=cmd.target_level,
            measures=cmd.measures,
        )
        plan.agree_goal(ctx, goal, cmd.conversation_id)
        changed: list[Aggregate] = [plan]
        if cmd.report_training_need:
            changed.append(
                TrainingRequest.report(
                    ctx,
                    ids.goal_request_id(plan.id, cmd.goal_id),
                    cmd.employee_number,
                    cmd.competence_code,
                    cmd.target_level,
                    RequestReason.GOAL,
                    plan_id=plan.id,
                    goal_id=cmd.goal_id,
                )
            )
        return plan.id, changed

    @use_case
    def record_goal_progress(self, cmd: c.RecordGoalProgress, ctx: Context) -> Outcome[UUID]:
        plan = self.plan(cmd.employee_number, cmd.year)
        plan.record_progress(ctx, cmd.goal_id, cmd.note, cmd.percent_complete)
        return plan.id, [plan]

    @use_case
    def revise_goal(self, cmd: c.ReviseGoal, ctx: Context) -> Outcome[UUID]:
        plan = self.plan(cmd.employee_number, cmd.year)
        current = plan.goal(cmd.goal_id)
        changes: dict[str, Any] = {
            k: v
            for k, v in (
                ("description", cmd.description),
                ("deadline", cmd.deadline),
                ("target_level", cmd.target_level),
                ("measures", cmd.measures),
            )
            if v is not None
        }
        if current.kind is GoalKind.WORK and {"target_level", "measures"} & changes.keys():
            raise InvalidValue(f"goal {cmd.goal_id} is a work goal: it has no level or measures")
        if current.competence_code and "target_level" in changes:
            self.catalogue(for_change=False).get(current.competence_code).scale.check(
                changes["target_level"], current.competence_code
            )
        revised = Goal.model_validate({**current.model_dump(), **changes})
        plan.revise_goal(ctx, revised, cmd.reason)
        return plan.id, [plan]

    @use_case
    def close_goal(self, cmd: c.CloseGoal, ctx: Context) -> Outcome[UUID]:
        plan = self.plan(cmd.employee_number, cmd.year)
        plan.close_goal(ctx, cmd.goal_id, cmd.outcome, cmd.closed_on, cmd.comment)
        return plan.id, [plan]

    @use_case
    def close_plan(self, cmd: c.ClosePlan, ctx: Context) -> Outcome[UUID]:
        plan = self.plan(cmd.employee_number, cmd.year)
        plan.close(ctx, cmd.closed_on)
        return plan.id, [plan]

    def refuse_if_left(self, employee_number: str, today: date) -> None:
        self.employee(employee_number, for_change=False).refuse_if_left(today)

    # --- training requests ----------------------------------------------------------
    @use_case
    def report_training_need(self, cmd: c.ReportTrainingNeed, ctx: Context) -> Outcome[UUID]:
        employee = self.employee(cmd.employee_number)
        employee.refuse_if_left(ctx.today)
        definition = self.catalogue(for_change=False).get(cmd.competence_code)
        plan_id = None
        target = cmd.target_level
        if cmd.goal_id is not None:
            if cmd.year is None:
                raise InvalidValue("a training need linked to a goal needs the plan year")
            plan = self.plan(cmd.employee_number, cmd.year)
            goal = plan.goal(cmd.goal_id)
            if goal.competence_code != cmd.competence_code:
                raise InvalidValue(
                    f"goal {cmd.goal_id} is about {goal.competence_code}, not {cmd.competence_code}"
                )
            plan_id, target = plan.id, target or goal.target_level
            request_id = ids.goal_request_id(plan.id, cmd.goal_id)
            if self.exists(request_id):
                raise AlreadyExists(f"goal {cmd.goal_id} already has a training request")
        else:
            request_id = ids.client_request_id(cmd.command_id) if cmd.command_id else uuid4()
        level = target or 1
        definition.scale.check(level, cmd.competence_code)
        request = TrainingRequest.report(
            ctx,
            request_id,
            cmd.employee_number,
            cmd.competence_code,
            level,
            RequestReason.GOAL if cmd.goal_id else RequestReason.NEED,
            plan_id=plan_id,
            goal_id=cmd.goal_id,
            note=cmd.note,
        )
        return request.id, [request]

    @use_case
    def receive_training_request(
        self, cmd: c.ReceiveTrainingRequest, ctx: Context
    ) -> Outcome[UUID]:
        request = self.training_request(cmd.request_id)
        request.receive(ctx, ctx.actor.employee_number)
        return request.id, [request]

    @use_case
    def choose_measure(self, cmd: c.ChooseMeasure, ctx: Context) -> Outcome[UUID]:
        request = self.training_request(cmd.request_id)
        measure = ChosenMeasure(
            kind=cmd.kind,
            title=cmd.title,
            provider=cmd.provider,
            planned_start=cmd.planned_start,
            planned_end=cmd.planned_end,
        )
        request.choose_measure(ctx, measure)
        return request.id, [request]

    @use_case
    def complete_training(self, cmd: c.CompleteTraining, ctx: Context) -> Outcome[UUID]:
        """Policy: a passed or attended measure records the competence on the employee."""
        request = self.training_request(cmd.request_id)
        request.complete(ctx, cmd.completed_on, cmd.result, cmd.evidence)
        changed: list[Aggregate] = [request]
        if cmd.result is not TrainingResult.FAILED:
            employee = self.employee(request.employee_number)
            definition = self.catalogue(for_change=False).get(request.competence_code)
            held = employee.holdings.get(request.competence_code)
            level = max(request.target_level, held.level if held else 0)
            employee.record_competence(
                ctx.because_of("training-completed"),
                Holding(
                    competence_code=request.competence_code,
                    level=level,
                    acquired_on=cmd.completed_on,
                    valid_until=_valid_until(definition, cmd.completed_on),
                    source=HoldingSource.TRAINING,
                    evidence=cmd.evidence,
                    training_request_id=request.id,
                ),
            )
            changed.append(employee)
        return request.id, changed

    @use_case
    def reject_training_request(self, cmd: c.RejectTrainingRequest, ctx: Context) -> Outcome[UUID]:
        request = self.training_request(cmd.request_id)
        request.reject(ctx, cmd.reason)
        return request.id, [request]

    @use_case
    def cancel_training_request(self, cmd: c.CancelTrainingRequest, ctx: Context) -> Outcome[UUID]:
        request = self.training_request(cmd.request_id)
        request.cancel(ctx, cmd.reason)
        return request.id, [request]

    # --- reading aggregates' histories ----------------------------------------------
    def history(self, aggregate_ids: Iterable[UUID]) -> list[Any]:
        """All stored events of the given aggregates, oldest first."""
        events: list[Any] = []
        for aggregate_id in aggregate_ids:
            events.extend(self.events.get(aggregate_id))
        events.sort(key=lambda e: (e.timestamp, e.via is not None, e.originator_version))
        return events


def _valid_until(definition: CompetenceDefinition, acquired_on: date) -> date | None:
    if definition.validity_months is None:
        return None
    return add_months(acquired_on, definition.validity_months)


def _conversation_id(plan: CompetencePlan, kind: ConversationKind) -> str:
    if kind is not ConversationKind.FOLLOW_UP:
        return kind.value
    n = 1 + sum(1 for conv in plan.conversations.values() if conv.kind is kind)
    return f"follow_up_{n}"
