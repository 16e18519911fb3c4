"""The views and the reports read from them, and the audit trail read from the log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from nnd_competence import Actor, CompetenceStore, Role
from nnd_competence.application import commands as c
from nnd_competence.application.clock import FixedClock
from nnd_competence.application.projections.competence_gaps import GapStatus
from nnd_competence.application.projections.conversations import ConversationState
from nnd_competence.domain import ids
from nnd_competence.domain.competence_plan import GoalOutcome, Measure, MeasureKind, Topic
from nnd_competence.domain.errors import NotFound
from nnd_competence.domain.training_request import TrainingResult

AS_OF = date(2026, 3, 2)
COURSE = Measure(kind=MeasureKind.COURSE, description="Kurs hos Atomakademiet")


def held(
    code: str, level: int, acquired: date, valid_until: date | None = None
) -> c.HeldCompetence:
    return c.HeldCompetence(
        competence_code=code, level=level, acquired_on=acquired, valid_until=valid_until
    )


# --- gap report ----------------------------------------------------------------------
@pytest.fixture
def gaps(org: CompetenceStore, hire, catalogue) -> CompetenceStore:
    rp, nuc = catalogue.rp, catalogue.nuc
    hire(org, "20001")  # holds nothing
    hire(org, "20002", holdings=(held(nuc, 1, date(2024, 1, 1)),))  # below level
    hire(org, "20003", holdings=(held(rp, 1, date(2023, 1, 1)), held(nuc, 2, date(2020, 1, 1))))
    hire(org, "20004", holdings=(held(rp, 1, date(2024, 4, 1)), held(nuc, 3, date(2020, 1, 1))))
    hire(org, "20005", holdings=(held(rp, 1, date(2025, 9, 1)), held(nuc, 2, date(2020, 1, 1))))
    return org


def _statuses(report) -> dict[tuple[str, str], GapStatus]:
    return {(r.employee_number, r.competence_code): r.status for r in report.rows}


def test_gap_report_statuses(gaps: CompetenceStore, catalogue) -> None:
    rp, nuc = catalogue.rp, catalogue.nuc
    report = gaps.gap_report(as_of=AS_OF, expiring_within_days=30)
    assert _statuses(report) == {
        ("20001", nuc): GapStatus.MISSING,
        ("20001", rp): GapStatus.MISSING,
        ("20002", nuc): GapStatus.BELOW_LEVEL,
        ("20002", rp): GapStatus.MISSING,
        ("20003", rp): GapStatus.EXPIRED,  # valid until 2025-01-01
        ("20004", rp): GapStatus.EXPIRING,  # valid until 2026-04-01, 30 days ahead
    }
    rows = {(r.employee_number, r.competence_code): r for r in report.rows}
    assert rows[("20003", rp)].held_level == 0  # an expired certificate is not held
    assert rows[("20003", rp)].valid_until == date(2025, 1, 1)
    assert rows[("20002", nuc)].held_level == 1 and rows[("20002", nuc)].required_level == 2
    assert rows[("20001", rp)].competence_name == "Strålevern"
    (unit,) = report.units
    assert (unit.unit, unit.employees, unit.requirements) == ("HALDEN", 6, 10)
    assert (unit.missing, unit.below_level, unit.expired, unit.expiring) == (3, 1, 1, 1)
    assert unit.met == 5  # 20003 nuc, 20004 both (one expiring), 20005 both
    assert unit.coverage == pytest.approx(0.5)
    brief = gaps.gap_report(as_of=AS_OF, expiring_within_days=30, detail=False)
    assert brief.units == report.units and brief.rows == [] and not brief.detailed


def test_gap_report_expiring_window_and_boundaries(gaps: CompetenceStore, catalogue) -> None:
    rp = catalogue.rp
    assert ("20004", rp) not in _statuses(gaps.gap_report(as_of=AS_OF, expiring_within_days=29))
    # valid until 2026-04-01: still valid on that day, expired the day after
    on_last_day = _statuses(gaps.gap_report(as_of=date(2026, 4, 1), expiring_within_days=0))
    assert on_last_day[("20004", rp)] is GapStatus.EXPIRING
    day_after = _statuses(gaps.gap_report(as_of=date(2026, 4, 2)))
    assert day_after[("20004", rp)] is GapStatus.EXPIRED
    # 20005's certificate (valid until 2027-09-01) is within a two-year window
    assert (
        _statuses(gaps.gap_report(as_of=AS_OF, expiring_within_days=730))[("20005", rp)]
        is GapStatus.EXPIRING
    )


def test_gap_report_filters_and_renewal(gaps: CompetenceStore, actors, catalogue) -> None:
    only = gaps.gap_report(as_of=AS_OF, employee_number="20003")
    assert {r.employee_number for r in only.rows} == {"20003"}
    assert gaps.gap_report(as_of=AS_OF, unit="KJELLER").units == []
    gaps.execute(
        c.RecordCompetence(
            employee_number="20003",
            competence_code=catalogue.rp,
            level=1,
            acquired_on=date(2026, 2, 1),
            source="training",
        ),
        actors.manager,
    )
    assert gaps.gap_report(as_of=AS_OF, employee_number="20003").rows == []


def test_gap_report_ignores_those_who_left_and_follows_revoked_holdings(
    gaps: CompetenceStore, actors, catalogue
) -> None:
    gaps.execute(c.RegisterLeaving(employee_number="20001", end_date=date(2026, 2, 27)), actors.hr)
    gaps.execute(
        c.RevokeCompetence(
            employee_number="20005",
            competence_code=catalogue.nuc,
            reason="Feilregistrert",
            effective_on=date(2026, 3, 1),
        ),
        actors.manager,
    )
    statuses = _statuses(gaps.gap_report(as_of=AS_OF))
    assert not any(number == "20001" for number, _ in statuses)
    assert statuses[("20005", catalogue.nuc)] is GapStatus.MISSING
    # still there on a day they were employed
    assert ("20001", catalogue.rp) in _statuses(gaps.gap_report(as_of=date(2026, 2, 27)))


# --- completion report ---------------------------------------------------------------
def _complete(store: CompetenceStore, actors, request_id, day: date, result=TrainingResult.PASSED):
    store.execute(c.ReceiveTrainingRequest(request_id=request_id), actors.officer)
    store.execute(
        c.ChooseMeasure(request_id=request_id, kind=MeasureKind.COURSE, title="Kurs"),
        actors.officer,
    )
    store.execute(
        c.CompleteTraining(request_id=request_id, completed_on=day, result=result),
        actors.officer,
    )


def _goal(store, actors, number: str, goal_id: str, deadline: date) -> None:
    store.execute(
        c.AgreeWorkGoal(
            employee_number=number,
            year=2026,
            goal_id=goal_id,
            description=f"Mål {goal_id}",
            deadline=deadline,
        ),
        actors.manager,
    )


def _hold(store, actors, number: str, conversation_id: str, day: date) -> None:
    store.execute(
        c.HoldConversation(
            employee_number=number,
            year=2026,
            conversation_id=conversation_id,
            held_on=day,
            topics=(Topic.COMPETENCE,),
        ),
        actors.manager,
    )


CYCLE = c.StartCycle(
    year=2026,
    employee_conversation_by=date(2026, 3, 31),
    goal_and_development_1_by=date(2026, 6, 15),
    goal_and_development_2_by=date(2026, 11, 30),
)


def test_completion_report_counts(org: CompetenceStore, actors, hire, catalogue, clock) -> None:
    hire(org, "20001")
    hire(org, "20002")
    org.execute(CYCLE, actors.hr)
    # goals of 20001: one of each outcome, one overdue, one still running
    for goal_id, deadline in [
        ("A", date(2026, 6, 1)),
        ("B", date(2026, 6, 1)),
        ("C", date(2026, 6, 1)),
        ("D", date(2026, 8, 1)),
        ("E", date(2026, 12, 1)),
    ]:
        _goal(org, actors, "20001", goal_id, deadline)
    org.execute(
        c.AgreeCompetenceGoal(
            employee_number="20002",
            year=2026,
            goal_id="K",
            description="Kjernesikkerhet nivå 2",
            competence_code=catalogue.nuc,
            target_level=2,
            measures=(COURSE,),
            deadline=date(2026, 12, 1),
            report_training_need=True,
        ),
        actors.manager,
    )
    clock.set(datetime(2026, 9, 1, 10, tzinfo=UTC))
    for goal_id, outcome, comment in [
        ("A", GoalOutcome.ACHIEVED, None),
        ("B", GoalOutcome.NOT_ACHIEVED, None),
        ("C", GoalOutcome.DROPPED, "Ny prioritering"),
    ]:
        org.execute(
            c.CloseGoal(
                employee_number="20001",
                year=2026,
                goal_id=goal_id,
                outcome=outcome,
                closed_on=date(2026, 8, 15),
                comment=comment,
            ),
            actors.manager,
        )
    # requests: two onboarding (20001 completed, 20002 rejected), one goal request failed,
    # one need received, one need cancelled
    _complete(org, actors, ids.onboarding_request_id("20001", catalogue.rp), date(2026, 8, 1))
    org.execute(
        c.RejectTrainingRequest(
            request_id=ids.onboarding_request_id("20002", catalogue.rp), reason="Har sertifikat"
        ),
        actors.officer,
    )
    goal_request = ids.goal_request_id(ids.plan_id("20002", 2026), "K")
    _complete(org, actors, goal_request, date(2026, 8, 20), TrainingResult.FAILED)
    need = org.execute(
        c.ReportTrainingNeed(employee_number="20001", competence_code=catalogue.lead),
        actors.manager,
    )
    org.execute(c.ReceiveTrainingRequest(request_id=need), actors.officer)
    other = org.execute(
        c.ReportTrainingNeed(employee_number="20002", competence_code=catalogue.lead),
        actors.manager,
    )
    org.execute(c.CancelTrainingRequest(request_id=other, reason="Slutter"), actors.manager)
    # follow-ups: 20001 held goal-and-development 1 and an extra follow-up (2),
    # 20002 held the employee conversation and goal-and-development 1 (1: the first
    # conversation of the year is not a follow-up)
    _hold(org, actors, "20001", "goal_and_development_1", date(2026, 6, 10))
    org.execute(
        c.ScheduleConversation(
            employee_number="20001", year=2026, kind="follow_up", scheduled_for=date(2026, 8, 1)
        ),
        actors.manager,
    )
    _hold(org, actors, "20001", "follow_up_1", date(2026, 8, 3))
    _hold(org, actors, "20002", "employee_conversation", date(2026, 3, 20))
    _hold(org, actors, "20002", "goal_and_development_1", date(2026, 6, 12))

    report = org.completion_report(as_of=date(2026, 9, 1))
    assert report.year == 2026
    (unit,) = report.units
    assert unit.model_dump() == {
        "unit": "HALDEN",
        "employees": 3,
        "goals_agreed": 6,
        "goals_achieved": 1,
        "goals_not_achieved": 1,
        "goals_dropped": 1,
        "goals_overdue": 1,  # D; E and K are not due yet
        "requests": {
            "reported": 0,
            "received": 1,
            "measure_chosen": 0,
            "completed": 2,
            "rejected": 1,
            "cancelled": 1,
        },
        "completed_measures": 1,  # the failed one is not a completed measure
        "plans": 3,
        "plans_followed_up_twice": 1,
    }
    assert unit.followed_up_share == pytest.approx(1 / 3)
    assert org.completion_report(as_of=date(2026, 9, 1), year=2025).units[0].plans == 0
    assert org.completion_report(as_of=date(2026, 9, 1), unit="KJELLER").units == []


# --- conversation report -------------------------------------------------------------
def test_conversation_report_states(org: CompetenceStore, actors, hire, clock) -> None:
    hire(org, "20001")
    hire(org, "20002")
    org.execute(CYCLE, actors.hr)  # 10001, 20001, 20002
    hire(org, "20003")
    org.execute(c.OpenPlan(employee_number="20003", year=2026), actors.hr)  # nothing scheduled
    hire(org, "20004")  # no plan
    clock.set(datetime(2026, 7, 1, 8, tzinfo=UTC))
    _hold(org, actors, "20001", "employee_conversation", date(2026, 3, 30))
    _hold(org, actors, "20002", "employee_conversation", date(2026, 3, 25))
    _hold(org, actors, "20002", "goal_and_development_1", date(2026, 6, 14))

    report = org.conversation_report(as_of=date(2026, 7, 1))
    by = {row.employee_number: row for row in report.employees}
    cs = ConversationState
    state = {
        n: (
            r.employee_conversation.state,
            r.goal_and_development_1.state,
            r.goal_and_development_2.state,
        )
        for n, r in by.items()
    }
    assert state == {
        "10001": (cs.OVERDUE, cs.OVERDUE, cs.SCHEDULED),
        "20001": (cs.HELD, cs.OVERDUE, cs.SCHEDULED),
        "20002": (cs.HELD, cs.HELD, cs.SCHEDULED),
        "20003": (cs.NOT_SCHEDULED, cs.NOT_SCHEDULED, cs.NOT_SCHEDULED),
        "20004": (cs.NO_PLAN, cs.NO_PLAN, cs.NO_PLAN),
    }
    assert by["20002"].goal_and_development_1.day == date(2026, 6, 14)
    assert by["20001"].goal_and_development_1.day == date(2026, 6, 15)  # scheduled for
    assert str(by["20001"].employee_conversation) == "held 2026-03-30"
    managers = {m.manager: m for m in report.managers}
    assert set(managers) == {None, "10001"}  # the manager has no manager
    team = managers["10001"]
    assert (team.employees, team.employee_conversation_held, team.goal_and_development_1_held) == (
        4,
        2,
        1,
    )
    assert (team.goal_and_development_2_held, team.overdue, team.without_plan) == (0, 1, 1)
    assert (managers[None].overdue, managers[None].without_plan) == (2, 0)
    # on a day before the first deadline nothing is overdue yet
    early = org.conversation_report(as_of=date(2026, 3, 15))
    assert sum(m.overdue for m in early.managers) == 0
    # another year: nobody has a plan
    assert all(m.without_plan == m.employees for m in org.conversation_report(year=2027).managers)


# --- audit trail ---------------------------------------------------------------------
def test_audit_trail_gathers_employee_plan_and_request_events_in_order(
    org: CompetenceStore, actors, hire, catalogue, clock: FixedClock
) -> None:
    def tick() -> None:
        clock.advance(timedelta(hours=1))

    hr_for_manager = Actor(employee_number="90001", role=Role.HR, on_behalf_of="10001")
    hire(org, "20001", name="Kari Nordmann", birth_date=date(1990, 4, 1))
    tick()
    hire(org, "20002", name="Ola Nordmann")  # someone else: not in 20001's trail
    tick()
    org.execute(CYCLE, actors.hr)
    tick()
    _hold(org, actors, "20001", "employee_conversation", date(2026, 3, 2))
    tick()
    _complete(org, actors, ids.onboarding_request_id("20001", catalogue.rp), date(2026, 3, 2))
    tick()
    org.execute(c.CorrectPersonalDetails(employee_number="20001", name="Kari Berg"), hr_for_manager)

    trail = org.audit_trail("20001")
    assert [(e.aggregate, e.event) for e in trail] == [
        ("Employee", "EmployeeHired"),
        ("TrainingRequest", "TrainingNeedReported"),
        ("CompetencePlan", "PlanOpened"),
        ("CompetencePlan", "ConversationScheduled"),
        ("CompetencePlan", "ConversationScheduled"),
        ("CompetencePlan", "ConversationScheduled"),
        ("CompetencePlan", "ConversationHeld"),
        ("TrainingRequest", "TrainingRequestReceived"),
        ("TrainingRequest", "MeasureChosen"),
        ("TrainingRequest", "TrainingCompleted"),
        ("Employee", "CompetenceRecorded"),
        ("Employee", "PersonalDetailsCorrected"),
    ]
    assert {e.aggregate_id for e in trail} == {
        ids.employee_id("20001"),
        ids.plan_id("20001", 2026),
        ids.onboarding_request_id("20001", catalogue.rp),
    }
    times = [e.recorded_at for e in trail]
    assert times == sorted(times)
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)
    assert times[0] == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert trail[0].recorded_at_oslo == "2026-03-02 09:00:00 CET"

    hired, reported, opened = trail[0], trail[1], trail[2]
    assert (hired.actor, hired.role, hired.via, hired.effective_on) == (
        "90001",
        "hr",
        None,
        date(2026, 1, 5),
    )
    assert (reported.via, opened.via) == ("onboarding", "annual-cycle")
    assert trail[6].effective_on == date(2026, 3, 2) and trail[6].actor == "10001"
    assert trail[6].role == "line_manager"
    completed, recorded, corrected = trail[9], trail[10], trail[11]
    assert (completed.actor, completed.role) == ("90002", "competence_officer")
    assert recorded.via == "training-completed" and recorded.effective_on == date(2026, 3, 2)
    assert (corrected.actor, corrected.on_behalf_of) == ("90001", "10001")

    # personal details masked unless asked for
    text = repr([e.model_dump() for e in trail])
    assert "Kari" not in text and "1990-04-01" not in text
    assert hired.details["personal"] == "(personal details recorded, masked)"
    assert corrected.details["personal"] == "(personal details recorded, masked)"
    shown = org.audit_trail("20001", show_personal=True)
    assert shown[0].details["personal"] == {"name": "Kari Nordmann", "birth_date": "1990-04-01"}
    assert shown[-1].details["personal"]["name"] == "Kari Berg"
    assert "Kari" not in hired.describe() and "masked" in hired.describe()


def test_audit_trail_keeps_each_aggregates_order_when_times_tie(
    org: CompetenceStore, actors, hire
) -> None:
    """With a clock that stands still, the trail must still follow each aggregate's versions."""
    hire(org, "20001")
    org.execute(CYCLE, actors.hr)  # policy events (via annual-cycle)
    _hold(org, actors, "20001", "employee_conversation", date(2026, 3, 2))  # direct, same time
    trail = org.audit_trail("20001")
    for aggregate_id in {e.aggregate_id for e in trail}:
        versions = [e.version for e in trail if e.aggregate_id == aggregate_id]
        assert versions == list(range(1, len(versions) + 1)), versions


def test_audit_trail_shows_a_goal_before_the_training_need_it_reported(
    org: CompetenceStore, actors, hire, catalogue
) -> None:
    """Both events share the command's timestamp; the trail must follow the log."""
    hire(org, "20001", holdings=(held(catalogue.rp, 1, date(2025, 6, 1)),))
    org.execute(CYCLE, actors.hr)
    org.execute(
        c.AgreeCompetenceGoal(
            employee_number="20001",
            year=2026,
            goal_id="K",
            description="Kjernesikkerhet",
            competence_code=catalogue.nuc,
            target_level=2,
            measures=(COURSE,),
            deadline=date(2026, 12, 1),
            report_training_need=True,
        ),
        actors.manager,
    )
    events = [e.event for e in org.audit_trail("20001")]
    assert events.index("GoalAgreed") < events.index("TrainingNeedReported")


def test_audit_trail_of_unknown_employee_is_refused(store: CompetenceStore) -> None:
    with pytest.raises(NotFound, match="employee 99999 does not exist"):
        store.audit_trail("99999")


def test_actions_by_lists_what_one_person_did(org: CompetenceStore, actors, hire) -> None:
    hire(org, "20001")
    org.execute(c.ConfirmRecord(employee_number="20001", confirmed_on=AS_OF), actors.manager)
    done = org.actions_by(actors.manager.employee_number)
    assert [e.event for e in done] == ["RecordConfirmed"]
