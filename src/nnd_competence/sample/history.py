"""The sample year, from the catalogue on 2 January to the reports read on 30 November.

``build_history(seed)`` generates every command with the moment it is issued; nothing is
executed here. The order of the story:

1. The Academy defines the catalogue and the requirement profiles (2 January).
2. HR registers everyone employed when the year starts, with the holdings brought over
   from the former register (5 January), and chooses who will leave and who will move.
3. HR starts the annual cycle (12 January): a plan and three conversations for everyone.
4. Each employee's year: conversations (on time, late or missing), goals, training needs
   through the Academy, follow-up and closing of goals, the manager's confirmations.
5. The Academy's group refreshers (fire safety, respiratory protection, FSE, ...),
   recorded from the attendance lists, and a few assessments.
6. New employees through the year, with their onboarding training and a plan.
7. Leavers: open requests cancelled, open goals dropped, the plan closed, leaving recorded.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from nnd_competence.application import commands as c
from nnd_competence.application.clock import oslo_date
from nnd_competence.domain import ids
from nnd_competence.domain.competence_plan import ConversationKind, GoalOutcome
from nnd_competence.domain.employee import HoldingSource
from nnd_competence.sample import plans
from nnd_competence.sample.catalogue_data import (
    COMPETENCES,
    PROFILES,
    REFRESHERS,
    course_for,
    is_certificate,
    requirements_for,
)
from nnd_competence.sample.holdings import (
    brought_by_new_hire,
    initial_holdings,
    onboarding_gaps,
)
from nnd_competence.sample.organisation import (
    ACADEMY_UNIT,
    FIRST_EMPLOYEE_NUMBER,
    HR_UNIT,
    INITIAL_HEADCOUNT,
    LEAVERS,
    MANAGEMENT_UNIT,
    MID_YEAR_VACANCIES,
    TRANSFERS,
    UNITS,
    Site,
)
from nnd_competence.sample.people import NameMaker, Person, Seat, initial_roster, new_hire, site_of
from nnd_competence.sample.plans import EC, GD1, GD2, Meeting, RequestOutcome
from nnd_competence.sample.workdays import (
    add_workdays,
    at,
    between,
    office_time,
    on_or_after,
)
from nnd_competence.sample.world import (
    EMPLOYEE_CONVERSATION_BY,
    GOAL_AND_DEVELOPMENT_1_BY,
    GOAL_AND_DEVELOPMENT_2_BY,
    SAMPLE_AS_OF,
    SAMPLE_YEAR,
    YEAR_START,
    Cursor,
    World,
)

Y = SAMPLE_YEAR


def build_history(seed: int) -> World:
    """Generate the whole sample year (deterministic in ``seed``)."""
    rng = random.Random(seed)
    world = World(rng=rng, names=NameMaker(rng))
    roster = initial_roster(rng, world.names, Y)
    for person in roster:
        world.people[person.number] = person
    for unit in UNITS:
        world.heads[unit.code] = next(
            p.number
            for p in roster
            if p.first_seat.unit == unit.code and p.first_seat.position == unit.head_position
        )
    _catalogue(world)
    _initial_hires(world, roster)
    _choose_leavers(world, roster)
    _transfers(world, roster)
    _start_cycle(world, roster)
    for person in roster:
        _employee_year(world, person)
    _refreshers(world, roster)
    _assessments(world, roster)
    _mid_year_hires(world)
    _apply_leavers(world)
    # Nothing happens after the day the reports are read.
    world.timeline.steps = [s for s in world.timeline.steps if oslo_date(s.at) <= SAMPLE_AS_OF]
    return world


# --- 1. catalogue ----------------------------------------------------------------------
def _catalogue(world: World) -> None:
    officer = world.academy_head
    start = at(date(Y, 1, 2), 8, 0)
    for i, competence in enumerate(COMPETENCES):
        world.timeline.add(
            start + timedelta(minutes=i), c.DefineCompetence(competence=competence), officer
        )
    start = at(date(Y, 1, 2), 10, 0)
    for i, profile in enumerate(PROFILES):
        world.timeline.add(
            start + timedelta(minutes=i), c.SetRequirementProfile(profile=profile), officer
        )


# --- 2. the workforce on 1 January ------------------------------------------------------
def _initial_hires(world: World, roster: list[Person]) -> None:
    start = at(date(Y, 1, 5), 7, 30)
    hr = world.hr_head
    for i, person in enumerate(roster):
        held = initial_holdings(world.rng, person, YEAR_START)
        world.holdings[person.number] = held
        if onboarding_gaps(person, held):  # pragma: no cover - a generator bug
            raise AssertionError(f"{person.number} would get onboarding requests")
        seat = person.first_seat
        world.timeline.add(
            start + timedelta(seconds=15 * i),
            c.HireEmployee(
                employee_number=person.number,
                unit=seat.unit,
                position=seat.position,
                manager=seat.manager,
                start_date=person.start_date,
                name=person.name,
                birth_date=person.birth_date,
                holdings=tuple(
                    h.as_command("Overført fra tidligere kompetanseregister") for h in held.values()
                ),
            ),
            hr,
            employee=person.number,
        )


def _choose_leavers(world: World, roster: list[Person]) -> None:
    eligible = [
        p
        for p in roster
        if not p.is_head and p.first_seat.unit not in (HR_UNIT, ACADEMY_UNIT, MANAGEMENT_UNIT)
    ]
    for person in world.rng.sample(eligible, LEAVERS):
        world.leaving[person.number] = between(world.rng, date(Y, 2, 16), date(Y, 11, 20))


def _transfers(world: World, roster: list[Person]) -> None:
    rng = world.rng
    for from_unit, from_position, to_unit, to_position, month in TRANSFERS:
        candidates = [
            p
            for p in roster
            if p.first_seat.unit == from_unit
            and p.first_seat.position == from_position
            and not p.is_head
            and p.number not in world.leaving
            and p.number not in world.transferred
        ]
        person = rng.choice(candidates)
        effective = on_or_after(date(Y, month, 1))
        manager = world.heads[to_unit]
        person.seats.append(Seat(effective, to_unit, to_position, manager))
        world.transferred.add(person.number)
        issued = office_time(rng, add_workdays(effective, -rng.randint(8, 15)))
        world.timeline.add(
            issued,
            c.TransferEmployee(
                employee_number=person.number,
                unit=to_unit,
                position=to_position,
                manager=manager,
                effective_on=effective,
            ),
            world.hr(),
            employee=person.number,
        )


# --- 3. the annual cycle ---------------------------------------------------------------
def _start_cycle(world: World, roster: list[Person]) -> None:
    world.timeline.add(
        at(date(Y, 1, 12), 8, 15),
        c.StartCycle(
            year=Y,
            employee_conversation_by=EMPLOYEE_CONVERSATION_BY,
            goal_and_development_1_by=GOAL_AND_DEVELOPMENT_1_BY,
            goal_and_development_2_by=GOAL_AND_DEVELOPMENT_2_BY,
        ),
        world.hr_head,
    )
    world.has_plan.update(p.number for p in roster)


# --- 4. one employee's year ------------------------------------------------------------
def _conversation_days(rng: random.Random) -> tuple[date | None, date | None, date | None]:
    roll = rng.random()
    ec: date | None = None
    if roll < 0.86:
        ec = between(rng, date(Y, 1, 13), EMPLOYEE_CONVERSATION_BY)
    elif roll < 0.955:
        ec = between(rng, date(Y, 3, 2), date(Y, 4, 24))  # late
    roll = rng.random()
    gd1: date | None = None
    if roll < 0.8:
        gd1 = between(rng, date(Y, 5, 4), GOAL_AND_DEVELOPMENT_1_BY)
    elif roll < 0.9:
        gd1 = between(rng, date(Y, 8, 3), date(Y, 8, 28))  # late, after the summer
    gd2: date | None = None
    if gd1 is not None:
        roll = rng.random()
        if roll < 0.78:
            gd2 = between(rng, date(Y, 10, 1), GOAL_AND_DEVELOPMENT_2_BY)
        elif roll < 0.88:
            gd2 = between(rng, date(Y, 11, 16), date(Y, 11, 27))  # late
    return ec, gd1, gd2


def _employee_year(world: World, person: Person) -> None:
    rng = world.rng
    ec, gd1, gd2 = _conversation_days(rng)
    meetings: list[Meeting] = []
    for kind, day in ((EC, ec), (GD1, gd1), (GD2, gd2)):
        if day is not None:
            meetings.append(plans.hold(world, person, kind, day, kind.value))
    follow_up = plans.maybe_follow_up(world, person, gd1 or ec or date(Y, 6, 1))
    if follow_up is not None:
        meetings.append(follow_up)
    meetings.sort(key=lambda m: m.day)
    if not meetings:
        return
    goals: list[plans.GoalTrack] = []
    first = next((m for m in meetings if m.kind in (EC, GD1)), None)
    counter = 0
    if first is not None:
        conv = first.kind.value
        goals += plans.agree_work_goals(world, person, first, conv, 1 + (rng.random() < 0.5))
        seat = person.seat_on(first.day)
        chosen: list[plans.Candidate] = []
        for cand in plans.competence_candidates(world, person, seat, first.day, skip=set()):
            if len(chosen) >= 3:
                break
            if (cand.renewal and sum(x.renewal for x in chosen) < 2) or rng.random() < 0.5:
                chosen.append(cand)
        if len(chosen) < 3 and rng.random() < 0.25:
            dev = plans.development_candidate(world, person, seat)
            if dev is not None and dev.code not in {x.code for x in chosen}:
                chosen.append(dev)
        for cand in chosen:
            counter += 1
            goals.append(
                plans.agree_competence_goal(world, person, first, conv, f"K{counter}", cand)
            )
    gd1_meeting = next((m for m in meetings if m.kind is GD1), None)
    if gd1_meeting is not None and gd1_meeting is not first:
        seat = person.seat_on(gd1_meeting.day)
        have = world.goal_codes.get(person.number, set())
        found = plans.competence_candidates(world, person, seat, gd1_meeting.day, skip=have)
        new: list[plans.Candidate] = []
        if seat is not person.first_seat:
            # Moved to a new seat: the new requirements' gaps become goals.
            new = found[:2]
        elif renewals := [cand for cand in found if cand.renewal and rng.random() < 0.6]:
            # New needs agreed in the follow-up: certificates running out later this year.
            new = renewals[:2]
        elif rng.random() < 0.15:
            dev = plans.development_candidate(world, person, seat)
            if dev is not None and dev.code not in world.goal_codes.get(person.number, set()):
                new = [dev]
        for cand in new:
            counter += 1
            goals.append(
                plans.agree_competence_goal(
                    world, person, gd1_meeting, GD1.value, f"K{counter}", cand
                )
            )
    plans.follow_goals(world, person, goals, meetings)
    for meeting in meetings:
        if meeting.kind is GD1 and rng.random() < 0.6:
            plans.confirm_record(world, person, meeting)
        if meeting.kind is GD2:
            if rng.random() < 0.45:
                plans.confirm_record(world, person, meeting)
            if rng.random() < 0.18:
                _need_for_next_year(world, person, meeting)


def _need_for_next_year(world: World, person: Person, meeting: Meeting) -> None:
    held = world.holdings.get(person.number, {})
    seat = person.seat_on(meeting.day)
    options = [
        (code, req.level)
        for code, req in sorted(requirements_for(seat.position, seat.unit).items())
        if not is_certificate(code) and (held[code].level if code in held else 0) < req.level
    ]
    if not options:
        return
    code, level = world.rng.choice(options)
    plans.report_need(
        world,
        person,
        code,
        level,
        meeting.cursor.next(),
        f"sample-{Y}-{person.number}-need-{Y + 1}",
        f"Behov meldt i mål- og utviklingssamtale 2 for {Y + 1}",
        deadline=date(Y + 1, 4, 30),
    )


# --- 5. the Academy's group refreshers and assessments ---------------------------------
def _refreshers(world: World, roster: list[Person]) -> None:
    rng = world.rng
    sessions: dict[tuple[str, Site], list[date]] = {}
    for code in sorted(REFRESHERS):
        for site in Site:
            sessions[(code, site)] = [
                between(rng, date(Y, month, 2), date(Y, month, 26))
                for month in (2, 3, 4, 5, 6, 8, 9, 10, 11)
            ]
    for person in roster:
        held = world.holdings[person.number]
        seat = person.first_seat
        site = site_of(person, YEAR_START)
        for code in sorted(REFRESHERS & requirements_for(seat.position, seat.unit).keys()):
            dates = sessions[(code, site)]
            h = held.get(code)
            session: date | None = None
            if h is None:
                if rng.random() < 0.5:
                    session = rng.choice(dates)
            elif h.valid_until is not None and h.valid_until <= SAMPLE_AS_OF:
                if rng.random() < 0.87:
                    before = [d for d in dates if d <= h.valid_until - timedelta(days=5)]
                    after = [d for d in dates if d > h.valid_until]
                    if before and rng.random() < 0.85:
                        session = before[-1]
                    elif after:
                        session = after[0]
                    else:
                        session = dates[0]
            elif (
                h.valid_until is not None
                and h.valid_until <= date(Y + 1, 2, 28)
                and rng.random() < 0.35
            ):
                session = rng.choice(dates[-2:])  # renewed early, in the autumn
            if session is None:
                continue
            recorded_on = add_workdays(session, rng.randint(1, 3))
            if recorded_on > SAMPLE_AS_OF:
                continue
            course = course_for(code)
            world.timeline.add(
                office_time(rng, recorded_on),
                c.RecordCompetence(
                    employee_number=person.number,
                    competence_code=code,
                    level=1,
                    acquired_on=session,
                    source=HoldingSource.TRAINING,
                    evidence=f"Deltakerliste: {course.title}, {site.value} {session:%d.%m.%Y}",
                ),
                world.officer(person, recorded_on),
                employee=person.number,
            )


def _assessments(world: World, roster: list[Person]) -> None:
    """A few skills assessed by the Academy's instructors in practical tests."""
    rng = world.rng
    found: list[tuple[Person, str, int]] = []
    for person in roster:
        seat = person.first_seat
        goals = world.goal_codes.get(person.number, set())
        held = world.holdings[person.number]
        for code, req in sorted(requirements_for(seat.position, seat.unit).items()):
            if is_certificate(code) or code in goals:
                continue
            level = held[code].level if code in held else 0
            if 0 < level < req.level:
                found.append((person, code, req.level))
    for person, code, level in rng.sample(found, min(14, len(found))):
        day = between(rng, date(Y, 3, 2), date(Y, 11, 20))
        world.timeline.add(
            office_time(rng, day),
            c.RecordCompetence(
                employee_number=person.number,
                competence_code=code,
                level=level,
                acquired_on=day,
                source=HoldingSource.ASSESSMENT,
                evidence="Praktisk vurdering ved Atomakademiet",
            ),
            world.officer(person, day),
            employee=person.number,
        )


# --- 6. new employees -----------------------------------------------------------------
def _mid_year_hires(world: World) -> None:
    rng = world.rng
    vacancies = list(MID_YEAR_VACANCIES)
    rng.shuffle(vacancies)
    starts = sorted(
        on_or_after(date(Y, rng.randint(2, 11), rng.choice((1, 1, 1, 15)))) for _ in vacancies
    )
    number = FIRST_EMPLOYEE_NUMBER + INITIAL_HEADCOUNT
    for (unit, position), start in zip(vacancies, starts, strict=True):
        person = new_hire(rng, world.names, number, unit, position, world.heads[unit], start)
        number += 1
        world.people[person.number] = person
        _new_employee(world, person)


_ALREADY_HELD = ("Gyldig kursbevis fra tidligere arbeidsgiver er dokumentert",)


def _new_employee(world: World, person: Person) -> None:
    rng = world.rng
    start = person.start_date
    hired_on = max(add_workdays(start, -rng.randint(8, 20)), date(Y, 1, 13))
    held = brought_by_new_hire(rng, person, hired_on)
    world.holdings[person.number] = held
    gaps = onboarding_gaps(person, held)
    request_ids = tuple(ids.onboarding_request_id(person.number, code) for code in gaps)
    seat = person.first_seat
    hired_at = office_time(rng, hired_on)
    world.timeline.add(
        hired_at,
        c.HireEmployee(
            employee_number=person.number,
            unit=seat.unit,
            position=seat.position,
            manager=seat.manager,
            start_date=start,
            name=person.name,
            birth_date=person.birth_date,
            holdings=tuple(
                h.as_command("Kursbevis fra tidligere arbeidsgiver") for h in held.values()
            ),
        ),
        world.hr(),
        employee=person.number,
        requests=request_ids,
    )
    for code, request_id in zip(gaps, request_ids, strict=True):
        track = plans.request_flow(
            world,
            person,
            request_id,
            code,
            hired_at,
            deadline=add_workdays(start, 30),
            first_day=start,
            reject_rate=0.06,
            cancel_rate=0.0,
            reject_reasons=_ALREADY_HELD,
        )
        if track.outcome is RequestOutcome.REJECTED and track.done_on is not None:
            recorded_on = add_workdays(track.done_on, 1)
            if recorded_on <= SAMPLE_AS_OF:
                world.timeline.add(
                    office_time(rng, recorded_on),
                    c.RecordCompetence(
                        employee_number=person.number,
                        competence_code=code,
                        level=1,
                        acquired_on=start - timedelta(days=rng.randint(60, 400)),
                        source=HoldingSource.IMPORT,
                        evidence=_ALREADY_HELD[0],
                    ),
                    world.officer(person, recorded_on),
                    employee=person.number,
                )
    _new_employee_plan(world, person, set(gaps))


def _new_employee_plan(world: World, person: Person, onboarding: set[str]) -> None:
    rng = world.rng
    start = person.start_date
    if start > date(Y, 9, 30):
        return  # no plan yet: shows as missing in the conversation report
    opened_on = add_workdays(start, rng.randint(1, 5))
    manager = world.manager(person, opened_on)
    cursor = Cursor(office_time(rng, opened_on))
    world.timeline.add(
        cursor.next(),
        c.OpenPlan(employee_number=person.number, year=Y),
        manager,
        employee=person.number,
    )
    world.has_plan.add(person.number)
    ec_day = add_workdays(start, rng.randint(15, 25))
    plans.schedule(world, person, EC, ec_day, cursor.next())
    early = start <= date(Y, 4, 30)
    follow_day = add_workdays(ec_day, rng.randint(35, 50))
    if early:
        plans.schedule(world, person, GD1, GOAL_AND_DEVELOPMENT_1_BY, cursor.next())
        plans.schedule(world, person, GD2, GOAL_AND_DEVELOPMENT_2_BY, cursor.next())
    else:
        plans.schedule(
            world, person, ConversationKind.FOLLOW_UP, follow_day, cursor.next(), plans.FOLLOW_UP_ID
        )
    meetings: list[Meeting] = []
    held_ec = add_workdays(ec_day, rng.randint(-3, 5))
    if held_ec <= SAMPLE_AS_OF and held_ec > opened_on and rng.random() < 0.85:
        meetings.append(plans.hold(world, person, EC, held_ec, EC.value))
    if early and rng.random() < 0.7:
        gd1 = between(
            rng, max(date(Y, 6, 1), held_ec + timedelta(days=7)), GOAL_AND_DEVELOPMENT_1_BY
        )
        meetings.append(plans.hold(world, person, GD1, gd1, GD1.value))
        if rng.random() < 0.65:
            gd2 = between(rng, date(Y, 10, 5), GOAL_AND_DEVELOPMENT_2_BY)
            meetings.append(plans.hold(world, person, GD2, gd2, GD2.value))
    elif not early and follow_day <= SAMPLE_AS_OF and rng.random() < 0.7:
        meetings.append(
            plans.hold(world, person, ConversationKind.FOLLOW_UP, follow_day, plans.FOLLOW_UP_ID)
        )
    if not meetings or meetings[0].kind is not EC:
        return
    first = meetings[0]
    goals = plans.agree_work_goals(world, person, first, EC.value, 1)
    seat = person.first_seat
    counter = 0
    for cand in plans.competence_candidates(world, person, seat, first.day, skip=onboarding):
        if counter >= 2:
            break
        if rng.random() < 0.7:
            counter += 1
            goals.append(
                plans.agree_competence_goal(world, person, first, EC.value, f"K{counter}", cand)
            )
    plans.follow_goals(world, person, goals, meetings)
    for meeting in meetings:
        if meeting.kind is GD1 and rng.random() < 0.5:
            plans.confirm_record(world, person, meeting)


# --- 7. leavers -----------------------------------------------------------------------
def _apply_leavers(world: World) -> None:
    """Cut each leaver's story at the leaving moment and wind up what is still open."""
    for number, end in sorted(world.leaving.items()):
        person = world.people[number]
        cutoff = at(end, 15, 0)
        steps = world.timeline.steps
        kept = [s for s in steps if s.employee == number and s.at < cutoff]
        world.timeline.steps = [s for s in steps if s.employee != number or s.at < cutoff]
        opened = list(dict.fromkeys(r for s in kept for r in s.requests))
        closed = {r for s in kept if s.closes for r in s.requests}
        goals = list(dict.fromkeys(s.goal for s in kept if s.goal is not None))
        closed_goals = {s.goal for s in kept if s.closes and s.goal is not None}
        officer = world.officer(person, end)
        manager = world.manager(person, end)
        moment = cutoff - timedelta(minutes=50)
        for request_id in opened:
            if request_id in closed:
                continue
            moment += timedelta(minutes=1)
            world.timeline.add(
                moment,
                c.CancelTrainingRequest(
                    request_id=request_id, reason="Medarbeideren slutter i NND"
                ),
                officer,
                employee=number,
                requests=(request_id,),
                closes=True,
            )
        for goal_id in goals:
            if goal_id in closed_goals:
                continue
            moment += timedelta(minutes=1)
            world.timeline.add(
                moment,
                c.CloseGoal(
                    employee_number=number,
                    year=Y,
                    goal_id=goal_id,
                    outcome=GoalOutcome.DROPPED,
                    closed_on=end,
                    comment="Medarbeideren har sluttet",
                ),
                manager,
                employee=number,
                goal=goal_id,
                closes=True,
            )
        if number in world.has_plan:
            world.timeline.add(
                cutoff - timedelta(minutes=5),
                c.ClosePlan(employee_number=number, year=Y, closed_on=end),
                manager,
                employee=number,
            )
        world.timeline.add(
            cutoff,
            c.RegisterLeaving(employee_number=number, end_date=end),
            world.hr(),
            employee=number,
        )
