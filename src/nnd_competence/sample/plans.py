"""One employee's year in the competence process: conversations, goals, training requests.

Each function appends the commands of one part of the story to the world's timeline, with
the moment each is issued, and returns what later parts of the story need to know (when a
request was completed, whether it passed). Dependent steps are always placed later in time
than what they depend on, so sorting the whole timeline by time gives a valid order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from nnd_competence.application import commands as c
from nnd_competence.domain import ids
from nnd_competence.domain.competence_plan import (
    ConversationKind,
    GoalOutcome,
    Measure,
    MeasureKind,
    Topic,
)
from nnd_competence.domain.employee import HoldingSource
from nnd_competence.domain.training_request import TrainingResult
from nnd_competence.sample import texts
from nnd_competence.sample.catalogue_data import (
    BY_CODE,
    REFRESHERS,
    course_for,
    is_certificate,
    requirements_for,
)
from nnd_competence.sample.people import Person, Seat
from nnd_competence.sample.workdays import add_workdays, at, between, office_time, on_or_after
from nnd_competence.sample.world import SAMPLE_AS_OF, SAMPLE_YEAR, Cursor, World

YEAR = SAMPLE_YEAR
EC = ConversationKind.EMPLOYEE_CONVERSATION
GD1 = ConversationKind.GOAL_AND_DEVELOPMENT_1
GD2 = ConversationKind.GOAL_AND_DEVELOPMENT_2
FOLLOW_UP_ID = "follow_up_1"


class RequestOutcome(StrEnum):
    PASSED = "passed"  # completed, passed or attended
    FAILED = "failed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    OPEN = "open"  # still with the Academy when the reports are read


@dataclass
class RequestTrack:
    request_id: UUID
    code: str
    outcome: RequestOutcome
    done_on: date | None = None
    planned_start: date | None = None


@dataclass
class Meeting:
    kind: ConversationKind
    day: date
    cursor: Cursor


@dataclass
class GoalTrack:
    goal_id: str
    code: str | None  # None for a work goal
    target: int | None
    deadline: date
    agreed_on: date
    request: RequestTrack | None = None
    closed: bool = False
    retries: list[RequestTrack] = field(default_factory=list)


# --- conversations ---------------------------------------------------------------------
def _topics(world: World, kind: ConversationKind) -> tuple[Topic, ...]:
    if kind is EC:
        if world.rng.random() < 0.9:
            return tuple(Topic)
        return (Topic.COMPETENCE, Topic.GOALS_PERFORMANCE, Topic.SAFETY)
    extra = [t for t in (Topic.SAFETY, Topic.WELL_BEING) if world.rng.random() < 0.5]
    return (Topic.COMPETENCE, Topic.GOALS_PERFORMANCE, *extra)


def hold(
    world: World, person: Person, kind: ConversationKind, day: date, conversation_id: str
) -> Meeting:
    start = office_time(world.rng, day, 8, 14)
    summary = world.rng.choice(texts.SUMMARIES[kind.value])
    world.timeline.add(
        start,
        c.HoldConversation(
            employee_number=person.number,
            year=YEAR,
            conversation_id=conversation_id,
            held_on=day,
            topics=_topics(world, kind),
            summary=summary,
        ),
        world.manager(person, day),
        employee=person.number,
    )
    return Meeting(kind, day, Cursor(start))


def schedule(
    world: World,
    person: Person,
    kind: ConversationKind,
    when: date,
    issued: datetime,
    conversation_id: str | None = None,
) -> None:
    world.timeline.add(
        issued,
        c.ScheduleConversation(
            employee_number=person.number,
            year=YEAR,
            kind=kind,
            scheduled_for=when,
            conversation_id=conversation_id or kind.value,
        ),
        world.manager(person, issued.date()),
        employee=person.number,
    )


def confirm_record(world: World, person: Person, meeting: Meeting) -> None:
    world.timeline.add(
        meeting.cursor.next(),
        c.ConfirmRecord(employee_number=person.number, confirmed_on=meeting.day),
        world.manager(person, meeting.day),
        employee=person.number,
    )


def maybe_follow_up(world: World, person: Person, after: date) -> Meeting | None:
    """An extra follow-up the manager adds; most are held, a few lie ahead."""
    rng = world.rng
    if rng.random() > 0.09:
        return None
    first = max(after + timedelta(days=14), date(YEAR, 8, 10))
    if rng.random() < 0.25:
        day = between(rng, date(YEAR, 12, 1), date(YEAR, 12, 18))  # scheduled, ahead
    else:
        day = between(rng, first, date(YEAR, 11, 27))
    issued_on = max(add_workdays(day, -rng.randint(5, 15)), after + timedelta(days=1))
    issued_on = on_or_after(issued_on)
    if issued_on > SAMPLE_AS_OF:
        return None
    schedule(
        world,
        person,
        ConversationKind.FOLLOW_UP,
        day,
        office_time(rng, issued_on),
        FOLLOW_UP_ID,
    )
    if day > SAMPLE_AS_OF or day <= issued_on or rng.random() < 0.2:
        return None
    return hold(world, person, ConversationKind.FOLLOW_UP, day, FOLLOW_UP_ID)


# --- training requests -----------------------------------------------------------------
def request_flow(
    world: World,
    person: Person,
    request_id: UUID,
    code: str,
    reported_at: datetime,
    *,
    deadline: date | None,
    first_day: date | None = None,
    reject_rate: float = 0.07,
    cancel_rate: float = 0.03,
    reject_reasons: tuple[str, ...] = texts.REJECT_REASONS,
) -> RequestTrack:
    """The Academy's handling of one request: received, measure chosen, then an outcome."""
    rng = world.rng
    start = max(reported_at.date(), first_day or reported_at.date())
    received_on = add_workdays(start, rng.randint(1, 6))
    if received_on > SAMPLE_AS_OF:
        return RequestTrack(request_id, code, RequestOutcome.OPEN)
    officer = world.officer(person, received_on)
    tl = world.timeline
    n = person.number
    tl.add(
        office_time(rng, received_on, 8, 11),
        c.ReceiveTrainingRequest(request_id=request_id),
        officer,
        employee=n,
        requests=(request_id,),
    )
    roll = rng.random()
    if roll < reject_rate:
        rejected_on = add_workdays(received_on, rng.randint(1, 5))
        if rejected_on > SAMPLE_AS_OF:
            return RequestTrack(request_id, code, RequestOutcome.OPEN)
        tl.add(
            office_time(rng, rejected_on, 12, 15),
            c.RejectTrainingRequest(request_id=request_id, reason=rng.choice(reject_reasons)),
            officer,
            employee=n,
            requests=(request_id,),
            closes=True,
        )
        return RequestTrack(request_id, code, RequestOutcome.REJECTED, rejected_on)
    chosen_on = add_workdays(received_on, rng.randint(1, 8))
    if chosen_on > SAMPLE_AS_OF:
        return RequestTrack(request_id, code, RequestOutcome.OPEN)
    course = course_for(code, rng.randint(0, 3))
    earliest = add_workdays(chosen_on, 5)
    if deadline is not None and deadline > earliest + timedelta(days=10):
        latest = min(deadline - timedelta(days=3), earliest + timedelta(days=120))
        planned_start = between(rng, earliest + timedelta(days=5), latest)
    else:
        planned_start = between(rng, earliest, earliest + timedelta(days=60))
    planned_end = add_workdays(planned_start, course.days - 1)
    tl.add(
        office_time(rng, chosen_on, 12, 15),
        c.ChooseMeasure(
            request_id=request_id,
            kind=course.kind,
            title=course.title,
            provider=course.provider,
            planned_start=planned_start,
            planned_end=planned_end,
        ),
        officer,
        employee=n,
        requests=(request_id,),
    )
    if rng.random() < cancel_rate:
        cancelled_on = add_workdays(chosen_on, rng.randint(2, 10))
        if cancelled_on > SAMPLE_AS_OF:
            return RequestTrack(request_id, code, RequestOutcome.OPEN, None, planned_start)
        tl.add(
            office_time(rng, cancelled_on, 9, 15),
            c.CancelTrainingRequest(request_id=request_id, reason=rng.choice(texts.CANCEL_REASONS)),
            officer,
            employee=n,
            requests=(request_id,),
            closes=True,
        )
        return RequestTrack(request_id, code, RequestOutcome.CANCELLED, cancelled_on, planned_start)
    if planned_end > SAMPLE_AS_OF:
        return RequestTrack(request_id, code, RequestOutcome.OPEN, None, planned_start)
    if is_certificate(code):
        result = TrainingResult.FAILED if rng.random() < 0.06 else TrainingResult.PASSED
        evidence = f"Kursbevis: {course.title} ({planned_end:%d.%m.%Y})"
    else:
        roll = rng.random()
        result = (
            TrainingResult.FAILED
            if roll < 0.02
            else TrainingResult.PASSED
            if roll < 0.3
            else TrainingResult.COMPLETED
        )
        evidence = None
    tl.add(
        at(planned_end, 15, 30 + rng.randint(0, 25)),
        c.CompleteTraining(
            request_id=request_id, completed_on=planned_end, result=result, evidence=evidence
        ),
        officer,
        employee=n,
        requests=(request_id,),
        closes=True,
    )
    outcome = RequestOutcome.FAILED if result is TrainingResult.FAILED else RequestOutcome.PASSED
    return RequestTrack(request_id, code, outcome, planned_end, planned_start)


def report_need(
    world: World,
    person: Person,
    code: str,
    target: int,
    issued: datetime,
    command_id: str,
    note: str,
    *,
    deadline: date | None,
) -> RequestTrack:
    """A need reported outside any goal (it has a client key, so its id is deterministic)."""
    request_id = ids.client_request_id(command_id)
    world.timeline.add(
        issued,
        c.ReportTrainingNeed(
            command_id=command_id,
            employee_number=person.number,
            competence_code=code,
            target_level=target,
            note=note,
        ),
        world.manager(person, issued.date()),
        employee=person.number,
        requests=(request_id,),
    )
    return request_flow(world, person, request_id, code, issued, deadline=deadline)


# --- goals -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    code: str
    target: int
    description: str
    measure: Measure
    deadline: date
    certificate: bool
    renewal: bool = False


def competence_candidates(
    world: World, person: Person, seat: Seat, day: date, *, skip: set[str]
) -> list[Candidate]:
    """What the manager sees in the gap report for this person, most urgent first."""
    held = world.holdings.get(person.number, {})
    renewals: list[tuple[date, Candidate]] = []
    others: list[Candidate] = []
    for code, req in sorted(requirements_for(seat.position, seat.unit).items()):
        if code in skip:
            continue
        definition = BY_CODE[code]
        name = definition.name_nb
        h = held.get(code)
        if is_certificate(code):
            if code in REFRESHERS:
                continue  # the Academy's group refreshers cover these
            measure = Measure(kind=MeasureKind.COURSE, description=course_for(code).title)
            if h is None:
                deadline = day + timedelta(days=world.rng.randint(90, 200))
                others.append(Candidate(code, 1, f"Ta {name}", measure, deadline, True))
            elif h.valid_until is not None and h.valid_until <= date(YEAR, 12, 31):
                if h.valid_until < day:
                    text = f"Fornye {name} (utløpt {h.valid_until:%d.%m.%Y})"
                    deadline = day + timedelta(days=world.rng.randint(45, 90))
                else:
                    text = f"Fornye {name} før {h.valid_until:%d.%m.%Y}"
                    deadline = max(h.valid_until, day + timedelta(days=30))
                renewals.append(
                    (h.valid_until, Candidate(code, 1, text, measure, deadline, True, True))
                )
            continue
        level = h.level if h else 0
        if level < req.level:
            kind = world.rng.choice(
                (MeasureKind.COURSE, MeasureKind.E_LEARNING, MeasureKind.ON_THE_JOB)
            )
            measure = Measure(
                kind=kind,
                description=(
                    "Opplæring på arbeidsplassen med erfaren kollega"
                    if kind is MeasureKind.ON_THE_JOB
                    else course_for(code, 0 if kind is MeasureKind.COURSE else 1).title
                ),
            )
            deadline = world.rng.choice((date(YEAR, 10, 30), date(YEAR, 12, 15)))
            level_nb = texts.LEVEL_NB.get(req.level, str(req.level))
            others.append(
                Candidate(
                    code,
                    req.level,
                    f"Heve kompetansen i {name.lower()} til {level_nb} nivå",
                    measure,
                    deadline,
                    False,
                )
            )
    renewals.sort(key=lambda pair: (pair[0], pair[1].code))
    return [cand for _, cand in renewals] + others


def development_candidate(world: World, person: Person, seat: Seat) -> Candidate | None:
    held = world.holdings.get(person.number, {})
    options = [
        (code, h.level + 1)
        for code, h in sorted(held.items())
        if not is_certificate(code) and h.level < BY_CODE[code].scale.max_level
    ]
    if not options:
        return None
    code, level = world.rng.choice(options)
    name = BY_CODE[code].name_nb
    kind = world.rng.choice((MeasureKind.COURSE, MeasureKind.ON_THE_JOB, MeasureKind.OTHER))
    description = {
        MeasureKind.COURSE: course_for(code, 3).title,
        MeasureKind.ON_THE_JOB: "Hospitering i annen enhet",
        MeasureKind.OTHER: "Deltakelse i faglig nettverk og konferanse",
    }[kind]
    return Candidate(
        code,
        level,
        f"Videreutvikle kompetansen i {name.lower()}",
        Measure(kind=kind, description=description),
        date(YEAR, 12, 15),
        False,
    )


def agree_work_goals(
    world: World, person: Person, meeting: Meeting, conversation_id: str, count: int
) -> list[GoalTrack]:
    family = person.seat_on(meeting.day).unit.split("-", 1)[1]
    choices = list(texts.WORK_GOALS.get(family, texts.WORK_GOALS["LEDELSE"]))
    world.rng.shuffle(choices)
    goals = []
    for i, description in enumerate(choices[:count], start=1):
        deadline = world.rng.choice((date(YEAR, 6, 30), date(YEAR, 9, 30), date(YEAR, 12, 15)))
        if deadline <= meeting.day + timedelta(days=30):
            deadline = date(YEAR, 12, 15)
        goal_id = f"A{i}" if conversation_id == EC.value else f"A{i}-{conversation_id[-1]}"
        world.timeline.add(
            meeting.cursor.next(),
            c.AgreeWorkGoal(
                employee_number=person.number,
                year=YEAR,
                goal_id=goal_id,
                description=description,
                deadline=deadline,
                conversation_id=conversation_id,
            ),
            world.manager(person, meeting.day),
            employee=person.number,
            goal=goal_id,
        )
        goals.append(GoalTrack(goal_id, None, None, deadline, meeting.day))
    return goals


def agree_competence_goal(
    world: World,
    person: Person,
    meeting: Meeting,
    conversation_id: str,
    goal_id: str,
    cand: Candidate,
) -> GoalTrack:
    """Agree the goal; the training need goes to the Academy now, later, or not at all."""
    rng = world.rng
    manager = world.manager(person, meeting.day)
    if cand.certificate:
        mode = "now" if rng.random() < 0.85 else "later"
    elif cand.measure.kind is MeasureKind.ON_THE_JOB:
        mode = "none"
    else:
        roll = rng.random()
        mode = "now" if roll < 0.6 else "later" if roll < 0.8 else "none"
    request_id = ids.goal_request_id(ids.plan_id(person.number, YEAR), goal_id)
    agreed_at = meeting.cursor.next()
    world.timeline.add(
        agreed_at,
        c.AgreeCompetenceGoal(
            employee_number=person.number,
            year=YEAR,
            goal_id=goal_id,
            description=cand.description,
            competence_code=cand.code,
            target_level=cand.target,
            measures=(cand.measure,),
            deadline=cand.deadline,
            conversation_id=conversation_id,
            report_training_need=mode == "now",
        ),
        manager,
        employee=person.number,
        goal=goal_id,
        requests=(request_id,) if mode == "now" else (),
    )
    goal = GoalTrack(goal_id, cand.code, cand.target, cand.deadline, meeting.day)
    world.goal_codes.setdefault(person.number, set()).add(cand.code)
    if mode == "none":
        return goal
    reported_at = agreed_at
    if mode == "later":
        day = add_workdays(meeting.day, rng.randint(4, 15))
        if day > SAMPLE_AS_OF:
            return goal
        reported_at = office_time(rng, day)
        world.timeline.add(
            reported_at,
            c.ReportTrainingNeed(
                employee_number=person.number,
                competence_code=cand.code,
                year=YEAR,
                goal_id=goal_id,
                note="Meldt etter avtale i samtalen",
            ),
            world.manager(person, day),
            employee=person.number,
            requests=(request_id,),
        )
    goal.request = request_flow(
        world, person, request_id, cand.code, reported_at, deadline=cand.deadline
    )
    return goal


def _close(
    world: World,
    person: Person,
    goal: GoalTrack,
    moment: datetime,
    outcome: GoalOutcome,
    comment: str | None = None,
) -> None:
    world.timeline.add(
        moment,
        c.CloseGoal(
            employee_number=person.number,
            year=YEAR,
            goal_id=goal.goal_id,
            outcome=outcome,
            closed_on=moment.date(),
            comment=comment,
        ),
        world.manager(person, moment.date()),
        employee=person.number,
        goal=goal.goal_id,
        closes=True,
    )
    goal.closed = True


def _progress(world: World, person: Person, goal: GoalTrack, meeting: Meeting, note: str) -> None:
    world.timeline.add(
        meeting.cursor.next(),
        c.RecordGoalProgress(
            employee_number=person.number,
            year=YEAR,
            goal_id=goal.goal_id,
            note=note,
            percent_complete=world.rng.choice((20, 30, 40, 50, 60, 70)),
        ),
        world.manager(person, meeting.day),
        employee=person.number,
        goal=goal.goal_id,
    )


def _revise(
    world: World,
    person: Person,
    goal: GoalTrack,
    meeting: Meeting,
    reason: str,
    *,
    deadline: date | None = None,
    measures: tuple[Measure, ...] | None = None,
) -> None:
    world.timeline.add(
        meeting.cursor.next(),
        c.ReviseGoal(
            employee_number=person.number,
            year=YEAR,
            goal_id=goal.goal_id,
            reason=reason,
            deadline=deadline,
            measures=measures,
        ),
        world.manager(person, meeting.day),
        employee=person.number,
        goal=goal.goal_id,
    )
    if deadline is not None:
        goal.deadline = deadline


def _assess(world: World, person: Person, goal: GoalTrack, meeting: Meeting) -> None:
    """The manager records the competence reached on the job (an assessment)."""
    assert goal.code is not None and goal.target is not None
    world.timeline.add(
        meeting.cursor.next(),
        c.RecordCompetence(
            employee_number=person.number,
            competence_code=goal.code,
            level=goal.target,
            acquired_on=meeting.day,
            source=HoldingSource.ASSESSMENT,
            evidence="Vurdert av leder i mål- og utviklingssamtale",
        ),
        world.manager(person, meeting.day),
        employee=person.number,
    )


def follow_goals(
    world: World, person: Person, goals: list[GoalTrack], meetings: list[Meeting]
) -> None:
    """Follow every goal through the later conversations: progress, revision, closing."""
    for goal in goals:
        later = [m for m in meetings if m.day > goal.agreed_on]
        if goal.code is None:
            _follow_work_goal(world, person, goal, later)
        else:
            _follow_competence_goal(world, person, goal, later)


def _follow_work_goal(
    world: World, person: Person, goal: GoalTrack, meetings: list[Meeting]
) -> None:
    rng = world.rng
    for meeting in meetings:
        if goal.closed:
            return
        roll = rng.random()
        if goal.deadline < meeting.day:
            if roll < 0.75:
                _close(world, person, goal, meeting.cursor.next(), GoalOutcome.ACHIEVED)
            elif roll < 0.85:
                _close(
                    world,
                    person,
                    goal,
                    meeting.cursor.next(),
                    GoalOutcome.NOT_ACHIEVED,
                    "Ikke nådd innen fristen",
                )
            else:
                _revise(
                    world,
                    person,
                    goal,
                    meeting,
                    rng.choice(texts.REVISE_REASONS),
                    deadline=date(YEAR, 12, 15),
                )
        elif meeting.kind is GD2:
            if roll < 0.6:
                _close(world, person, goal, meeting.cursor.next(), GoalOutcome.ACHIEVED)
            elif roll < 0.7:
                _close(world, person, goal, meeting.cursor.next(), GoalOutcome.NOT_ACHIEVED)
            elif roll < 0.77:
                _close(
                    world,
                    person,
                    goal,
                    meeting.cursor.next(),
                    GoalOutcome.DROPPED,
                    rng.choice(texts.DROP_COMMENTS),
                )
        elif roll < 0.6:
            _progress(world, person, goal, meeting, rng.choice(texts.PROGRESS_NOTES))


def _follow_competence_goal(
    world: World, person: Person, goal: GoalTrack, meetings: list[Meeting]
) -> None:
    rng = world.rng
    request = goal.request
    if request is not None and request.outcome is RequestOutcome.PASSED and request.done_on:
        # Continuous follow-up: some managers close the goal as soon as the course is done.
        early = add_workdays(request.done_on, rng.randint(1, 8))
        next_meeting = next((m for m in meetings if m.day > request.done_on), None)
        if (
            rng.random() < 0.4
            and early <= SAMPLE_AS_OF
            and (next_meeting is None or early < next_meeting.day)
        ):
            _close(
                world,
                person,
                goal,
                office_time(rng, early),
                GoalOutcome.ACHIEVED,
                "Kurs gjennomført og registrert",
            )
            return
    for meeting in meetings:
        if goal.closed:
            return
        if request is None:
            _follow_without_request(world, person, goal, meeting)
            continue
        done = request.done_on is not None and request.done_on < meeting.day
        if not done:
            note = (
                f"Tiltak planlagt fra {request.planned_start:%d.%m.%Y}"
                if request.planned_start
                else "Venter på tilbud fra Atomakademiet"
            )
            _progress(world, person, goal, meeting, note)
            if request.planned_start and request.planned_start > goal.deadline:
                _revise(
                    world,
                    person,
                    goal,
                    meeting,
                    "Tiltaket er først tilgjengelig etter fristen",
                    deadline=request.planned_start + timedelta(days=14),
                )
            continue
        if request.outcome is RequestOutcome.PASSED:
            _close(world, person, goal, meeting.cursor.next(), GoalOutcome.ACHIEVED)
        elif request.outcome is RequestOutcome.FAILED:
            _after_failure(world, person, goal, meeting)
            return
        elif request.outcome is RequestOutcome.REJECTED:
            if rng.random() < 0.65:
                _close(
                    world,
                    person,
                    goal,
                    meeting.cursor.next(),
                    GoalOutcome.DROPPED,
                    "Behovet ble avslått av Atomakademiet",
                )
            else:
                _revise(
                    world,
                    person,
                    goal,
                    meeting,
                    "Avslått som kurs; gjennomføres som opplæring på arbeidsplassen",
                    measures=(
                        Measure(
                            kind=MeasureKind.ON_THE_JOB,
                            description="Opplæring på arbeidsplassen med erfaren kollega",
                        ),
                    ),
                )
                request = None
        elif request.outcome is RequestOutcome.CANCELLED:
            _revise(
                world,
                person,
                goal,
                meeting,
                "Kurset ble avlyst; nytt kurs våren 2027",
                deadline=date(YEAR + 1, 3, 31),
            )
            return


def _after_failure(world: World, person: Person, goal: GoalTrack, meeting: Meeting) -> None:
    """Not passed: either a new attempt (a new request) or the goal is not achieved."""
    assert goal.code is not None and goal.target is not None
    if world.rng.random() < 0.5:
        _close(
            world,
            person,
            goal,
            meeting.cursor.next(),
            GoalOutcome.NOT_ACHIEVED,
            "Ikke bestått; tas opp igjen neste år",
        )
        return
    new_deadline = goal.deadline + timedelta(days=90)
    _revise(world, person, goal, meeting, "Ikke bestått; nytt forsøk", deadline=new_deadline)
    retry = report_need(
        world,
        person,
        goal.code,
        goal.target,
        meeting.cursor.next(),
        f"sample-{YEAR}-{person.number}-{goal.goal_id}-retry",
        f"Nytt forsøk etter ikke bestått ({goal.goal_id})",
        deadline=new_deadline,
    )
    goal.retries.append(retry)
    if retry.outcome is RequestOutcome.PASSED and retry.done_on is not None:
        closed_on = add_workdays(retry.done_on, world.rng.randint(1, 5))
        if closed_on <= SAMPLE_AS_OF:
            _close(world, person, goal, office_time(world.rng, closed_on), GoalOutcome.ACHIEVED)


def _follow_without_request(
    world: World, person: Person, goal: GoalTrack, meeting: Meeting
) -> None:
    rng = world.rng
    if meeting.kind is not GD2:
        _progress(world, person, goal, meeting, rng.choice(texts.PROGRESS_NOTES))
        return
    roll = rng.random()
    if roll < 0.65:
        _close(world, person, goal, meeting.cursor.next(), GoalOutcome.ACHIEVED)
        if rng.random() < 0.6:
            _assess(world, person, goal, meeting)
    elif roll < 0.85:
        _close(world, person, goal, meeting.cursor.next(), GoalOutcome.NOT_ACHIEVED)
