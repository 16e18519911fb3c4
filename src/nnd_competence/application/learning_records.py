"""Learning records from Atomakademiet: completed, passed and failed activities, turned into
completed training requests or recorded competences.

The format (xAPI statements) is an adapter's business; this module works on
``LearningRecord`` s and a ``LearningRecordMapping`` (activity → competence, and optionally
e-mail → employee number). For each record, oldest first:

* a record already imported (its command id is in the log) is skipped;
* an unknown person or an unmapped activity is listed in the report, never guessed;
* *completed* / *passed* (or *failed*) with an open training request for that employee and
  competence completes the request (the oldest one the Academy is furthest along with),
  first receiving it and choosing the measure if that has not happened yet, since the
  process only completes a request after a measure was chosen;
* *completed* / *passed* without an open request records the competence (source
  ``training``), unless the employee already holds it at that level from that date on;
* *failed* without an open request changes nothing (it is listed).

Every command carries a ``command_id`` derived from the record's key, so importing the
same statements again changes nothing, even after a crash half-way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from nnd_competence.application import commands as c
from nnd_competence.application.clock import oslo_date
from nnd_competence.application.idempotency import command_record_id
from nnd_competence.application.ports import ViewDatabase
from nnd_competence.application.projections.completion import training_requests
from nnd_competence.application.service import CompetenceApplication
from nnd_competence.domain import ids
from nnd_competence.domain.competence_plan import MeasureKind
from nnd_competence.domain.employee import HoldingSource
from nnd_competence.domain.errors import DomainError, InvalidValue
from nnd_competence.domain.training_request import OPEN_STATUSES, RequestStatus, TrainingResult
from nnd_competence.domain.values import Actor, Code, EmployeeNumber, Frozen


class LearningFormatError(InvalidValue):
    """A learning-record file (or its mapping) cannot be read; nothing was imported."""


class LearningVerb(StrEnum):
    COMPLETED = "completed"
    PASSED = "passed"
    FAILED = "failed"


class Learner(Frozen):
    """Who the record is about, as the source identified them.

    ``account_name``/``account_home_page`` come from an account; ``mbox`` is an e-mail
    address (``mailto:...``). ``other`` describes an identifier the import cannot use
    (an OpenID, a hashed mailbox, a group) for the report.
    """

    account_name: str | None = None
    account_home_page: str | None = None
    mbox: str | None = None
    other: str | None = None

    def describe(self) -> str:
        """For reports: e-mail local parts are masked, the rest is shown."""
        if self.account_name is not None:
            where = f"@{self.account_home_page}" if self.account_home_page else ""
            return f"account {self.account_name}{where}"
        if self.mbox is not None:
            address = self.mbox.removeprefix("mailto:")
            local, _, domain = address.partition("@")
            return f"mbox {local[:1]}…@{domain}" if domain else "mbox (invalid)"
        return self.other or "unidentified"


class LearningRecord(BaseModel):
    """One learning event from the Academy, format-neutral.

    ``key`` identifies the statement for ever (its id, or a digest of its content);
    ``verb`` is ``None`` for verbs the import does not act on (``verb_id`` says which).
    """

    model_config = ConfigDict(frozen=True)

    index: int  # 1-based position in the source, for reports
    key: str = Field(min_length=1, max_length=150)
    learner: Learner
    verb: LearningVerb | None
    verb_id: str
    activity_id: str | None  # None when the object is not an activity
    activity_name: str | None = None
    occurred_at: datetime
    success: bool | None = None
    voids: str | None = None  # key of the statement this one voids


class ActivityTarget(Frozen):
    competence_code: Code
    level: int | None = Field(default=None, ge=1, le=10)
    title: str | None = None
    kind: MeasureKind | None = None


class LearningRecordMapping(Frozen):
    """How the Academy's identifiers map to NND's (kept in a TOML/JSON file, see docs)."""

    activities: dict[str, ActivityTarget]
    actors: dict[str, EmployeeNumber] = {}  # "mailto:..." → employee number
    account_home_page: str | None = None  # accept only accounts from this system
    default_kind: MeasureKind = MeasureKind.E_LEARNING
    provider: str = "Atomakademiet"


class Outcome(StrEnum):
    COMPLETED_REQUEST = "completed_request"
    RECORDED = "recorded_competence"
    ALREADY_IMPORTED = "already_imported"
    DUPLICATE = "duplicate_in_file"
    ALREADY_HELD = "already_held"
    FAILED_WITHOUT_REQUEST = "failed_without_request"
    UNKNOWN_PERSON = "unknown_person"
    UNKNOWN_ACTIVITY = "unknown_activity"
    IGNORED_VERB = "ignored_verb"
    VOIDED = "voided"
    REFUSED = "refused"


CHANGED = {Outcome.COMPLETED_REQUEST, Outcome.RECORDED}
NEEDS_ATTENTION = {Outcome.UNKNOWN_PERSON, Outcome.UNKNOWN_ACTIVITY, Outcome.REFUSED}


class ImportLine(BaseModel):
    index: int
    key: str
    outcome: Outcome
    learner: str
    employee_number: str | None = None
    verb: str
    activity_id: str | None
    competence_code: str | None = None
    request_id: UUID | None = None
    detail: str = ""


class LearningImportReport(BaseModel):
    lines: list[ImportLine]
    events_written: int
    notes: list[str] = []

    def count(self, outcome: Outcome) -> int:
        return sum(1 for line in self.lines if line.outcome is outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {o.value: self.count(o) for o in Outcome if self.count(o)}

    @property
    def needs_attention(self) -> list[ImportLine]:
        return [line for line in self.lines if line.outcome in NEEDS_ATTENTION]


class Store(Protocol):
    """What the import needs of a ``CompetenceStore``."""

    app: CompetenceApplication
    views: ViewDatabase

    def execute(self, command: c.Command, actor: Actor) -> UUID | int: ...

    def catch_up(self) -> Any: ...


Progress = Callable[[int, int], None]

_VERB_RESULT = {
    LearningVerb.PASSED: TrainingResult.PASSED,
    LearningVerb.COMPLETED: TrainingResult.COMPLETED,
    LearningVerb.FAILED: TrainingResult.FAILED,
}
# The Academy is furthest along with a request whose measure is chosen.
_STATUS_ORDER = {
    RequestStatus.MEASURE_CHOSEN.value: 0,
    RequestStatus.RECEIVED.value: 1,
    RequestStatus.REPORTED.value: 2,
}


def command_id(record_key: str, step: str = "") -> str:
    return f"xapi:{record_key}" + (f":{step}" if step else "")


def check_mapping(app: CompetenceApplication, mapping: LearningRecordMapping) -> None:
    """Every mapped competence must be in the catalogue (and on its scale)."""
    catalogue = app.catalogue()
    for activity, target in sorted(mapping.activities.items()):
        try:
            definition = catalogue.get(target.competence_code)
            if target.level is not None:
                definition.scale.check(target.level, target.competence_code)
        except DomainError as error:
            raise LearningFormatError(f"mapping, activity {activity!r}: {error}") from None


class _Importer:
    def __init__(self, store: Store, mapping: LearningRecordMapping, actor: Actor) -> None:
        self.store = store
        self.app = store.app
        self.mapping = mapping
        self.actor = actor
        self.seen: set[str] = set()
        self.open: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
        store.catch_up()
        for row in training_requests(store.views):
            if row.status in _STATUS_ORDER:
                self.open.setdefault((row.employee_number, row.competence_code), []).append(
                    (_STATUS_ORDER[row.status], row.reported_on.isoformat(), row.request_id)
                )
        for requests in self.open.values():
            requests.sort()

    def employee_number(self, learner: Learner) -> tuple[str | None, str]:
        """The registered employee, or None and why not."""
        if learner.account_name is not None:
            home = self.mapping.account_home_page
            if home is not None and (learner.account_home_page or "").rstrip("/") != home.rstrip(
                "/"
            ):
                return None, f"account from {learner.account_home_page!r}, not {home!r}"
            candidates = [learner.account_name.strip().upper()]
        elif learner.mbox is not None:
            mapped = self.mapping.actors.get(learner.mbox.strip().lower())
            if mapped is None:
                return None, "e-mail address not in the mapping's [actors]"
            candidates = [mapped]
        else:
            return None, "no account or mapped e-mail address"
        number = candidates[0]
        prefix = number.rstrip("0123456789")
        digits = number[len(prefix) :]
        if digits.startswith("0") and digits.strip("0"):
            candidates.append(prefix + digits.lstrip("0"))  # DFØ numbers lose leading zeros
        for candidate in candidates:
            if self.app.exists(ids.employee_id(candidate)):
                return candidate, ""
        return None, f"no registered employee {number}"

    def handle(self, record: LearningRecord, voided: set[str]) -> ImportLine:
        line = ImportLine(
            index=record.index,
            key=record.key,
            outcome=Outcome.IGNORED_VERB,
            learner=record.learner.describe(),
            verb=record.verb.value if record.verb else record.verb_id,
            activity_id=record.activity_id,
        )
        if record.key in self.seen:
            return line.model_copy(update={"outcome": Outcome.DUPLICATE})
        self.seen.add(record.key)
        if record.voids is not None:
            return line.model_copy(
                update={"detail": f"voids statement {record.voids}", "outcome": Outcome.VOIDED}
            )
        if record.key in voided:
            return line.model_copy(
                update={"outcome": Outcome.VOIDED, "detail": "voided by a later statement"}
            )
        if record.verb is None:
            return line
        if self.app.exists(command_record_id(command_id(record.key))):
            return line.model_copy(update={"outcome": Outcome.ALREADY_IMPORTED})
        number, why = self.employee_number(record.learner)
        if number is None:
            return line.model_copy(update={"outcome": Outcome.UNKNOWN_PERSON, "detail": why})
        line = line.model_copy(update={"employee_number": number})
        target = self.mapping.activities.get(record.activity_id or "")
        if target is None:
            why = "not an activity" if record.activity_id is None else "activity not mapped"
            return line.model_copy(update={"outcome": Outcome.UNKNOWN_ACTIVITY, "detail": why})
        line = line.model_copy(update={"competence_code": target.competence_code})
        try:
            return self._apply(record, number, target, line)
        except DomainError as error:
            return line.model_copy(update={"outcome": Outcome.REFUSED, "detail": str(error)})

    def _result(self, record: LearningRecord) -> TrainingResult:
        assert record.verb is not None
        if record.verb is LearningVerb.COMPLETED and record.success is False:
            return TrainingResult.FAILED
        return _VERB_RESULT[record.verb]

    def _apply(
        self, record: LearningRecord, number: str, target: ActivityTarget, line: ImportLine
    ) -> ImportLine:
        day = oslo_date(record.occurred_at)
        result = self._result(record)
        # Refuse before touching the request what the last step would refuse anyway.
        if day > oslo_date(self.app.clock.now()):
            raise InvalidValue(f"completion date {day} lies in the future")
        employee = self.app.employee(number)
        if result is not TrainingResult.FAILED:
            employee.refuse_if_left()
        evidence = f"xAPI statement {record.key}: {record.verb_id} {record.activity_id}"
        queue = self.open.get((number, target.competence_code), [])
        if queue:
            _, _, request_text = queue[0]
            request_id = UUID(request_text)
            self._complete(record, request_id, target, day, result, evidence)
            queue.pop(0)
            return line.model_copy(
                update={
                    "outcome": Outcome.COMPLETED_REQUEST,
                    "request_id": request_id,
                    "detail": f"request completed ({result.value}) on {day}",
                }
            )
        if result is TrainingResult.FAILED:
            return line.model_copy(
                update={
                    "outcome": Outcome.FAILED_WITHOUT_REQUEST,
                    "detail": "no open training request: nothing to record",
                }
            )
        level = target.level or 1
        held = employee.holdings.get(target.competence_code)
        if held is not None and held.level >= level and held.acquired_on >= day:
            return line.model_copy(
                update={
                    "outcome": Outcome.ALREADY_HELD,
                    "detail": f"held at level {held.level} since {held.acquired_on}",
                }
            )
        self.store.execute(
            c.RecordCompetence(
                command_id=command_id(record.key),
                employee_number=number,
                competence_code=target.competence_code,
                level=max(level, held.level) if held is not None else level,
                acquired_on=day,
                source=HoldingSource.TRAINING,
                evidence=evidence,
            ),
            self.actor,
        )
        return line.model_copy(
            update={"outcome": Outcome.RECORDED, "detail": f"recorded, acquired {day}"}
        )

    def _complete(
        self,
        record: LearningRecord,
        request_id: UUID,
        target: ActivityTarget,
        day: date,
        result: TrainingResult,
        evidence: str,
    ) -> None:
        request = self.app.training_request(request_id)
        if request.status is RequestStatus.REPORTED:
            self.store.execute(
                c.ReceiveTrainingRequest(
                    command_id=command_id(record.key, "receive"), request_id=request_id
                ),
                self.actor,
            )
        if request.status in (RequestStatus.REPORTED, RequestStatus.RECEIVED):
            title = target.title or record.activity_name or record.activity_id or "xAPI activity"
            self.store.execute(
                c.ChooseMeasure(
                    command_id=command_id(record.key, "measure"),
                    request_id=request_id,
                    kind=target.kind or self.mapping.default_kind,
                    title=title[:200],
                    provider=self.mapping.provider,
                ),
                self.actor,
            )
        elif request.status not in OPEN_STATUSES:  # pragma: no cover - view was stale
            raise InvalidValue(f"training request {request_id} is {request.status.value}")
        self.store.execute(
            c.CompleteTraining(
                command_id=command_id(record.key),
                request_id=request_id,
                completed_on=day,
                result=result,
                evidence=evidence,
            ),
            self.actor,
        )


def import_learning_records(
    store: Store,
    records: Sequence[LearningRecord],
    mapping: LearningRecordMapping,
    actor: Actor,
    *,
    progress: Progress | None = None,
    notes: Sequence[str] = (),
) -> LearningImportReport:
    """Apply learning records (see the module docstring); returns what happened to each."""
    check_mapping(store.app, mapping)
    before = store.app.recorder.max_notification_id() or 0
    importer = _Importer(store, mapping, actor)
    voided = {r.voids for r in records if r.voids is not None}
    ordered = sorted(records, key=lambda r: (r.occurred_at, _VERB_ORDER.get(r.verb, 9), r.index))
    lines: list[ImportLine] = []
    for done, record in enumerate(ordered, start=1):
        lines.append(importer.handle(record, voided))
        if progress is not None:
            progress(done, len(ordered))
    lines.sort(key=lambda line: line.index)
    after = store.app.recorder.max_notification_id() or 0
    return LearningImportReport(lines=lines, events_written=after - before, notes=list(notes))


_VERB_ORDER: dict[LearningVerb | None, int] = {
    LearningVerb.PASSED: 0,
    LearningVerb.COMPLETED: 1,
    LearningVerb.FAILED: 2,
}
