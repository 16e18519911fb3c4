"""Value objects shared by the aggregates.

They are immutable pydantic models so that events can embed them and the stored JSON
validates on the way back in.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from nnd_competence.domain.errors import InvalidValue

_EMPLOYEE_NUMBER = re.compile(r"^[A-Za-z]{0,3}\d{1,10}$")


def normalise_text(value: str) -> str:
    """Trim and NFC-normalise, so that 'Strålevern' typed on a Mac equals the stored one."""
    return unicodedata.normalize("NFC", value).strip()


def _employee_number(value: str) -> str:
    value = normalise_text(value).upper()
    if value.isdigit():
        # DFØ sends '012345' where HR types '12345': one person, one number.
        value = str(int(value))
    if not _EMPLOYEE_NUMBER.match(value):
        raise ValueError(
            f"employee number {value!r} is not valid: expected digits, optionally after "
            "a short letter prefix (e.g. 10234 or E10234)"
        )
    return value


def _code(value: str) -> str:
    value = normalise_text(value).upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9._-]{0,63}", value):
        raise ValueError(
            f"code {value!r} is not valid: use letters, digits, '.', '_' or '-' (max 64)"
        )
    return value


def normalise_code(value: str) -> str:
    """The stored spelling of a code or id (upper-case); ``InvalidValue`` if malformed."""
    try:
        return _code(value)
    except ValueError as error:
        raise InvalidValue(str(error)) from None


def _non_empty(value: str) -> str:
    value = normalise_text(value)
    if not value:
        raise ValueError("must not be empty")
    return value


EmployeeNumber = Annotated[str, AfterValidator(_employee_number)]


def normalise_employee_number(value: str) -> str:
    """The one spelling of an employee number (trimmed, upper-case, no leading zeros);
    raises ``InvalidValue`` for something that is not one."""
    try:
        return _employee_number(value)
    except ValueError as error:
        raise InvalidValue(str(error)) from None


Code = Annotated[str, AfterValidator(_code)]
Text = Annotated[str, AfterValidator(_non_empty)]
Level = Annotated[int, Field(ge=0, le=10)]


class Frozen(BaseModel):
    """Base for immutable value objects."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __deepcopy__(self, memo: dict[int, object] | None = None) -> Self:
        # Immutable: the aggregate cache deep-copies aggregates on every load, and
        # copying value objects made that the hottest path of a bulk load.
        return self


class Role(StrEnum):
    """The roles of process.md; who did something matters as much as what was done."""

    EMPLOYEE = "employee"
    LINE_MANAGER = "line_manager"
    HR = "hr"
    COMPETENCE_OFFICER = "competence_officer"
    PROCESS_OWNER = "process_owner"
    SYSTEM = "system"


class Actor(Frozen):
    """Who did it: an employee number and the role they acted in.

    ``on_behalf_of`` is set when someone acts for another person (HR registering a
    conversation the manager held, an integration acting for the Academy).
    """

    employee_number: EmployeeNumber
    role: Role
    on_behalf_of: EmployeeNumber | None = None

    def __str__(self) -> str:
        text = f"{self.employee_number} ({self.role.value})"
        if self.on_behalf_of:
            text += f" on behalf of {self.on_behalf_of}"
        return text


class Context(Frozen):
    """What every command carries into the domain: the actor and the time.

    The domain never reads a clock; the application layer supplies ``recorded_at``
    (timezone-aware UTC) and ``today`` (the date in Europe/Oslo at that moment).
    """

    actor: Actor
    recorded_at: datetime
    today: date
    via: str | None = None

    def model_post_init(self, __context: object) -> None:
        if self.recorded_at.tzinfo is None or self.recorded_at.utcoffset() != timedelta(0):
            raise InvalidValue("recorded_at must be a timezone-aware UTC datetime")

    def because_of(self, policy: str) -> Context:
        """The same actor and time, marked as carried out by a policy."""
        return self.model_copy(update={"via": policy})


class LevelScale(Frozen):
    """An ordered scale of named levels; level 0 is always 'none'."""

    names: tuple[Text, ...] = Field(min_length=2)

    @property
    def max_level(self) -> int:
        return len(self.names) - 1

    def check(self, level: int, competence: str) -> None:
        if not 1 <= level <= self.max_level:
            allowed = ", ".join(f"{i}={n}" for i, n in enumerate(self.names) if i)
            raise InvalidValue(
                f"level {level} is not on the scale of competence {competence} (allowed: {allowed})"
            )

    def name_of(self, level: int) -> str:
        return self.names[level] if 0 <= level < len(self.names) else str(level)


STANDARD_SCALE = LevelScale(names=("none", "basic", "proficient", "expert"))
CERTIFICATE_SCALE = LevelScale(names=("none", "certified"))


def add_months(start: date, months: int) -> date:
    """Calendar months, clamped to month end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover
