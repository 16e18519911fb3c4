"""Aggregate ids derived from natural keys.

Deriving the id (uuid5) from the business key means a lookup by employee number or by
(employee, year) needs no index, and creating the same thing twice collides in the store
instead of producing a duplicate.
"""

from __future__ import annotations

from uuid import UUID, uuid5

NAMESPACE = UUID("6f1d6a2e-8f0b-5c55-9a7e-0d2b6e4c6e11")


def _derive(*parts: object) -> UUID:
    return uuid5(NAMESPACE, "/".join(str(p) for p in parts))


CATALOGUE_ID = _derive("catalogue")


def employee_id(employee_number: str) -> UUID:
    return _derive("employee", employee_number)


def plan_id(employee_number: str, year: int) -> UUID:
    return _derive("competence-plan", employee_number, year)


def onboarding_request_id(employee_number: str, competence_code: str) -> UUID:
    return _derive("training-request", "onboarding", employee_number, competence_code)


def goal_request_id(plan: UUID, goal_id: str) -> UUID:
    return _derive("training-request", "goal", plan, goal_id)


def client_request_id(client_key: str) -> UUID:
    return _derive("training-request", "client", client_key)
