"""A scaled-up sample organisation, simulated year by year over many years.

The bundled sample (``nnd_competence.sample``: 21 units, ~430 seats, 49 competences, 60
requirement profiles) is scaled to the requested number of employees (every unit's seats
times the same factor, one team leader per ~15 seats) and its competence process is
played out for ``years`` years: the annual cycle (plan and three scheduled
conversations), conversations held, work and competence goals with progress and
closing, training needs through the Academy (received, measure chosen, completed or
cancelled) that record the competence on completion, renewals of expiring
certifications, assessments, the manager's yearly confirmation, transfers, leavers and
their replacements with onboarding training, and the odd correction of personal details.

The catalogue goes in through the use cases (``store.execute``). The bulk does not: it is
built by calling the same domain methods the use cases call (``Employee.hire``,
``CompetencePlan.hold``, ``TrainingRequest.complete``...) with the same policies applied
by hand, and saving the changed aggregates with ``Application.save()`` in batches of
``BATCH_AGGREGATES`` aggregates per transaction. Building a million events through the
use cases, one transaction per command, would take over an hour on a small machine; the
events stored are the same kinds, with the same envelope, as the use cases store.

Everything is deterministic for a given (employees, years, seed).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from nnd_competence.api import CompetenceStore
from nnd_competence.application import commands as c
from nnd_competence.domain import ids
from nnd_competence.domain.aggregate import Aggregate
from nnd_competence.domain.catalogue import Catalogue
from nnd_competence.domain.competence_plan import (
    CompetencePlan,
    ConversationKind,
    Goal,
    GoalKind,
    GoalOutcome,
    Measure,
    Topic,
)
from nnd_competence.domain.employee import (
    Assignment,
    Employee,
    Holding,
    HoldingSource,
    PersonalDetails,
)
from nnd_competence.domain.training_request import (
    ChosenMeasure,
    RequestReason,
    TrainingRequest,
    TrainingResult,
)
from nnd_competence.domain.values import Actor, Context, Role, add_months
from nnd_competence.sample.catalogue_data import COMPETENCES, PROFILES, course_for
from nnd_competence.sample.organisation import UNITS

#: Bump when the simulation changes, so cached stores are rebuilt.
GENERATOR_VERSION = 2
FIRST_YEAR = 2016
#: Aggregates per ``save()`` (one transaction) while building the bulk.
BATCH_AGGREGATES = 250
#: The simulation stops on this day of its last year; "now" for reports and commands.
LAST_DAY = (11, 2)
TEAM_SIZE = 15
SAMPLE_SEATS = sum(sum(seats for _, seats in u.staff) for u in UNITS)

HR = Actor(employee_number="90001", role=Role.HR)
OFFICER = Actor(employee_number="90002", role=Role.COMPETENCE_OFFICER)
EC = ConversationKind.EMPLOYEE_CONVERSATION
GD1 = ConversationKind.GOAL_AND_DEVELOPMENT_1
GD2 = ConversationKind.GOAL_AND_DEVELOPMENT_2


def conversation_id(kind: ConversationKind) -> str:
    """As the stored events spell it (conversation ids are codes: upper case)."""
    return kind.value.upper()


def now_of(years: int) -> datetime:
    """09:00 in Oslo on the simulation's last day: the clock of reports and commands."""
    month, day = LAST_DAY
    return datetime(FIRST_YEAR + years - 1, month, day, 8, 0, tzinfo=UTC)


def catalogue_commands() -> list[c.Command]:
    defined: list[c.Command] = [c.DefineCompetence(competence=d) for d in COMPETENCES]
    return [*defined, *(c.SetRequirementProfile(profile=p) for p in PROFILES)]


@dataclass
class Person:
    number: str
    employee: Employee
    unit: str
    position: str
    manager: str | None
    start: date
    end: date | None = None
    requests: list[TrainingRequest] = field(default_factory=list)

    def active_on(self, day: date) -> bool:
        """Employed on ``day``; nothing but corrections happens on or after leaving."""
        return self.start <= day and (self.end is None or day < self.end)


@dataclass
class Stats:
    commands_via_use_cases: int = 0
    saves: int = 0
    aggregates_saved: int = 0
    hires: int = 0
    leavers: int = 0
    requests: int = 0


@dataclass
class Simulation:
    store: CompetenceStore
    employees: int
    years: int
    seed: int = 1
    progress: Callable[[str], None] | None = None
    stats: Stats = field(default_factory=Stats)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.app = self.store.app
        self.people: dict[str, Person] = {}
        self.units: dict[str, list[str]] = {}  # unit -> team leaders
        self.positions: dict[str, list[str]] = {}  # position -> units with seats
        self.dirty: dict[UUID, Aggregate] = {}
        self.contexts: dict[tuple[date, str, Role, str | None], Context] = {}
        self.next_number = 100001
        self.catalogue: Catalogue = Catalogue()
        self.end_day = now_of(self.years).date()
        self.agenda: list[tuple[date, int, Callable[[], object]]] = []
        self._seq = 0
        self._current_day = date(FIRST_YEAR, 1, 1)

    # --- plumbing ---------------------------------------------------------------------
    def ctx(self, day: date, actor: Actor, via: str | None = None) -> Context:
        key = (day, actor.employee_number, actor.role, via)
        found = self.contexts.get(key)
        if found is None:
            at = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
            found = Context(actor=actor, recorded_at=at, today=day, via=via)
            if len(self.contexts) > 50_000:
                self.contexts.clear()
            self.contexts[key] = found
        return found

    def manager_actor(self, person: Person) -> Actor:
        return Actor(employee_number=person.manager or HR.employee_number, role=Role.LINE_MANAGER)

    def touch(self, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            self.dirty[aggregate.id] = aggregate
        if len(self.dirty) >= BATCH_AGGREGATES:
            self.flush()

    def flush(self) -> None:
        if self.dirty:
            self.app.save(*self.dirty.values())
            self.stats.saves += 1
            self.stats.aggregates_saved += len(self.dirty)
            self.dirty.clear()

    def say(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text)

    # --- the run ----------------------------------------------------------------------
    def run(self) -> Stats:
        for command in catalogue_commands():
            self.store.execute(command, HR)
            self.stats.commands_via_use_cases += 1
        self.catalogue = self.app.catalogue()
        self._staff()
        for year in range(FIRST_YEAR, FIRST_YEAR + self.years):
            self._year(year)
            self.flush()
            self.say(f"year {year}: {self.app.recorder.max_notification_id()} events")
        self.flush()
        return self.stats

    def _number(self) -> str:
        number = str(self.next_number)
        self.next_number += 1
        return number

    def _staff(self) -> None:
        """The first day: everyone on the payroll imported with what they hold."""
        factor = self.employees / SAMPLE_SEATS
        day = date(FIRST_YEAR, 1, 2)
        for unit in UNITS:
            seats = [(pos, max(1, round(n * factor))) for pos, n in unit.staff]
            total = sum(n for _, n in seats)
            leaders = [self._number() for _ in range(max(1, math.ceil(total / TEAM_SIZE)))]
            self.units[unit.code] = leaders
            for number in leaders:
                self._hire(day, number, unit.code, unit.head_position, None, imported=True)
            for position, n in seats:
                self.positions.setdefault(position, []).append(unit.code)
                for i in range(n):
                    self._hire(
                        day,
                        self._number(),
                        unit.code,
                        position,
                        leaders[i % len(leaders)],
                        imported=True,
                    )

    # --- employees --------------------------------------------------------------------
    def _hire(
        self,
        day: date,
        number: str,
        unit: str,
        position: str,
        manager: str | None,
        *,
        imported: bool,
    ) -> Person:
        """As the hire use case: holdings brought along, onboarding requests for the rest."""
        rng = self.rng
        start = date(rng.randint(1990, FIRST_YEAR - 1), rng.randint(1, 12), 1) if imported else day
        ctx = self.ctx(day, HR)
        born = date(rng.randint(1960, 1998), 1 + int(number) % 12, 1)
        personal = PersonalDetails(name=f"Ansatt {number}", birth_date=born)
        employee = Employee.hire(
            ctx, number, Assignment(unit=unit, position=position, manager=manager), start, personal
        )
        required = self.catalogue.requirements_for(position, unit)
        for code, req in sorted(required.items()):
            if rng.random() < (0.9 if imported else 0.5):
                definition = self.catalogue.get(code)
                months = definition.validity_months
                if months:
                    acquired = day - timedelta(days=rng.randint(20, months * 30 - 10))
                else:
                    acquired = day - timedelta(days=rng.randint(100, 3000))
                employee.record_competence(
                    ctx,
                    Holding(
                        competence_code=code,
                        level=req.level,
                        acquired_on=acquired,
                        valid_until=add_months(acquired, months) if months else None,
                        source=HoldingSource.IMPORT,
                    ),
                )
        person = Person(number, employee, unit, position, manager, start)
        self.people[number] = person
        self.stats.hires += 1
        self.touch(employee)
        onboarding = ctx.because_of("onboarding")
        for code, req in sorted(required.items()):
            held = employee.holdings.get(code)
            if not req.mandatory_at_onboarding:
                continue
            if held and held.level >= req.level and held.is_valid_on(employee.start_date or day):
                continue
            request = TrainingRequest.report(
                onboarding,
                ids.onboarding_request_id(number, code),
                number,
                code,
                req.level,
                RequestReason.ONBOARDING,
            )
            self.touch(request)
            self._follow_request(person, request, day, at_least=req.level)
        return person

    def _record(
        self, person: Person, day: date, code: str, level: int, source: HoldingSource, **more: Any
    ) -> None:
        if not person.active_on(day):
            return
        months = self.catalogue.get(code).validity_months
        person.employee.record_competence(
            more.pop("ctx", None) or self.ctx(day, self.manager_actor(person)),
            Holding(
                competence_code=code,
                level=level,
                acquired_on=day,
                valid_until=add_months(day, months) if months else None,
                source=source,
                **more,
            ),
        )
        self.touch(person.employee)

    # --- the schedule of a year -----------------------------------------------------------
    def _year(self, year: int) -> None:
        plans: dict[str, CompetencePlan] = {}
        jan = date(year, 1, 5)
        rng = self.rng
        for person in list(self.people.values()):
            if not person.active_on(jan):
                continue
            self._plan_year(person, year, plans)
            self._renewals(person, year)
            if rng.random() < 0.35:
                self._at(self._day(year, 2, 11), partial(self._assessment, person))
            if rng.random() < 0.85:
                self._at(self._day(year, 12, 12, 1), partial(self._confirm, person, year))
            if rng.random() < 0.06:
                self._at(self._day(year, 2, 11), partial(self._transfer, person))
            if rng.random() < 0.01:
                self._at(self._day(year, 1, 12), partial(self._correct_personal, person))
            if rng.random() < 0.045:
                self._at(self._day(year, 3, 10), partial(self._leave, person))
        self._run_agenda(until=min(date(year, 12, 31), self.end_day))

    def _day(self, year: int, first_month: int, last_month: int, first_day: int = 1) -> date:
        start = date(year, first_month, first_day)
        end = date(year, last_month, 28)
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def _at(self, day: date, action: Callable[[], object]) -> None:
        self._seq += 1
        heapq.heappush(self.agenda, (day, self._seq, action))

    def _run_agenda(self, until: date) -> None:
        """Run actions in date order up to ``until``; actions schedule later actions."""
        heap = self.agenda
        while heap and heap[0][0] <= until:
            day, _, action = heapq.heappop(heap)
            self._current_day = day
            action()

    # --- the annual cycle -------------------------------------------------------------
    def _plan_year(self, person: Person, year: int, plans: dict[str, CompetencePlan]) -> None:
        rng = self.rng
        jan = date(year, 1, 5)

        def open_plan() -> None:
            if not person.active_on(jan):
                return
            ctx = self.ctx(jan, HR, "annual-cycle")
            plan = CompetencePlan.open(ctx, person.number, year, person.unit, person.manager)
            for kind, month, day in ((EC, 2, 28), (GD1, 6, 15), (GD2, 11, 30)):
                plan.schedule(ctx, kind.value, kind, date(year, month, day))
            plans[person.number] = plan
            self.touch(plan)
            held = self._day(year, 2, 3, 1)
            if rng.random() < 0.93:
                self._at(held, lambda: self._employee_conversation(person, plan, held))

        self._at(jan, open_plan)

    def _live(self, person: Person, plan: CompetencePlan, day: date) -> bool:
        return person.active_on(day) and plan.is_open

    def _employee_conversation(self, person: Person, plan: CompetencePlan, day: date) -> None:
        if not self._live(person, plan, day):
            return
        rng = self.rng
        ctx = self.ctx(day, self.manager_actor(person))
        topics = tuple(rng.sample(list(Topic), 2))
        plan.hold(ctx, conversation_id(EC), day, topics)
        year = plan.year
        goals = [
            Goal(
                goal_id="W1",
                kind=GoalKind.WORK,
                description="Levere arbeidspakken i årets dekommisjoneringsplan",
                deadline=date(year, 12, 1),
            )
        ]
        target: tuple[str, int] | None = None
        if rng.random() < 0.7:
            target = self._development_target(person)
        if target is not None:
            code, level = target
            course = course_for(code, rng.randint(0, 3))
            goals.append(
                Goal(
                    goal_id="C1",
                    kind=GoalKind.COMPETENCE,
                    description=f"Oppnå nivå {level} i {code}",
                    deadline=date(year, 11, 1),
                    competence_code=code,
                    target_level=level,
                    measures=(Measure(kind=course.kind, description=course.title),),
                )
            )
        for goal in goals:
            plan.agree_goal(ctx, goal, conversation_id(EC))
        self.touch(plan)
        if target is not None and rng.random() < 0.8:
            request = TrainingRequest.report(
                ctx,
                ids.goal_request_id(plan.id, "C1"),
                person.number,
                target[0],
                target[1],
                RequestReason.GOAL,
                plan_id=plan.id,
                goal_id="C1",
            )
            self.touch(request)
            self._follow_request(person, request, day, at_least=target[1])
        gd1 = self._day(year, 5, 6, 10)
        if rng.random() < 0.9:
            self._at(gd1, lambda: self._gd1(person, plan, gd1))

    def _development_target(self, person: Person) -> tuple[str, int] | None:
        required = self.catalogue.requirements_for(person.position, person.unit)
        holdings = person.employee.holdings
        short = [
            (code, req.level)
            for code, req in sorted(required.items())
            if code not in holdings or holdings[code].level < req.level
        ]
        if short:
            return self.rng.choice(short)
        skills = [
            d
            for d in self.catalogue.competences.values()
            if d.validity_months is None and d.code not in self.catalogue.withdrawn
        ]
        definition = self.rng.choice(skills)
        held = holdings.get(definition.code)
        level = min(definition.scale.max_level, (held.level if held else 0) + 1)
        if held and held.level >= level:
            return None
        return definition.code, level

    def _gd1(self, person: Person, plan: CompetencePlan, day: date) -> None:
        if not self._live(person, plan, day):
            return
        ctx = self.ctx(day, self.manager_actor(person))
        plan.hold(ctx, conversation_id(GD1), day, (Topic.GOALS_PERFORMANCE, Topic.COMPETENCE))
        for goal_id in plan.goals:
            if goal_id not in plan.goal_outcomes:
                plan.record_progress(ctx, goal_id, "Godt i gang", self.rng.choice((25, 50, 75)))
        self.touch(plan)
        year = plan.year
        if self.rng.random() < 0.25:
            follow = self._day(year, 9, 9, 1)
            self._at(follow, lambda: self._follow_up(person, plan, follow))
        gd2 = self._day(year, 11, 11, 10) + timedelta(days=self.rng.randint(0, 20))
        if self.rng.random() < 0.88:
            self._at(gd2, lambda: self._gd2(person, plan, gd2))

    def _follow_up(self, person: Person, plan: CompetencePlan, day: date) -> None:
        if not self._live(person, plan, day):
            return
        ctx = self.ctx(day, self.manager_actor(person))
        plan.schedule(ctx, "FOLLOW_UP_1", ConversationKind.FOLLOW_UP, day)
        plan.hold(ctx, "FOLLOW_UP_1", day, (Topic.WELL_BEING,))
        self.touch(plan)

    def _gd2(self, person: Person, plan: CompetencePlan, day: date) -> None:
        if not self._live(person, plan, day):
            return
        rng = self.rng
        ctx = self.ctx(day, self.manager_actor(person))
        plan.hold(ctx, conversation_id(GD2), day, (Topic.GOALS_PERFORMANCE,))
        for goal_id in list(plan.goals):
            if goal_id in plan.goal_outcomes:
                continue
            roll = rng.random()
            if roll < 0.7:
                plan.close_goal(ctx, goal_id, GoalOutcome.ACHIEVED, day, None)
            elif roll < 0.9:
                plan.close_goal(ctx, goal_id, GoalOutcome.NOT_ACHIEVED, day, "Ikke nådd i år")
            else:
                plan.close_goal(ctx, goal_id, GoalOutcome.DROPPED, day, "Endret prioritering")
        self.touch(plan)
        close = date(plan.year, 12, 15)
        self._at(close, lambda: self._close_plan(person, plan, close))

    def _close_plan(self, person: Person, plan: CompetencePlan, day: date) -> None:
        if plan.is_open:
            plan.close(self.ctx(day, HR), day)
            self.touch(plan)

    # --- training ---------------------------------------------------------------------
    def _follow_request(
        self, person: Person, request: TrainingRequest, day: date, *, at_least: int
    ) -> None:
        """The Academy receives it, picks a measure, and the employee completes it."""
        rng = self.rng
        self.stats.requests += 1
        person.requests = [r for r in person.requests if r.is_open]
        person.requests.append(request)
        received = day + timedelta(days=rng.randint(3, 20))
        chosen = received + timedelta(days=rng.randint(5, 30))
        done = chosen + timedelta(days=rng.randint(20, 120))
        roll = rng.random()

        def receive() -> None:
            if not request.is_open:
                return
            if not person.active_on(received):
                request.cancel(self.ctx(received, OFFICER), "Sluttet")
            else:
                request.receive(self.ctx(received, OFFICER), OFFICER.employee_number)
            self.touch(request)

        def choose() -> None:
            if not request.is_open:
                return
            if roll < 0.05 or not person.active_on(chosen):
                request.reject(self.ctx(chosen, OFFICER), "Ikke prioritert nå")
                self.touch(request)
                return
            course = course_for(request.competence_code, rng.randint(0, 3))
            measure = ChosenMeasure(
                kind=course.kind,
                title=course.title,
                provider=course.provider,
                planned_start=done - timedelta(days=course.days),
                planned_end=done,
            )
            request.choose_measure(self.ctx(chosen, OFFICER), measure)
            self.touch(request)

        def complete() -> None:
            if not request.is_open:
                return
            if not person.active_on(done):
                request.cancel(self.ctx(done, OFFICER), "Sluttet")
                self.touch(request)
                return
            result = TrainingResult.FAILED if roll > 0.95 else TrainingResult.PASSED
            ctx = self.ctx(done, OFFICER)
            request.complete(ctx, done, result, f"Kursbevis {request.id.hex[:8]}")
            self.touch(request)
            if result is not TrainingResult.FAILED:
                held = person.employee.holdings.get(request.competence_code)
                level = max(request.target_level, held.level if held else 0)
                self._record(
                    person,
                    done,
                    request.competence_code,
                    level,
                    HoldingSource.TRAINING,
                    ctx=ctx.because_of("training-completed"),
                    evidence=f"Kursbevis {request.id.hex[:8]}",
                    training_request_id=request.id,
                )

        self._at(received, receive)
        self._at(chosen, choose)
        self._at(done, complete)

    def _renewals(self, person: Person, year: int) -> None:
        """Certificates that expire this year: renewed through the Academy, mostly."""
        for code, held in sorted(person.employee.holdings.items()):
            if held.valid_until is None or held.valid_until.year != year:
                continue
            roll = self.rng.random()
            if roll < 0.75:
                report = max(date(year, 1, 8), held.valid_until - timedelta(days=75))
                self._at(report, partial(self._renewal, person, code, report))
            elif roll < 0.9:
                day = max(date(year, 1, 8), held.valid_until - timedelta(days=10))
                renew = partial(
                    self._record, person, day, code, held.level, HoldingSource.ASSESSMENT
                )
                self._at(day, renew)

    def _renewal(self, person: Person, code: str, day: date) -> None:
        if not person.active_on(day):
            return
        held = person.employee.holdings.get(code)
        level = held.level if held else 1
        request = TrainingRequest.report(
            self.ctx(day, self.manager_actor(person)),
            ids.client_request_id(f"bench-renewal-{person.number}-{code}-{day}"),
            person.number,
            code,
            level,
            RequestReason.NEED,
            note="Fornyelse",
        )
        self.touch(request)
        self._follow_request(person, request, day, at_least=level)

    def _assessment(self, person: Person) -> None:
        day = self.agenda_day
        target = self._development_target(person)
        if target is None or not person.active_on(day):
            return
        code, level = target
        if self.catalogue.get(code).validity_months:
            return
        self._record(person, day, code, level, HoldingSource.ASSESSMENT)

    def _confirm(self, person: Person, year: int) -> None:
        day = self.agenda_day
        if person.active_on(day):
            person.employee.confirm_record(self.ctx(day, self.manager_actor(person)), day)
            self.touch(person.employee)

    def _transfer(self, person: Person) -> None:
        day = self.agenda_day
        if not person.active_on(day) or person.manager is None:
            return
        rng = self.rng
        units = self.positions.get(person.position, [person.unit])
        unit = rng.choice(units)
        manager = rng.choice(self.units[unit])
        if manager == person.number:
            return
        new = Assignment(unit=unit, position=person.position, manager=manager)
        person.employee.transfer(self.ctx(day, HR), new, day)
        person.unit, person.manager = unit, manager
        self.touch(person.employee)

    def _correct_personal(self, person: Person) -> None:
        day = self.agenda_day
        old = person.employee.personal
        assert old is not None
        new = PersonalDetails(name=f"{old.name} (korr.)", birth_date=old.birth_date)
        person.employee.correct_personal_details(self.ctx(day, HR), new)
        self.touch(person.employee)

    def _leave(self, person: Person) -> None:
        """A leaver (not a team leader) is replaced by a new hire a month or two later; their
        open training requests are cancelled, as the use case's policy does."""
        day = self.agenda_day
        if not person.active_on(day) or person.manager is None:
            return
        ctx = self.ctx(day, HR)
        person.employee.leave(ctx, day)
        person.end = day
        self.touch(person.employee)
        self.stats.leavers += 1
        # As the use case: the leaver's open training requests are cancelled.
        for request in person.requests:
            if request.is_open:
                request.cancel(ctx.because_of("employee-left"), f"employee leaves on {day}")
                self.touch(request)
        person.requests = []
        start = day + timedelta(days=self.rng.randint(30, 90))
        self._at(
            start,
            lambda: self._hire(
                start, self._number(), person.unit, person.position, person.manager, imported=False
            ),
        )

    @property
    def agenda_day(self) -> date:
        """The day of the action being run."""
        return self._current_day
