"""Outbound competence records: completed measures and recorded competences, delivered to
DFØ HR (or whatever stands in for it) through a sink port.

The process follows the event log with its own tracking position, per *channel* (one
channel per destination). Delivery is split in two steps so that nothing is lost and
nothing is sent that was not recorded:

1. **Staging** reads a page of notifications, turns the relevant events into
   ``OutboundRecord`` s and writes them to the channel's outbox together with the new
   tracking position, in one transaction with a compare-and-set on the position. A crash
   loses at most the uncommitted page, which is read again; nothing is staged twice.
2. **Delivery** claims the records that are due (in log order), hands them to the sink,
   and writes each outcome (and a line in the delivery log) afterwards. A crash between
   the sink's answer and that write means the record is sent again: delivery is
   *at least once*, and every record carries an idempotency key (``<aggregate id>-v<n>``,
   stable for ever) so that the receiver stores it once.

A transient failure (the endpoint is down, a 503) ends the pass and backs off
exponentially; the record's attempts are counted and, after ``max_attempts``, it becomes a
**dead letter**. A record the receiver refuses outright (a 4xx) is dead at once: retrying
would not help until someone looks at it. Dead letters stay visible and can be queued
again (``retry_dead``). Every try is kept in the delivery log: what was sent, when, to
which sink, with which outcome.

The tables live in the view database but are not views: a rebuild of the views leaves
them alone, so rebuilding never re-sends the history.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.utils import get_topic
from pydantic import BaseModel, ConfigDict, Field

from nnd_competence.application.clock import Clock
from nnd_competence.application.ports import ViewCursor, ViewDatabase
from nnd_competence.application.service import CompetenceApplication
from nnd_competence.domain.employee import (
    CompetenceRecordCorrected,
    CompetenceRecorded,
    Employee,
    Holding,
)
from nnd_competence.domain.errors import InvalidValue
from nnd_competence.domain.training_request import TrainingCompleted

POSITION_TABLE = "outbound_position"
OUTBOX_TABLE = "outbound_outbox"
LOG_TABLE = "outbound_delivery_log"
DEFAULT_CHANNEL = "default"


# --- the records ----------------------------------------------------------------------
class RecordKind(StrEnum):
    TRAINING_COMPLETED = "training_completed"
    COMPETENCE_RECORDED = "competence_recorded"
    COMPETENCE_CORRECTED = "competence_corrected"


class OutboundRecord(BaseModel):
    """One competence record as DFØ HR would need it: numbers and codes, never names.

    ``key`` is the idempotency key; ``sequence`` is the position in the event log and
    ``version`` the event's version within its aggregate, so a receiver can order two
    records about the same holding (a recording and its later correction).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    kind: RecordKind
    sequence: int
    version: int
    employee_number: str
    competence_code: str
    level: int | None = None
    result: str | None = None  # training: passed, completed or failed
    completed_on: date | None = None  # training
    acquired_on: date | None = None  # holdings
    valid_until: date | None = None
    source: str | None = None  # holdings: training, assessment or import
    evidence: str | None = None
    request_id: UUID | None = None  # the training request behind it, if any
    recorded_at: datetime


def record_key(originator_id: UUID, originator_version: int) -> str:
    return f"{originator_id}-v{originator_version}"


# --- the sink port --------------------------------------------------------------------
class DeliveryOutcome(StrEnum):
    DELIVERED = "delivered"
    DUPLICATE = "duplicate"  # the receiver already had it: as good as delivered
    RETRY = "retry"  # transient: try again later
    REJECTED = "rejected"  # permanent: the receiver refused this record


class DeliveryResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    outcome: DeliveryOutcome
    detail: str = ""
    retry_after_seconds: float | None = Field(default=None, ge=0)


class RecordSink(Protocol):
    """Where outbound records go (a file drop, an HTTP endpoint, one day DFØ's API).

    ``deliver`` gets records in log order and returns one result per record, in the same
    order, for a *prefix* of the batch: a shorter list means the rest were not tried
    (typically because the destination went away), and they stay queued without counting
    an attempt. The sink must not raise for a failed delivery; an exception is treated as
    a transient failure of the first record.
    """

    @property
    def name(self) -> str:
        """A short description for the delivery log (no secrets)."""
        ...

    def deliver(self, records: Sequence[OutboundRecord]) -> Sequence[DeliveryResult]: ...

    def close(self) -> None: ...


# --- policy and results ---------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: ``base * 2**(attempts-1)``, capped, until ``max_attempts``.

    ``claim_seconds`` is how long a record handed to the sink is reserved for this
    process; a process killed mid-delivery releases it when the claim runs out.
    """

    base_seconds: float = 2.0
    max_seconds: float = 600.0
    max_attempts: int = 8
    claim_seconds: float = 120.0

    def __post_init__(self) -> None:
        if self.base_seconds < 0 or self.max_seconds < 0 or self.claim_seconds <= 0:
            raise InvalidValue("retry delays must not be negative and the claim must be > 0")
        if self.max_attempts < 1:
            raise InvalidValue("max attempts must be at least 1")

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        backoff = self.base_seconds * float(2 ** min(max(attempts - 1, 0), 60))
        if retry_after is not None:
            backoff = max(backoff, retry_after)
        return min(backoff, self.max_seconds)


@dataclass
class PassResult:
    staged: int = 0
    delivered: int = 0
    duplicates: int = 0
    retrying: int = 0
    dead: int = 0
    next_attempt_at: datetime | None = None

    def add(self, other: PassResult) -> None:
        self.staged += other.staged
        self.delivered += other.delivered
        self.duplicates += other.duplicates
        self.retrying += other.retrying
        self.dead += other.dead
        self.next_attempt_at = other.next_attempt_at

    @property
    def changed(self) -> bool:
        return bool(self.staged or self.delivered or self.duplicates or self.retrying or self.dead)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class OutboxEntry(BaseModel):
    channel: str
    key: str
    sequence: int
    kind: RecordKind
    employee_number: str
    competence_code: str
    status: OutboxStatus
    attempts: int
    tries: int
    next_attempt_at: datetime | None
    staged_at: datetime
    delivered_at: datetime | None
    last_error: str | None


class DeliveryLogEntry(BaseModel):
    channel: str
    key: str
    try_no: int
    at: datetime
    sink: str
    outcome: DeliveryOutcome
    detail: str


class ChannelStatus(BaseModel):
    channel: str
    position: int
    log_end: int
    pending: int
    due: int
    delivered: int
    dead: int
    next_attempt_at: datetime | None


Progress = Callable[[int, int], None]  # (done, total)


def _ts(at: datetime) -> str:
    """Fixed-width UTC text, so that SQL compares instants as strings."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _parse_ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


_TOPICS = {
    get_topic(TrainingCompleted): TrainingCompleted,
    get_topic(CompetenceRecorded): CompetenceRecorded,
    get_topic(CompetenceRecordCorrected): CompetenceRecordCorrected,
}

_OUTBOX_COLUMNS = (
    "channel, record_key, seq, kind, employee_number, competence_code, payload, status, "
    "attempts, tries, next_attempt_at, staged_at, delivered_at, last_error"
)


class OutboundBusy(Exception):
    """Another process staged the same page; staging reads the position again."""


class OutboundProcess:
    """Follows the event log for one channel and delivers its records to a sink."""

    def __init__(
        self,
        app: CompetenceApplication,
        views: ViewDatabase,
        *,
        channel: str = DEFAULT_CHANNEL,
        policy: RetryPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        channel = channel.strip()
        if not channel or len(channel) > 64:
            raise InvalidValue(f"channel {channel!r}: give a name of 1 to 64 characters")
        self.app = app
        self.views = views
        self.channel = channel
        self.policy = policy or RetryPolicy()
        self.clock: Clock = clock or app.clock
        self._employee_numbers: dict[UUID, str] = {}
        self._requests: dict[UUID, tuple[str, str, int]] = {}
        self._create()

    def _create(self) -> None:
        with self.views.transaction() as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {POSITION_TABLE} "
                "(channel TEXT PRIMARY KEY, position INTEGER NOT NULL)"
            )
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {OUTBOX_TABLE} ("
                "channel TEXT NOT NULL, record_key TEXT NOT NULL, seq INTEGER NOT NULL, "
                "kind TEXT NOT NULL, employee_number TEXT NOT NULL, "
                "competence_code TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL, "
                "attempts INTEGER NOT NULL, tries INTEGER NOT NULL, next_attempt_at TEXT, "
                "staged_at TEXT NOT NULL, delivered_at TEXT, last_error TEXT, "
                "PRIMARY KEY (channel, record_key))"
            )
            cur.execute(
                f"CREATE INDEX IF NOT EXISTS {OUTBOX_TABLE}_due "
                f"ON {OUTBOX_TABLE} (channel, status, next_attempt_at, seq)"
            )
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {LOG_TABLE} ("
                "channel TEXT NOT NULL, record_key TEXT NOT NULL, try_no INTEGER NOT NULL, "
                "at TEXT NOT NULL, sink TEXT NOT NULL, outcome TEXT NOT NULL, "
                "detail TEXT NOT NULL, PRIMARY KEY (channel, record_key, try_no))"
            )
            cur.execute(f"CREATE INDEX IF NOT EXISTS {LOG_TABLE}_at ON {LOG_TABLE} (channel, at)")
            cur.execute(
                f"INSERT INTO {POSITION_TABLE} (channel, position) VALUES (?, 0) "
                "ON CONFLICT (channel) DO NOTHING",
                (self.channel,),
            )

    # --- staging --------------------------------------------------------------------
    def position(self) -> int:
        rows = self.views.query(
            f"SELECT position FROM {POSITION_TABLE} WHERE channel = ?", (self.channel,)
        )
        return int(rows[0][0]) if rows else 0

    def lag(self) -> int:
        return (self.app.recorder.max_notification_id() or 0) - self.position()

    def stage(self, page_size: int = 500, progress: Progress | None = None) -> int:
        """Turn every event after the tracking position into outbox rows; returns how many."""
        staged = 0
        start = self.position()
        top = self.app.recorder.max_notification_id() or 0
        while True:
            position = self.position()
            notifications = self.app.recorder.select_notifications(
                position, page_size, inclusive_of_start=False
            )
            if not notifications:
                break
            records = [
                record
                for notification in notifications
                if notification.topic in _TOPICS
                for record in [self._record(notification)]
                if record is not None
            ]
            last_id = notifications[-1].id
            try:
                self._stage_page(records, position, last_id)
            except OutboundBusy:
                continue
            staged += len(records)
            if progress is not None:
                progress(last_id - start, max(top, last_id) - start)
        return staged

    def _stage_page(self, records: list[OutboundRecord], position: int, last_id: int) -> None:
        now = _ts(self.clock.now())
        with self.views.transaction() as cur:
            stored = cur.execute(
                f"SELECT position FROM {POSITION_TABLE} WHERE channel = ?", (self.channel,)
            )
            if not stored or int(stored[0][0]) != position:
                raise OutboundBusy("another process staged this page")
            if records:
                cur.executemany(
                    f"INSERT INTO {OUTBOX_TABLE} ({_OUTBOX_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, NULL, NULL) "
                    "ON CONFLICT (channel, record_key) DO NOTHING",
                    [
                        (
                            self.channel,
                            r.key,
                            r.sequence,
                            r.kind.value,
                            r.employee_number,
                            r.competence_code,
                            r.model_dump_json(),
                            OutboxStatus.PENDING.value,
                            now,
                            now,
                        )
                        for r in records
                    ],
                )
            cur.execute(
                f"UPDATE {POSITION_TABLE} SET position = ? WHERE channel = ?",
                (last_id, self.channel),
            )

    def _record(self, notification: Any) -> OutboundRecord | None:
        event = self.app.mapper.to_domain_event(notification)
        key = record_key(event.originator_id, event.originator_version)
        common: dict[str, Any] = {
            "key": key,
            "sequence": notification.id,
            "version": event.originator_version,
            "recorded_at": event.timestamp,  # type: ignore[attr-defined]
        }
        if isinstance(event, TrainingCompleted):
            employee_number, competence_code, target_level = self._request_facts(
                event.originator_id
            )
            return OutboundRecord(
                kind=RecordKind.TRAINING_COMPLETED,
                employee_number=employee_number,
                competence_code=competence_code,
                level=target_level,
                result=event.result.value,
                completed_on=event.completed_on,
                evidence=event.evidence,
                request_id=event.originator_id,
                **common,
            )
        if isinstance(event, CompetenceRecorded | CompetenceRecordCorrected):
            holding: Holding = event.holding
            kind = (
                RecordKind.COMPETENCE_RECORDED
                if isinstance(event, CompetenceRecorded)
                else RecordKind.COMPETENCE_CORRECTED
            )
            return OutboundRecord(
                kind=kind,
                employee_number=self._employee_number(event.originator_id),
                competence_code=holding.competence_code,
                level=holding.level,
                acquired_on=holding.acquired_on,
                valid_until=holding.valid_until,
                source=holding.source.value,
                evidence=holding.evidence,
                request_id=holding.training_request_id,
                **common,
            )
        return None

    def _employee_number(self, aggregate_id: UUID) -> str:
        number = self._employee_numbers.get(aggregate_id)
        if number is None:
            employee = self.app.load(aggregate_id, Employee, f"employee {aggregate_id}")
            number = self._employee_numbers[aggregate_id] = employee.employee_number
        return number

    def _request_facts(self, request_id: UUID) -> tuple[str, str, int]:
        facts = self._requests.get(request_id)
        if facts is None:
            request = self.app.training_request(request_id)
            facts = (request.employee_number, request.competence_code, request.target_level)
            self._requests[request_id] = facts
        return facts

    # --- delivery -------------------------------------------------------------------
    def deliver_due(
        self,
        sink: RecordSink,
        batch_size: int = 50,
        progress: Progress | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> PassResult:
        """Hand every due record to the sink, batch by batch, until none is due, the sink
        fails transiently (then the pass ends and the backoff applies) or ``should_stop``."""
        result = PassResult()
        total = self._count_due()
        done = 0
        while not should_stop():
            claimed = self._claim(batch_size)
            if not claimed:
                break
            stop = self._deliver_batch(sink, claimed, result)
            done += len(claimed)
            if progress is not None:
                progress(min(done, max(total, done)), max(total, done))
            if stop:
                break
        result.next_attempt_at = self.next_attempt_at()
        return result

    def _count_due(self) -> int:
        rows = self.views.query(
            f"SELECT COUNT(*) FROM {OUTBOX_TABLE} WHERE channel = ? AND status = ? "
            "AND next_attempt_at <= ?",
            (self.channel, OutboxStatus.PENDING.value, _ts(self.clock.now())),
        )
        return int(rows[0][0])

    def _claim(self, batch_size: int) -> list[tuple[str, str, int, int]]:
        now = self.clock.now()
        until = _ts(now + timedelta(seconds=self.policy.claim_seconds))
        with self.views.transaction() as cur:
            rows = cur.execute(
                f"SELECT record_key, payload, attempts, tries FROM {OUTBOX_TABLE} "
                "WHERE channel = ? AND status = ? AND next_attempt_at <= ? "
                "ORDER BY seq, record_key LIMIT ?",
                (self.channel, OutboxStatus.PENDING.value, _ts(now), batch_size),
            )
            if rows:
                cur.executemany(
                    f"UPDATE {OUTBOX_TABLE} SET next_attempt_at = ? "
                    "WHERE channel = ? AND record_key = ?",
                    [(until, self.channel, row[0]) for row in rows],
                )
        return [(str(k), str(p), int(a), int(t)) for k, p, a, t in rows]

    def _deliver_batch(
        self, sink: RecordSink, claimed: list[tuple[str, str, int, int]], result: PassResult
    ) -> bool:
        """Returns True when the pass should stop (a transient failure)."""
        records = [OutboundRecord.model_validate_json(payload) for _, payload, _, _ in claimed]
        try:
            answers = list(sink.deliver(records))
        except Exception as error:  # a sink bug or an unexpected failure: retry later
            answers = [
                DeliveryResult(
                    key=records[0].key,
                    outcome=DeliveryOutcome.RETRY,
                    detail=f"{type(error).__name__}: {error}",
                )
            ]
        answers = answers[: len(records)]
        now = self.clock.now()
        stop = len(answers) < len(records)
        release_at = now
        with self.views.transaction() as cur:
            for (key, _, attempts, tries), answer in zip(claimed, answers, strict=False):
                if answer.key != key:
                    answer = DeliveryResult(
                        key=key,
                        outcome=DeliveryOutcome.RETRY,
                        detail=f"the sink answered for {answer.key!r} instead of this record",
                    )
                tries += 1
                self._log(cur, key, tries, now, sink.name, answer)
                if answer.outcome in (DeliveryOutcome.DELIVERED, DeliveryOutcome.DUPLICATE):
                    cur.execute(
                        f"UPDATE {OUTBOX_TABLE} SET status = ?, tries = ?, delivered_at = ?, "
                        "next_attempt_at = NULL, last_error = NULL "
                        "WHERE channel = ? AND record_key = ?",
                        (OutboxStatus.DELIVERED.value, tries, _ts(now), self.channel, key),
                    )
                    if answer.outcome is DeliveryOutcome.DELIVERED:
                        result.delivered += 1
                    else:
                        result.duplicates += 1
                    continue
                attempts += 1
                dead = (
                    answer.outcome is DeliveryOutcome.REJECTED
                    or attempts >= self.policy.max_attempts
                )
                if dead:
                    cur.execute(
                        f"UPDATE {OUTBOX_TABLE} SET status = ?, attempts = ?, tries = ?, "
                        "next_attempt_at = NULL, last_error = ? "
                        "WHERE channel = ? AND record_key = ? AND status = ?",
                        (
                            OutboxStatus.DEAD.value,
                            attempts,
                            tries,
                            answer.detail or answer.outcome.value,
                            self.channel,
                            key,
                            OutboxStatus.PENDING.value,
                        ),
                    )
                    result.dead += 1
                    continue
                delay = self.policy.delay(attempts, answer.retry_after_seconds)
                release_at = max(release_at, now + timedelta(seconds=delay))
                cur.execute(
                    f"UPDATE {OUTBOX_TABLE} SET attempts = ?, tries = ?, next_attempt_at = ?, "
                    "last_error = ? WHERE channel = ? AND record_key = ? AND status = ?",
                    (
                        attempts,
                        tries,
                        _ts(now + timedelta(seconds=delay)),
                        answer.detail or answer.outcome.value,
                        self.channel,
                        key,
                        OutboxStatus.PENDING.value,
                    ),
                )
                result.retrying += 1
                stop = True
            untried = claimed[len(answers) :]
            if untried:
                # Not tried: back in the queue, due when the failed one is due again.
                cur.executemany(
                    f"UPDATE {OUTBOX_TABLE} SET next_attempt_at = ? "
                    "WHERE channel = ? AND record_key = ? AND status = ?",
                    [
                        (_ts(release_at), self.channel, key, OutboxStatus.PENDING.value)
                        for key, _, _, _ in untried
                    ],
                )
        return stop

    def _log(
        self,
        cur: ViewCursor,
        key: str,
        try_no: int,
        at: datetime,
        sink_name: str,
        answer: DeliveryResult,
    ) -> None:
        cur.execute(
            f"INSERT INTO {LOG_TABLE} (channel, record_key, try_no, at, sink, outcome, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, record_key, try_no) DO NOTHING",
            (self.channel, key, try_no, _ts(at), sink_name, answer.outcome.value, answer.detail),
        )

    # --- running --------------------------------------------------------------------
    def run_once(
        self,
        sink: RecordSink,
        *,
        batch_size: int = 50,
        page_size: int = 500,
        staging_progress: Progress | None = None,
        delivery_progress: Progress | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> PassResult:
        """Stage what is new, then deliver what is due; one pass."""
        staged = self.stage(page_size, staging_progress)
        result = self.deliver_due(sink, batch_size, delivery_progress, should_stop)
        result.staged = staged
        return result

    def run(
        self,
        sink: RecordSink,
        *,
        poll_seconds: float = 5.0,
        batch_size: int = 50,
        should_stop: Callable[[], bool] = lambda: False,
        sleep: Callable[[float], None] = time.sleep,
        on_pass: Callable[[PassResult], None] | None = None,
    ) -> PassResult:
        """Follow the log until ``should_stop`` says so; returns the totals."""
        totals = PassResult()
        while not should_stop():
            result = self.run_once(sink, batch_size=batch_size, should_stop=should_stop)
            totals.add(result)
            if on_pass is not None:
                on_pass(result)
            wait = poll_seconds
            if result.next_attempt_at is not None:
                until_due = (result.next_attempt_at - self.clock.now()).total_seconds()
                wait = min(wait, max(until_due, 0.0))
            waited = 0.0
            while waited < wait and not should_stop():
                step = min(0.2, wait - waited)
                sleep(step)
                waited += step
        return totals

    # --- queries and dead letters ---------------------------------------------------
    def next_attempt_at(self) -> datetime | None:
        rows = self.views.query(
            f"SELECT MIN(next_attempt_at) FROM {OUTBOX_TABLE} WHERE channel = ? AND status = ?",
            (self.channel, OutboxStatus.PENDING.value),
        )
        return _parse_ts(rows[0][0]) if rows and rows[0][0] is not None else None

    def status(self) -> ChannelStatus:
        counts: dict[str, int] = dict(
            self.views.query(
                f"SELECT status, COUNT(*) FROM {OUTBOX_TABLE} WHERE channel = ? GROUP BY status",
                (self.channel,),
            )
        )
        return ChannelStatus(
            channel=self.channel,
            position=self.position(),
            log_end=self.app.recorder.max_notification_id() or 0,
            pending=int(counts.get(OutboxStatus.PENDING.value, 0)),
            due=self._count_due(),
            delivered=int(counts.get(OutboxStatus.DELIVERED.value, 0)),
            dead=int(counts.get(OutboxStatus.DEAD.value, 0)),
            next_attempt_at=self.next_attempt_at(),
        )

    def entries(
        self, status: OutboxStatus | None = None, keys: Sequence[str] | None = None
    ) -> list[OutboxEntry]:
        sql = f"SELECT {_OUTBOX_COLUMNS} FROM {OUTBOX_TABLE} WHERE channel = ?"
        params: list[Any] = [self.channel]
        if status is not None:
            sql += " AND status = ?"
            params.append(status.value)
        if keys:
            sql += f" AND record_key IN ({', '.join('?' for _ in keys)})"
            params.extend(keys)
        sql += " ORDER BY seq, record_key"
        return [_entry(row) for row in self.views.query(sql, params)]

    def dead_letters(self) -> list[OutboxEntry]:
        return self.entries(OutboxStatus.DEAD)

    def retry_dead(self, keys: Sequence[str] | None = None) -> int:
        """Queue dead letters (all, or those with the given keys) for delivery again."""
        dead = {e.key for e in self.dead_letters()}
        if keys:
            unknown = [k for k in keys if k not in dead]
            if unknown:
                raise InvalidValue(
                    f"not a dead letter of channel {self.channel}: {', '.join(unknown)}"
                )
            selected = list(keys)
        else:
            selected = sorted(dead)
        if not selected:
            return 0
        now = _ts(self.clock.now())
        with self.views.transaction() as cur:
            cur.executemany(
                f"UPDATE {OUTBOX_TABLE} SET status = ?, attempts = 0, next_attempt_at = ? "
                "WHERE channel = ? AND record_key = ? AND status = ?",
                [
                    (OutboxStatus.PENDING.value, now, self.channel, key, OutboxStatus.DEAD.value)
                    for key in selected
                ],
            )
        return len(selected)

    def deliveries(
        self,
        *,
        limit: int = 50,
        key: str | None = None,
        outcome: DeliveryOutcome | None = None,
        employee_number: str | None = None,
    ) -> list[DeliveryLogEntry]:
        """The delivery log, newest first."""
        sql = (
            f"SELECT l.channel, l.record_key, l.try_no, l.at, l.sink, l.outcome, l.detail "
            f"FROM {LOG_TABLE} l JOIN {OUTBOX_TABLE} o "
            "ON o.channel = l.channel AND o.record_key = l.record_key WHERE l.channel = ?"
        )
        params: list[Any] = [self.channel]
        if key is not None:
            sql += " AND l.record_key = ?"
            params.append(key)
        if outcome is not None:
            sql += " AND l.outcome = ?"
            params.append(outcome.value)
        if employee_number is not None:
            sql += " AND o.employee_number = ?"
            params.append(employee_number.strip().upper())
        sql += " ORDER BY l.at DESC, o.seq DESC, l.try_no DESC LIMIT ?"
        params.append(limit)
        return [
            DeliveryLogEntry(
                channel=row[0],
                key=row[1],
                try_no=row[2],
                at=datetime.fromisoformat(row[3]),
                sink=row[4],
                outcome=DeliveryOutcome(row[5]),
                detail=row[6],
            )
            for row in self.views.query(sql, params)
        ]


def _entry(row: Sequence[Any]) -> OutboxEntry:
    (
        channel,
        key,
        seq,
        kind,
        employee_number,
        competence_code,
        _payload,
        status,
        attempts,
        tries,
        next_attempt_at,
        staged_at,
        delivered_at,
        last_error,
    ) = row
    return OutboxEntry(
        channel=channel,
        key=key,
        sequence=seq,
        kind=RecordKind(kind),
        employee_number=employee_number,
        competence_code=competence_code,
        status=OutboxStatus(status),
        attempts=attempts,
        tries=tries,
        next_attempt_at=_parse_ts(next_attempt_at),
        staged_at=datetime.fromisoformat(staged_at),
        delivered_at=_parse_ts(delivered_at),
        last_error=last_error,
    )
