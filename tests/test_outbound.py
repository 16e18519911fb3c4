"""Outbound competence records: staged from the log once, delivered at least once, stored
once by a receiver that de-duplicates by idempotency key; backoff, dead letters, the
delivery log, the file drop and HTTP sinks, and the CLI.

The acceptance test runs ``nnd-competence sync outbound`` in a subprocess against a real
HTTP receiver on 127.0.0.1 (and against a file drop), SIGKILLs it at random moments,
restarts it, and checks that every record arrived and none was stored twice.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import cli, digest
from conftest import ACTORS, CATALOGUE, T0, hire_operator
from nnd_competence import CompetenceStore, open_store
from nnd_competence.adapters.outbound_sinks import (
    CSV_COLUMNS,
    FileDropSink,
    HttpSink,
    open_sink,
    parse_headers,
)
from nnd_competence.application import commands as c
from nnd_competence.application.clock import FixedClock
from nnd_competence.application.outbound import (
    DeliveryOutcome,
    DeliveryResult,
    OutboundProcess,
    OutboundRecord,
    OutboxStatus,
    RecordKind,
    RetryPolicy,
    record_key,
)
from nnd_competence.domain import ids
from nnd_competence.domain.competence_plan import MeasureKind
from nnd_competence.domain.employee import CompetenceRecordCorrected, CompetenceRecorded
from nnd_competence.domain.errors import InvalidValue
from nnd_competence.domain.training_request import TrainingCompleted, TrainingResult

RELEVANT = (TrainingCompleted, CompetenceRecorded, CompetenceRecordCorrected)


# --- a test receiver on 127.0.0.1 ---------------------------------------------------------
class Receiver:
    """An HTTP endpoint that stores records by ``Idempotency-Key``.

    ``posts`` counts every request per key; ``stored`` holds the first body per key (a
    replay is answered 200 and not stored again). ``flaky`` is the share of requests
    answered 503 (half of them *after* storing, as when the answer is lost on the way).
    """

    def __init__(
        self,
        *,
        flaky: float = 0.0,
        seed: int = 7,
        reject: Sequence[str] = (),
        delay: float = 0.0,
    ) -> None:
        self.flaky = flaky
        self.delay = delay
        self.reject = set(reject)
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.posts: Counter[str] = Counter()
        self.stored: dict[str, dict[str, Any]] = {}
        self.conflicts: list[str] = []
        self.missing_key = 0
        self.headers: list[dict[str, str]] = []
        self.answer_409_for_replays = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                time.sleep(receiver.delay)  # a slow endpoint widens the windows for a kill
                status, answer = receiver.handle(self.headers.get("Idempotency-Key"), body)
                with receiver.lock:
                    receiver.headers.append(dict(self.headers))
                self.send_response(status)
                if status == 503:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/dfo/competence-records"

    def handle(self, key: str | None, body: bytes) -> tuple[int, bytes]:
        with self.lock:
            if not key:
                self.missing_key += 1
                return 400, b'{"error": "Idempotency-Key missing"}'
            self.posts[key] += 1
            roll = self.random.random()
            if roll < self.flaky / 2:
                return 503, b'{"error": "busy"}'
            record = json.loads(body)
            if record.get("employee_number") in self.reject:
                return 422, b'{"error": "unknown employee"}'
            if key in self.stored:
                if self.stored[key] != record:
                    self.conflicts.append(key)
                if self.answer_409_for_replays:
                    return 409, b'{"status": "duplicate"}'
                return 200, b'{"status": "duplicate"}'
            self.stored[key] = record
            if roll < self.flaky:
                return 503, b'{"error": "stored, but the answer got lost"}'
            return 201, b'{"status": "stored"}'

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


# --- building a history ---------------------------------------------------------------------
def relevant_keys(store: CompetenceStore) -> set[str]:
    """The idempotency keys of every record the log should produce, read independently."""
    keys = set()
    start = 0
    while page := store.app.recorder.select_notifications(start, 500, inclusive_of_start=False):
        for notification in page:
            event = store.app.mapper.to_domain_event(notification)
            if isinstance(event, RELEVANT):
                keys.add(record_key(event.originator_id, event.originator_version))
        start = page[-1].id
    return keys


def complete_rp(store: CompetenceStore, number: str, on: date, result: TrainingResult) -> None:
    request_id = ids.onboarding_request_id(number, CATALOGUE.rp)
    store.execute(c.ReceiveTrainingRequest(request_id=request_id), ACTORS.officer)
    store.execute(
        c.ChooseMeasure(request_id=request_id, kind=MeasureKind.COURSE, title="Strålevern"),
        ACTORS.officer,
    )
    store.execute(
        c.CompleteTraining(
            request_id=request_id, completed_on=on, result=result, evidence="=cert 42"
        ),
        ACTORS.officer,
    )


def build_history(store: CompetenceStore, first: int, count: int) -> None:
    """``count`` operators: hired (named), RP training completed (a few failed), a
    nuclear-safety assessment recorded, and every fifth one corrected."""
    for n in range(first, first + count):
        number = str(n)
        hire_operator(store, number, name=f"Ola Nordmann {n}")
        result = TrainingResult.FAILED if n % 7 == 0 else TrainingResult.PASSED
        complete_rp(store, number, date(2026, 2, 1 + n % 20), result)
        store.execute(
            c.RecordCompetence(
                employee_number=number,
                competence_code=CATALOGUE.nuc,
                level=1,
                acquired_on=date(2026, 1, 20),
            ),
            ACTORS.manager,
        )
        if n % 5 == 0:
            store.execute(
                c.CorrectCompetenceRecord(
                    employee_number=number,
                    competence_code=CATALOGUE.nuc,
                    level=2,
                    acquired_on=date(2026, 1, 20),
                    reason="Assessed at the wrong level",
                ),
                ACTORS.manager,
            )


class ScriptedSink:
    """A sink whose answers the test scripts: a list of outcomes per call, or 'raise'."""

    name = "scripted"

    def __init__(self, script: list[Any] | None = None) -> None:
        self.script = list(script or [])
        self.received: list[list[OutboundRecord]] = []

    def deliver(self, records: Sequence[OutboundRecord]) -> Sequence[DeliveryResult]:
        self.received.append(list(records))
        step = self.script.pop(0) if self.script else DeliveryOutcome.DELIVERED
        if step == "raise":
            raise RuntimeError("the sink broke")
        if isinstance(step, int):  # answer only for the first ``step`` records
            return [DeliveryResult(key=r.key, outcome=DeliveryOutcome.DELIVERED) for r in records][
                :step
            ]
        results = []
        for record in records:
            results.append(DeliveryResult(key=record.key, outcome=step, detail=str(step)))
            if step is DeliveryOutcome.RETRY:
                break
        return results

    def close(self) -> None:
        pass


# --- staging ----------------------------------------------------------------------------------
def test_records_carry_what_dfo_needs_and_no_names(org: CompetenceStore) -> None:
    build_history(org, 20001, 1)
    process = OutboundProcess(org.app, org.views)
    assert process.stage() == 3
    sink = ScriptedSink()
    process.deliver_due(sink)
    records = {r.kind: r for r in sink.received[0]}
    request_id = ids.onboarding_request_id("20001", CATALOGUE.rp)

    training = records[RecordKind.TRAINING_COMPLETED]
    assert (training.employee_number, training.competence_code) == ("20001", CATALOGUE.rp)
    assert (training.level, training.result, training.completed_on) == (
        1,
        "passed",
        date(2026, 2, 2),
    )
    assert training.request_id == request_id and training.evidence == "=cert 42"
    holding = [r for r in sink.received[0] if r.kind is RecordKind.COMPETENCE_RECORDED]
    by_code = {r.competence_code: r for r in holding}
    assert by_code[CATALOGUE.rp].valid_until == date(2028, 2, 2)
    assert by_code[CATALOGUE.rp].source == "training"
    assert by_code[CATALOGUE.rp].request_id == request_id
    assert by_code[CATALOGUE.nuc].source == "assessment"
    assert all(r.key == f"{r.key.rsplit('-v', 1)[0]}-v{r.version}" for r in sink.received[0])
    payload = " ".join(r.model_dump_json() for r in sink.received[0])
    assert "Nordmann" not in payload and "Ola" not in payload


def test_staging_is_exactly_once_and_survives_a_rebuild(org: CompetenceStore) -> None:
    build_history(org, 20001, 5)
    first = OutboundProcess(org.app, org.views)
    second = OutboundProcess(org.app, org.views)  # another process on the same channel
    assert first.stage(page_size=7) + second.stage(page_size=3) == len(relevant_keys(org))
    assert {e.key for e in first.entries()} == relevant_keys(org)
    org.rebuild()
    assert first.stage() == 0  # a rebuild of the views does not re-send the history
    assert first.position() == org.event_count()


def test_channels_are_independent(org: CompetenceStore) -> None:
    build_history(org, 20001, 2)
    dfo = OutboundProcess(org.app, org.views, channel="dfo")
    archive = OutboundProcess(org.app, org.views, channel="archive")
    dfo.run_once(ScriptedSink())
    assert dfo.status().delivered == len(relevant_keys(org))
    assert archive.status().pending == 0 and archive.status().position == 0
    archive.run_once(ScriptedSink([DeliveryOutcome.RETRY]))
    assert archive.status().pending == len(relevant_keys(org))


# --- retries, backoff, dead letters -----------------------------------------------------------
def test_transient_failures_back_off_and_end_in_the_dead_letter_list(
    org: CompetenceStore, clock: FixedClock
) -> None:
    build_history(org, 20001, 1)
    policy = RetryPolicy(base_seconds=10, max_seconds=25, max_attempts=4)
    process = OutboundProcess(org.app, org.views, policy=policy)
    sink = ScriptedSink([DeliveryOutcome.RETRY] * 4)
    first = process.run_once(sink)
    assert (first.staged, first.retrying, first.delivered) == (3, 1, 0)
    head = process.entries()[0]
    assert head.attempts == 1 and head.next_attempt_at == clock.now() + timedelta(seconds=10)
    # The others were not tried: no attempt counted, due when the head is due again.
    assert [e.attempts for e in process.entries()[1:]] == [0, 0]
    assert {e.next_attempt_at for e in process.entries()} == {head.next_attempt_at}
    assert process.deliver_due(sink).retrying == 0  # nothing is due yet
    delays = []
    for _ in range(3):
        due = process.entries()[0].next_attempt_at
        assert due is not None
        delays.append((due - clock.now()).total_seconds())
        clock.set(due)
        process.deliver_due(sink)
    assert delays == [10, 20, 25]  # doubled, capped at max_seconds
    dead = process.dead_letters()
    assert [d.key for d in dead] == [head.key] and dead[0].attempts == 4
    assert dead[0].last_error == "retry"
    # The rest go through once the sink recovers.
    clock.advance(timedelta(seconds=30))
    assert process.deliver_due(sink).delivered == 2
    log = process.deliveries(key=head.key)
    assert [e.outcome for e in log] == [DeliveryOutcome.RETRY] * 4
    assert [e.try_no for e in log] == [4, 3, 2, 1]  # newest first


def test_a_refused_record_is_dead_at_once_and_can_be_retried(
    org: CompetenceStore, clock: FixedClock
) -> None:
    build_history(org, 20001, 1)
    process = OutboundProcess(org.app, org.views)
    result = process.run_once(
        ScriptedSink([DeliveryOutcome.REJECTED] + [DeliveryOutcome.DELIVERED] * 3)
    )
    assert (result.dead, result.delivered) == (3, 0)  # one batch, all refused
    assert process.status().dead == 3
    with pytest.raises(InvalidValue, match="not a dead letter"):
        process.retry_dead(["nope"])
    key = process.dead_letters()[0].key
    assert process.retry_dead([key]) == 1
    assert process.deliver_due(ScriptedSink()).delivered == 1
    assert process.retry_dead() == 2
    assert process.deliver_due(ScriptedSink()).delivered == 2
    assert process.status().dead == 0
    outcomes = [e.outcome for e in process.deliveries(key=key)]
    assert outcomes == [DeliveryOutcome.DELIVERED, DeliveryOutcome.REJECTED]
    entry = process.entries(keys=[key])[0]
    assert entry.status is OutboxStatus.DELIVERED and entry.tries == 2


def test_a_sink_that_raises_or_answers_short_loses_nothing(
    org: CompetenceStore, clock: FixedClock
) -> None:
    build_history(org, 20001, 1)
    process = OutboundProcess(org.app, org.views, policy=RetryPolicy(base_seconds=1))
    result = process.run_once(ScriptedSink(["raise"]))
    assert result.retrying == 1
    assert "RuntimeError: the sink broke" in (process.entries()[0].last_error or "")
    clock.advance(timedelta(seconds=5))
    sink = ScriptedSink([1, 1, 1])  # answers for the first record only: the pass ends
    assert [process.deliver_due(sink, batch_size=3).delivered for _ in range(3)] == [1, 1, 1]
    assert [len(batch) for batch in sink.received] == [3, 2, 1]
    assert all(e.status is OutboxStatus.DELIVERED for e in process.entries())
    assert [e.attempts for e in process.entries()] == [1, 0, 0]  # untried: no attempt


def test_a_record_being_sent_is_claimed_until_the_claim_runs_out(
    org: CompetenceStore, clock: FixedClock
) -> None:
    build_history(org, 20001, 1)
    policy = RetryPolicy(claim_seconds=60)
    process = OutboundProcess(org.app, org.views, policy=policy)
    process.stage()
    claimed = process._claim(10)  # a process that then dies without answering
    assert len(claimed) == 3
    other = OutboundProcess(org.app, org.views, policy=policy)
    assert other.deliver_due(ScriptedSink()).delivered == 0
    clock.advance(timedelta(seconds=61))
    assert other.deliver_due(ScriptedSink()).delivered == 3


def test_run_follows_the_log_until_stopped(org: CompetenceStore, clock: FixedClock) -> None:
    build_history(org, 20001, 1)
    process = OutboundProcess(org.app, org.views)
    passes: list[int] = []

    def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        if len(passes) == 1 and not org.employee_exists("20002"):
            build_history(org, 20002, 1)  # new events arrive while it runs

    totals = process.run(
        ScriptedSink(),
        poll_seconds=1,
        sleep=sleep,
        should_stop=lambda: len(passes) >= 3,
        on_pass=lambda r: passes.append(r.delivered),
    )
    assert passes == [3, 3, 0]
    assert totals.delivered == 6 == len(relevant_keys(org))


# --- sinks ------------------------------------------------------------------------------------
def staged_records(store: CompetenceStore) -> list[OutboundRecord]:
    process = OutboundProcess(store.app, store.views, channel="probe")
    sink = ScriptedSink()
    process.run_once(sink)
    return [r for batch in sink.received for r in batch]


def test_file_drop_writes_jsonl_and_csv_and_never_twice(
    org: CompetenceStore, tmp_path: Path
) -> None:
    build_history(org, 20001, 2)
    records = staged_records(org)
    clock = FixedClock(T0)
    sink = FileDropSink(tmp_path / "drop", clock=clock)
    assert {r.outcome for r in sink.deliver(records)} == {DeliveryOutcome.DELIVERED}
    again = FileDropSink(tmp_path / "drop", clock=clock)  # a restarted process
    assert {r.outcome for r in again.deliver(records[:3])} == {DeliveryOutcome.DUPLICATE}
    clock.advance(timedelta(days=1))
    assert {r.outcome for r in again.deliver(records)} == {DeliveryOutcome.DUPLICATE}

    files = sorted(p.name for p in (tmp_path / "drop").iterdir())
    assert files == ["competence-records-2026-03-02.csv", "competence-records-2026-03-02.jsonl"]
    lines = (tmp_path / "drop" / files[1]).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["key"] for line in lines] == [r.key for r in records]
    raw = (tmp_path / "drop" / files[0]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [row["key"] for row in rows] == [r.key for r in records]
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {row["evidence"] for row in rows if row["kind"] == "training_completed"} == {
        "'=cert 42"  # a spreadsheet must not run it as a formula
    }
    # Killed between the two files: the next delivery completes the one that lacks it.
    (tmp_path / "drop" / files[0]).unlink()
    third = FileDropSink(tmp_path / "drop", clock=FixedClock(T0))
    assert {r.outcome for r in third.deliver(records)} == {DeliveryOutcome.DELIVERED}
    assert (tmp_path / "drop" / files[1]).read_text(encoding="utf-8").splitlines() == lines
    table = (tmp_path / "drop" / files[0]).read_text(encoding="utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(table), delimiter=";"))) == len(records)


def test_file_drop_reports_a_disk_problem_as_transient(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    record = OutboundRecord(
        key="k-v1",
        kind=RecordKind.COMPETENCE_RECORDED,
        sequence=1,
        version=1,
        employee_number="1",
        competence_code="A",
        recorded_at=T0,
    )
    answer = FileDropSink(blocker / "sub").deliver([record])
    assert [a.outcome for a in answer] == [DeliveryOutcome.RETRY]


def test_http_sink_outcomes(org: CompetenceStore, receiver: Receiver) -> None:
    build_history(org, 20001, 1)
    records = staged_records(org)
    sink = HttpSink(receiver.url, headers={"X-Api-Key": "secret"})
    assert [a.outcome for a in sink.deliver(records)] == [DeliveryOutcome.DELIVERED] * 3
    assert receiver.headers[0]["Idempotency-Key"] == records[0].key
    assert receiver.headers[0]["X-Api-Key"] == "secret"
    assert receiver.stored[records[0].key]["employee_number"] == "20001"
    assert [a.outcome for a in sink.deliver(records[:1])] == [DeliveryOutcome.DELIVERED]
    receiver.answer_409_for_replays = True
    assert [a.outcome for a in sink.deliver(records[:1])] == [DeliveryOutcome.DUPLICATE]
    receiver.reject = {"20001"}
    refused = sink.deliver(records[1:2])[0]
    assert refused.outcome is DeliveryOutcome.REJECTED and "422" in refused.detail
    receiver.flaky = 1.0  # every request answered 503
    busy = sink.deliver(records)
    assert [a.outcome for a in busy] == [DeliveryOutcome.RETRY]  # stops at the first
    assert busy[0].retry_after_seconds == 0
    sink.close()
    assert receiver.missing_key == 0


def test_http_sink_treats_an_unreachable_endpoint_as_transient() -> None:
    with Receiver() as gone:
        url = gone.url
    sink = HttpSink(url, timeout=2)
    record = OutboundRecord(
        key="k-v1",
        kind=RecordKind.COMPETENCE_RECORDED,
        sequence=1,
        version=1,
        employee_number="1",
        competence_code="A",
        recorded_at=T0,
    )
    answer = sink.deliver([record])
    assert answer[0].outcome is DeliveryOutcome.RETRY and "Connect" in answer[0].detail
    sink.close()


def test_sink_specs_and_headers(tmp_path: Path) -> None:
    assert isinstance(open_sink(f"file:{tmp_path}"), FileDropSink)
    assert isinstance(open_sink("http://127.0.0.1:9/x"), HttpSink)
    assert isinstance(open_sink("http:https://dfo.example/api"), HttpSink)
    assert open_sink("https://u:pw@dfo.example/api?token=1").name == "https://dfo.example/api"
    for bad in ("ftp://x", "file:", "x", "http://"):
        with pytest.raises(InvalidValue):
            open_sink(bad)
    (tmp_path / "f").write_text("")
    with pytest.raises(InvalidValue, match="not a directory"):
        open_sink(f"file:{tmp_path / 'f'}")
    assert parse_headers(["X-Key: env:KEY", "A:b"], {"KEY": "s3"}) == {"X-Key": "s3", "A": "b"}
    with pytest.raises(InvalidValue, match="KEY is not set"):
        parse_headers(["X-Key: env:KEY"], {})
    with pytest.raises(InvalidValue, match="expected 'Name: value'"):
        parse_headers(["no colon"], {})


# --- the command line -------------------------------------------------------------------------
@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite"
    with open_store(path, clock=FixedClock(T0)) as store:
        CATALOGUE.install(store, ACTORS.hr)
        store.execute(
            c.HireEmployee(
                employee_number=ACTORS.manager.employee_number,
                unit=CATALOGUE.unit,
                position=CATALOGUE.manager_position,
                start_date=date(2015, 1, 1),
            ),
            ACTORS.hr,
        )
        build_history(store, 20001, 3)
    return path


def test_cli_sync_outbound_to_a_file_drop(
    capsys: pytest.CaptureFixture[str], store_file: Path, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    code, out, err = cli(
        capsys, "--store", str(store_file), "sync", "outbound", "--sink", f"file:{drop}", "--once"
    )
    assert (code, err) == (0, "")
    assert f"outbound (channel default → file:{drop}): 9 new record(s) staged, 9 delivered" in out
    assert "0 pending, 9 delivered, 0 dead letter(s)" in out
    code, out, _ = cli(capsys, "--store", str(store_file), "sync", "deliveries", "--limit", "3")
    assert code == 0 and out.count("delivered") >= 3 and f"file:{drop}" in out
    code, out, _ = cli(
        capsys,
        "--store",
        str(store_file),
        "sync",
        "deliveries",
        "--employee",
        "20002",
        "--format",
        "json",
    )
    entries = json.loads(out)
    assert len(entries) == 3 and {e["outcome"] for e in entries} == {"delivered"}
    code, out, _ = cli(capsys, "--store", str(store_file), "sync", "dead-letters")
    assert code == 0 and "No dead letters" in out


def test_cli_dead_letters_and_retry(
    capsys: pytest.CaptureFixture[str], store_file: Path, tmp_path: Path
) -> None:
    with Receiver(reject=["20002"]) as refusing:
        code, out, _ = cli(
            capsys,
            "--store",
            str(store_file),
            "sync",
            "outbound",
            "--sink",
            refusing.url,
            "--once",
        )
        assert code == 0 and "3 dead-lettered" in out and "sync dead-letters" in out
        code, out, _ = cli(capsys, "--store", str(store_file), "sync", "dead-letters")
        assert out.count("20002") == 3 and "HTTP 422" in out
        refusing.reject = set()
        code, out, _ = cli(
            capsys,
            "--store",
            str(store_file),
            "sync",
            "dead-letters",
            "--retry",
            "--sink",
            refusing.url,
        )
        assert code == 0 and "3 dead letter(s) queued" in out and "3 delivered" in out
        assert len(refusing.stored) == 9
    code, out, _ = cli(
        capsys,
        "--store",
        str(store_file),
        "sync",
        "deliveries",
        "--outcome",
        "rejected",
        "--format",
        "csv",
    )
    assert code == 0 and len(out.strip().splitlines()) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sync", "outbound", "--sink", "ftp://x", "--once"], "--sink 'ftp://x'"),
        (["sync", "outbound", "--sink", "http://h/x", "--header", "bad"], "--header 'bad'"),
        (["sync", "deliveries", "--outcome", "lost"], "--outcome 'lost'"),
        (["sync", "dead-letters", "--sink", "http://h/x"], "add --retry"),
        (["sync", "dead-letters", "--retry", "--key", "nope"], "not a dead letter"),
    ],
)
def test_cli_bad_input_is_one_line_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], store_file: Path, args: list[str], message: str
) -> None:
    cli(capsys, "--store", str(store_file), "sync", "deliveries")  # create the tables
    before = digest(store_file)
    code, _, err = cli(capsys, "--store", str(store_file), *args)
    assert code != 0 and message in err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert digest(store_file) == before


# --- acceptance 2: killed at random points, restarted, nothing lost or stored twice -----------
def _start(store_file: Path, sink: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nnd_competence.adapters.cli.main",
            "--store",
            str(store_file),
            "sync",
            "outbound",
            "--sink",
            sink,
            "--poll",
            "0.05",
            "--batch",
            "4",
            "--retry-base",
            "0.02",
            "--retry-max",
            "0.2",
            "--max-attempts",
            "1000",
            "--claim-seconds",
            "0.5",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200"},
    )


def _file_drop_keys(drop: Path) -> tuple[Counter[str], Counter[str]]:
    jsonl: Counter[str] = Counter()
    table: Counter[str] = Counter()
    for path in drop.glob("competence-records-*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            jsonl[json.loads(line)["key"]] += 1  # every line is whole
    for path in drop.glob("competence-records-*.csv"):
        text = path.read_text(encoding="utf-8-sig")
        table.update(row["key"] for row in csv.DictReader(io.StringIO(text), delimiter=";"))
    return jsonl, table


@pytest.mark.parametrize("sink_kind", ["http", "file"])
def test_acceptance_killed_and_restarted_nothing_lost_nothing_twice(
    tmp_path: Path, sink_kind: str
) -> None:
    """Eight rounds: start ``sync outbound``, SIGKILL it at a random moment (while it
    starts and stages, or after a random number of deliveries, mid-batch), add events.
    Then one last run until everything arrived, stopped with SIGTERM."""
    store_file = tmp_path / "store.sqlite"
    drop = tmp_path / "drop"
    rng = random.Random(20260302)
    clock = FixedClock(datetime(2026, 3, 2, 8, tzinfo=UTC))
    store = open_store(store_file, clock=clock)
    CATALOGUE.install(store, ACTORS.hr)
    store.execute(
        c.HireEmployee(
            employee_number=ACTORS.manager.employee_number,
            unit=CATALOGUE.unit,
            position=CATALOGUE.manager_position,
            start_date=date(2015, 1, 1),
        ),
        ACTORS.hr,
    )
    build_history(store, 20001, 12)
    with Receiver(flaky=0.15, seed=rng.randrange(1000), delay=0.01) as receiver:
        sink = receiver.url if sink_kind == "http" else f"file:{drop}"

        def arrived() -> int:
            """Deliveries seen by the receiving side so far (repeats included)."""
            if sink_kind == "http":
                return sum(receiver.posts.values())
            return sum(_file_drop_keys(drop)[0].values())

        def delivered() -> set[str]:
            if sink_kind == "http":
                return set(receiver.stored)
            jsonl, table = _file_drop_keys(drop)
            return set(jsonl) & set(table)

        killed_mid_delivery = 0
        next_employee = 20013
        for round_no in range(8):
            process = _start(store_file, sink)
            before = arrived()
            if round_no % 3 == 0:  # early: while starting, staging or at the first batch
                time.sleep(rng.uniform(0.5, 3.5))
            else:  # after a random number of deliveries, a few milliseconds into the next
                target = before + rng.randint(1, 10)
                deadline = time.monotonic() + 30
                while (
                    arrived() < target
                    and delivered() != relevant_keys(store)
                    and time.monotonic() < deadline
                ):
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.03))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            killed_mid_delivery += arrived() > before
            build_history(store, next_employee, 2)  # the log grows between restarts
            next_employee += 2
        expected = relevant_keys(store)
        assert killed_mid_delivery >= 2  # the kills did land while records were going out
        assert delivered() != expected  # ...and before everything was out

        process = _start(store_file, sink)
        deadline = time.monotonic() + 90

        def settled() -> bool:
            # The receiver may hold a record whose answer was a 503 sent after storing it:
            # the sender then still has it pending and sends it again later.
            status = OutboundProcess(store.app, store.views).status()
            return delivered() == expected and status.pending == 0

        while not settled() and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)  # a graceful stop
        _, stderr = process.communicate(timeout=20)
        assert process.returncode == 0, stderr.decode()

        assert delivered() == expected  # nothing lost
        if sink_kind == "http":
            assert not receiver.conflicts  # a re-sent record is the same record
            assert receiver.missing_key == 0
            assert sum(receiver.posts.values()) > len(expected)  # duplicates were sent...
            assert len(receiver.stored) == len(expected)  # ...and stored once
        else:
            jsonl, table = _file_drop_keys(drop)
            assert set(jsonl.values()) == {1} and set(table.values()) == {1}  # once each
            assert set(table) == expected
    status = OutboundProcess(store.app, store.views).status()
    assert (status.pending, status.dead, status.delivered) == (0, 0, len(expected))
    store.close()
