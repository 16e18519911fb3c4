"""The aggregate cache hands out copies: a command that changes its copy and then fails
must leave the cached aggregate as it was stored."""

from __future__ import annotations

import copy
from datetime import date

from conftest import ACTORS, CATALOGUE
from nnd_competence.api import CompetenceStore
from nnd_competence.domain.aggregate import Aggregate


class _Bag(Aggregate):
    def __init__(self, aggregate_id: object) -> None:
        super().__init__(aggregate_id)  # type: ignore[arg-type]
        self.flat: dict[str, int] = {"a": 1}
        self.nested: dict[str, list[int]] = {"a": [1]}
        self.items: list[str] = ["x"]
        self.other: object = bytearray(b"z")


def test_copy_is_independent_of_the_original_at_every_depth() -> None:
    original = _Bag(None)
    clone = copy.deepcopy(original)
    clone.flat["b"] = 2
    clone.nested["a"].append(2)
    clone.items.append("y")
    clone.other.extend(b"!")  # type: ignore[attr-defined]
    assert original.flat == {"a": 1}
    assert original.nested == {"a": [1]}
    assert original.items == ["x"]
    assert original.other == bytearray(b"z")
    assert copy.deepcopy(original) == original


def test_changing_a_loaded_employee_does_not_reach_the_cache(org: CompetenceStore, hire) -> None:
    hire(org, "20001")
    loaded = org.app.employee("20001")
    stored_holdings = dict(loaded.holdings)
    loaded.holdings["JUNK"] = (
        loaded.holdings[next(iter(loaded.holdings))] if loaded.holdings else None
    )  # type: ignore[assignment]
    loaded.end_date = date(2030, 1, 1)
    again = org.app.employee("20001")
    assert again.holdings == stored_holdings
    assert again.end_date is None


def test_the_cache_holds_what_was_stored_after_each_command(org: CompetenceStore, hire) -> None:
    from nnd_competence.application import commands as c
    from nnd_competence.domain import ids

    hire(org, "20001")
    org.execute(
        c.RecordCompetence(
            employee_number="20001",
            competence_code=CATALOGUE.nuc,
            level=2,
            acquired_on=date(2026, 2, 2),
            evidence="Vurdert",
        ),
        ACTORS.manager,
    )
    aggregate_id = ids.employee_id("20001")
    cached = org.app.employee("20001")
    replayed = org.app.repository.get(aggregate_id, version=cached.version)  # not from the cache
    assert cached == replayed
    assert CATALOGUE.nuc in cached.holdings
