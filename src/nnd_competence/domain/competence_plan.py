"""The competence plan (kompetanseplan): one per employee per year.

It holds the year's conversations (medarbeidersamtale, mål- og utviklingssamtale 1 and 2,
extra follow-ups) and the goals agreed in them. Goals are revised by events, never edited,
so the history of what was agreed when stays provable.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from nnd_competence.domain.aggregate import Aggregate, DomainEvent
from nnd_competence.domain.errors import AlreadyExists, InvalidState, InvalidValue, NotFound
from nnd_competence.domain.ids import plan_id
from nnd_competence.domain.values import (
    Code,
    Context,
    EmployeeNumber,
    Frozen,
    Text,
    normalise_code,
    normalise_employee_number,
)


class ConversationKind(StrEnum):
    EMPLOYEE_CONVERSATION = "employee_conversation"  # medarbeidersamtale
    GOAL_AND_DEVELOPMENT_1 = "goal_and_development_1"  # mål- og utviklingssamtale 1
    GOAL_AND_DEVELOPMENT_2 = "goal_and_development_2"  # mål- og utviklingssamtale 2
    FOLLOW_UP = "follow_up"  # ekstra oppfølging


CYCLE_CONVERSATIONS = (
    ConversationKind.EMPLOYEE_CONVERSATION,
    ConversationKind.GOAL_AND_DEVELOPMENT_1,
    ConversationKind.GOAL_AND_DEVELOPMENT_2,
)


class Topic(StrEnum):
    COMPETENCE = "competence"
    GOALS_PERFORMANCE = "goals_performance"
    JOB_DESCRIPTION = "job_description"
    SAFETY = "safety"
    WELL_BEING = "well_being"


class MeasureKind(StrEnum):
    COURSE = "course"
    E_LEARNING = "e_learning"
    INTERNAL_TRAINING = "internal_training"
    ON_THE_JOB = "on_the_job"
    OTHER = "other"


class Measure(Frozen):
    """An agreed competence measure (tiltak)."""

    kind: MeasureKind
    description: Text


class GoalKind(StrEnum):
    WORK = "work"
    COMPETENCE = "competence"


class GoalOutcome(StrEnum):
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not_achieved"
    DROPPED = "dropped"


class Goal(Frozen):
    """A work goal or a competence goal as currently agreed."""

    goal_id: Code
    kind: GoalKind
    description: Text
    deadline: date
    competence_code: Code | None = None
    target_level: int | None = Field(default=None, ge=1, le=10)
    measures: tuple[Measure, ...] = ()

    def model_post_init(self, __context: object) -> None:
        if self.kind is GoalKind.COMPETENCE:
            if self.competence_code is None:
                raise InvalidValue(f"competence goal {self.goal_id} must name a competence")
            if self.target_level is None:
                raise InvalidValue(f"competence goal {self.goal_id} must name a target level")
            if not self.measures:
                raise InvalidValue(
                    f"competence goal {self.goal_id} must name at least one agreed measure"
                )


class Conversation(Frozen):
    conversation_id: Code
    kind: ConversationKind
    scheduled_for: date
    held_on: date | None = None
    topics: tuple[Topic, ...] = ()


# --- events ---------------------------------------------------------------------------
class PlanOpened(DomainEvent):
    employee_number: EmployeeNumber
    year: int
    unit: Code
    manager: EmployeeNumber | None


class ConversationScheduled(DomainEvent):
    conversation_id: Code
    kind: ConversationKind
    scheduled_for: date


class ConversationRescheduled(DomainEvent):
    conversation_id: Code
    scheduled_for: date
    reason: str | None = None


class ConversationHeld(DomainEvent):
    conversation_id: Code
    held_on: date
    topics: tuple[Topic, ...]
    summary: str | None = None


class GoalAgreed(DomainEvent):
    goal: Goal
    conversation_id: Code | None = None


class GoalProgressRecorded(DomainEvent):
    goal_id: Code
    note: Text
    percent_complete: int | None = Field(default=None, ge=0, le=100)


class GoalRevised(DomainEvent):
    goal: Goal
    reason: Text


class GoalClosed(DomainEvent):
    goal_id: Code
    outcome: GoalOutcome
    closed_on: date
    comment: str | None = None


class PlanClosed(DomainEvent):
    closed_on: date


class CompetencePlan(Aggregate):
    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.employee_number = ""
        self.year = 0
        self.unit = ""
        self.manager: str | None = None
        self.conversations: dict[str, Conversation] = {}
        self.goals: dict[str, Goal] = {}
        self.goal_outcomes: dict[str, GoalOutcome] = {}
        self.closed_on: date | None = None

    # --- commands -------------------------------------------------------------------
    @classmethod
    def open(
        cls, ctx: Context, employee_number: str, year: int, unit: str, manager: str | None
    ) -> CompetencePlan:
        if not 2000 <= year <= 2100:
            raise InvalidValue(f"year {year} is not a plausible plan year")
        employee_number = normalise_employee_number(employee_number)
        plan = cls(plan_id(employee_number, year))
        plan.trigger(
            PlanOpened, ctx, employee_number=employee_number, year=year, unit=unit, manager=manager
        )
        return plan

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def schedule(
        self, ctx: Context, conversation_id: str, kind: ConversationKind, scheduled_for: date
    ) -> None:
        conversation_id = normalise_code(conversation_id)
        self._refuse_if_closed()
        if conversation_id in self.conversations:
            raise AlreadyExists(f"conversation {conversation_id} is already scheduled")
        if kind is not ConversationKind.FOLLOW_UP and any(
            c.kind is kind for c in self.conversations.values()
        ):
            raise AlreadyExists(f"the plan already has a {kind.value} conversation")
        if kind is ConversationKind.GOAL_AND_DEVELOPMENT_2:
            first = self._of_kind(ConversationKind.GOAL_AND_DEVELOPMENT_1)
            if first is not None and scheduled_for < first.scheduled_for:
                raise InvalidValue(
                    f"goal-and-development 2 ({scheduled_for}) cannot be scheduled before "
                    f"goal-and-development 1 ({first.scheduled_for})"
                )
        self.trigger(
            ConversationScheduled,
            ctx,
            conversation_id=conversation_id,
            kind=kind,
            scheduled_for=scheduled_for,
        )

    def reschedule(
        self, ctx: Context, conversation_id: str, scheduled_for: date, reason: str | None
    ) -> None:
        conversation_id = normalise_code(conversation_id)
        self._refuse_if_closed()
        conversation = self._conversation(conversation_id)
        if conversation.held_on is not None:
            raise InvalidState(f"conversation {conversation_id} was already held")
        self.trigger(
            ConversationRescheduled,
            ctx,
            conversation_id=conversation_id,
            scheduled_for=scheduled_for,
            reason=reason,
        )

    def hold(
        self,
        ctx: Context,
        conversation_id: str,
        held_on: date,
        topics: tuple[Topic, ...],
        summary: str | None = None,
    ) -> None:
        conversation_id = normalise_code(conversation_id)
        if not self.is_open:
            raise InvalidState(
                f"the {self.year} plan of employee {self.employee_number} is closed; "
                "a conversation can only be held in an open cycle"
            )
        if conversation_id not in self.conversations:
            raise InvalidState(
                f"conversation {conversation_id} has not been scheduled; schedule it first"
            )
        conversation = self.conversations[conversation_id]
        if conversation.held_on is not None:
            raise InvalidState(
                f"conversation {conversation_id} was already held on {conversation.held_on}"
            )
        if held_on > ctx.today:
            raise InvalidValue(f"held date {held_on} lies in the future")
        if not topics:
            raise InvalidValue("a held conversation must list at least one topic covered")
        if conversation.kind is ConversationKind.GOAL_AND_DEVELOPMENT_2:
            first = self._of_kind(ConversationKind.GOAL_AND_DEVELOPMENT_1)
            if first is None or first.held_on is None:
                raise InvalidState(
                    "goal-and-development 2 cannot be held before goal-and-development 1"
                )
            if held_on < first.held_on:
                raise InvalidValue(
                    f"goal-and-development 2 ({held_on}) cannot precede "
                    f"goal-and-development 1 ({first.held_on})"
                )
        self.trigger(
            ConversationHeld,
            ctx,
            conversation_id=conversation_id,
            held_on=held_on,
            topics=tuple(dict.fromkeys(topics)),
            summary=summary,
            effective_on=held_on,
        )

    def agree_goal(self, ctx: Context, goal: Goal, conversation_id: str | None = None) -> None:
        self._refuse_if_closed()
        if goal.goal_id in self.goals:
            raise AlreadyExists(f"goal {goal.goal_id} already exists in this plan")
        if conversation_id is not None:
            conversation_id = self._conversation(conversation_id).conversation_id
        self.trigger(GoalAgreed, ctx, goal=goal, conversation_id=conversation_id)

    def record_progress(
        self, ctx: Context, goal_id: str, note: str, percent_complete: int | None
    ) -> None:
        goal_id = normalise_code(goal_id)
        self._open_goal(goal_id)
        self.trigger(
            GoalProgressRecorded,
            ctx,
            goal_id=goal_id,
            note=note,
            percent_complete=percent_complete,
        )

    def revise_goal(self, ctx: Context, goal: Goal, reason: str) -> None:
        current = self._open_goal(goal.goal_id)
        if current.kind is not goal.kind:
            raise InvalidValue(f"goal {goal.goal_id} cannot change from {current.kind.value}")
        if current == goal:
            return
        self.trigger(GoalRevised, ctx, goal=goal, reason=reason)

    def close_goal(
        self,
        ctx: Context,
        goal_id: str,
        outcome: GoalOutcome,
        closed_on: date,
        comment: str | None,
    ) -> None:
        goal_id = normalise_code(goal_id)
        self._open_goal(goal_id)
        if outcome is GoalOutcome.DROPPED and not comment:
            raise InvalidValue("dropping a goal needs a reason (comment)")
        self.trigger(
            GoalClosed,
            ctx,
            goal_id=goal_id,
            outcome=outcome,
            closed_on=closed_on,
            comment=comment,
            effective_on=closed_on,
        )

    def close(self, ctx: Context, closed_on: date) -> None:
        self._refuse_if_closed()
        self.trigger(PlanClosed, ctx, closed_on=closed_on, effective_on=closed_on)

    # --- queries --------------------------------------------------------------------
    def goal(self, goal_id: str) -> Goal:
        goal_id = normalise_code(goal_id)
        try:
            return self.goals[goal_id]
        except KeyError:
            raise NotFound(
                f"goal {goal_id!r} is not in the {self.year} plan of {self.employee_number}"
            ) from None

    def conversation_of_kind(self, kind: ConversationKind) -> Conversation | None:
        return self._of_kind(kind)

    def _of_kind(self, kind: ConversationKind) -> Conversation | None:
        return next((c for c in self.conversations.values() if c.kind is kind), None)

    def _conversation(self, conversation_id: str) -> Conversation:
        conversation_id = normalise_code(conversation_id)
        try:
            return self.conversations[conversation_id]
        except KeyError:
            raise NotFound(f"conversation {conversation_id!r} is not in this plan") from None

    def _open_goal(self, goal_id: str) -> Goal:
        goal_id = normalise_code(goal_id)
        self._refuse_if_closed()
        goal = self.goal(goal_id)
        if goal_id in self.goal_outcomes:
            raise InvalidState(
                f"goal {goal_id} is already closed ({self.goal_outcomes[goal_id].value})"
            )
        return goal

    def _refuse_if_closed(self) -> None:
        if not self.is_open:
            raise InvalidState(
                f"the {self.year} plan of employee {self.employee_number} "
                f"was closed on {self.closed_on}"
            )

    # --- event handlers -------------------------------------------------------------
    def when_PlanOpened(self, e: PlanOpened) -> None:
        self.employee_number, self.year = e.employee_number, e.year
        self.unit, self.manager = e.unit, e.manager

    def when_ConversationScheduled(self, e: ConversationScheduled) -> None:
        self.conversations[e.conversation_id] = Conversation(
            conversation_id=e.conversation_id, kind=e.kind, scheduled_for=e.scheduled_for
        )

    def when_ConversationRescheduled(self, e: ConversationRescheduled) -> None:
        old = self.conversations[e.conversation_id]
        self.conversations[e.conversation_id] = old.model_copy(
            update={"scheduled_for": e.scheduled_for}
        )

    def when_ConversationHeld(self, e: ConversationHeld) -> None:
        old = self.conversations[e.conversation_id]
        self.conversations[e.conversation_id] = old.model_copy(
            update={"held_on": e.held_on, "topics": e.topics}
        )

    def when_GoalAgreed(self, e: GoalAgreed) -> None:
        self.goals[e.goal.goal_id] = e.goal

    def when_GoalProgressRecorded(self, e: GoalProgressRecorded) -> None:
        pass

    def when_GoalRevised(self, e: GoalRevised) -> None:
        self.goals[e.goal.goal_id] = e.goal

    def when_GoalClosed(self, e: GoalClosed) -> None:
        self.goal_outcomes[e.goal_id] = e.outcome

    def when_PlanClosed(self, e: PlanClosed) -> None:
        self.closed_on = e.closed_on


for _event in (
    PlanOpened,
    ConversationScheduled,
    ConversationRescheduled,
    ConversationHeld,
    GoalAgreed,
    GoalProgressRecorded,
    GoalRevised,
    GoalClosed,
    PlanClosed,
):
    _event.aggregate_type = CompetencePlan
