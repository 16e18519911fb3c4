"""DFØ change notifications ``{"id": ..., "uri": ..., "gyldigEtter": ...}`` → ``HrChange``.

The message says that an object changed; the sync reads the object itself. How a message
names the object is read generously: the ``uri`` holds a collection (``ansatte``,
``stillinger``, ``orgenhet``, also singular, with or without a version segment or a host)
and, when it ends in a number, the object's id; otherwise the message ``id`` is the object's
id (public clients of the API read it that way).

``gyldigEtter`` is taken as the first day the change is in force: a date, or a timestamp
whose date in Norway counts. Empty means at once.

A notification is identified by its content (id, object, date), so the same message
received twice — or the same change under two spellings of its uri — is handled once.

Files of notifications (the CLI's ``--notifications``) hold a JSON array, one JSON object,
or JSON lines (one object per line).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from nnd_competence.adapters.dfo.parse import FieldError, ident, text
from nnd_competence.application.hr_source import HrChange, ObjectKind, Rejection

OSLO = ZoneInfo("Europe/Oslo")

COLLECTIONS = {
    "ansatte": ObjectKind.EMPLOYEE,
    "ansatt": ObjectKind.EMPLOYEE,
    "stillinger": ObjectKind.POSITION,
    "stilling": ObjectKind.POSITION,
    "orgenhet": ObjectKind.ORG_UNIT,
    "organisasjon": ObjectKind.ORG_UNIT,
}


def _valid_from(value: Any) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError("gyldigEtter", "expected a date or a timestamp")
    found = value.strip()
    if not found:
        return None
    try:
        if len(found) <= 10:
            return date.fromisoformat(found)
        moment = datetime.fromisoformat(found.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError("gyldigEtter", f"{found[:40]!r} is not a date or a timestamp") from None
    return moment.astimezone(OSLO).date() if moment.tzinfo else moment.date()


def _object(uri: str, message_id: str) -> tuple[ObjectKind, str]:
    segments = [s for s in urlparse(uri).path.split("/") if s]
    for index, segment in enumerate(segments):
        kind = COLLECTIONS.get(segment.lower())
        if kind is None:
            continue
        rest = [s for s in segments[index + 1 :] if not (s[:1] in "vV" and s[1:].isdigit())]
        raw_id = rest[-1] if rest else message_id
        found = ident(raw_id, "uri" if rest else "id")
        assert found is not None
        return kind, found
    raise FieldError("uri", f"{uri[:80]!r} names none of {', '.join(sorted(COLLECTIONS))}")


def parse_notification(raw: Any, position: str) -> HrChange | Rejection:
    """One message; ``position`` names it in a rejection if it has no readable id."""
    message_id = position
    try:
        if not isinstance(raw, dict):
            raise FieldError("(message)", "expected an object with id, uri and gyldigEtter")
        found_id = text(raw.get("id"), "id")
        if found_id is None:
            raise FieldError("id", "missing")
        message_id = found_id
        uri = text(raw.get("uri"), "uri")
        if uri is None:
            raise FieldError("uri", "missing")
        valid_from = _valid_from(raw.get("gyldigEtter"))
        kind, object_id = _object(uri, message_id)
    except FieldError as error:
        return Rejection(
            kind="notification", object_id=message_id, field=error.field, reason=error.reason
        )
    content = json.dumps(
        [message_id, kind.value, object_id, valid_from.isoformat() if valid_from else None]
    )
    return HrChange(
        key="n:" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:32],
        notification_id=message_id,
        kind=kind,
        object_id=object_id,
        valid_from=valid_from,
    )


def parse_notifications(text_: str, source: str = "input") -> list[HrChange | Rejection]:
    """A JSON array, one JSON object, or JSON lines."""
    stripped = text_.strip()
    if not stripped:
        return []
    try:
        data: Any = json.loads(stripped)
        items = data if isinstance(data, list) else [data]
        names = [f"{source} item {i + 1}" for i in range(len(items))]
    except json.JSONDecodeError:
        items, names = [], []
        for number, line in enumerate(stripped.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError:
                items.append(None)
            names.append(f"{source} line {number}")
    return [parse_notification(raw, name) for raw, name in zip(items, names, strict=True)]


class NotificationFile:
    """A ``ChangeFeed`` reading a file of notifications (``-`` is not handled here)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def changes(self) -> Iterable[HrChange | Rejection]:
        return parse_notifications(self.path.read_text(encoding="utf-8"), self.path.name)
