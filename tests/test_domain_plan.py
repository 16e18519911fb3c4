"""Rules of the competence plan: goals, conversations and their order in the cycle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from pydantic import ValidationError

from nnd_competence import CompetenceStore, DomainError
from nnd_competence.application import commands as c
from nnd_competence.domain.competence_plan import (
    CompetencePlan,
    ConversationHeld,
    ConversationKind,
    Goal,
    GoalKind,
    Measure,
    MeasureKind,
    Topic,
)
from nnd_competence.domain.errors import AlreadyExists, InvalidState, InvalidValue, NotFound
from nnd_competence.domain.values import Context

G1 = ConversationKind.GOAL_AND_DEVELOPMENT_1
G2 = ConversationKind.GOAL_AND_DEVELOPMENT_2
EC = ConversationKind.EMPLOYEE_CONVERSATION
COURSE = Measure(kind=MeasureKind.COURSE, description="Strålevernkurs, Atomakademiet")
TOPICS = (Topic.COMPETENCE, Topic.SAFETY)


@pytest.fixture
def plan(ctx: Callable[..., Context]) -> CompetencePlan:
    p = CompetencePlan.open(ctx(date(2026, 1, 5)), "20001", 2026, "HALDEN", "10001")
    p.collect_events()
    return p


def competence_goal(**overrides: object) -> Goal:
    fields: dict[str, object] = {
        "goal_id": "G-1",
        "kind": GoalKind.COMPETENCE,
        "description": "Bli sertifisert i strålevern",
        "deadline": date(2026, 10, 1),
        "competence_code": "RP-CERT",
        "target_level": 1,
        "measures": (COURSE,),
    }
    fields.update(overrides)
    return Goal(**fields)  # type: ignore[arg-type]


# --- a competence goal names a competence, a measure and a deadline -------------------
def test_competence_goal_needs_a_competence() -> None:
    with pytest.raises(InvalidValue, match="must name a competence"):
        competence_goal(competence_code=None)


def test_competence_goal_needs_an_agreed_measure() -> None:
    with pytest.raises(InvalidValue, match="at least one agreed measure"):
        competence_goal(measures=())


def test_competence_goal_needs_a_deadline() -> None:
    with pytest.raises(ValidationError, match="deadline"):
        Goal(
            goal_id="G-1",
            kind=GoalKind.COMPETENCE,
            description="x",
            competence_code="RP-CERT",
            target_level=1,
            measures=(COURSE,),
        )  # type: ignore[call-arg]


def test_complete_competence_goal_is_agreed(
    plan: CompetencePlan, ctx: Callable[..., Context]
) -> None:
    plan.agree_goal(ctx(), competence_goal())
    assert plan.goals["G-1"].competence_code == "RP-CERT"
    assert [type(e).__name__ for e in plan.collect_events()] == ["GoalAgreed"]


def test_work_goal_needs_no_competence(plan: CompetencePlan, ctx: Callable[..., Context]) -> None:
    goal = Goal(
        goal_id="W-1", kind=GoalKind.WORK, description="Rydde lager", deadline=date(2026, 6, 1)
    )
    plan.agree_goal(ctx(), goal)
    assert plan.goals["W-1"].kind is GoalKind.WORK


def test_store_refuses_competence_goal_outside_catalogue(
    org: CompetenceStore, actors, hire
) -> None:
    hire(org, "20001")
    org.execute(c.OpenPlan(employee_number="20001", year=2026), actors.hr)
    before = org.event_count()
    with pytest.raises(NotFound, match="NOT-IN-CATALOGUE"):
        org.execute(
            c.AgreeCompetenceGoal(
                employee_number="20001",
                year=2026,
                goal_id="G-1",
                description="Noe som ikke finnes",
                competence_code="NOT-IN-CATALOGUE",
                target_level=1,
                measures=(COURSE,),
                deadline=date(2026, 10, 1),
            ),
            actors.manager,
        )
    assert org.event_count() == before


def test_store_command_needs_measure_and_deadline() -> None:
    base = {
        "employee_number": "20001",
        "year": 2026,
        "goal_id": "G-1",
        "description": "x",
        "competence_code": "RP-CERT",
        "target_level": 1,
    }
    with pytest.raises(ValidationError) as no_measure:
        c.AgreeCompetenceGoal.model_validate({**base, "measures": (), "deadline": "2026-10-01"})
    assert no_measure.value.errors()[0]["loc"] == ("measures",)
    with pytest.raises(ValidationError) as no_deadline:
        c.AgreeCompetenceGoal.model_validate({**base, "measures": [COURSE.model_dump()]})
    assert no_deadline.value.errors()[0]["loc"] == ("deadline",)


# --- a conversation is held only when scheduled, and only in an open plan ------------
def test_conversation_cannot_be_held_before_it_is_scheduled(
    plan: CompetencePlan, ctx: Callable[..., Context]
) -> None:
    with pytest.raises(InvalidState, match="has not been scheduled"):
        plan.hold(ctx(), "EMPLOYEE_CONVERSATION", date(2026, 2, 1), TOPICS)
    assert not plan.has_pending_events


def test_conversation_cannot_be_held_in_a_closed_plan(
    plan: CompetencePlan, ctx: Callable[..., Context]
) -> None:
    plan.schedule(ctx(), "EMPLOYEE_CONVERSATION", EC, date(2026, 2, 1))
    plan.close(ctx(), date(2026, 2, 10))
    plan.collect_events()
    with pytest.raises(InvalidState, match="closed"):
        plan.hold(ctx(), "EMPLOYEE_CONVERSATION", date(2026, 2, 1), TOPICS)
    assert not plan.has_pending_events


def test_scheduled_conversation_is_held(plan: CompetencePlan, ctx: Callable[..., Context]) -> None:
    plan.schedule(ctx(), "EMPLOYEE_CONVERSATION", EC, date(2026, 2, 1))
    plan.hold(ctx(), "EMPLOYEE_CONVERSATION", date(2026, 2, 3), (Topic.SAFETY, Topic.SAFETY))
    held = plan.collect_events()[-1]
    assert isinstance(held, ConversationHeld)
    assert held.effective_on == date(2026, 2, 3)
    assert held.topics == (Topic.SAFETY,)  # duplicates dropped
    assert plan.conversations["EMPLOYEE_CONVERSATION"].held_on == date(2026, 2, 3)


def test_conversation_cannot_be_held_twice_nor_in_the_future(
    plan: CompetencePlan, ctx: Callable[..., Context]
) -> None:
    plan.schedule(ctx(), "EMPLOYEE_CONVERSATION", EC, date(2026, 2, 1))
    with pytest.raises(InvalidValue, match="future"):
        plan.hold(ctx(date(2026, 2, 1)), "EMPLOYEE_CONVERSATION", date(2026, 2, 2), TOPICS)
    plan.hold(ctx(), "EMPLOYEE_CONVERSATION", date(2026, 2, 2), TOPICS)
    with pytest.raises(InvalidState, match="already held"):
        plan.hold(ctx(), "EMPLOYEE_CONVERSATION", date(2026, 2, 3), TOPICS)


def test_store_refuses_holding_unscheduled_conversation(org: CompetenceStore, actors, hire) -> None:
    hire(org, "20001")
    org.execute(c.OpenPlan(employee_number="20001", year=2026), actors.hr)
    before = org.event_count()
    with pytest.raises(InvalidState, match="has not been scheduled"):
        org.execute(
            c.HoldConversation(
                employee_number="20001",
                year=2026,
                conversation_id="employee_conversation",
                held_on=date(2026, 2, 2),
                topics=TOPICS,
            ),
            actors.manager,
        )
    assert org.event_count() == before


# --- goal-and-development 2 never precedes 1 -----------------------------------------
def test_g2_cannot_be_held_before_g1_was_held(
    plan: CompetencePlan, ctx: Callable[..., Context]
) -> None:
    plan.schedule(ctx(), "G1", G1, date(2026, 5, 1))
    plan.schedule(ctx(), "G2", G2, date(2026, 10, 1))
    with pytest.raises(InvalidState, match="cannot be held before goal-and-development 1"):
        plan.hold(ctx(date(2026, 11, 1)), "G2", date(2026, 10, 1), TOPICS)


def test_g2_cannot_be_held_on_a_date_before_g1(
    plan: CompetencePlan, ctx: Callable[..., Context]
) -> None:
    plan.schedule(ctx(), "G1", G1, date(2026, 5, 1))
    plan.schedule(ctx(), "G2", G2, date(2026, 10, 1))
    plan.hold(ctx(date(2026, 11, 1)), "G1", date(2026, 9, 1), TOPICS)
    with pytest.raises(InvalidValue, match="cannot precede"):
        plan.hold(ctx(date(2026, 11, 1)), "G2", date(2026, 8, 31), TOPICS)
    plan.hold(ctx(date(2026, 11, 1)), "G2", date(2026, 9, 1), TOPICS)  # same day is fine


def test_g2_cannot_be_scheduled_before_g1(
    plan: CompetencePlan, ctx: Callable[..., Context]
) -> None:
    plan.schedule(ctx(), "G1", G1, date(2026, 5, 1))
    with pytest.raises(InvalidValue, match="cannot be scheduled before"):
        plan.schedule(ctx(), "G2", G2, date(2026, 4, 30))
    assert "G2" not in plan.conversations


def test_each_cycle_conversation_only_once_but_follow_ups_many(
    plan: CompetencePlan, ctx: Callable[..., Context]
) -> None:
    plan.schedule(ctx(), "G1", G1, date(2026, 5, 1))
    with pytest.raises(DomainError, match="already has a goal_and_development_1"):
        plan.schedule(ctx(), "G1-AGAIN", G1, date(2026, 5, 2))
    plan.schedule(ctx(), "F1", ConversationKind.FOLLOW_UP, date(2026, 6, 1))
    plan.schedule(ctx(), "F2", ConversationKind.FOLLOW_UP, date(2026, 7, 1))
    assert len(plan.conversations) == 3


def test_store_refuses_g2_scheduled_before_g1(org: CompetenceStore, actors, hire) -> None:
    hire(org, "20001")
    org.execute(c.OpenPlan(employee_number="20001", year=2026), actors.hr)
    org.execute(
        c.ScheduleConversation(
            employee_number="20001", year=2026, kind=G1, scheduled_for=date(2026, 5, 1)
        ),
        actors.manager,
    )
    before = org.event_count()
    with pytest.raises(InvalidValue, match="cannot be scheduled before"):
        org.execute(
            c.ScheduleConversation(
                employee_number="20001", year=2026, kind=G2, scheduled_for=date(2026, 4, 1)
            ),
            actors.manager,
        )
    assert org.event_count() == before


def test_conversation_ids_are_compared_as_stored(
    plan: CompetencePlan, ctx: Callable[..., Context]
) -> None:
    plan.schedule(ctx(), "f1", ConversationKind.FOLLOW_UP, date(2026, 2, 1))
    with pytest.raises(AlreadyExists):
        plan.schedule(ctx(), "f1", ConversationKind.FOLLOW_UP, date(2026, 2, 2))
