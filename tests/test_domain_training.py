"""Rules of a training request: reported → received → measure chosen → completed once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest

from nnd_competence import CompetenceStore
from nnd_competence.application import commands as c
from nnd_competence.domain.competence_plan import MeasureKind
from nnd_competence.domain.errors import InvalidState, InvalidValue
from nnd_competence.domain.training_request import (
    ChosenMeasure,
    RequestReason,
    RequestStatus,
    TrainingRequest,
    TrainingResult,
)
from nnd_competence.domain.values import Context

RID = UUID("00000000-0000-4000-8000-000000000001")
MEASURE = ChosenMeasure(kind=MeasureKind.COURSE, title="Strålevern grunnkurs", provider="IFE")


@pytest.fixture
def request_(ctx: Callable[..., Context]) -> TrainingRequest:
    r = TrainingRequest.report(ctx(), RID, "20001", "RP-CERT", 1, RequestReason.NEED)
    r.collect_events()
    return r


def test_cannot_complete_before_it_was_received(
    request_: TrainingRequest, ctx: Callable[..., Context]
) -> None:
    with pytest.raises(InvalidState, match="before a measure was chosen"):
        request_.complete(ctx(), date(2026, 3, 1), TrainingResult.PASSED, None)
    assert not request_.has_pending_events


def test_cannot_complete_before_a_measure_was_chosen(
    request_: TrainingRequest, ctx: Callable[..., Context]
) -> None:
    request_.receive(ctx(), "90002")
    with pytest.raises(InvalidState, match="before a measure was chosen"):
        request_.complete(ctx(), date(2026, 3, 1), TrainingResult.PASSED, None)


def test_cannot_complete_twice(request_: TrainingRequest, ctx: Callable[..., Context]) -> None:
    request_.receive(ctx(), "90002")
    request_.choose_measure(ctx(), MEASURE)
    request_.complete(ctx(), date(2026, 3, 1), TrainingResult.PASSED, "kursbevis")
    assert request_.status is RequestStatus.COMPLETED
    request_.collect_events()
    with pytest.raises(InvalidState, match="already completed on 2026-03-01"):
        request_.complete(ctx(), date(2026, 3, 2), TrainingResult.PASSED, None)
    assert not request_.has_pending_events


def test_completion_cannot_lie_in_the_future(
    request_: TrainingRequest, ctx: Callable[..., Context]
) -> None:
    request_.receive(ctx(), "90002")
    request_.choose_measure(ctx(), MEASURE)
    with pytest.raises(InvalidValue, match="future"):
        request_.complete(ctx(date(2026, 3, 2)), date(2026, 3, 3), TrainingResult.PASSED, None)


def test_closed_request_cannot_be_rejected_or_cancelled(
    request_: TrainingRequest, ctx: Callable[..., Context]
) -> None:
    request_.cancel(ctx(), "ikke lenger aktuelt")
    with pytest.raises(InvalidState, match="already cancelled"):
        request_.reject(ctx(), "nei")
    with pytest.raises(InvalidState, match="a measure can be chosen once"):
        request_.choose_measure(ctx(), MEASURE)


def test_measure_dates_must_be_in_order() -> None:
    with pytest.raises(InvalidValue, match="before planned start"):
        ChosenMeasure(
            kind=MeasureKind.COURSE,
            title="x",
            provider="y",
            planned_start=date(2026, 5, 2),
            planned_end=date(2026, 5, 1),
        )


def test_store_refuses_completing_before_measure_and_twice(
    org: CompetenceStore, actors, hire
) -> None:
    hire(org, "20001")
    rid = org.execute(
        c.ReportTrainingNeed(employee_number="20001", competence_code="NUC-SAFETY", target_level=2),
        actors.manager,
    )
    assert isinstance(rid, UUID)
    org.execute(c.ReceiveTrainingRequest(request_id=rid), actors.officer)
    complete = c.CompleteTraining(request_id=rid, completed_on=date(2026, 2, 27))
    before = org.event_count()
    with pytest.raises(InvalidState, match="before a measure was chosen"):
        org.execute(complete, actors.officer)
    assert org.event_count() == before
    org.execute(
        c.ChooseMeasure(request_id=rid, kind=MeasureKind.E_LEARNING, title="Kjernesikkerhet"),
        actors.officer,
    )
    org.execute(complete, actors.officer)
    done = org.event_count()
    with pytest.raises(InvalidState, match="already completed"):
        org.execute(complete, actors.officer)
    assert org.event_count() == done
