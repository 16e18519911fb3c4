"""The DFØ-SAP adapter: transient failures retried with backoff, 404 as gone, and every
quirk of the API's JSON read (or rejected by object and field) at the adapter boundary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dfo_fake_server import (
    API_KEY,
    TODAY,
    Fault,
    Harness,
    harness,
    proxy_page,
)
from nnd_competence.adapters.dfo import (
    NotificationFile,
    RetryPolicy,
    parse_notification,
    parse_notifications,
)
from nnd_competence.adapters.dfo import parse as p
from nnd_competence.application.hr_source import (
    HrChange,
    HrSourceError,
    HrSourceUnavailable,
    ObjectKind,
    Rejection,
)
from nnd_competence.application.hr_sync import SyncAction

TEN_41 = {"id": "m-1", "uri": "ansatte/10041", "gyldigEtter": "2026-03-02"}


@pytest.fixture
def hr(tmp_path: Path) -> Iterator[Harness]:
    """NND served by a fake DFØ on 127.0.0.1, and an empty store on a SQLite file."""
    with harness(tmp_path) as h:
        yield h


def receive(h: Harness, *messages: dict[str, Any]) -> Any:
    return h.sync().receive(parse_notifications(json.dumps(list(messages))))


# --- transient failures -----------------------------------------------------------------
def test_a_503_is_retried_with_backoff(hr: Harness) -> None:
    hr.fake.fail("ansatte", Fault(503), Fault(503))

    report = hr.sync().full()

    assert report.count(SyncAction.HIRED) == 18
    assert hr.fake.count("ansatte") == 3
    assert hr.sleeps == [0.01, 0.02]


def test_retry_after_is_honoured_up_to_the_maximum(hr: Harness) -> None:
    hr.fake.fail("orgenhet", Fault(503, retry_after="1"), Fault(429, retry_after="120"))
    policy = RetryPolicy(attempts=3, base_delay=0.01, max_delay=2.0, sleep=hr.sleeps.append)
    with hr.source_with(retry=policy) as source:
        assert len(source.list_org_units(TODAY).items) == 5
    assert hr.sleeps == [1.0, 2.0]


def test_a_proxy_error_page_is_retried_not_trusted(hr: Harness) -> None:
    hr.sync().full()
    hr.fake.change_employee("10041", TODAY, stillingId="30000021")
    # A gateway's HTML pages, even a 404, are not DFØ's answer: try again.
    hr.fake.fail(
        "ansatte/10041",
        proxy_page(502),
        proxy_page(404),
        Fault(200, "<html>ok</html>", "text/html", "nginx"),
    )

    report = receive(hr, TEN_41)

    assert [ch.action for ch in report.changes] == [SyncAction.TRANSFERRED]
    assert hr.fake.count("ansatte/10041") == 4
    assert len(hr.sleeps) == 3


def test_a_timeout_is_retried(hr: Harness) -> None:
    hr.fake.fail("orgenhet", Fault(503, delay=0.6))
    with hr.source_with(timeout=0.2) as source:
        assert len(source.list_org_units(TODAY).items) == 5
    assert hr.fake.count("orgenhet") == 2 and len(hr.sleeps) == 1


def test_when_retries_run_out_nothing_is_applied(hr: Harness) -> None:
    hr.fake.fail("ansatte", *[Fault(503)] * 4)

    with pytest.raises(HrSourceUnavailable) as failure:
        hr.sync().full()

    assert str(failure.value) == (
        "DFØ did not answer GET ansatte after 4 attempts (last: HTTP 503)"
    )
    assert hr.store.event_count() == 0
    assert hr.sleeps == [0.01, 0.02, 0.04]


def test_a_notification_whose_object_cannot_be_fetched_stays_pending(hr: Harness) -> None:
    hr.sync().full()
    hr.fake.change_employee("10041", TODAY, stillingId="30000021")
    hr.fake.fail("ansatte/10041", *[proxy_page(502)] * 4)
    with pytest.raises(HrSourceUnavailable):
        receive(hr, TEN_41)
    report = receive(hr, TEN_41)  # the next run tries it again
    assert [ch.action for ch in report.changes] == [SyncAction.TRANSFERRED]


def test_a_wrong_api_key_stops_at_once(hr: Harness) -> None:
    with hr.source_with(api_key="wrong") as source, pytest.raises(HrSourceError) as failure:
        source.list_employees(TODAY)
    assert "refused the API key (HTTP 401)" in str(failure.value)
    assert "wrong" not in str(failure.value)
    assert hr.fake.count("ansatte") == 1 and hr.sleeps == []


def test_sap_refusing_one_object_rejects_only_that_object(hr: Harness) -> None:
    hr.sync().full()
    hr.fake.fail("ansatte/10041", Fault(400, '{"fault": "UGYLDIG"}'))
    report = receive(hr, TEN_41)
    assert [str(r) for r in report.rejected] == ["employee 10041: (request): DFØ answered HTTP 400"]


def test_a_404_from_sap_is_gone_and_a_missing_list_is_an_error(hr: Harness) -> None:
    with hr.source_with() as source:
        assert source.get_employee("10077", TODAY) is None
    with hr.source_with(employees_path="ansatte-v9") as source, pytest.raises(HrSourceError) as e:
        source.list_employees(TODAY)
    assert str(e.value) == (
        "DFØ has no list at ansatte-v9 (HTTP 404): check the base URL and the paths"
    )


def test_the_date_can_be_sent_as_a_query_parameter(hr: Harness) -> None:
    with hr.source_with(date_header=None, date_param="dato") as source:
        source.get_employee("10041", date(2026, 5, 1))
    assert [r.dato for r in hr.fake.requests] == ["2026-05-01"]


def test_single_object_wrappers_are_unwrapped(hr: Harness) -> None:
    with hr.source_with() as source:
        by_list_body = source.get_employee("10012", TODAY)  # [{"ansatt": {...}}]
        by_list_value = source.get_employee("10013", TODAY)  # {"ansatt": [{...}]}
        by_zeros = source.get_employee("10001", TODAY)  # DFØ has it as 00010001
    assert by_list_body is not None and by_list_body.employee_number == "10012"
    assert by_list_value is not None and by_list_value.employee_number == "10013"
    assert by_zeros is not None and by_zeros.is_unit_head


def test_bad_settings_are_refused_before_any_request() -> None:
    from nnd_competence.adapters.dfo import DfoHrSource, DfoSettings

    with pytest.raises(HrSourceError, match="must start with http"):
        DfoHrSource(DfoSettings(base_url="ftp://dfo", api_key=API_KEY))
    with pytest.raises(HrSourceError, match="no DFØ API key"):
        DfoHrSource(DfoSettings(base_url="http://127.0.0.1:9/", api_key=""))
    assert API_KEY not in repr(DfoSettings(base_url="http://x/", api_key=API_KEY))


# --- the JSON quirks, one by one --------------------------------------------------------
def test_lists_arrive_as_single_objects_with_nulls_or_not_at_all() -> None:
    assert p.as_list(None) == [] and p.as_list("") == []
    assert p.as_list({"a": 1}) == [{"a": 1}]
    assert p.as_list([None, {"a": 1}, None]) == [{"a": 1}]
    assert p.single([{"ansatt": {"id": 1}}], "ansatt") == {"id": 1}
    assert p.single({"ansatt": [{"id": 1}]}, "ansatt") == {"id": 1}
    assert p.single({"ansatt": None}, "ansatt") is None
    with pytest.raises(p.FieldError, match="expected one object, got 2"):
        p.single({"ansatt": [{"id": 1}, {"id": 2}]}, "ansatt")
    with pytest.raises(p.FieldError, match="the answer has no 'ansatt'"):
        p.single({"stilling": {}}, "ansatt")


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("", None, None),
        (None, None, None),
        ("0000-00-00", None, None),
        ("9999-12-31", date(9999, 12, 31), None),
        (" 2026-05-31 ", date(2026, 5, 31), date(2026, 5, 31)),
        ("2019-08-01T00:00:00", date(2019, 8, 1), date(2019, 8, 1)),
    ],
)
def test_empty_and_open_ended_dates(value: Any, start: date | None, end: date | None) -> None:
    assert p.day(value, "startdato") == start
    assert p.end_day(value, "sluttdato") == end


def test_unreadable_values_name_the_field() -> None:
    with pytest.raises(p.FieldError) as error:
        p.day("31.12.2020", "startdato")
    assert str(error.value) == "startdato: '31.12.2020' is not a date (YYYY-MM-DD)"
    with pytest.raises(p.FieldError, match="stillingId: expected a number"):
        p.ident("12a", "stillingId")
    with pytest.raises(p.FieldError, match="fornavn: expected text"):
        p.text({"x": 1}, "fornavn")
    assert p.ident("00012345", "id") == "12345" and p.ident(42, "id") == "42"
    assert [p.flag(v, "f") for v in (True, "X", "true", "J", 1, None, "", "false", 0)] == [
        True, True, True, True, True, False, False, False, False,
    ]  # fmt: skip


def test_an_employee_keeps_only_what_the_library_needs() -> None:
    raw = {
        "id": "00012345",
        "fnr": "01017012345",
        "fornavn": "  A\u030ase  Marie ",
        "etternavn": "Brå\u0303ten",
        "fdato": "1970-01-01",
        "telefonnummer": "22 22 22 22",
        "mobilnummer": "99999999",
        "privatPostadresse": "Gata 1",
        "stillingId": "99999999",
        "startdato": "2020-01-01",
        "sluttdato": "2025-06-30",
        "lederflagg": None,
        "organisasjonId": "050000010",
        "tilleggsstilling": {"stillingId": "1", "startdato": "", "sluttdato": ""},
    }
    employee = p.employee(raw)
    assert employee.model_dump() == {
        "employee_number": "12345",
        "name": "Åse Marie Brå\u0303ten",
        "unit_id": "50000010",
        "position_id": None,  # the placeholder position of former employees
        "is_unit_head": False,
        "start_date": date(2020, 1, 1),
        "end_date": date(2025, 6, 30),
    }
    assert employee.name == "\u00c5se Marie Brå\u0303ten"  # NFC: Å is one code point


def test_a_position_held_twice_keeps_both_periods() -> None:
    holder = {
        "innehaverAnsattnr": "0042",
        "innehaverStartdato": "2018-01-01",
        "innehaverSluttdato": "2018-12-31",
    }
    again = {
        "innehaverAnsattnr": "42",
        "innehaverStartdato": "2021-01-01",
        "innehaverSluttdato": "9999-12-31",
    }
    position = p.position(
        {
            "id": 7,
            "stillingskode": " 01434 ",
            "organisasjon_id": 50000010,
            "innehaver": [holder, None, again, holder],
        }
    )
    assert position.job_code == "1434" and position.unit_id == "50000010"
    assert [(h.employee_number, h.start_date, h.end_date) for h in position.holders] == [
        ("42", date(2018, 1, 1), date(2018, 12, 31)),
        ("42", date(2021, 1, 1), None),
    ]
    assert [h.holds_on(date(2020, 1, 1)) for h in position.holders] == [False, False]
    assert position.holders[1].holds_on(date(2026, 1, 1))


def test_org_unit_fields_are_assumed_and_replaceable() -> None:
    top = p.org_unit(
        {
            "organisasjonId": "1",
            "navn": " NND ",
            "overordnetOrganisasjonId": "1",
            "lederAnsattnr": {"ansattnr": "007"},
        }
    )
    assert (top.unit_id, top.name, top.parent_id, top.head) == ("1", "NND", None, "7")
    fields = p.OrgUnitFields(id=("orgId",), name=("tekst",), parent=("forelder",), head=("sjef",))
    other = p.org_unit({"orgId": 2, "tekst": "X", "forelder": 1, "sjef": 5}, fields)
    assert (other.unit_id, other.parent_id, other.head) == ("2", "1", "5")


# --- notifications ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("message", "kind", "object_id", "valid_from"),
    [
        ({"id": "1", "uri": "ansatte/00012345", "gyldigEtter": "2026-04-01"},
         ObjectKind.EMPLOYEE, "12345", date(2026, 4, 1)),
        ({"id": "2", "uri": "https://gw/dfo/stillinger/v2/30000021", "gyldigEtter": ""},
         ObjectKind.POSITION, "30000021", None),
        ({"id": "50000010", "uri": "orgenhet", "gyldigEtter": None},  # id is the object
         ObjectKind.ORG_UNIT, "50000010", None),
        ({"id": "4", "uri": "/ansatt/12", "gyldigEtter": "2026-03-31T23:30:00Z"},  # 01:30 Oslo
         ObjectKind.EMPLOYEE, "12", date(2026, 4, 1)),
    ],
)  # fmt: skip
def test_notifications_name_their_object(
    message: dict[str, Any], kind: ObjectKind, object_id: str, valid_from: date | None
) -> None:
    change = parse_notification(message, "#1")
    assert isinstance(change, HrChange)
    assert (change.kind, change.object_id, change.valid_from) == (kind, object_id, valid_from)


def test_a_notification_file_may_hold_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "meldinger.jsonl"
    path.write_text(
        json.dumps(TEN_41) + "\n\n{not json\n" + json.dumps({**TEN_41, "gyldigEtter": "x"}) + "\n"
    )
    changes = list(NotificationFile(path).changes())
    assert isinstance(changes[0], HrChange)
    assert [str(c) for c in changes[1:]] == [
        "notification meldinger.jsonl line 3: (message): expected an object with id, uri and "
        "gyldigEtter",
        "notification m-1: gyldigEtter: 'x' is not a date or a timestamp",
    ]
    assert all(isinstance(c, Rejection) for c in changes[1:])
    assert parse_notifications("   ") == []
