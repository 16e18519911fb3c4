"""Commands: validated requests to change something, one per step of the process.

They are pydantic models so that the CLI, other NND systems and the HR adapters all get
the same validation and the same field-named error messages before anything is stored.
``command_id`` (optional) makes a command idempotent: resubmitting it returns the first
outcome and writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from nnd_competence.domain.catalogue import CompetenceDefinition, RequirementProfile
from nnd_competence.domain.competence_plan import (
    ConversationKind,
    GoalOutcome,
    Measure,
    MeasureKind,
    Topic,
)
from nnd_competence.domain.employee import HoldingSource
from nnd_competence.domain.training_request import TrainingResult
from nnd_competence.domain.values import Code, EmployeeNumber, Text

Year = Annotated[int, Field(ge=2000, le=2100)]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: str | None = Field(default=None, max_length=200)


# --- catalogue ------------------------------------------------------------------------
class DefineCompetence(Command):
    competence: CompetenceDefinition


class ReviseCompetence(Command):
    competence: CompetenceDefinition
    reason: str = ""


class WithdrawCompetence(Command):
    code: Code
    reason: Text


class SetRequirementProfile(Command):
    profile: RequirementProfile


# --- employee -------------------------------------------------------------------------
class HeldCompetence(BaseModel):
    """A holding brought along at hire (imported, e.g. a certificate from a former job)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    competence_code: Code
    level: int = Field(ge=1, le=10)
    acquired_on: date
    valid_until: date | None = None
    evidence: str | None = None


class HireEmployee(Command):
    employee_number: EmployeeNumber
    unit: Code
    position: Code
    manager: EmployeeNumber | None = None
    start_date: date
    name: Text | None = None
    birth_date: date | None = None
    holdings: tuple[HeldCompetence, ...] = ()


class TransferEmployee(Command):
    employee_number: EmployeeNumber
    unit: Code | None = None
    position: Code | None = None
    manager: EmployeeNumber | None = None
    remove_manager: bool = False  # e.g. the new head of a unit reports to no one here
    effective_on: date


class RecordCompetence(Command):
    employee_number: EmployeeNumber
    competence_code: Code
    level: int = Field(ge=1, le=10)
    acquired_on: date
    valid_until: date | None = None
    source: HoldingSource = HoldingSource.ASSESSMENT
    evidence: str | None = None


class CorrectCompetenceRecord(RecordCompetence):
    reason: Text


class RevokeCompetence(Command):
    employee_number: EmployeeNumber
    competence_code: Code
    reason: Text
    effective_on: date


class ConfirmRecord(Command):
    employee_number: EmployeeNumber
    confirmed_on: date


class CorrectPersonalDetails(Command):
    employee_number: EmployeeNumber
    name: Text
    birth_date: date | None = None


class RegisterLeaving(Command):
    employee_number: EmployeeNumber
    end_date: date


# --- competence plan ------------------------------------------------------------------
class StartCycle(Command):
    """HR starts the year's cycle: a plan and the three conversations for everyone active."""

    year: Year
    employee_conversation_by: date
    goal_and_development_1_by: date
    goal_and_development_2_by: date
    unit: Code | None = None
    as_of: date | None = None  # who counts as active; default today (or 1 Jan)


class OpenPlan(Command):
    employee_number: EmployeeNumber
    year: Year


class ScheduleConversation(Command):
    employee_number: EmployeeNumber
    year: Year
    kind: ConversationKind
    scheduled_for: date
    conversation_id: Code | None = None


class HoldConversation(Command):
    employee_number: EmployeeNumber
    year: Year
    conversation_id: Code
    held_on: date
    topics: tuple[Topic, ...] = Field(min_length=1)
    summary: str | None = None


class AgreeWorkGoal(Command):
    employee_number: EmployeeNumber
    year: Year
    goal_id: Code
    description: Text
    deadline: date
    conversation_id: Code | None = None


class AgreeCompetenceGoal(Command):
    employee_number: EmployeeNumber
    year: Year
    goal_id: Code
    description: Text
    competence_code: Code
    target_level: int = Field(ge=1, le=10)
    measures: tuple[Measure, ...] = Field(min_length=1)
    deadline: date
    conversation_id: Code | None = None
    report_training_need: bool = False


class RecordGoalProgress(Command):
    employee_number: EmployeeNumber
    year: Year
    goal_id: Code
    note: Text
    percent_complete: int | None = Field(default=None, ge=0, le=100)


class ReviseGoal(Command):
    employee_number: EmployeeNumber
    year: Year
    goal_id: Code
    reason: Text
    description: Text | None = None
    deadline: date | None = None
    target_level: int | None = Field(default=None, ge=1, le=10)
    measures: tuple[Measure, ...] | None = None


class CloseGoal(Command):
    employee_number: EmployeeNumber
    year: Year
    goal_id: Code
    outcome: GoalOutcome
    closed_on: date
    comment: str | None = None


class ClosePlan(Command):
    employee_number: EmployeeNumber
    year: Year
    closed_on: date


# --- training requests ----------------------------------------------------------------
class ReportTrainingNeed(Command):
    employee_number: EmployeeNumber
    competence_code: Code
    target_level: int | None = Field(default=None, ge=1, le=10)
    year: Year | None = None
    goal_id: Code | None = None
    note: str | None = None


class ReceiveTrainingRequest(Command):
    request_id: UUID


class ChooseMeasure(Command):
    request_id: UUID
    kind: MeasureKind
    title: Text
    provider: Text = "Atomakademiet"
    planned_start: date | None = None
    planned_end: date | None = None


class CompleteTraining(Command):
    request_id: UUID
    completed_on: date
    result: TrainingResult = TrainingResult.PASSED
    evidence: str | None = None


class RejectTrainingRequest(Command):
    request_id: UUID
    reason: Text


class CancelTrainingRequest(Command):
    request_id: UUID
    reason: Text
