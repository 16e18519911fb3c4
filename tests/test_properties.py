"""Properties over random command sequences in a small world, on real stores.

The world: 3 to 6 employees (some of them managers of others), two units, two positions, three
competences (a certificate valid 12 months, two on the standard scale) and the year 2026.
Sequences mix valid and invalid commands (unknown employees, wrong levels, impossible dates,
steps out of order, resubmitted command ids) with the clock moving forward.

(a) views caught up incrementally, in random page sizes between the commands, equal views
    rebuilt from scratch, row by row, and so do the reports;
(b) replaying an aggregate's stored events gives the live object that emitted them;
(c) a rejected command leaves the log, and the aggregates it names, exactly as they were.

Every example is a new store (a SQLite file in a temporary directory; on PostgreSQL a new
schema), so the examples per property are fewer on PostgreSQL. ``NND_PROPERTY_EXAMPLES``
overrides the count, ``HYPOTHESIS_PROFILE=explore`` draws new examples instead of the
fixed (derandomized) ones.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from nnd_competence import Actor, CompetenceStore, DomainError, Role
from nnd_competence.application import commands as c
from nnd_competence.application.clock import FixedClock
from nnd_competence.application.idempotency import command_record_id
from nnd_competence.domain import ids
from nnd_competence.domain.aggregate import Aggregate
from nnd_competence.domain.catalogue import (
    Category,
    CompetenceDefinition,
    Requirement,
    RequirementProfile,
)
from nnd_competence.domain.competence_plan import (
    ConversationKind,
    GoalOutcome,
    MeasureKind,
    Topic,
)
from nnd_competence.domain.training_request import TrainingResult
from nnd_competence.domain.values import CERTIFICATE_SCALE, STANDARD_SCALE

YEAR = 2026
JAN1 = date(YEAR, 1, 1)
START = datetime(YEAR, 1, 2, 8, tzinfo=UTC)
END = datetime(YEAR + 1, 1, 31, 8, tzinfo=UTC)
HR = Actor(employee_number="90001", role=Role.HR)
MANAGER = Actor(employee_number="90004", role=Role.LINE_MANAGER)
OFFICER = Actor(employee_number="90002", role=Role.COMPETENCE_OFFICER)
CODES = ("CERT", "SAFE", "LEAD")
UNITS = ("HALDEN", "KJELLER")
POSITIONS = ("OPERATOR", "ENGINEER")
GOALS = ("G1", "G2", "W1")
CONVERSATIONS = (
    "EMPLOYEE_CONVERSATION",
    "GOAL_AND_DEVELOPMENT_1",
    "GOAL_AND_DEVELOPMENT_2",
    "FOLLOW_UP_1",
)
SETUP: list[c.Command] = [
    c.DefineCompetence(
        competence=CompetenceDefinition(
            code="CERT",
            name_nb="Strålevernsertifikat",
            category=Category.SAFETY,
            scale=CERTIFICATE_SCALE,
            validity_months=12,
        )
    ),
    c.DefineCompetence(
        competence=CompetenceDefinition(
            code="SAFE", name_nb="Kjernesikkerhet", category=Category.SAFETY, scale=STANDARD_SCALE
        )
    ),
    c.DefineCompetence(
        competence=CompetenceDefinition(
            code="LEAD", name_nb="Ledelse", category=Category.LEADERSHIP, scale=STANDARD_SCALE
        )
    ),
    c.SetRequirementProfile(
        profile=RequirementProfile(
            position="OPERATOR",
            requirements=(
                Requirement(competence_code="CERT", level=1, mandatory_at_onboarding=True),
                Requirement(competence_code="SAFE", level=2),
            ),
        )
    ),
    c.SetRequirementProfile(
        profile=RequirementProfile(
            unit="KJELLER",
            requirements=(
                Requirement(competence_code="SAFE", level=3, mandatory_at_onboarding=True),
            ),
        )
    ),
]

days = st.integers(min_value=-40, max_value=400)


def day(offset: int) -> date:
    return JAN1 + timedelta(days=offset)


# --- the world a sequence runs in ----------------------------------------------------
@dataclass
class World:
    numbers: list[str]
    requests: list[UUID] = field(default_factory=list)
    with_ids: list[tuple[c.Command, Actor, Any]] = field(default_factory=list)
    counter: int = 0

    def request_pool(self) -> list[UUID]:
        derived = [ids.onboarding_request_id(n, code) for n in self.numbers for code in CODES]
        derived += [
            ids.goal_request_id(ids.plan_id(n, YEAR), g) for n in self.numbers for g in GOALS
        ]
        return self.requests + derived

    def next_command_id(self) -> str:
        self.counter += 1
        return f"cmd-{self.counter}"


Build = Callable[[], tuple[c.Command, Actor]]


def draw_command(data: st.DataObject, world: World, store: CompetenceStore) -> Build:
    """A command, mostly valid for the current state, sometimes not (about one in five).

    The store is only read, for hints (who is hired, what is scheduled, where a training
    request stands); the command is built lazily, as building may be what fails validation.
    """
    draw = data.draw
    valid = draw(st.integers(0, 4), label="aim") < 4  # 0, the simplest draw, is valid
    app = store.app
    today = store.today()
    hired = [n for n in world.numbers if app.exists(ids.employee_id(n))]
    unhired = [n for n in world.numbers if n not in hired]

    def pick_number(prefer: list[str]) -> str:
        choices = prefer if valid and prefer else world.numbers
        return draw(st.sampled_from(choices), label="employee")

    def pick_date(past: bool = True) -> date:
        if valid and past:
            return today - timedelta(days=draw(st.integers(0, 120), label="days ago"))
        return day(draw(days, label="date"))

    def pick_level(code: str) -> int:
        if valid:
            top = 1 if code == "CERT" else 3
            return draw(st.integers(1, top), label="level")
        return draw(st.integers(0, 4), label="level")

    def plan_of(number: str) -> Any:
        plan_id = ids.plan_id(number, YEAR)
        return app.plan(number, YEAR) if app.exists(plan_id) else None

    code = draw(st.sampled_from(CODES), label="code")
    kind = draw(
        st.sampled_from(
            ["progress"] * 6
            + ["hold"] * 4
            + ["hire", "hire", "record", "record", "need", "need"]
            + ["competence_goal", "competence_goal", "work_goal", "close_goal", "close_plan"]
            + ["transfer", "correct", "revoke", "confirm", "personal", "leave"]
            + ["start_cycle", "open_plan", "schedule"]
            + ["reject", "cancel", "impossible_date", "resubmit"]
            + ["leaver_training", "leaver_training"]
        ),
        label="command",
    )
    y = YEAR

    if kind == "hire":
        n = pick_number(unhired)
        manager = draw(st.sampled_from([None, *hired]), label="manager")
        held = draw(st.lists(st.sampled_from(CODES), max_size=2, unique=True), label="held")
        unit = draw(st.sampled_from(UNITS))
        position = draw(st.sampled_from(POSITIONS))
        command_id = world.next_command_id() if draw(st.booleans()) else None
        start_date = pick_date(past=draw(st.booleans()))
        holdings = [
            {
                "competence_code": h,
                "level": pick_level(h),
                "acquired_on": day(draw(st.integers(-700, 0))),
            }
            for h in held
        ]
        return lambda: (
            c.HireEmployee(
                employee_number=n,
                unit=unit,
                position=position,
                manager=manager,
                start_date=start_date,
                holdings=holdings,  # type: ignore[arg-type]
                name=f"Ansatt {n}",
                command_id=command_id,
            ),
            HR,
        )

    planned = [n for n in hired if app.exists(ids.plan_id(n, YEAR))]
    plan_kinds = ("schedule", "hold", "competence_goal", "work_goal", "close_goal", "close_plan")
    n = pick_number(planned if kind in plan_kinds else hired)
    if kind in ("revoke", "correct") and valid and n in hired:
        code = draw(st.sampled_from(sorted(app.employee(n).holdings) or list(CODES)))
    when = pick_date()
    if kind == "transfer":
        unit = draw(st.sampled_from([None, *UNITS]))
        position = draw(st.sampled_from([None, *POSITIONS]))
        effective = pick_date(past=draw(st.booleans()))
        return lambda: (
            c.TransferEmployee(
                employee_number=n, unit=unit, position=position, effective_on=effective
            ),
            HR,
        )
    if kind in ("record", "correct"):
        source = draw(st.sampled_from(["assessment", "training", "import"]))
        level = pick_level(code)
        if kind == "record":
            return lambda: (
                c.RecordCompetence(
                    employee_number=n,
                    competence_code=code,
                    level=level,
                    acquired_on=when,
                    source=source,
                ),
                MANAGER,
            )
        return lambda: (
            c.CorrectCompetenceRecord(
                employee_number=n,
                competence_code=code,
                level=level,
                acquired_on=when,
                reason="Feilregistrert",
            ),
            MANAGER,
        )
    if kind == "revoke":
        return lambda: (
            c.RevokeCompetence(
                employee_number=n, competence_code=code, reason="x", effective_on=when
            ),
            MANAGER,
        )
    if kind == "confirm":
        return lambda: (c.ConfirmRecord(employee_number=n, confirmed_on=when), MANAGER)
    if kind == "personal":
        name = draw(st.sampled_from(["Kari", "Ola", "Åse"]))
        return lambda: (c.CorrectPersonalDetails(employee_number=n, name=name), HR)
    if kind == "leave":
        end = pick_date(past=draw(st.booleans()))
        return lambda: (c.RegisterLeaving(employee_number=n, end_date=end), HR)
    if kind == "start_cycle":
        first, second, third = sorted(draw(st.lists(days, min_size=3, max_size=3)))
        if not valid:
            first, third = third, first  # out of order (unless equal)
        unit = draw(st.sampled_from([None, *UNITS]))
        command_id = world.next_command_id() if draw(st.booleans()) else None
        return lambda: (
            c.StartCycle(
                year=y,
                employee_conversation_by=day(first),
                goal_and_development_1_by=day(second),
                goal_and_development_2_by=day(third),
                unit=unit,
                command_id=command_id,
            ),
            HR,
        )
    if kind == "open_plan":
        return lambda: (c.OpenPlan(employee_number=n, year=y), HR)
    if kind == "schedule":
        conv_kind = draw(st.sampled_from(list(ConversationKind)))
        scheduled = pick_date(past=False)
        return lambda: (
            c.ScheduleConversation(
                employee_number=n, year=y, kind=conv_kind, scheduled_for=scheduled
            ),
            MANAGER,
        )
    plan = plan_of(n)
    if kind == "hold":
        scheduled_ids = (
            sorted(
                (cid for cid, conv in plan.conversations.items() if conv.held_on is None),
                key=lambda cid: (list(ConversationKind).index(plan.conversations[cid].kind), cid),
            )
            if plan and valid
            else []
        )
        conversation = draw(st.sampled_from(scheduled_ids or list(CONVERSATIONS)))
        topics = tuple(
            draw(st.lists(st.sampled_from(list(Topic)), min_size=int(valid), max_size=3))
        )
        return lambda: (
            c.HoldConversation(
                employee_number=n,
                year=y,
                conversation_id=conversation,
                held_on=when,
                topics=topics,
            ),
            MANAGER,
        )
    if kind in ("competence_goal", "work_goal"):
        goal = draw(st.sampled_from(GOALS))
        deadline = pick_date(past=False)
        if kind == "work_goal":
            return lambda: (
                c.AgreeWorkGoal(
                    employee_number=n,
                    year=y,
                    goal_id=goal,
                    description="Arbeidsmål",
                    deadline=deadline,
                ),
                MANAGER,
            )
        report = draw(st.booleans())
        level = pick_level(code)
        return lambda: (
            c.AgreeCompetenceGoal(
                employee_number=n,
                year=y,
                goal_id=goal,
                description="Kompetansemål",
                competence_code=code,
                target_level=level,
                measures=({"kind": "course", "description": "Kurs"},),  # type: ignore[arg-type]
                deadline=deadline,
                report_training_need=report,
            ),
            MANAGER,
        )
    if kind == "close_goal":
        goals = sorted(plan.goals) if plan and valid else []
        goal = draw(st.sampled_from(goals or list(GOALS)))
        outcome = draw(st.sampled_from(list(GoalOutcome)))
        comment = "Omprioritert" if valid else draw(st.sampled_from([None, "Omprioritert"]))
        return lambda: (
            c.CloseGoal(
                employee_number=n,
                year=y,
                goal_id=goal,
                outcome=outcome,
                closed_on=when,
                comment=comment,
            ),
            MANAGER,
        )
    if kind == "close_plan":
        return lambda: (c.ClosePlan(employee_number=n, year=y, closed_on=when), HR)
    if kind == "need":
        command_id = world.next_command_id() if draw(st.booleans()) else None
        level = pick_level(code)
        return lambda: (
            c.ReportTrainingNeed(
                employee_number=n,
                competence_code=code,
                target_level=level or None,
                command_id=command_id,
            ),
            MANAGER,
        )
    if kind == "leaver_training":
        # Training of someone who is leaving: leaving cancels their open requests, and
        # completing one (if any is left open) would record the competence on an
        # employee who refuses it, after the request itself had accepted its part.
        open_requests = [
            app.training_request(r)
            for r in world.request_pool()
            if app.exists(r) and app.training_request(r).is_open
        ]
        leavers = [r for r in open_requests if app.employee(r.employee_number).has_left]
        if not leavers:
            if not open_requests:
                return lambda: (c.RegisterLeaving(employee_number=n, end_date=when), HR)
            target = draw(st.sampled_from(open_requests), label="leaver")
            number = target.employee_number
            return lambda: (c.RegisterLeaving(employee_number=number, end_date=when), HR)
        target = draw(st.sampled_from(leavers), label="leaver's request")
        if target.status.value == "reported":
            return lambda: (c.ReceiveTrainingRequest(request_id=target.id), OFFICER)
        if target.status.value == "received":
            return lambda: (
                c.ChooseMeasure(request_id=target.id, kind=MeasureKind.COURSE, title="Kurs"),
                OFFICER,
            )
        result = draw(st.sampled_from([TrainingResult.PASSED, TrainingResult.FAILED]))
        return lambda: (
            c.CompleteTraining(request_id=target.id, completed_on=today, result=result),
            OFFICER,
        )
    if kind in ("progress", "reject", "cancel"):
        pool = world.request_pool()
        rank = {"measure_chosen": 0, "received": 1, "reported": 2}
        open_ = sorted(
            (r for r in pool if app.exists(r) and app.training_request(r).is_open),
            key=lambda r: rank[app.training_request(r).status.value],
        )
        request_id = draw(st.sampled_from(open_ if valid and open_ else pool), label="request")
        if kind == "reject":
            return lambda: (c.RejectTrainingRequest(request_id=request_id, reason="Nei"), OFFICER)
        if kind == "cancel":
            return lambda: (
                c.CancelTrainingRequest(request_id=request_id, reason="Avlyst"),
                MANAGER,
            )
        status = app.training_request(request_id).status.value if app.exists(request_id) else ""
        step = status if valid else draw(st.sampled_from(["reported", "received", "x"]))
        if step == "reported":
            return lambda: (c.ReceiveTrainingRequest(request_id=request_id), OFFICER)
        if step == "received":
            measure = draw(st.sampled_from(list(MeasureKind)))
            return lambda: (
                c.ChooseMeasure(request_id=request_id, kind=measure, title="Tiltak"),
                OFFICER,
            )
        result = draw(st.sampled_from(list(TrainingResult)))
        return lambda: (
            c.CompleteTraining(request_id=request_id, completed_on=when, result=result),
            OFFICER,
        )
    if kind == "impossible_date":
        return lambda: (
            c.RegisterLeaving.model_validate({"employee_number": n, "end_date": f"{YEAR}-06-31"}),
            HR,
        )
    assert kind == "resubmit"
    if not world.with_ids:
        return lambda: (c.ConfirmRecord(employee_number=n, confirmed_on=when), MANAGER)
    command, actor, _ = draw(st.sampled_from(world.with_ids), label="resubmitted")
    return lambda: (command, actor)


def touched_ids(command: c.Command) -> set[UUID]:
    """The aggregates a command could have changed (a superset is fine)."""
    found: set[UUID] = {ids.CATALOGUE_ID}
    number = getattr(command, "employee_number", None)
    if number:
        found.add(ids.employee_id(number))
        for code in CODES:
            found.add(ids.onboarding_request_id(number, code))
        year = getattr(command, "year", None)
        if year:
            plan = ids.plan_id(number, year)
            found.add(plan)
            found.update(ids.goal_request_id(plan, g) for g in GOALS)
    request_id = getattr(command, "request_id", None)
    if request_id:
        found.add(request_id)
    if command.command_id:
        found.add(command_record_id(command.command_id))
        found.add(ids.client_request_id(command.command_id))
    return found


# --- running a sequence --------------------------------------------------------------
@dataclass
class Run:
    store: CompetenceStore
    clock: FixedClock
    world: World
    live: dict[UUID, Aggregate] = field(default_factory=dict)
    accepted: int = 0
    rejected: int = 0

    def capture_saves(self) -> None:
        """Keep the very objects the use cases save, to compare replays against."""
        app = self.store.app
        save = app.save

        def saving(*objs: Any, **kwargs: Any) -> Any:
            recordings = save(*objs, **kwargs)
            for obj in objs:
                if isinstance(obj, Aggregate):
                    self.live[obj.id] = obj
            return recordings

        app.save = saving  # type: ignore[method-assign]

    def log(self) -> list[tuple[Any, ...]]:
        recorder = self.store.app.recorder
        return [
            (n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
            for n in recorder.select_notifications(0, 1_000_000, inclusive_of_start=False)
        ]

    def events_of(self, aggregate_ids: set[UUID]) -> dict[UUID, list[Any]]:
        return {a: list(self.store.app.events.get(a)) for a in aggregate_ids}

    def step(self, data: st.DataObject, check_rejections: bool) -> None:
        draw = data.draw
        action = draw(st.sampled_from(["command"] * 6 + ["advance", "catch_up"]), label="step")
        if action == "advance":
            hours = draw(st.integers(min_value=1, max_value=24 * 45), label="hours")
            self.clock.set(min(END, self.clock.now() + timedelta(hours=hours)))
            return
        if action == "catch_up":
            page_size = draw(st.integers(min_value=1, max_value=12), label="page_size")
            max_pages = draw(st.integers(min_value=1, max_value=4), label="max_pages")
            self.store.runner.catch_up(page_size=page_size, max_pages=max_pages)
            return
        build = draw_command(data, self.world, self.store)
        max_before = self.store.app.recorder.max_notification_id()
        log_before = self.log() if check_rejections else None
        command: c.Command | None = None
        try:
            command, actor = build()
            before = self.events_of(touched_ids(command)) if check_rejections else None
            result = self.store.execute(command, actor)
        except (DomainError, ValidationError):
            self.rejected += 1
            if check_rejections:
                assert self.store.app.recorder.max_notification_id() == max_before
                assert self.log() == log_before
                if command is not None:
                    assert self.events_of(touched_ids(command)) == before
                    for aggregate_id in touched_ids(command):
                        if self.store.app.exists(aggregate_id):
                            assert self.store.app.repository.get(aggregate_id) == replay(
                                self.store, aggregate_id
                            )
            return
        self.accepted += 1
        if isinstance(result, UUID) and isinstance(command, c.ReportTrainingNeed):
            self.world.requests.append(result)
        if command.command_id is not None:
            earlier = [r for cmd, _, r in self.world.with_ids if cmd == command]
            if earlier:  # a resubmission: the first outcome, and nothing written
                assert result == earlier[0]
                assert self.store.app.recorder.max_notification_id() == max_before
            else:
                self.world.with_ids.append((command, actor, result))


def replay(store: CompetenceStore, aggregate_id: UUID) -> Aggregate | None:
    aggregate: Aggregate | None = None
    for event in store.app.events.get(aggregate_id):
        aggregate = event.mutate(aggregate)
    return aggregate


def start(store: CompetenceStore, data: st.DataObject) -> Run:
    clock = store.app.clock
    assert isinstance(clock, FixedClock)
    size = data.draw(st.integers(min_value=3, max_value=6), label="employees")
    world = World(numbers=[f"3000{i}" for i in range(1, size + 1)])
    run = Run(store, clock, world)
    run.capture_saves()
    for command in SETUP:
        store.execute(command, HR)
    # a prologue of valid hires (some of them managers of the later ones) and maybe a cycle
    for i, number in enumerate(world.numbers[: data.draw(st.integers(2, size), label="hires")]):
        store.execute(
            c.HireEmployee(
                employee_number=number,
                unit=data.draw(st.sampled_from(UNITS), label="unit"),
                position=data.draw(st.sampled_from(POSITIONS), label="position"),
                manager=data.draw(st.sampled_from([None, *world.numbers[:i]]), label="manager"),
                start_date=day(data.draw(st.integers(-400, 0), label="start")),
            ),
            HR,
        )
    if data.draw(st.integers(0, 3), label="cycle") < 3:  # usually
        first, second, third = sorted(data.draw(st.lists(days, min_size=3, max_size=3)))
        store.execute(
            c.StartCycle(
                year=YEAR,
                employee_conversation_by=day(first),
                goal_and_development_1_by=day(second),
                goal_and_development_2_by=day(third),
            ),
            HR,
        )
    return run


def views(store: CompetenceStore) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    for name, table in sorted(store.runner.tables.items()):
        order = ", ".join(table.key)
        found[name] = store.views.query(
            f"SELECT {', '.join(table.column_names)} FROM {name} ORDER BY {order}"
        )
    return found


def reports(store: CompetenceStore) -> list[dict[str, Any]]:
    found = []
    for as_of in (date(YEAR, 3, 1), date(YEAR, 9, 1), date(YEAR + 1, 1, 15)):
        found.append(store.gap_report(as_of=as_of, expiring_within_days=60).model_dump())
        found.append(store.completion_report(as_of=as_of, year=YEAR).model_dump())
        found.append(store.conversation_report(as_of=as_of, year=YEAR).model_dump())
    return found


def tracking(store: CompetenceStore) -> list[tuple[Any, ...]]:
    return store.views.query(
        "SELECT view_name, position, rebuilding FROM nnd_view_tracking ORDER BY view_name"
    )


steps = st.integers(min_value=12, max_value=40)


def new_clock() -> FixedClock:
    return FixedClock(START)


#: Examples per property and backend: each example is a new store and a whole sequence.
EXAMPLES = {"sqlite": 25, "postgres": 6}


def property_settings(backend: Any) -> settings:
    default = EXAMPLES.get(backend.name, 8)
    count = int(os.environ.get("NND_PROPERTY_EXAMPLES", default))
    return settings(max_examples=count, deadline=None)


# --- (a) incremental views equal rebuilt views ---------------------------------------
def test_incremental_views_equal_rebuilt_views(fresh_store, backend) -> None:
    @property_settings(backend)
    @given(data=st.data())
    def incremental_equals_rebuilt(data: st.DataObject) -> None:
        with fresh_store(new_clock()) as store:
            run = start(store, data)
            for _ in range(data.draw(steps, label="steps")):
                run.step(data, check_rejections=False)
            store.catch_up(page_size=data.draw(st.integers(1, 50), label="final page size"))
            latest = store.event_count()
            assert tracking(store) == [(name, latest, 0) for name, _, _ in tracking(store)]
            incremental_views, incremental_reports = views(store), reports(store)

            page_size = data.draw(st.integers(1, 1000), label="rebuild page size")
            result = store.rebuild(page_size=page_size)
            assert result.notifications == latest
            assert tracking(store) == [(name, latest, 0) for name, _, _ in tracking(store)]
            assert views(store) == incremental_views
            assert reports(store) == incremental_reports

    incremental_equals_rebuilt()


# --- (b) replay equals the live object -----------------------------------------------
def test_replayed_aggregates_equal_the_live_objects(fresh_store, backend) -> None:
    @property_settings(backend)
    @given(data=st.data())
    def replay_equals_live(data: st.DataObject) -> None:
        with fresh_store(new_clock()) as store:
            run = start(store, data)
            for _ in range(data.draw(steps, label="steps")):
                run.step(data, check_rejections=False)
            originators = {UUID(str(row[1])) for row in run.log()}
            assert set(run.live) == originators
            for aggregate_id, live in run.live.items():
                assert not live.has_pending_events
                replayed = replay(store, aggregate_id)
                assert replayed is not live
                assert replayed == live
                # through the repository: bypassing its cache, and through it
                assert store.app.repository.get(aggregate_id, version=live.version) == live
                assert store.app.repository.get(aggregate_id) == live

    replay_equals_live()


# --- (c) a rejected command changes nothing ------------------------------------------
def test_rejected_commands_leave_the_log_unchanged(fresh_store, backend) -> None:
    totals = {"accepted": 0, "rejected": 0}

    @property_settings(backend)
    @given(data=st.data())
    def rejection_changes_nothing(data: st.DataObject) -> None:
        with fresh_store(new_clock()) as store:
            run = start(store, data)
            for _ in range(data.draw(steps, label="steps")):
                run.step(data, check_rejections=True)
            for aggregate_id, live in run.live.items():
                assert replay(store, aggregate_id) == live
            totals["accepted"] += run.accepted
            totals["rejected"] += run.rejected

    rejection_changes_nothing()
    # a guard on the generator: the sequences must mix accepted and rejected commands
    examples = property_settings(backend).max_examples
    assert totals["accepted"] >= 3 * examples, totals
    assert totals["rejected"] >= examples, totals
