"""Values and validation: real dates, levels on the competence's scale, time from the Context."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest
from pydantic import ValidationError

import nnd_competence.domain as domain_package
from nnd_competence import CompetenceStore
from nnd_competence.application import commands as c
from nnd_competence.domain.catalogue import Catalogue, Requirement, RequirementProfile
from nnd_competence.domain.competence_plan import CompetencePlan, ConversationKind, Topic
from nnd_competence.domain.employee import Assignment, Employee
from nnd_competence.domain.errors import InvalidValue
from nnd_competence.domain.training_request import RequestReason, TrainingRequest
from nnd_competence.domain.values import CERTIFICATE_SCALE, STANDARD_SCALE, Context, add_months


# --- dates must be real dates --------------------------------------------------------
@pytest.mark.parametrize(
    ("command", "data", "field"),
    [
        (
            c.HireEmployee,
            {"employee_number": "20001", "unit": "HALDEN", "position": "OPERATOR"},
            "start_date",
        ),
        (c.RegisterLeaving, {"employee_number": "20001"}, "end_date"),
        (
            c.HoldConversation,
            {
                "employee_number": "20001",
                "year": 2026,
                "conversation_id": "EMPLOYEE_CONVERSATION",
                "topics": ["safety"],
            },
            "held_on",
        ),
        (
            c.RecordCompetence,
            {"employee_number": "20001", "competence_code": "RP-CERT", "level": 1},
            "acquired_on",
        ),
    ],
)
def test_impossible_date_is_rejected_naming_the_field(
    command: type[c.Command], data: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        command.model_validate({**data, field: "2026-06-31"})
    errors = caught.value.errors()
    assert [e["loc"] for e in errors] == [(field,)]
    assert field in str(caught.value)


def test_impossible_date_inside_a_nested_value_names_the_path() -> None:
    with pytest.raises(ValidationError) as caught:
        c.HireEmployee.model_validate(
            {
                "employee_number": "20001",
                "unit": "HALDEN",
                "position": "OPERATOR",
                "start_date": "2026-01-05",
                "holdings": [
                    {"competence_code": "RP-CERT", "level": 1, "acquired_on": "2025-02-30"}
                ],
            }
        )
    assert caught.value.errors()[0]["loc"] == ("holdings", 0, "acquired_on")


def test_leap_day_is_a_real_date() -> None:
    assert c.RegisterLeaving.model_validate(
        {"employee_number": "20001", "end_date": "2028-02-29"}
    ).end_date == date(2028, 2, 29)
    with pytest.raises(ValidationError, match="end_date"):
        c.RegisterLeaving.model_validate({"employee_number": "20001", "end_date": "2027-02-29"})


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)
    assert add_months(date(2026, 3, 15), 24) == date(2028, 3, 15)


# --- the level must be on the competence's scale -------------------------------------
def test_scale_checks_level() -> None:
    CERTIFICATE_SCALE.check(1, "RP-CERT")
    with pytest.raises(InvalidValue, match="level 2 is not on the scale of competence RP-CERT"):
        CERTIFICATE_SCALE.check(2, "RP-CERT")
    with pytest.raises(InvalidValue, match="allowed: 1=basic, 2=proficient, 3=expert"):
        STANDARD_SCALE.check(4, "NUC-SAFETY")


def test_profile_refuses_level_beyond_the_scale(catalogue, ctx: Callable[..., Context]) -> None:
    cat = Catalogue()
    for definition in catalogue.definitions():
        cat.define(ctx(), definition)
    cat.collect_events()
    too_high = RequirementProfile(
        position="OPERATOR", requirements=(Requirement(competence_code="RP-CERT", level=2),)
    )
    with pytest.raises(InvalidValue, match="not on the scale"):
        cat.set_profile(ctx(), too_high)
    assert not cat.has_pending_events


def test_store_refuses_wrong_level_for_the_scale(org: CompetenceStore, actors, hire) -> None:
    hire(org, "20001")
    before = org.event_count()
    wrong = [
        c.RecordCompetence(
            employee_number="20001",
            competence_code="RP-CERT",
            level=2,
            acquired_on=date(2026, 1, 9),
        ),
        c.RecordCompetence(
            employee_number="20001",
            competence_code="NUC-SAFETY",
            level=4,
            acquired_on=date(2026, 1, 9),
        ),
        c.ReportTrainingNeed(employee_number="20001", competence_code="RP-CERT", target_level=3),
    ]
    for command in wrong:
        with pytest.raises(InvalidValue, match="not on the scale"):
            org.execute(command, actors.manager)
    with pytest.raises(InvalidValue, match="not on the scale"):
        hire(
            org,
            "20002",
            holdings=(
                c.HeldCompetence(competence_code="RP-CERT", level=2, acquired_on=date(2025, 1, 1)),
            ),
        )
    assert org.event_count() == before
    assert not org.employee_exists("20002")


def test_store_refuses_goal_target_level_beyond_the_scale(
    org: CompetenceStore, actors, hire
) -> None:
    hire(org, "20001")
    org.execute(c.OpenPlan(employee_number="20001", year=2026), actors.hr)
    before = org.event_count()
    with pytest.raises(InvalidValue, match="not on the scale"):
        org.execute(
            c.AgreeCompetenceGoal(
                employee_number="20001",
                year=2026,
                goal_id="G-1",
                description="Sertifisering",
                competence_code="RP-CERT",
                target_level=2,
                measures=({"kind": "course", "description": "kurs"},),  # type: ignore[arg-type]
                deadline=date(2026, 10, 1),
            ),
            actors.manager,
        )
    assert org.event_count() == before


# --- the domain never reads the clock ------------------------------------------------
def test_context_requires_utc() -> None:
    actor = {"employee_number": "90001", "role": "hr"}
    with pytest.raises(InvalidValue, match="UTC"):
        Context(actor=actor, recorded_at=datetime(2026, 3, 2, 8), today=date(2026, 3, 2))  # type: ignore[arg-type]
    with pytest.raises(InvalidValue, match="UTC"):
        Context(
            actor=actor,  # type: ignore[arg-type]
            recorded_at=datetime(2026, 3, 2, 8, tzinfo=timezone(timedelta(hours=1))),
            today=date(2026, 3, 2),
        )


def test_events_take_time_and_today_from_the_context(ctx: Callable[..., Context]) -> None:
    """A context far in the past and one far in the future: the domain believes both."""
    past = ctx(date(2003, 5, 6), recorded_at=datetime(2003, 5, 6, 4, 5, 6, 7, tzinfo=UTC))
    future = ctx(date(2071, 1, 2), recorded_at=datetime(2071, 1, 2, 3, tzinfo=UTC))
    assignment = Assignment(unit="HALDEN", position="OPERATOR")

    employee = Employee.hire(past, "20001", assignment, date(2003, 5, 1))
    plan = CompetencePlan.open(future, "20001", 2071, "HALDEN", None)
    plan.schedule(future, "EC", ConversationKind.EMPLOYEE_CONVERSATION, date(2071, 1, 1))
    # "future" relative to the context's today, not to the real date:
    plan.hold(future, "EC", date(2071, 1, 2), (Topic.SAFETY,))
    request = TrainingRequest.report(
        past, UUID(int=7), "20001", "RP-CERT", 1, RequestReason.ONBOARDING
    )
    events = [*employee.collect_events(), *plan.collect_events(), *request.collect_events()]
    assert {e.timestamp for e in events} == {past.recorded_at, future.recorded_at}
    assert employee.created_on == past.recorded_at and plan.modified_on == future.recorded_at
    assert all(e.actor == past.actor for e in events)


def _clock_reads(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in {
            "now",
            "utcnow",
            "today",
            "time",
            "monotonic",
            "perf_counter",
        }:
            # ``ctx.today`` is the context's date, which is what the domain must use.
            base = node.value
            if isinstance(base, ast.Name) and base.id in {"ctx", "self"}:
                continue
            found.append(f"{ast.unparse(node)} (line {node.lineno})")
        if isinstance(node, ast.Import) and any(a.name == "time" for a in node.names):
            found.append(f"import time (line {node.lineno})")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            ("time", "nnd_competence.application")
        ):
            found.append(f"from {node.module} import ... (line {node.lineno})")
    return found


def test_domain_code_reads_no_clock() -> None:
    package_dir = Path(inspect.getfile(domain_package)).parent
    offenders = {}
    for path in sorted(package_dir.glob("*.py")):
        reads = _clock_reads(path.read_text(encoding="utf-8"))
        if reads:
            offenders[path.name] = reads
    assert offenders == {}
