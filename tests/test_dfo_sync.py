"""Inbound HR sync against a real HTTP server on 127.0.0.1 serving NND in DFØ's shape.

Issue 4, acceptance 1: a full sync builds the organisation; a changed manager becomes a
transfer; a future-dated change applies on its date and not before; the same notification
twice is a no-op; a malformed employee is reported by id and field while the others are
applied; a 404 employee is treated as gone. (Retries: test_dfo_adapter.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dfo_fake_server import (
    ACTIVE_ON_TODAY,
    EXPECTED_MANAGERS,
    TODAY,
    Harness,
    harness,
)
from nnd_competence.adapters.dfo import parse_notifications
from nnd_competence.application import commands as c
from nnd_competence.application.hr_state import CHANGE_TABLE
from nnd_competence.application.hr_sync import HR_SYNC_ACTOR, SyncAction, SyncReport
from nnd_competence.application.projections.competence_gaps import (
    ActiveAssignment,
    active_assignments,
)
from nnd_competence.domain import ids
from nnd_competence.domain.catalogue import (
    Category,
    CompetenceDefinition,
    Requirement,
    RequirementProfile,
)
from nnd_competence.domain.values import CERTIFICATE_SCALE, Actor, Role

HR_ADVISER = Actor(employee_number="90001", role=Role.HR)


@pytest.fixture
def hr(tmp_path: Path) -> Iterator[Harness]:
    """NND served by a fake DFØ on 127.0.0.1, and an empty store on a SQLite file."""
    with harness(tmp_path) as h:
        yield h


def roster(h: Harness, day: date) -> dict[str, ActiveAssignment]:
    h.store.catch_up()
    return {a.employee_number: a for a in active_assignments(h.store.views, day)}


def changes(report: SyncReport, action: SyncAction) -> dict[str, Any]:
    return {ch.employee_number or ch.ref: ch for ch in report.changes if ch.action is action}


def notify(*messages: dict[str, Any]) -> list[Any]:
    import json

    return parse_notifications(json.dumps(list(messages)))


def test_full_sync_builds_the_organisation(hr: Harness) -> None:
    # A profile that makes STK-1085 (avdelingsingeniør) need radiation protection on day one.
    hr.store.execute(
        c.DefineCompetence(
            competence=CompetenceDefinition(
                code="RP-BASIC",
                name_nb="Strålevern grunnkurs",
                category=Category.SAFETY,
                scale=CERTIFICATE_SCALE,
            )
        ),
        HR_ADVISER,
    )
    hr.store.execute(
        c.SetRequirementProfile(
            profile=RequirementProfile(
                position="STK-1085",
                requirements=(
                    Requirement(competence_code="RP-BASIC", level=1, mandatory_at_onboarding=True),
                ),
            )
        ),
        HR_ADVISER,
    )

    report = hr.sync().full()

    assert report.count(SyncAction.HIRED) == ACTIVE_ON_TODAY
    assert [str(r) for r in report.rejected] == [
        "employee 10050: startdato: '2021-02-30' is not a date (YYYY-MM-DD)"
    ]
    assert set(changes(report, SyncAction.HELD)) == {"10033", "10060"}
    people = roster(hr, TODAY)
    assert {n: a.manager for n, a in people.items()} == EXPECTED_MANAGERS
    assert people["10001"].unit == "ORG-50000001"  # "00010001": leading zeros dropped
    assert people["10020"].position == "STK-1434"  # stillingskode " 01434 "
    assert people["10020"].unit == "ORG-50000011"
    assert people["10010"].start_date == date(2019, 8, 1)  # "2019-08-01T00:00:00"
    for number in ("10050", "10099", "10060"):  # malformed, left in 2025, starts later
        assert not hr.store.employee_exists(number)
    employee = hr.store.app.employee("10003")
    assert employee.personal is not None and employee.personal.name == "Åse Strand"  # NFC
    # Hiring started onboarding for the avdelingsingeniører, and only for them.
    onboarding = {
        n for n in people if hr.store.app.exists(ids.onboarding_request_id(n, "RP-BASIC"))
    }
    assert onboarding == {"10012", "10013", "10032", "10033"}
    # Every request carried the API key and asked for the data valid today.
    assert hr.fake.requests and all(r.key_ok and r.dato == "2026-03-02" for r in hr.fake.requests)
    # The events say who did it: the integration, as a system actor.
    trail = hr.store.audit_trail("10020")
    assert {(e.actor, e.role) for e in trail} == {(HR_SYNC_ACTOR.employee_number, "system")}


def test_a_second_full_sync_changes_nothing(hr: Harness) -> None:
    hr.sync().full()
    events = hr.store.event_count()

    again = hr.sync().full()

    assert again.changes == [] and again.unchanged == ACTIVE_ON_TODAY + 1  # + the former
    assert hr.store.event_count() == events


def test_a_changed_manager_becomes_a_transfer(hr: Harness) -> None:
    hr.sync().full()
    # From 3 March, 10021 heads Strålevern Halden instead of 10003 (the unit names no head:
    # the lederflagg decides).
    tomorrow = date(2026, 3, 3)
    hr.fake.change_employee("10003", tomorrow, lederflagg=False)
    hr.fake.change_employee("10021", tomorrow, lederflagg="X")
    hr.move_to(tomorrow)

    report = hr.sync().full()

    moved = changes(report, SyncAction.TRANSFERRED)
    assert set(moved) == {"10003", "10020", "10021", "10022"}
    assert moved["10020"].detail == "manager 10003 → 10021"
    assert moved["10021"].detail == "manager 10003 → 10002"
    assert all(ch.effective_on == tomorrow for ch in moved.values())
    assert report.count(SyncAction.HIRED) == 0
    after, before = roster(hr, tomorrow), roster(hr, TODAY)
    assert {n: after[n].manager for n in moved} == {
        "10003": "10021",
        "10020": "10021",
        "10021": "10002",
        "10022": "10021",
    }
    assert {n: before[n].manager for n in moved} == {
        "10003": "10002",
        "10020": "10003",
        "10021": "10003",
        "10022": "10003",
    }


def test_a_new_unit_head_by_notification_moves_the_unit_to_them(hr: Harness) -> None:
    hr.sync().full()
    tomorrow = date(2026, 3, 3)
    hr.fake.change_unit("50000020", tomorrow, lederAnsattnr={"ansattnr": "10031"})
    hr.fake.change_employee("10004", tomorrow, lederflagg=False)
    hr.fake.change_employee("10031", tomorrow, lederflagg=True)
    hr.move_to(tomorrow)
    message = {"id": "m-7", "uri": "/orgenhet/v2/50000020", "gyldigEtter": "2026-03-03"}

    report = hr.sync().receive(notify(message))

    moved = changes(report, SyncAction.TRANSFERRED)
    assert {n: ch.detail for n, ch in moved.items()} == {
        "10004": "manager 10001 → 10031",
        "10030": "manager 10004 → 10031",
        "10031": "manager 10004 → 10001",
        "10032": "manager 10004 → 10031",
        "10033": "manager 10004 → 10031",
    }
    people = roster(hr, tomorrow)
    assert people["10030"].manager == "10031" and people["10031"].manager == "10001"


def test_a_new_head_by_employee_notification_reaches_the_unit(hr: Harness) -> None:
    hr.sync().full()
    tomorrow = date(2026, 3, 3)
    hr.fake.change_employee("10003", tomorrow, lederflagg=False)
    hr.fake.change_employee("10021", tomorrow, lederflagg="X")
    hr.move_to(tomorrow)

    # Only 10021's record is announced; the unit names no head, so the lederflagg decides.
    report = hr.sync().receive(
        notify({"id": "m-11", "uri": "ansatte/10021", "gyldigEtter": "2026-03-03"})
    )

    assert {n: ch.detail for n, ch in changes(report, SyncAction.TRANSFERRED).items()} == {
        "10003": "manager 10002 → 10021",
        "10020": "manager 10003 → 10021",
        "10021": "manager 10003 → 10002",
        "10022": "manager 10003 → 10021",
    }


def test_a_future_dated_change_applies_on_its_date_and_not_before(hr: Harness) -> None:
    hr.sync().full()
    # 10040 moves from Stab og HR to Drift Halden on 1 April; DFØ tells us on 2 March.
    april = date(2026, 4, 1)
    hr.fake.change_employee("10040", april, organisasjonId="50000010")
    message = {"id": "m-1", "uri": "ansatte/10040", "gyldigEtter": "2026-04-01"}
    events = hr.store.event_count()

    report = hr.sync().receive(notify(message))

    assert [(ch.action, ch.ref, ch.effective_on) for ch in report.changes] == [
        (SyncAction.HELD, "employee 10040", april)
    ]
    assert hr.store.event_count() == events
    assert hr.fake.count("ansatte/10040") == 0  # nothing read yet: it is read on the day
    assert roster(hr, date(2026, 4, 15))["10040"].unit == "ORG-50000030"
    assert hr.sync().apply_due().changes == []  # still 2 March

    hr.move_to(date(2026, 4, 3))  # the nightly run was missed on the 1st and the 2nd
    due = hr.sync().apply_due()

    moved = changes(due, SyncAction.TRANSFERRED)
    assert moved["10040"].effective_on == april
    assert moved["10040"].detail == "unit ORG-50000030 → ORG-50000010; manager 10005 → 10002"
    assert [r.dato for r in hr.fake.requests if r.path == "ansatte/10040"] == ["2026-04-01"]
    assert roster(hr, date(2026, 3, 31))["10040"].unit == "ORG-50000030"
    assert roster(hr, april)["10040"].unit == "ORG-50000010"
    gaps_before = hr.store.gap_report(date(2026, 3, 31), employee_number="10040")
    gaps_after = hr.store.gap_report(april, employee_number="10040")
    assert [u.unit for u in gaps_before.units] == ["ORG-50000030"]
    assert [u.unit for u in gaps_after.units] == ["ORG-50000010"]
    # Applied once: neither the same notification nor another apply-due repeats it.
    events = hr.store.event_count()
    assert hr.sync().receive(notify(message)).duplicates == 1
    assert hr.sync().apply_due().changes == []
    assert hr.store.event_count() == events


def test_future_start_and_end_dates_are_held_until_then(hr: Harness) -> None:
    hr.sync().full()  # 10060 starts 15 April; 10033's last day is 31 May

    hr.move_to(date(2026, 4, 15))
    started = hr.sync().apply_due()
    assert set(changes(started, SyncAction.HIRED)) == {"10060"}
    assert "10060" not in roster(hr, date(2026, 4, 14))
    assert roster(hr, date(2026, 4, 15))["10060"].manager == "10002"

    hr.move_to(date(2026, 6, 1))
    left = hr.sync().apply_due()
    assert [(ch.employee_number, ch.effective_on) for ch in left.changes] == [
        ("10033", date(2026, 5, 31))
    ]
    assert "10033" in roster(hr, date(2026, 5, 31))
    assert "10033" not in roster(hr, date(2026, 6, 1))


def test_the_same_notification_twice_is_a_no_op(hr: Harness) -> None:
    hr.sync().full()
    hr.fake.change_employee("10041", TODAY, stillingId="30000021")  # now a seniorrådgiver
    message = {"id": "m-2", "uri": "ansatte/00010041", "gyldigEtter": "2026-03-02"}
    same_in_other_words = {
        "id": "m-2",
        "uri": "https://dfo.example/api/ansatte/10041",
        "gyldigEtter": "2026-03-02T00:00:00+01:00",
    }

    first = hr.sync().receive(notify(message, message, same_in_other_words))

    assert [ch.detail for ch in first.changes] == ["position STK-1434 → STK-1364"]
    assert first.duplicates == 2
    events, reads = hr.store.event_count(), hr.fake.count("ansatte/10041")

    second = hr.sync().receive(notify(message))

    assert second.changes == [] and second.duplicates == 1
    assert hr.store.event_count() == events
    assert hr.fake.count("ansatte/10041") == reads
    rows = hr.store.views.query(f"SELECT status, outcome FROM {CHANGE_TABLE}")
    assert ("applied", "transferred employee 10041") in rows


def test_a_malformed_employee_is_named_and_the_others_are_applied(hr: Harness) -> None:
    hr.fake.change_employee("10011", date.min, lederflagg="kanskje")
    hr.fake.change_employee("10032", date.min, id="1003X")

    report = hr.sync().full()

    assert sorted(str(r) for r in report.rejected) == [
        "employee 10011: lederflagg: expected true or false, got 'kanskje'",
        "employee 1003X: id: expected a number, got '1003X'",
        "employee 10050: startdato: '2021-02-30' is not a date (YYYY-MM-DD)",
    ]
    assert report.count(SyncAction.HIRED) == ACTIVE_ON_TODAY - 2
    assert not hr.store.employee_exists("10011")
    # Fixed in DFØ, the employee arrives with the next notification.
    hr.fake.change_employee("10011", date.min, lederflagg=False)
    message = {"id": "m-3", "uri": "ansatte/10011", "gyldigEtter": ""}
    fixed = hr.sync().receive(notify(message))
    assert set(changes(fixed, SyncAction.HIRED)) == {"10011"}


def test_a_malformed_notification_or_object_is_rejected_and_can_be_resent(hr: Harness) -> None:
    hr.sync().full()
    hr.fake.change_employee("10022", TODAY, sluttdato="2020-01-01")  # before startdato
    bad = {"id": "m-4", "uri": "ansatte/10022", "gyldigEtter": "2026-03-02"}
    report = hr.sync().receive(
        notify(bad, {"id": "m-5", "uri": "kaffe/12"}, {"uri": "ansatte/1"}, {"id": "m-6"})
    )
    assert sorted(str(r) for r in report.rejected) == [
        "employee 10022: sluttdato: 2020-01-01 is before startdato 2023-06-01",
        "notification input item 3: id: missing",
        "notification m-5: uri: 'kaffe/12' names none of ansatt, ansatte, organisasjon, "
        "orgenhet, stilling, stillinger",
        "notification m-6: uri: missing",
    ]
    assert report.changes == []
    hr.fake.change_employee("10022", TODAY, sluttdato="2026-02-27")
    again = hr.sync().receive(notify(bad))  # rejected before, so handled again
    assert [(ch.action, ch.effective_on) for ch in again.changes] == [
        (SyncAction.LEFT, date(2026, 2, 27))
    ]


def test_an_employee_gone_from_dfo_is_treated_as_gone(hr: Harness) -> None:
    hr.sync().full()
    hr.fake.delete_employee("10041", TODAY)  # 404 from SAP from today
    messages = [
        {"id": "m-8", "uri": "ansatte/10041", "gyldigEtter": "2026-03-02"},
        {"id": "m-9", "uri": "ansatte/10077", "gyldigEtter": "2026-03-02"},  # never existed
        {"id": "m-12", "uri": "orgenhet/59999999", "gyldigEtter": "2026-03-02"},
    ]
    events = hr.store.event_count()

    report = hr.sync().receive(notify(*messages))

    assert [(ch.action, ch.ref, ch.effective_on) for ch in report.changes] == [
        (SyncAction.LEFT, "employee 10041", date(2026, 3, 1)),
        (SyncAction.GONE, "employee 10077", TODAY),
        (SyncAction.GONE, "org_unit 59999999", TODAY),
    ]
    assert hr.store.app.employee("10041").end_date == date(2026, 3, 1)
    assert not hr.store.employee_exists("10077")
    assert hr.store.event_count() > events
    rows = hr.store.views.query(f"SELECT notification_id, status FROM {CHANGE_TABLE}")
    statuses = {n: s for n, s in rows if n.startswith("m-")}
    assert statuses == {"m-8": "applied", "m-9": "gone", "m-12": "gone"}


def test_a_full_sync_asks_for_the_absent_and_registers_the_gone(hr: Harness) -> None:
    hr.sync().full()
    hr.fake.delete_employee("10032", date(2026, 3, 10))
    hr.move_to(date(2026, 3, 10))

    report = hr.sync().full()

    assert hr.fake.count("ansatte/10032") == 1  # not in the list: asked for alone → 404
    assert [(ch.action, ch.employee_number, ch.effective_on) for ch in report.changes] == [
        (SyncAction.LEFT, "10032", date(2026, 3, 9))
    ]


def test_a_position_notification_reaches_its_holders(hr: Harness) -> None:
    hr.sync().full()
    dfo = hr.fake
    position = dfo._at(dfo.positions, "30000030", TODAY)
    assert position is not None
    dfo.put_position({**position, "stillingskode": "1181"}, TODAY)

    report = hr.sync().receive(
        notify({"id": "m-10", "uri": "stillinger/30000030", "gyldigEtter": "2026-03-02"})
    )

    assert {n: ch.detail for n, ch in changes(report, SyncAction.TRANSFERRED).items()} == {
        "10030": "position STK-1087 → STK-1181"
    }


def test_codes_can_be_mapped_to_nnd_names(hr: Harness) -> None:
    from nnd_competence.application.hr_mapping import CodeMapping

    mapping = CodeMapping.from_json(
        {"units": {"50000011": "hld-stralevern"}, "job_codes": {"1434": "RADGIVER"}}
    )
    hr.sync(mapping=mapping).full()
    people = roster(hr, TODAY)
    assert (people["10020"].unit, people["10020"].position) == ("HLD-STRALEVERN", "RADGIVER")
    assert people["10021"].position == "STK-1364"
