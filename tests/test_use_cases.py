"""Use cases and the policies that carry the process forward, through a store on SQLite."""

from __future__ import annotations

import json
from datetime import date, timedelta
from uuid import UUID

import pytest

from nnd_competence import CompetenceStore
from nnd_competence.application import commands as c
from nnd_competence.application.clock import FixedClock
from nnd_competence.domain import ids
from nnd_competence.domain.competence_plan import ConversationKind, MeasureKind
from nnd_competence.domain.employee import HoldingSource
from nnd_competence.domain.errors import InvalidValue, NotFound
from nnd_competence.domain.training_request import RequestReason, RequestStatus, TrainingResult

CYCLE = c.StartCycle(
    year=2026,
    employee_conversation_by=date(2026, 3, 31),
    goal_and_development_1_by=date(2026, 6, 15),
    goal_and_development_2_by=date(2026, 11, 30),
)


def _train(store: CompetenceStore, actors, request_id: UUID, **complete: object) -> None:
    store.execute(c.ReceiveTrainingRequest(request_id=request_id), actors.officer)
    store.execute(
        c.ChooseMeasure(request_id=request_id, kind=MeasureKind.COURSE, title="Strålevern"),
        actors.officer,
    )
    store.execute(c.CompleteTraining(request_id=request_id, **complete), actors.officer)


# --- completing training records the competence --------------------------------------
def test_completed_training_records_certificate_valid_for_the_catalogue_period(
    org: CompetenceStore, actors, hire, catalogue
) -> None:
    hire(org, "20001")
    request_id = ids.onboarding_request_id("20001", catalogue.rp)
    _train(org, actors, request_id, completed_on=date(2026, 2, 20), evidence="kursbevis 123")

    held = org.app.employee("20001").holdings[catalogue.rp]
    assert held.level == 1
    assert held.acquired_on == date(2026, 2, 20)
    assert held.valid_until == date(2028, 2, 20)  # 24 months
    assert held.source is HoldingSource.TRAINING
    assert held.training_request_id == request_id
    assert org.app.training_request(request_id).status is RequestStatus.COMPLETED
    recorded = org.app.events.get(ids.employee_id("20001"))
    assert [e.via for e in recorded][-1] == "training-completed"
    gaps = org.gap_report(employee_number="20001")
    assert {r.competence_code for r in gaps.rows} == {catalogue.nuc}


def test_completed_training_on_standard_scale_has_no_expiry_and_keeps_higher_level(
    org: CompetenceStore, actors, hire, catalogue
) -> None:
    hire(org, "20001")
    org.execute(
        c.RecordCompetence(
            employee_number="20001",
            competence_code=catalogue.nuc,
            level=3,
            acquired_on=date(2025, 12, 1),
        ),
        actors.manager,
    )
    request_id = org.execute(
        c.ReportTrainingNeed(
            employee_number="20001", competence_code=catalogue.nuc, target_level=2
        ),
        actors.manager,
    )
    assert isinstance(request_id, UUID)
    _train(org, actors, request_id, completed_on=date(2026, 2, 20))
    held = org.app.employee("20001").holdings[catalogue.nuc]
    assert (held.level, held.valid_until, held.acquired_on) == (3, None, date(2026, 2, 20))


def test_failed_training_records_nothing(org: CompetenceStore, actors, hire, catalogue) -> None:
    hire(org, "20001")
    request_id = ids.onboarding_request_id("20001", catalogue.rp)
    employee_version = org.app.employee("20001").version
    _train(org, actors, request_id, completed_on=date(2026, 2, 20), result=TrainingResult.FAILED)

    employee = org.app.employee("20001")
    assert catalogue.rp not in employee.holdings
    assert employee.version == employee_version
    assert org.app.training_request(request_id).result is TrainingResult.FAILED
    report = org.completion_report()
    assert report.units[0].requests["completed"] == 1
    assert report.units[0].completed_measures == 0


# --- onboarding ----------------------------------------------------------------------
def test_hire_reports_onboarding_training_for_mandatory_competence_not_held(
    org: CompetenceStore, hire, catalogue
) -> None:
    hire(org, "20001")
    request_id = ids.onboarding_request_id("20001", catalogue.rp)
    request = org.app.training_request(request_id)
    assert (request.employee_number, request.competence_code, request.target_level) == (
        "20001",
        catalogue.rp,
        1,
    )
    assert request.reason is RequestReason.ONBOARDING
    (reported,) = org.app.events.get(request_id)
    assert reported.via == "onboarding"
    # NUC is required but not mandatory at onboarding: no request for it
    assert not org.app.exists(ids.onboarding_request_id("20001", catalogue.nuc))
    # the manager's position has no profile: nothing to train
    assert not org.app.exists(ids.onboarding_request_id("10001", catalogue.rp))


def test_hire_with_competence_brought_along_reports_no_onboarding_training(
    org: CompetenceStore, hire, catalogue
) -> None:
    before = org.event_count()
    hire(
        org,
        "20002",
        holdings=(
            c.HeldCompetence(
                competence_code=catalogue.rp, level=1, acquired_on=date(2025, 6, 1), evidence="IFE"
            ),
        ),
    )
    assert not org.app.exists(ids.onboarding_request_id("20002", catalogue.rp))
    held = org.app.employee("20002").holdings[catalogue.rp]
    assert held.source is HoldingSource.IMPORT
    assert held.valid_until == date(2027, 6, 1)  # from the catalogue's validity
    assert org.event_count() == before + 2  # hired + competence recorded, no request


def test_hire_with_expired_certificate_still_gets_onboarding_training(
    org: CompetenceStore, hire, catalogue
) -> None:
    hire(
        org,
        "20003",
        holdings=(
            c.HeldCompetence(competence_code=catalogue.rp, level=1, acquired_on=date(2023, 1, 1)),
        ),
    )  # valid until 2025-01-01, before the start date 2026-01-05
    assert org.app.exists(ids.onboarding_request_id("20003", catalogue.rp))


# --- the annual cycle ----------------------------------------------------------------
def test_start_cycle_opens_plans_with_the_three_conversations_for_everyone_active(
    org: CompetenceStore, actors, hire
) -> None:
    hire(org, "20001")
    hire(org, "20002")
    hire(org, "20003")
    hire(org, "20004", start=date(2026, 9, 1))  # not yet started
    org.execute(c.RegisterLeaving(employee_number="20003", end_date=date(2026, 2, 1)), actors.hr)

    assert org.execute(CYCLE, actors.hr) == 3  # 10001, 20001, 20002
    for number in ("10001", "20001", "20002"):
        plan = org.app.plan(number, 2026)
        assert plan.unit == "HALDEN"
        scheduled = {conv.kind: conv.scheduled_for for conv in plan.conversations.values()}
        assert scheduled == {
            ConversationKind.EMPLOYEE_CONVERSATION: date(2026, 3, 31),
            ConversationKind.GOAL_AND_DEVELOPMENT_1: date(2026, 6, 15),
            ConversationKind.GOAL_AND_DEVELOPMENT_2: date(2026, 11, 30),
        }
        assert {e.via for e in org.app.events.get(plan.id)} == {"annual-cycle"}
    assert org.app.plan("20001", 2026).manager == "10001"
    for number in ("20003", "20004"):
        assert not org.app.exists(ids.plan_id(number, 2026))


def test_start_cycle_again_only_opens_plans_for_those_without_one(
    org: CompetenceStore, actors, hire, clock: FixedClock
) -> None:
    hire(org, "20001")
    org.execute(c.OpenPlan(employee_number="20001", year=2026), actors.hr)  # opened by hand
    assert org.execute(CYCLE, actors.hr) == 1  # only the manager
    assert org.app.plan("20001", 2026).conversations == {}  # untouched
    before = org.event_count()
    assert org.execute(CYCLE, actors.hr) == 0
    assert org.event_count() == before
    hire(org, "20005", start=date(2026, 3, 1))
    assert org.execute(CYCLE, actors.hr) == 1
    assert len(org.app.plan("20005", 2026).conversations) == 3


def test_start_cycle_refuses_conversations_out_of_order(org: CompetenceStore, actors) -> None:
    before = org.event_count()
    with pytest.raises(InvalidValue, match="must be in order"):
        org.execute(
            CYCLE.model_copy(update={"goal_and_development_2_by": date(2026, 6, 1)}), actors.hr
        )
    assert org.event_count() == before


# --- idempotent commands -------------------------------------------------------------
def test_resubmitted_command_returns_first_result_and_writes_nothing(
    org: CompetenceStore, actors, hire, clock: FixedClock
) -> None:
    hire(org, "20001")
    need = c.ReportTrainingNeed(
        employee_number="20001", competence_code="NUC-SAFETY", command_id="portal-42"
    )
    first = org.execute(need, actors.manager)
    after_first = org.event_count()
    clock.advance(timedelta(hours=1))
    assert org.execute(need, actors.manager) == first
    assert org.event_count() == after_first
    assert first == ids.client_request_id("portal-42")


def test_resubmitted_start_cycle_returns_the_same_count(org: CompetenceStore, actors, hire) -> None:
    hire(org, "20001")
    cycle = CYCLE.model_copy(update={"command_id": "hr-cycle-2026"})
    assert org.execute(cycle, actors.hr) == 2
    count = org.event_count()
    assert org.execute(cycle, actors.hr) == 2  # not 0: the first outcome
    assert org.event_count() == count


def test_command_id_survives_reopening(store_factory, org: CompetenceStore, actors, hire) -> None:
    hire_cmd = c.HireEmployee(
        employee_number="20009",
        unit="HALDEN",
        position="OPERATOR",
        start_date=date(2026, 1, 5),
        command_id="dfo-import-20009",
    )
    first = org.execute(hire_cmd, actors.hr)
    count = org.event_count()
    org.close()
    again = store_factory(store_factory.location_of(org))
    assert again.execute(hire_cmd, actors.hr) == first
    assert again.event_count() == count


def test_command_id_reused_for_another_command_is_refused(
    org: CompetenceStore, actors, hire
) -> None:
    hire(org, "20001")
    org.execute(
        c.ConfirmRecord(employee_number="20001", confirmed_on=date(2026, 3, 1), command_id="x-1"),
        actors.manager,
    )
    before = org.event_count()
    with pytest.raises(InvalidValue, match="already used for a ConfirmRecord"):
        org.execute(
            c.RegisterLeaving(employee_number="20001", end_date=date(2026, 3, 1), command_id="x-1"),
            actors.hr,
        )
    assert org.event_count() == before


def test_command_id_reused_with_other_content_is_refused(
    org: CompetenceStore, actors, hire
) -> None:
    """The same id with other content is not a retry: answering it with the first outcome
    would tell the client that a change it never made was made."""
    hire(org, "20011", command_id="abc")
    before = org.event_count()
    with pytest.raises(InvalidValue, match="already used for a HireEmployee with other content"):
        hire(org, "20012", command_id="abc")
    assert org.event_count() == before
    with pytest.raises(NotFound):
        org.app.employee("20012")
    assert hire(org, "20011", command_id="abc") == ids.employee_id("20011")  # a true retry


def test_a_command_record_stored_before_digests_still_answers_a_retry(
    org: CompetenceStore, actors
) -> None:
    """``CommandHandled`` v1 had no digest: its retries are answered as before."""
    from eventsourcing.persistence import StoredEvent

    from nnd_competence.application.idempotency import CommandHandled, command_record_id

    record_id = command_record_id("old-1")
    state = json.dumps(
        {
            "originator_id": str(record_id),
            "originator_version": 1,
            "timestamp": "2025-01-02T08:00:00+00:00",
            "actor": {"employee_number": "10001", "role": "hr"},
            "command_id": "old-1",
            "command_type": "ConfirmRecord",
            "outcome": "int:7",
        }
    )
    stored = StoredEvent(
        originator_id=record_id,
        originator_version=1,
        topic="nnd_competence.application.idempotency:CommandHandled",
        state=state.encode(),
    )
    event = org.app.mapper.to_domain_event(stored)
    assert isinstance(event, CommandHandled) and event.digest is None
    org.app.recorder.insert_events([stored])
    before = org.event_count()
    retry = c.ConfirmRecord(
        employee_number="10001", confirmed_on=date(2026, 3, 1), command_id="old-1"
    )
    assert org.execute(retry, actors.manager) == 7
    assert org.event_count() == before


def test_rejected_command_with_id_can_be_retried(org: CompetenceStore, actors, hire) -> None:
    """A refused command records no outcome, so the same id works once the cause is fixed."""
    command = c.ConfirmRecord(
        employee_number="20001", confirmed_on=date(2026, 3, 1), command_id="confirm-1"
    )
    with pytest.raises(NotFound, match="does not exist"):
        org.execute(command, actors.manager)
    hire(org, "20001")
    assert org.execute(command, actors.manager) == ids.employee_id("20001")


# --- effective dates -----------------------------------------------------------------
def test_future_transfer_shows_in_reports_from_its_effective_date(
    org: CompetenceStore, actors, hire, catalogue
) -> None:
    hire(org, "20001")
    org.execute(
        c.TransferEmployee(
            employee_number="20001", unit=catalogue.other_unit, effective_on=date(2026, 5, 1)
        ),
        actors.hr,
    )
    assert org.app.employee("20001").assignment.unit == catalogue.other_unit  # type: ignore[union-attr]

    def unit_on(day: date) -> str:
        rows = org.gap_report(as_of=day, employee_number="20001").rows
        assert rows
        return {r.unit for r in rows}.pop()

    assert unit_on(date(2026, 4, 30)) == catalogue.unit
    assert unit_on(date(2026, 5, 1)) == catalogue.other_unit
    assert org.gap_report(as_of=date(2026, 4, 30), unit=catalogue.other_unit).rows == []
    before = org.gap_report(as_of=date(2026, 4, 30), unit=catalogue.unit)
    assert {r.employee_number for r in before.rows} == {"20001"}
    after = org.gap_report(as_of=date(2026, 5, 1), unit=catalogue.unit)
    assert [s.employees for s in after.units] == [1]  # only the manager is left in HALDEN
