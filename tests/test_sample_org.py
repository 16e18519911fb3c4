"""The bundled sample organisation, loaded once into a real SQLite file."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from nnd_competence import CompetenceStore, open_store
from nnd_competence.application.clock import SystemClock
from nnd_competence.application.projections.competence_gaps import GapStatus
from nnd_competence.application.projections.conversations import ConversationState
from nnd_competence.domain.values import CERTIFICATE_SCALE
from nnd_competence.sample import (
    HR_HEAD,
    SAMPLE_AS_OF,
    SAMPLE_YEAR,
    SampleSummary,
    is_loaded,
    load_sample,
)
from nnd_competence.sample.organisation import (
    FIRST_EMPLOYEE_NUMBER,
    INITIAL_HEADCOUNT,
    MANAGEMENT_UNIT,
    UNITS,
)

CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]*")


@pytest.fixture(scope="module")
def sample(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[CompetenceStore, SampleSummary]]:
    store = open_store(tmp_path_factory.mktemp("sample") / "sample.sqlite")
    summary = load_sample(store)
    yield store, summary
    store.close()


@pytest.fixture(scope="module")
def store(sample: tuple[CompetenceStore, SampleSummary]) -> CompetenceStore:
    return sample[0]


@pytest.fixture(scope="module")
def summary(sample: tuple[CompetenceStore, SampleSummary]) -> SampleSummary:
    return sample[1]


def test_summary_counts(store: CompetenceStore, summary: SampleSummary) -> None:
    assert summary.year == SAMPLE_YEAR and summary.as_of == SAMPLE_AS_OF
    assert summary.units >= 15
    assert 400 <= summary.employees_hired <= 500
    assert summary.hired_during_year >= 10
    assert summary.leavers >= 10 and summary.transfers >= 3
    assert summary.competences >= 40
    assert summary.events == store.event_count()
    assert summary.commands == sum(summary.commands_by_type.values())
    for kind in ("StartCycle", "HoldConversation", "AgreeCompetenceGoal", "AgreeWorkGoal"):
        assert summary.commands_by_type[kind] > 0
    for kind in ("CompleteTraining", "RejectTrainingRequest", "CancelTrainingRequest"):
        assert summary.commands_by_type[kind] > 0
    for kind in ("ReviseGoal", "CloseGoal", "RecordGoalProgress", "ConfirmRecord"):
        assert summary.commands_by_type[kind] > 0
    assert summary.commands_by_type["RecordCompetence"] > 0


def test_catalogue(store: CompetenceStore) -> None:
    catalogue = store.app.catalogue()
    competences = list(catalogue.competences.values())
    assert len(competences) >= 40
    assert all(c.name_nb and c.name_en for c in competences)
    expiring = [c for c in competences if c.scale == CERTIFICATE_SCALE and c.validity_months]
    assert len(expiring) >= 12
    for code in ("STRV-GRUNN", "FORSTEHJELP", "BRANNVERN", "SIKKERHETSKLARERING", "ADR-KL7"):
        assert catalogue.get(code).validity_months
    assert len({c.category for c in competences}) >= 4
    mandatory = catalogue.requirements_for("DEKOM-TEKNIKER", "HLD-DEKOM")
    assert mandatory["STRV-GRUNN"].mandatory_at_onboarding
    assert mandatory["SIKKERHETSKLARERING"].mandatory_at_onboarding


def test_units_and_sites(store: CompetenceStore) -> None:
    report = store.gap_report(SAMPLE_AS_OF)
    codes = [u.unit for u in report.units]
    assert len(codes) >= 15
    assert all(CODE.fullmatch(code) for code in codes)
    assert any(code.startswith("HLD-") for code in codes)
    assert any(code.startswith("KJL-") for code in codes)
    assert {"HLD-DEKOM", "KJL-DEKOM", "HLD-STRAL", "KJL-STRAL", "HLD-AKAD"} <= set(codes)
    assert 400 <= sum(u.employees for u in report.units) <= 500


def test_line_management(store: CompetenceStore) -> None:
    top = store.app.employee(str(FIRST_EMPLOYEE_NUMBER))
    assert top.assignment is not None and top.assignment.manager is None
    number = FIRST_EMPLOYEE_NUMBER
    for unit in UNITS:
        head = store.app.employee(str(number))
        assert head.assignment is not None and head.assignment.unit == unit.code
        if unit.code != MANAGEMENT_UNIT:
            assert head.assignment.manager is not None
            director = store.app.employee(head.assignment.manager)
            assert director.assignment is not None
            assert director.assignment.position == "DIREKTOR"
            assert director.assignment.manager == str(FIRST_EMPLOYEE_NUMBER)
        number += 1 + sum(seats for _, seats in unit.staff)


def test_gap_report_has_missing_expired_and_expiring(store: CompetenceStore) -> None:
    statuses = Counter(row.status for row in store.gap_report(SAMPLE_AS_OF).rows)
    assert statuses[GapStatus.MISSING] > 0
    assert statuses[GapStatus.EXPIRED] > 0
    assert statuses[GapStatus.EXPIRING] > 0
    assert statuses[GapStatus.BELOW_LEVEL] > 0


def test_conversation_report_has_held_overdue_and_missing(store: CompetenceStore) -> None:
    report = store.conversation_report(SAMPLE_AS_OF, year=SAMPLE_YEAR)
    states = Counter(
        cell.state
        for row in report.employees
        for cell in (
            row.employee_conversation,
            row.goal_and_development_1,
            row.goal_and_development_2,
        )
    )
    assert states[ConversationState.HELD] > 0
    assert states[ConversationState.OVERDUE] > 0
    assert states[ConversationState.NO_PLAN] + states[ConversationState.NOT_SCHEDULED] > 0
    held_gd2 = sum(
        row.goal_and_development_2.state is ConversationState.HELD for row in report.employees
    )
    held_gd1 = sum(
        row.goal_and_development_1.state is ConversationState.HELD for row in report.employees
    )
    assert 0 < held_gd2 < held_gd1  # some GD2 missing, and only after a GD1
    assert any(row.follow_ups_held for row in report.employees)


def test_completion_report_has_completed_and_rejected(store: CompetenceStore) -> None:
    report = store.completion_report(SAMPLE_AS_OF, year=SAMPLE_YEAR)
    requests: Counter[str] = Counter()
    for unit in report.units:
        requests.update(unit.requests)
    assert requests["completed"] > 0
    assert requests["rejected"] > 0
    assert requests["cancelled"] > 0
    assert sum(u.completed_measures for u in report.units) > 0
    assert sum(u.goals_achieved for u in report.units) > 0
    assert sum(u.goals_not_achieved for u in report.units) > 0
    assert sum(u.goals_dropped for u in report.units) > 0
    assert sum(u.plans_followed_up_twice for u in report.units) > 0


def test_audit_trail_of_a_mid_year_hire_shows_onboarding(store: CompetenceStore) -> None:
    first_hire = FIRST_EMPLOYEE_NUMBER + INITIAL_HEADCOUNT
    for number in range(first_hire, first_hire + 30):
        if not store.employee_exists(str(number)):
            break
        trail = store.audit_trail(str(number))
        onboarding = [
            e for e in trail if e.event == "TrainingNeedReported" and e.via == "onboarding"
        ]
        if not onboarding:
            continue
        events = [e.event for e in trail]
        assert events[0] == "EmployeeHired"
        assert all(e.details["reason"] == "onboarding" for e in onboarding)
        assert "TrainingRequestReceived" in events
        assert {e.aggregate for e in trail} >= {"Employee", "TrainingRequest"}
        return
    pytest.fail("no mid-year hire with onboarding training requests")


def test_is_loaded(store: CompetenceStore, tmp_path: Path) -> None:
    assert is_loaded(store)
    assert store.employee_exists(HR_HEAD)
    with open_store(tmp_path / "empty.sqlite") as empty:
        assert not is_loaded(empty)


def test_refuses_a_store_that_is_not_empty(store: CompetenceStore) -> None:
    with pytest.raises(ValueError, match="already loaded"):
        load_sample(store)


def test_clock_is_restored(store: CompetenceStore) -> None:
    assert isinstance(store.app.clock, SystemClock)


def test_same_seed_gives_the_same_reports(
    store: CompetenceStore, summary: SampleSummary, tmp_path: Path
) -> None:
    calls: list[tuple[int, int]] = []
    with open_store(tmp_path / "again.sqlite") as again:
        second = load_sample(again, progress=lambda done, total: calls.append((done, total)))
        assert second == summary
        for report in ("gap_report", "conversation_report", "completion_report"):
            first_report = getattr(store, report)(SAMPLE_AS_OF)
            second_report = getattr(again, report)(SAMPLE_AS_OF)
            assert first_report.model_dump() == second_report.model_dump(), report
        number = str(FIRST_EMPLOYEE_NUMBER + INITIAL_HEADCOUNT)
        assert [e.model_dump() for e in store.audit_trail(number)] == [
            e.model_dump() for e in again.audit_trail(number)
        ]
    assert calls[-1] == (summary.commands, summary.commands)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


# --- the gap report's query against a plain reading of the same views ------------------
def _reference_gap_rows(
    store: CompetenceStore, as_of: date, unit: str | None, horizon_days: int
) -> tuple[list[tuple[object, ...]], dict[str, tuple[int, ...]]]:
    """The gap report computed the slow, obvious way: every active person, their merged
    profile requirements, their holding, judged for the day, in Python."""
    day = as_of.isoformat()
    horizon = as_of + timedelta(days=horizon_days)
    db = store.views
    people = [
        (u, n, p)
        for n, u, p in db.query(
            "SELECT e.employee_number, a.unit, a.position FROM gap_employee e "
            "JOIN gap_assignment a ON a.employee_number = e.employee_number "
            "WHERE e.start_date <= ? AND (e.end_date IS NULL OR e.end_date >= ?) "
            "AND a.effective_from = (SELECT MAX(effective_from) FROM gap_assignment x "
            "WHERE x.employee_number = e.employee_number AND x.effective_from <= ?)",
            (day, day, day),
        )
        if unit is None or u == unit
    ]
    profiles: dict[tuple[str, str], dict[str, int]] = {}
    for position, where, code, level in db.query(
        "SELECT r.position, r.unit, r.competence_code, r.level FROM gap_requirement r "
        "JOIN gap_competence c ON c.code = r.competence_code WHERE c.withdrawn = 0"
    ):
        profiles.setdefault((position, where), {})[code] = level
    holdings = {
        (n, code): (level, until)
        for n, code, level, until in db.query(
            "SELECT employee_number, competence_code, level, valid_until FROM gap_holding"
        )
    }
    rows, units = [], {}
    for u, number, position in sorted(people):
        required: dict[str, int] = {}
        for key in ((position, "*"), ("*", u), (position, u)):
            for code, level in profiles.get(key, {}).items():
                required[code] = max(level, required.get(code, 0))
        e, r, m, counts = units.get(u, (0, 0, 0, Counter()))
        e += 1
        for code, level_required in sorted(required.items()):
            r += 1
            level, until = holdings.get((number, code), (0, None))
            valid_until = date.fromisoformat(until) if until else None
            if level == 0:
                status = GapStatus.MISSING
            elif valid_until is not None and valid_until < as_of:
                status, level = GapStatus.EXPIRED, 0
            elif level < level_required:
                status = GapStatus.BELOW_LEVEL
            elif valid_until is not None and valid_until <= horizon:
                status = GapStatus.EXPIRING
            else:
                m += 1
                continue
            if status is GapStatus.EXPIRING:
                m += 1
            counts[status] += 1
            rows.append((u, number, position, code, level_required, level, status, valid_until))
        units[u] = (e, r, m, counts)
    summary = {
        u: (e, r, m, *(counts[s] for s in GapStatus)) for u, (e, r, m, counts) in units.items()
    }
    return rows, summary


@pytest.mark.parametrize(
    ("as_of", "unit", "horizon_days"),
    [
        (SAMPLE_AS_OF, None, 90),
        (SAMPLE_AS_OF, None, 0),
        (SAMPLE_AS_OF, None, 400),
        (date(SAMPLE_YEAR, 2, 1), None, 90),
        (date(SAMPLE_YEAR + 3, 1, 1), None, 30),
        (SAMPLE_AS_OF, "first-unit", 90),
    ],
)
def test_gap_report_equals_a_plain_reading_of_the_views(
    store: CompetenceStore, as_of: date, unit: str | None, horizon_days: int
) -> None:
    if unit == "first-unit":
        unit = UNITS[1].code
    report = store.gap_report(as_of, unit=unit, expiring_within_days=horizon_days)
    rows, summary = _reference_gap_rows(store, as_of, unit, horizon_days)
    assert rows, "the sample has gaps on every one of these days"
    assert [
        (
            r.unit,
            r.employee_number,
            r.position,
            r.competence_code,
            r.required_level,
            r.held_level,
            r.status,
            r.valid_until,
        )
        for r in report.rows
    ] == rows
    assert {
        s.unit: (
            s.employees,
            s.requirements,
            s.met,
            *(getattr(s, status.value) for status in GapStatus),
        )
        for s in report.units
    } == summary
    assert [s.unit for s in report.units] == sorted(summary)
    brief = store.gap_report(as_of, unit=unit, expiring_within_days=horizon_days, detail=False)
    assert brief.units == report.units  # counted in the database, the same figures
    assert brief.rows == [] and not brief.detailed and report.detailed
