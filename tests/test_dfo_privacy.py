"""Issue 4, acceptance 5: after a sync no national identity number or phone number is in
the store (the raw SQLite bytes and every table), in the logs or in the reports.

DFØ serves every employee with ``fnr``, two phone numbers, a birth date and an address;
the sync runs in all its modes (full, notifications at once and held, apply-due, a 404,
a rejected record, retries) with every logger at DEBUG, then the test searches for them.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from dfo_fake_server import FNRS, PHONES, TODAY, Fault, Harness, harness, proxy_page
from nnd_competence.adapters.dfo import parse_notifications


@pytest.fixture
def hr(tmp_path: Path) -> Iterator[Harness]:
    with harness(tmp_path) as h:
        yield h


def _forms(phone: str) -> set[str]:
    """A phone number as served and as its digits, with and without the country code."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return {phone, digits, digits.removeprefix("47")}


def _store_bytes(path: Path) -> bytes:
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def _all_tables(path: Path) -> str:
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = {name: db.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}
    assert "hr_sync_change" in rows and "gap_assignment" in rows and "stored_events" in rows
    return repr(rows)


def test_no_identity_or_phone_number_is_stored_logged_or_reported(
    hr: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, httpx, httpcore, eventsourcing
    secrets = set(FNRS) | {form for phone in PHONES for form in _forms(phone)}
    assert len(FNRS) == 21 and len(secrets) > 60

    hr.fake.fail("ansatte", Fault(503))
    reports = [hr.sync().full()]
    april = date(2026, 4, 1)
    hr.fake.change_employee("10040", april, organisasjonId="50000010")
    hr.fake.change_employee("10041", TODAY, stillingId="30000021", mobilnummer="+47 400 00 001")
    secrets |= _forms("+47 400 00 001")
    hr.fake.change_employee("10022", TODAY, startdato="not a date")
    hr.fake.fail("ansatte/10041", proxy_page(502))
    messages = [
        {"id": "m-1", "uri": "ansatte/10040", "gyldigEtter": "2026-04-01"},
        {"id": "m-2", "uri": "ansatte/10041", "gyldigEtter": "2026-03-02"},
        {"id": "m-3", "uri": "ansatte/10022", "gyldigEtter": "2026-03-02"},
        {"id": "m-4", "uri": "ansatte/10077", "gyldigEtter": "2026-03-02"},
    ]
    reports.append(hr.sync().receive(parse_notifications(json.dumps(messages))))
    hr.move_to(date(2026, 6, 1))
    reports.append(hr.sync().apply_due())
    assert sum(len(r.changes) for r in reports) > 20 and all(
        r.rejected for r in reports[:2]
    )  # the sync did run, with rejections

    day = date(2026, 6, 1)
    texts = [r.model_dump_json() for r in reports]
    texts.append(hr.store.gap_report(day).model_dump_json())
    texts.append(hr.store.completion_report(day).model_dump_json())
    texts.append(hr.store.conversation_report(day).model_dump_json())
    for number in ("10001", "10033", "10040", "10041", "10060"):
        texts.extend(e.model_dump_json() for e in hr.store.audit_trail(number, show_personal=True))
    reported = "\n".join(texts)
    stored = _store_bytes(hr.path)
    tables = _all_tables(hr.path)
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)

    found = {
        where: sorted(s for s in secrets if s in text)
        for where, text in (("reports", reported), ("tables", tables), ("logs", logged))
    }
    found["store file"] = sorted(s for s in secrets if s.encode() in stored)
    assert found == {"reports": [], "tables": [], "logs": [], "store file": []}
    # The searches can see what is there: names are stored, employee numbers are logged.
    assert b"Nordmann" in stored and "Nordmann" in tables
    assert "10041" in logged and "ansatte/10041" in logged
