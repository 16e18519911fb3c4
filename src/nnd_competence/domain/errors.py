"""Domain errors.

Every rule the process imposes raises one of these, with the offending value in the
message, so that the CLI and other systems can show it to the person at the keyboard
without a traceback.
"""

from __future__ import annotations


class DomainError(Exception):
    """A command broke a rule of the competence process; nothing was recorded."""


class NotFound(DomainError):
    """The command names something (employee, competence, plan, goal...) that does not exist."""


class AlreadyExists(DomainError):
    """The command would create something that already exists."""


class InvalidState(DomainError):
    """The command is not allowed in the current state of the aggregate."""


class EmployeeHasLeft(InvalidState):
    """Only corrections are accepted once an employee has left."""


class InvalidValue(DomainError):
    """A value is outside what the process accepts (level, date order, empty text)."""


class ConcurrencyConflict(DomainError):
    """Someone else changed the same record at the same time, and retries did not help."""
