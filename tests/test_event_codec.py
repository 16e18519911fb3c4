"""Storing events: every event class round-trips, old versions are upcast, garbage is named."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

import nnd_competence.api  # noqa: F401  (imports every module that defines events)
from nnd_competence import Actor, CompetenceStore, Role, open_store
from nnd_competence.application.event_codec import DateAsISO, EventDecodingError
from nnd_competence.application.idempotency import CommandHandled
from nnd_competence.application.snapshots import EmployeeSnapshot, EmployeeState
from nnd_competence.domain import catalogue as cat
from nnd_competence.domain import competence_plan as cp
from nnd_competence.domain import employee as emp
from nnd_competence.domain import training_request as tr
from nnd_competence.domain.aggregate import Aggregate, AggregateSnapshot, DomainEvent
from nnd_competence.domain.values import CERTIFICATE_SCALE

ID = UUID("3f2b8a52-1c4e-4d7a-9b1e-5a6c7d8e9f01")
AT = datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=UTC)
ACTOR = Actor(employee_number="90001", role=Role.HR, on_behalf_of="10001")
ENVELOPE: dict[str, Any] = {
    "originator_id": ID,
    "originator_version": 3,
    "timestamp": AT,
    "actor": ACTOR,
    "effective_on": date(2026, 2, 28),
    "via": "annual-cycle",
}
DEFINITION = cat.CompetenceDefinition(
    code="RP-CERT",
    name_nb="Strålevern",
    name_en="Radiation protection",
    category=cat.Category.SAFETY,
    scale=CERTIFICATE_SCALE,
    validity_months=24,
    parent_code="SAFETY",
    description="Årlig resertifisering",
)
PROFILE = cat.RequirementProfile(
    position="OPERATOR",
    unit="HALDEN",
    requirements=(
        cat.Requirement(competence_code="RP-CERT", level=1, mandatory_at_onboarding=True),
        cat.Requirement(competence_code="NUC", level=2),
    ),
)
ASSIGNMENT = emp.Assignment(unit="HALDEN", position="OPERATOR", manager="10001")
HOLDING = emp.Holding(
    competence_code="RP-CERT",
    level=1,
    acquired_on=date(2026, 2, 20),
    valid_until=date(2028, 2, 20),
    source=emp.HoldingSource.TRAINING,
    evidence="kursbevis",
    training_request_id=uuid4(),
)
MEASURE = cp.Measure(kind=cp.MeasureKind.COURSE, description="Kurs")
GOAL = cp.Goal(
    goal_id="G-1",
    kind=cp.GoalKind.COMPETENCE,
    description="Sertifisering",
    deadline=date(2026, 10, 1),
    competence_code="RP-CERT",
    target_level=1,
    measures=(MEASURE, MEASURE.model_copy(update={"kind": cp.MeasureKind.E_LEARNING})),
)

SAMPLES: dict[type[DomainEvent], dict[str, Any]] = {
    cat.CompetenceDefined: {"competence": DEFINITION},
    cat.CompetenceRevised: {"competence": DEFINITION, "reason": "ny gyldighet"},
    cat.CompetenceWithdrawn: {"code": "RP-CERT", "reason": "erstattet"},
    cat.RequirementProfileSet: {"profile": PROFILE},
    cat.RequirementProfileRemoved: {"position": "OPERATOR", "unit": None},
    emp.EmployeeHired: {
        "employee_number": "20001",
        "assignment": ASSIGNMENT,
        "start_date": date(2026, 1, 5),
        "personal": emp.PersonalDetails(name="Kari Nordmann", birth_date=date(1990, 4, 1)),
    },
    emp.EmployeeTransferred: {
        "assignment": ASSIGNMENT,
        "previous": ASSIGNMENT.model_copy(update={"unit": "KJELLER", "manager": None}),
    },
    emp.CompetenceRecorded: {"holding": HOLDING},
    emp.CompetenceRevoked: {"competence_code": "RP-CERT", "reason": "feil"},
    emp.CompetenceRecordCorrected: {"holding": HOLDING, "reason": "feil dato"},
    emp.RecordConfirmed: {"confirmed_on": date(2026, 3, 1)},
    emp.PersonalDetailsCorrected: {"personal": emp.PersonalDetails(name="Kari Berg")},
    emp.EmployeeLeft: {"end_date": date(2026, 12, 31)},
    cp.PlanOpened: {"employee_number": "20001", "year": 2026, "unit": "HALDEN", "manager": None},
    cp.ConversationScheduled: {
        "conversation_id": "EMPLOYEE_CONVERSATION",
        "kind": cp.ConversationKind.EMPLOYEE_CONVERSATION,
        "scheduled_for": date(2026, 3, 31),
    },
    cp.ConversationRescheduled: {
        "conversation_id": "EMPLOYEE_CONVERSATION",
        "scheduled_for": date(2026, 4, 7),
        "reason": "sykdom",
    },
    cp.ConversationHeld: {
        "conversation_id": "EMPLOYEE_CONVERSATION",
        "held_on": date(2026, 4, 7),
        "topics": (cp.Topic.COMPETENCE, cp.Topic.WELL_BEING),
        "summary": "Godt møte",
    },
    cp.GoalAgreed: {"goal": GOAL, "conversation_id": "EMPLOYEE_CONVERSATION"},
    cp.GoalProgressRecorded: {"goal_id": "G-1", "note": "halvveis", "percent_complete": 50},
    cp.GoalRevised: {"goal": GOAL, "reason": "ny frist"},
    cp.GoalClosed: {
        "goal_id": "G-1",
        "outcome": cp.GoalOutcome.DROPPED,
        "closed_on": date(2026, 9, 1),
        "comment": "omprioritert",
    },
    cp.PlanClosed: {"closed_on": date(2026, 12, 31)},
    tr.TrainingNeedReported: {
        "employee_number": "20001",
        "competence_code": "RP-CERT",
        "target_level": 1,
        "reason": tr.RequestReason.GOAL,
        "plan_id": uuid4(),
        "goal_id": "G-1",
        "note": "haster",
    },
    tr.TrainingRequestReceived: {"officer": "90002"},
    tr.MeasureChosen: {
        "measure": tr.ChosenMeasure(
            kind=cp.MeasureKind.COURSE,
            title="Strålevern",
            provider="IFE",
            planned_start=date(2026, 4, 1),
            planned_end=date(2026, 4, 3),
        )
    },
    tr.TrainingCompleted: {
        "completed_on": date(2026, 4, 3),
        "result": tr.TrainingResult.PASSED,
        "evidence": "bevis",
    },
    tr.TrainingRequestRejected: {"reason": "ikke relevant"},
    tr.TrainingRequestCancelled: {"reason": "sluttet"},
    CommandHandled: {"command_id": "cmd-1", "command_type": "HireEmployee", "outcome": "int:3"},
    EmployeeSnapshot: {
        "state": EmployeeState(
            employee_number="20001",
            assignment=ASSIGNMENT,
            start_date=date(2026, 1, 5),
            holdings={"RP-CERT": HOLDING},
            confirmed_on=date(2026, 3, 1),
            created_on=AT,
            modified_on=AT,
        ),
        "personal": emp.PersonalDetails(name="Kari Nordmann"),
    },
}
#: Bases that are never stored themselves.
ABSTRACT: set[type[DomainEvent]] = {AggregateSnapshot}


def _all_event_classes() -> set[type[DomainEvent]]:
    found: set[type[DomainEvent]] = set()
    todo = list(DomainEvent.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("nnd_competence."):
            found.add(cls)
    return found


def sample(cls: type[DomainEvent]) -> DomainEvent:
    return cls(**ENVELOPE, **SAMPLES[cls])


def test_every_event_class_has_a_sample() -> None:
    """A new event class must be added to SAMPLES, so that the round trip covers it."""
    assert _all_event_classes() - ABSTRACT == set(SAMPLES)


@pytest.fixture(scope="module")
def mapper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mapper[UUID]]:
    """The application's mapper (the same whatever the backend), from one SQLite store."""
    store = open_store(tmp_path_factory.mktemp("codec") / "mapper.sqlite")
    yield store.app.mapper
    store.close()


@pytest.mark.parametrize("cls", list(SAMPLES), ids=lambda cls: cls.__name__)
def test_event_round_trips_through_the_mapper(mapper: Mapper[UUID], cls) -> None:
    event = sample(cls)
    stored = mapper.to_stored_event(event)
    assert stored.topic == get_topic(cls)
    state = json.loads(stored.state)
    # like the library's own mapper, the version is written only above 1
    assert state.get("class_version", 1) == cls.class_version
    assert ("class_version" in state) is (cls.class_version > 1)
    assert not {"originator_id", "originator_version"} & state.keys()
    again = mapper.to_domain_event(stored)
    assert type(again) is cls
    assert again == event
    assert again.timestamp.tzinfo is not None and again.timestamp == AT


def test_all_events_round_trip_through_a_sqlite_file(store: CompetenceStore) -> None:
    mapper, recorder = store.app.mapper, store.app.recorder
    originals = [
        sample(cls).model_copy(update={"originator_id": uuid4(), "originator_version": 1})
        for cls in SAMPLES
    ]
    recorder.insert_events([mapper.to_stored_event(e) for e in originals])
    for event in originals:
        (stored,) = recorder.select_events(event.originator_id)
        assert mapper.to_domain_event(stored) == event
    notifications = recorder.select_notifications(1, len(originals) + 5)
    assert [mapper.to_domain_event(n) for n in notifications] == originals


def test_date_transcoding_is_registered_on_the_applications_transcoder(
    store: CompetenceStore,
) -> None:
    transcoder = store.app.mapper.transcoder
    data = {"on": date(2026, 6, 30), "at": AT, "id": ID, "dates": [date(2028, 2, 29)]}
    assert transcoder.decode(transcoder.encode(data)) == data
    assert b"date_iso" in transcoder.encode({"on": date(2026, 6, 30)})
    assert any(isinstance(t, DateAsISO) for t in transcoder.types.values())


# --- upcasting -----------------------------------------------------------------------
class Probe(Aggregate):
    """A test-only aggregate whose one event class has changed shape twice."""

    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.note = ""
        self.severity = ""
        self.tags: tuple[str, ...] = ()

    def when_ProbeNoted(self, e: Any) -> None:
        self.note, self.severity = e.note, e.severity
        self.tags = getattr(e, "tags", ())


class ProbeNotedV1(DomainEvent):
    """The event as it was first written: the note was called ``text``."""

    text: str


class ProbeNoted(DomainEvent):
    """Version 2: ``text`` renamed to ``note``, ``severity`` added."""

    class_version = 2
    note: str
    severity: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> dict[str, Any]:
        state = dict(state)
        state["note"] = state.pop("text")
        state["severity"] = "info"
        return state


class ProbeNotedV3(DomainEvent):
    """Version 3: ``tags`` added; it still reads versions 1 and 2."""

    class_version = 3
    note: str
    severity: str
    tags: tuple[str, ...]

    upcast_v1_v2 = ProbeNoted.upcast_v1_v2

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> dict[str, Any]:
        return {**state, "tags": ["migrated"]}


for _cls in (ProbeNotedV1, ProbeNoted, ProbeNotedV3):
    _cls.aggregate_type = Probe


def _as_written_by(event: DomainEvent, store: CompetenceStore, topic: str) -> StoredEvent:
    """What the mapper stored for ``event``, filed under the topic the class has today."""
    stored = store.app.mapper.to_stored_event(event)
    return StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=topic,
        state=stored.state,
    )


def _v1(originator: UUID) -> ProbeNotedV1:
    return ProbeNotedV1(
        originator_id=originator,
        originator_version=1,
        timestamp=AT,
        actor=ACTOR,
        text="gammel hendelse",
    )


def test_v1_stored_event_loads_as_v2(store: CompetenceStore) -> None:
    originator = uuid4()
    v1_stored = _as_written_by(_v1(originator), store, get_topic(ProbeNoted))
    assert "class_version" not in json.loads(v1_stored.state)
    store.app.recorder.insert_events([v1_stored])

    (event,) = store.app.events.get(originator)
    assert type(event) is ProbeNoted
    assert (event.note, event.severity, event.actor, event.timestamp) == (
        "gammel hendelse",
        "info",
        ACTOR,
        AT,
    )
    probe = store.app.repository.get(originator)
    assert isinstance(probe, Probe)
    assert (probe.note, probe.severity, probe.version) == ("gammel hendelse", "info", 1)
    store.catch_up()  # views skip an event class they do not know


def test_current_version_is_written_and_read_back(store: CompetenceStore) -> None:
    event = ProbeNoted(
        originator_id=uuid4(),
        originator_version=1,
        timestamp=AT,
        actor=ACTOR,
        note="ny",
        severity="high",
    )
    stored = store.app.mapper.to_stored_event(event)
    assert json.loads(stored.state)["class_version"] == 2
    assert store.app.mapper.to_domain_event(stored) == event


def test_upcast_chain_reads_every_older_version(store: CompetenceStore) -> None:
    topic = get_topic(ProbeNotedV3)
    from_v1 = _as_written_by(_v1(uuid4()), store, topic)
    v2 = ProbeNoted(
        originator_id=uuid4(),
        originator_version=1,
        timestamp=AT,
        actor=ACTOR,
        note="andre",
        severity="low",
    )
    from_v2 = _as_written_by(v2, store, topic)
    store.app.recorder.insert_events([from_v1, from_v2])
    (a,) = store.app.events.get(from_v1.originator_id)
    (b,) = store.app.events.get(from_v2.originator_id)
    assert (a.note, a.severity, a.tags) == ("gammel hendelse", "info", ("migrated",))
    assert (b.note, b.severity, b.tags) == ("andre", "low", ("migrated",))


# --- garbage -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "state",
    [
        b"\x00\xffnot json at all",
        b'{"employee_number": 5}',
        b"[1, 2, 3]",
        b"null",
    ],
    ids=["bytes", "wrong-fields", "list", "null"],
)
def test_garbage_state_raises_error_naming_topic_and_originator(
    store: CompetenceStore, state: bytes
) -> None:
    originator = uuid4()
    topic = get_topic(emp.EmployeeHired)
    store.app.recorder.insert_events(
        [StoredEvent(originator_id=originator, originator_version=1, topic=topic, state=state)]
    )
    with pytest.raises(EventDecodingError) as caught:
        list(store.app.events.get(originator))
    message = str(caught.value)
    assert topic in message and str(originator) in message and "version 1" in message
    with pytest.raises(EventDecodingError, match=str(originator)):
        store.catch_up()  # the views stop at a broken event instead of skipping it


def test_unknown_topic_raises_error_naming_topic_and_originator(store: CompetenceStore) -> None:
    originator = uuid4()
    topic = "nnd_competence.domain.employee:EmployeePromoted"
    store.app.recorder.insert_events(
        [StoredEvent(originator_id=originator, originator_version=1, topic=topic, state=b"{}")]
    )
    with pytest.raises(EventDecodingError) as caught:
        list(store.app.events.get(originator))
    assert topic in str(caught.value) and str(originator) in str(caught.value)
