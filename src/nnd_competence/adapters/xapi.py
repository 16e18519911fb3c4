"""Reading xAPI statements (Experience API 1.0.x) and the activity mapping file.

Accepted input: a JSON array of statements, an LRS ``GET /statements`` result
``{"statements": [...], "more": "..."}``, or a single statement. Only what the import needs
is read; everything else in a statement (context, authority, attachments) is ignored.

* **actor**: an ``account`` (its ``name`` is the employee number; optionally only accounts
  whose ``homePage`` is the Academy's), or an ``mbox`` that the mapping's ``[actors]`` table
  maps to an employee number. Hashed mailboxes, OpenIDs and groups are reported as unknown.
* **verb**: ``http://adlnet.gov/expapi/verbs/completed``, ``.../passed`` and ``.../failed``
  are acted on; ``.../voided`` voids the statement it points to; other verbs are listed as
  ignored.
* **object**: an activity, by its IRI ``id``; ``definition.name`` is used as the measure's
  title when the mapping gives none.
* **timestamp** (or, without it, ``stored``): when it happened; a timestamp without a time
  zone is read as UTC. The completion date is its date in Norway.
* **id**: the statement id makes re-imports idempotent; a statement without one is keyed
  by a digest of its content.

Anything that is not such a structure raises ``LearningFormatError`` naming the statement
(position and id) and the field, before anything is imported.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from nnd_competence.application.learning_records import (
    Learner,
    LearningFormatError,
    LearningRecord,
    LearningRecordMapping,
    LearningVerb,
)

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    ADL + "completed": LearningVerb.COMPLETED,
    ADL + "passed": LearningVerb.PASSED,
    ADL + "failed": LearningVerb.FAILED,
}
VOIDED = ADL + "voided"
_NAME_LANGUAGES = ("nb-NO", "nb", "no", "nn-NO", "en-US", "en-GB", "en")
_FRACTION = re.compile(r"(\.\d{6})\d+")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "an object", list: "an array", str: "a string", bool: "true/false"}.get(
        type(value), "a number"
    )


class _Statement:
    def __init__(self, index: int, data: Any) -> None:
        self.index = index
        self.where = f"statement {index}"
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            self.where += f" (id {data['id'][:60]})"
        if not isinstance(data, dict):
            self.fail("", f"expected an object, got {_describe(data)}")
        self.data: dict[str, Any] = data

    def fail(self, field: str, message: str) -> None:
        where = f"{self.where}, field '{field}'" if field else self.where
        raise LearningFormatError(f"{where}: {message}")

    def get(self, field: str, kind: type, *, required: bool = True) -> Any:
        """A nested field by dotted path, checked for its JSON type."""
        value: Any = self.data
        for part in field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            if required:
                self.fail(field, "missing")
            return None
        if isinstance(value, kind):
            if isinstance(value, str) and required and not value.strip():
                self.fail(field, "empty")
            return value
        self.fail(field, f"expected {_describe(kind())}, got {_describe(value)}")
        return None  # pragma: no cover

    def canonical(self) -> str:
        try:
            text = json.dumps(self.data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            text.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("", "contains text that is not valid Unicode (a lone surrogate escape)")
        except (RecursionError, ValueError) as error:
            self.fail("", f"cannot be read ({type(error).__name__})")
        if "\\u0000" in text:  # JSON escapes control characters, NUL included
            self.fail("", "contains a NUL character")
        return text

    def key(self) -> str:
        canonical = self.canonical()
        if "id" in self.data:
            return _uuid(self, "id", self.get("id", str))
        return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]

    def learner(self) -> Learner:
        actor = self.get("actor", dict)
        if actor.get("objectType") == "Group":
            return Learner(other="a group, not a person")
        account = actor.get("account")
        if account is not None:
            account = self.get("actor.account", dict)
            name = self.get("actor.account.name", str).strip()
            home = self.get("actor.account.homePage", str, required=False)
            return Learner(account_name=name, account_home_page=home)
        if actor.get("mbox") is not None:
            mbox = self.get("actor.mbox", str).strip().lower()
            if not mbox.startswith("mailto:") or "@" not in mbox:
                self.fail("actor.mbox", "expected mailto:address")
            return Learner(mbox=mbox)
        if actor.get("mbox_sha1sum") is not None:
            return Learner(other="a hashed e-mail address (mbox_sha1sum)")
        if actor.get("openid") is not None:
            return Learner(other="an OpenID")
        self.fail("actor", "no identifier (account, mbox, mbox_sha1sum or openid)")
        raise AssertionError  # pragma: no cover

    def occurred_at(self) -> datetime:
        field = "timestamp" if self.data.get("timestamp") is not None else "stored"
        text = self.get(field, str)
        try:
            at = datetime.fromisoformat(_FRACTION.sub(r"\1", text.strip()))
        except ValueError:
            self.fail(field, f"{text[:40]!r} is not an ISO 8601 date and time")
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        try:
            return at.astimezone(UTC)
        except (OverflowError, ValueError):
            self.fail(field, f"{text[:40]!r} is out of range")
            raise AssertionError from None  # pragma: no cover

    def record(self) -> LearningRecord:
        key = self.key()
        learner = self.learner()
        verb_id = self.get("verb.id", str).strip()
        self.get("object", dict)
        object_type = self.get("object.objectType", str, required=False) or "Activity"
        voids = None
        activity_id = activity_name = None
        if verb_id == VOIDED:
            if object_type != "StatementRef":
                self.fail("object.objectType", "a voiding statement must point to a StatementRef")
            voids = _uuid(self, "object.id", self.get("object.id", str))
        elif object_type == "Activity":
            activity_id = self.get("object.id", str).strip()
            activity_name = self._name()
        success = self.get("result.success", bool, required=False)
        try:
            return LearningRecord(
                index=self.index,
                key=key,
                learner=learner,
                verb=VERBS.get(verb_id),
                verb_id=verb_id,
                activity_id=activity_id,
                activity_name=activity_name,
                occurred_at=self.occurred_at(),
                success=success,
                voids=voids,
            )
        except ValidationError as error:
            detail = error.errors(include_url=False)[0]
            field = ".".join(str(p) for p in detail.get("loc", ()))
            self.fail(field, str(detail.get("msg", "invalid")))
            raise AssertionError from None  # pragma: no cover

    def _name(self) -> str | None:
        names = self.get("object.definition.name", dict, required=False)
        if not names:
            return None
        for language in (*_NAME_LANGUAGES, *sorted(names)):
            value = names.get(language)
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())
        return None


def _uuid(statement: _Statement, field: str, text: str) -> str:
    try:
        return str(UUID(text.strip()))
    except ValueError:
        statement.fail(field, f"{text[:60]!r} is not a UUID")
        raise AssertionError from None  # pragma: no cover


def parse_statements(
    data: str | bytes, source: str = "the file"
) -> tuple[list[LearningRecord], list[str]]:
    """The learning records in an xAPI document, and notes about the document itself."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
        document = json.loads(text)
    except UnicodeDecodeError as error:
        raise LearningFormatError(f"{source}: not UTF-8 text ({error.reason})") from None
    except RecursionError:
        raise LearningFormatError(f"{source}: JSON nested too deeply") from None
    except ValueError as error:
        raise LearningFormatError(f"{source}: not valid JSON ({error})") from None
    notes: list[str] = []
    if isinstance(document, list):
        statements = document
    elif isinstance(document, dict) and "statements" in document:
        statements = document["statements"]
        if not isinstance(statements, list):
            raise LearningFormatError(
                f"{source}, field 'statements': expected an array, got {_describe(statements)}"
            )
        more = document.get("more")
        if isinstance(more, str) and more.strip():
            notes.append(
                f"the LRS export has more pages (more: {more.strip()[:120]}); "
                "fetch and import them too"
            )
    elif isinstance(document, dict) and "verb" in document:
        statements = [document]
    else:
        raise LearningFormatError(
            f"{source}: expected a JSON array of xAPI statements or an LRS result "
            '{"statements": [...]}'
        )
    records = [_Statement(i, s).record() for i, s in enumerate(statements, start=1)]
    return records, notes


def read_statements(path: str | Path) -> tuple[list[LearningRecord], list[str]]:
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise LearningFormatError(f"{file}: cannot be read ({error.strerror or error})") from None
    return parse_statements(data, source=str(file))


# --- the mapping file -----------------------------------------------------------------
def parse_mapping(document: Any, source: str = "the mapping") -> LearningRecordMapping:
    """``[academy]`` settings, ``[activities]`` (IRI → competence) and ``[actors]``."""
    if not isinstance(document, dict):
        raise LearningFormatError(f"{source}: expected a table/object at the top")
    unknown = sorted(set(document) - {"academy", "activities", "actors"})
    if unknown:
        raise LearningFormatError(
            f"{source}: unknown section {unknown[0]!r} (use academy, activities, actors)"
        )
    academy = document.get("academy", {})
    if not isinstance(academy, dict):
        raise LearningFormatError(f"{source}, academy: expected a table")
    activities_in = document.get("activities")
    if not isinstance(activities_in, dict) or not activities_in:
        raise LearningFormatError(f"{source}, activities: give at least one activity IRI")
    activities: dict[str, Any] = {}
    for iri, target in activities_in.items():
        if not isinstance(iri, str) or not iri.strip():
            raise LearningFormatError(f"{source}, activities: empty activity IRI")
        if isinstance(target, str):
            target = {"competence_code": target}
        elif isinstance(target, dict):
            target = dict(target)
            if "competence" in target:
                target["competence_code"] = target.pop("competence")
        else:
            raise LearningFormatError(
                f"{source}, activities.{iri!r}: expected a competence code or a table"
            )
        activities[iri.strip()] = target
    actors_in = document.get("actors", {})
    if not isinstance(actors_in, dict):
        raise LearningFormatError(f"{source}, actors: expected a table of e-mail = number")
    actors = {}
    for address, number in actors_in.items():
        text = str(address).strip().lower()
        if not text.startswith("mailto:"):
            text = "mailto:" + text
        actors[text] = number
    fields: dict[str, Any] = {"activities": activities, "actors": actors}
    allowed = {"account_home_page", "default_measure_kind", "provider"}
    for name, value in academy.items():
        if name not in allowed:
            raise LearningFormatError(
                f"{source}, academy.{name}: unknown setting (use {', '.join(sorted(allowed))})"
            )
        fields["default_kind" if name == "default_measure_kind" else name] = value
    try:
        return LearningRecordMapping.model_validate(fields)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        loc = [str(p) for p in detail.get("loc", ())]
        if loc[:1] == ["default_kind"]:
            loc = ["academy", "default_measure_kind"]
        elif loc[:1] in (["account_home_page"], ["provider"]):
            loc = ["academy", *loc]
        loc = ["competence" if p == "competence_code" else p for p in loc]
        where = ".".join(loc)
        message = str(detail.get("msg", "invalid")).removeprefix("Value error, ")
        raise LearningFormatError(f"{source}, {where}: {message}") from None


def read_mapping(path: str | Path) -> LearningRecordMapping:
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise LearningFormatError(f"{file}: cannot be read ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8-sig")
        if file.suffix.lower() == ".json":
            document = json.loads(text)
        elif file.suffix.lower() == ".toml":
            document = tomllib.loads(text)
        else:
            raise LearningFormatError(f"{file}: give a .toml or .json mapping file")
    except UnicodeDecodeError as error:
        raise LearningFormatError(f"{file}: not UTF-8 text ({error.reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise LearningFormatError(f"{file}: not valid TOML ({error})") from None
    except (ValueError, RecursionError) as error:
        raise LearningFormatError(f"{file}: not valid JSON ({error})") from None
    return parse_mapping(document, source=str(file))
