"""Competence frameworks (such as Moodle's) imported into, and exported from, the catalogue.

A framework is a tree: one framework item at the top, competences below it, each naming
its parent by the framework's own id number. Import turns it into catalogue competences:

* the **framework item becomes a root competence**, and the framework's top-level
  competences become its children (``parent_code``), so the tree is kept whole and one
  framework cannot mix with another in the catalogue;
* **codes** are derived from the id numbers, deterministically (``code_for``): an id
  number that is already a valid code (after upper-casing) is used as it is, any other is
  cleaned and given a short digest of the original, so two different id numbers never
  share a code; ``code_prefix`` namespaces a framework;
* what the catalogue has no field for (the original id number where it differs from the
  code, and format details the export must give back) is kept at the end of the
  description, in an HTML comment ``<!-- nnd-source: {...} -->`` that a browser does not
  show; the export strips it off again;
* fields the framework does not carry (category, English name, validity) are NND's own: a
  new competence gets the category given to the import, an existing one keeps its own.

Importing is all-or-nothing as far as the rules go: the whole file is checked against a
copy of the catalogue first, and a problem is reported by row before anything is
written. Unchanged competences are not touched, so importing the same file twice changes
nothing. Competences of the framework that the file no longer lists are kept (and
listed).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError

from nnd_competence.application import commands as c
from nnd_competence.application.service import CompetenceApplication
from nnd_competence.domain.catalogue import Catalogue, Category, CompetenceDefinition
from nnd_competence.domain.errors import DomainError, InvalidValue
from nnd_competence.domain.values import STANDARD_SCALE, Actor, LevelScale, normalise_text

CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,63}")
_TRAILER = re.compile(r"\n?<!-- nnd-source: (\{.*\}) -->\Z", re.DOTALL)
_FOLD = str.maketrans({"Æ": "AE", "Ø": "O", "Å": "A", "ß": "SS", "Þ": "TH", "Ð": "D"})


class FrameworkFormatError(InvalidValue):
    """A framework file cannot be read; nothing was imported."""


class FrameworkItem(BaseModel):
    """One row of a framework, format-neutral.

    ``scale_names`` are the level names from level 1 up (the framework's scale when the
    item has none of its own); ``extra`` holds format fields the export must give back,
    only where they differ from what the format would write by default.
    """

    model_config = ConfigDict(frozen=True)

    where: str  # "row 7", for messages
    source_id: str
    parent_source_id: str | None = None  # None: directly under the framework
    name: str
    description: str | None = None
    scale_names: tuple[str, ...] | None = None
    extra: dict[str, str] = {}


class Framework(BaseModel):
    model_config = ConfigDict(frozen=True)

    root: FrameworkItem
    items: tuple[FrameworkItem, ...]


# --- codes and the description trailer ------------------------------------------------
def code_for(source_id: str, prefix: str = "") -> str:
    """The catalogue code of a framework id number (deterministic, see module docs)."""
    text = normalise_text(source_id)
    candidate = (prefix + text).upper()
    if CODE.fullmatch(candidate):
        return candidate
    folded = unicodedata.normalize("NFKD", text.upper().translate(_FOLD))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Z0-9._-]+", "-", ascii_only).strip("-._")
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8].upper()
    base = (prefix.upper() + cleaned)[: 64 - 9].rstrip("-._")
    return f"{base}-{digest}" if base else f"ID-{digest}"


def check_prefix(prefix: str) -> str:
    prefix = normalise_text(prefix).upper()
    if prefix and (not CODE.fullmatch(prefix) or len(prefix) > 20):
        raise InvalidValue(
            f"--code-prefix {prefix!r}: use up to 20 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return prefix


def split_description(description: str | None) -> tuple[str | None, dict[str, Any]]:
    """The description without the source trailer, and the trailer's content."""
    if not description:
        return description, {}
    match = _TRAILER.search(description)
    if not match:
        return description, {}
    try:
        meta = json.loads(match.group(1))
    except ValueError:
        return description, {}
    if not isinstance(meta, dict):
        return description, {}
    body = description[: match.start()]
    return (body or None), meta


def join_description(body: str | None, meta: dict[str, Any]) -> str | None:
    if not meta:
        return body or None
    text = json.dumps(meta, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e")
    trailer = f"<!-- nnd-source: {text} -->"
    return f"{body}\n{trailer}" if body else trailer


# --- import -----------------------------------------------------------------------------
class Change(BaseModel):
    where: str
    code: str
    source_id: str
    action: str  # "added", "updated", "unchanged"
    fields: list[str] = []
    command: c.Command | None = None


class ImportPlan(BaseModel):
    root_code: str
    changes: list[Change]
    not_in_file: list[str]

    def commands(self) -> list[c.Command]:
        return [ch.command for ch in self.changes if ch.command is not None]


class FrameworkImportReport(BaseModel):
    root_code: str
    added: list[str]
    updated: list[str]
    unchanged: int
    not_in_file: list[str]
    changes: list[Change]
    events_written: int


def _root_of(catalogue: Catalogue, code: str) -> str:
    seen = set()
    while True:
        parent = catalogue.competences[code].parent_code
        if parent is None or parent in seen or parent not in catalogue.competences:
            return code
        seen.add(code)
        code = parent


def _ordered(framework: Framework) -> list[FrameworkItem]:
    """Parents before children (the format reader has checked for cycles)."""
    by_parent: dict[str | None, list[FrameworkItem]] = {}
    for item in framework.items:
        by_parent.setdefault(item.parent_source_id, []).append(item)
    ordered: list[FrameworkItem] = []
    level: list[str | None] = [None]
    while level:
        next_level: list[str | None] = []
        for parent in level:
            for item in by_parent.get(parent, []):
                ordered.append(item)
                next_level.append(item.source_id)
        level = next_level
    if len(ordered) != len(framework.items):  # pragma: no cover - readers reject this
        raise FrameworkFormatError("the framework's hierarchy has a cycle or a missing parent")
    return ordered


def plan_import(
    catalogue: Catalogue,
    framework: Framework,
    *,
    category: Category = Category.TECHNICAL,
    code_prefix: str = "",
    source_name: str = "a framework file",
) -> ImportPlan:
    """What importing ``framework`` would change; raises naming the row on any problem."""
    prefix = check_prefix(code_prefix)
    items = [framework.root, *_ordered(framework)]
    codes: dict[str, FrameworkItem] = {}
    code_of: dict[str, str] = {}
    for item in items:
        code = code_for(item.source_id, prefix)
        if code in codes:
            other = codes[code]
            raise InvalidValue(
                f"{item.where}: ID number {item.source_id!r} gives the same code {code} as "
                f"{other.where} ({other.source_id!r})"
            )
        codes[code] = item
        code_of[item.source_id] = code
    root_code = code_of[framework.root.source_id]
    changes: list[Change] = []
    for item in items:
        code = code_of[item.source_id]
        existing = catalogue.competences.get(code)
        if code in catalogue.withdrawn:
            raise InvalidValue(
                f"{item.where}: ID number {item.source_id!r} gives code {code}, which has "
                "been withdrawn from the catalogue"
            )
        is_root = item is framework.root
        if existing is not None:
            owner = _root_of(catalogue, code)
            if (is_root and existing.parent_code is not None) or (
                not is_root and owner != root_code
            ):
                raise InvalidValue(
                    f"{item.where}: ID number {item.source_id!r} gives code {code}, which the "
                    f"catalogue already has outside this framework (under {owner}); "
                    "import with a --code-prefix"
                )
        parent_code = None
        if not is_root:
            parent_code = (
                code_of[item.parent_source_id] if item.parent_source_id is not None else root_code
            )
        meta: dict[str, Any] = dict(item.extra)
        if item.source_id != code:
            meta["id"] = item.source_id
        scale: LevelScale = existing.scale if existing is not None else STANDARD_SCALE
        try:
            if item.scale_names:
                scale = LevelScale(names=("none", *item.scale_names))
            definition = CompetenceDefinition(
                code=code,
                name_nb=item.name,
                name_en=existing.name_en if existing is not None else None,
                category=existing.category if existing is not None else category,
                scale=scale,
                validity_months=existing.validity_months if existing is not None else None,
                parent_code=parent_code,
                description=join_description(item.description, meta),
            )
        except ValidationError as error:
            detail = error.errors(include_url=False)[0]
            field = ".".join(str(p) for p in detail.get("loc", ()))
            message = str(detail.get("msg", "invalid")).removeprefix("Value error, ")
            raise InvalidValue(f"{item.where}: {field}: {message}") from None
        if existing is None:
            command: c.Command | None = c.DefineCompetence(competence=definition)
            action, fields = "added", []
        elif existing != definition:
            command = c.ReviseCompetence(
                competence=definition, reason=f"imported from {source_name}"
            )
            action = "updated"
            fields = [
                name
                for name in CompetenceDefinition.model_fields
                if getattr(existing, name) != getattr(definition, name)
            ]
        else:
            command, action, fields = None, "unchanged", []
        changes.append(
            Change(
                where=item.where,
                code=code,
                source_id=item.source_id,
                action=action,
                fields=fields,
                command=command,
            )
        )
    in_file = set(codes)
    not_in_file = sorted(
        code
        for code in catalogue.competences
        if code not in in_file
        and code not in catalogue.withdrawn
        and _root_of(catalogue, code) == root_code
    )
    return ImportPlan(root_code=root_code, changes=changes, not_in_file=not_in_file)


class Store(Protocol):
    app: CompetenceApplication

    def execute(self, command: c.Command, actor: Actor) -> UUID | int: ...


Progress = Callable[[int, int], None]


def rehearse(app: CompetenceApplication, plan: ImportPlan, actor: Actor) -> None:
    """Apply the plan to a copy of the catalogue, so the rules are checked before writing."""
    catalogue = app.catalogue()  # a copy: the repository hands out deep copies
    ctx = app.context(actor)
    for change in plan.changes:
        try:
            if isinstance(change.command, c.DefineCompetence):
                catalogue.define(ctx, change.command.competence)
            elif isinstance(change.command, c.ReviseCompetence):
                catalogue.revise(ctx, change.command.competence, change.command.reason)
        except DomainError as error:
            raise InvalidValue(f"{change.where} ({change.code}): {error}") from None


def import_framework(
    store: Store,
    framework: Framework,
    actor: Actor,
    *,
    category: Category = Category.TECHNICAL,
    code_prefix: str = "",
    source_name: str = "a framework file",
    progress: Progress | None = None,
) -> FrameworkImportReport:
    app = store.app
    before = app.recorder.max_notification_id() or 0
    plan = plan_import(
        app.catalogue(),
        framework,
        category=category,
        code_prefix=code_prefix,
        source_name=source_name,
    )
    rehearse(app, plan, actor)
    commands = plan.commands()
    for done, command in enumerate(commands, start=1):
        store.execute(command, actor)
        if progress is not None:
            progress(done, len(commands))
    after = app.recorder.max_notification_id() or 0
    return FrameworkImportReport(
        root_code=plan.root_code,
        added=[ch.code for ch in plan.changes if ch.action == "added"],
        updated=[ch.code for ch in plan.changes if ch.action == "updated"],
        unchanged=sum(1 for ch in plan.changes if ch.action == "unchanged"),
        not_in_file=plan.not_in_file,
        changes=plan.changes,
        events_written=after - before,
    )


# --- export -----------------------------------------------------------------------------
def framework_roots(catalogue: Catalogue) -> list[str]:
    """Root competences that have children: the candidates for an export."""
    parents = {
        d.parent_code
        for code, d in catalogue.competences.items()
        if d.parent_code is not None and code not in catalogue.withdrawn
    }
    return sorted(
        code
        for code, d in catalogue.competences.items()
        if d.parent_code is None and code in parents and code not in catalogue.withdrawn
    )


def _item(definition: CompetenceDefinition, parent_source_id: str | None) -> FrameworkItem:
    body, meta = split_description(definition.description)
    source_id = str(meta.pop("id", definition.code))
    return FrameworkItem(
        where=definition.code,
        source_id=source_id,
        parent_source_id=parent_source_id,
        name=definition.name_nb,
        description=body,
        scale_names=definition.scale.names[1:],
        extra={str(k): str(v) for k, v in meta.items()},
    )


def _sort_key(definition: CompetenceDefinition) -> tuple[int, str]:
    _, meta = split_description(definition.description)
    exported = str(meta.get("export_id", ""))
    if exported.isdecimal() and len(exported) <= 12:
        return (int(exported), definition.code)
    return (10**12, definition.code)


def export_framework(catalogue: Catalogue, root_code: str | None = None) -> Framework:
    """The subtree under ``root_code`` (default: the only root with children) as a framework.

    Children follow their parent (an outline), in the order of their original export ids
    where known, otherwise by code. Withdrawn competences, and what is under them, are
    left out.
    """
    roots = framework_roots(catalogue)
    if root_code is None:
        if len(roots) != 1:
            choices = ", ".join(roots) if roots else "none: the catalogue has no hierarchy"
            raise InvalidValue(f"which framework? give --root, one of: {choices}")
        root_code = roots[0]
    root_code = normalise_text(root_code).upper()
    root = catalogue.get(root_code)
    children: dict[str, list[CompetenceDefinition]] = {}
    for code, definition in catalogue.competences.items():
        if definition.parent_code is not None and code not in catalogue.withdrawn:
            children.setdefault(definition.parent_code, []).append(definition)
    root_item = _item(root, None)
    items: list[FrameworkItem] = []

    def walk(parent: CompetenceDefinition, parent_item: FrameworkItem, depth: int) -> None:
        for child in sorted(children.get(parent.code, []), key=_sort_key):
            if depth > 100:  # pragma: no cover - the import never builds such trees
                raise InvalidValue(f"the hierarchy under {root_code} is deeper than 100 levels")
            parent_id = None if parent is root else parent_item.source_id
            item = _item(child, parent_id)
            items.append(item)
            walk(child, item, depth + 1)

    walk(root, root_item, 0)
    return Framework(root=root_item, items=tuple(items))
