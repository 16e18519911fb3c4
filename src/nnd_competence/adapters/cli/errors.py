"""Turning every failure into one line for the person at the keyboard.

A traceback tells an HR adviser nothing and may leak data; the message names the field
or thing that was wrong and what would be accepted. ``NND_COMPETENCE_DEBUG=1`` shows the
traceback for developers.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

_FIELD_TO_OPTION = {
    "employee_number": "employee number",
    "competence_code": "competence",
    "request_id": "request id",
    "topics": "--topic",
    "held_on": "--on",
    "scheduled_for": "--on",
    "completed_on": "--on",
    "confirmed_on": "--on",
    "closed_on": "--on",
    "acquired_on": "--acquired",
    "effective_on": "--effective",
    "target_level": "--level",
    "goal_and_development_1_by": "--gd1-by",
    "goal_and_development_2_by": "--gd2-by",
    "planned_start": "--start",
    "planned_end": "--end",
    "percent_complete": "--percent",
    "measures": "--measure",
}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    if not parts:
        return "input"
    name = parts[-1] if parts[-1] not in ("competence", "profile") else ".".join(parts)
    return _FIELD_TO_OPTION.get(name, "--" + name.replace("_", "-"))


def describe_validation_error(error: ValidationError) -> str:
    messages = []
    for detail in error.errors(include_url=False):
        where = _field(tuple(detail.get("loc", ())))
        value = detail.get("input")
        shown = f" {value!r}" if isinstance(value, (str, int, float)) else ""
        msg = str(detail.get("msg", "invalid")).removeprefix("Value error, ")
        messages.append(f"{where}{shown}: {msg}")
    return "; ".join(messages)
