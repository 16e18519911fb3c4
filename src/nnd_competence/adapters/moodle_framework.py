"""Moodle's competency-framework CSV (``admin/tool/lpimportcsv``), read and written.

The columns, in Moodle's order (the names of its language strings; older Moodle versions
wrote "Parent id number", "Id number", "Shortname", "Cross referenced competency id
numbers", "Exported id (optional)", which are accepted too, as is any order)::

    Parent ID number, ID number, Short name, Description, Description format,
    Scale values, Scale configuration, Rule type (optional), Rule outcome (optional),
    Rule config (optional), Cross-referenced competency ID numbers,
    Exported ID (optional), Is framework, Taxonomy

One row has "Is framework" set (Moodle writes ``1``): the framework itself, with the
framework's scale ("Scale values" is the comma-separated list of scale items, "Scale
configuration" a JSON list whose first element names the scale and whose others mark the
default and the proficient items). Each other row is a competence; "Parent ID number" is
empty for the framework's top level. Descriptions are usually HTML and may span lines
(quoted, as CSV allows).

Reading is strict where Moodle is silent: a missing or repeated ID number, an unknown
parent, a cycle, no or two framework rows are errors naming the row ("row N" counts CSV
records with the header as row 1, as a spreadsheet does). The text must be UTF-8 (a BOM
is fine).

Level names: the scale items from the lowest *proficient* one up become the competence's
levels (all items if none is marked proficient); a competence without its own scale takes
the framework's. The other Moodle fields (description format, the raw scale, rules,
cross-references, exported id, taxonomy) are carried in ``FrameworkItem.extra`` where
they differ from what ``write_framework_csv`` writes by default, so that export gives them
back unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path

from nnd_competence.application.frameworks import Framework, FrameworkFormatError, FrameworkItem

HEADERS = (
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
)
_FIELDS = (
    "parent",
    "id",
    "name",
    "description",
    "format",
    "scale_values",
    "scale_config",
    "rule_type",
    "rule_outcome",
    "rule_config",
    "related",
    "export_id",
    "is_framework",
    "taxonomy",
)
#: The fields kept in ``FrameworkItem.extra`` (where they differ from the defaults).
EXTRA_FIELDS = (
    "format",
    "scale_values",
    "scale_config",
    "rule_type",
    "rule_outcome",
    "rule_config",
    "related",
    "export_id",
    "taxonomy",
)


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


_COLUMN_OF = {_normal(h): f for h, f in zip(HEADERS, _FIELDS, strict=True)}
# Older Moodle spellings normalise to the same keys except these:
_COLUMN_OF.update({"shortname": "name", "exportedidoptional": "export_id"})
_HEADER_OF = dict(zip(_FIELDS, HEADERS, strict=True))
_FALSE = {"", "0", "false", "no"}


# --- scales -------------------------------------------------------------------------------
def scale_items(values: str) -> list[str]:
    return [" ".join(v.split()) for v in values.split(",") if v.strip()]


def default_scale_config(count: int) -> str:
    """What the export writes for a scale of ``count`` items, all proficient."""
    entries: list[dict[str, object]] = [{"scaleid": "0"}]
    entries += [
        {"id": i, "scaledefault": int(i == 1), "proficient": 1} for i in range(1, count + 1)
    ]
    return json.dumps(entries, separators=(",", ":"))


def level_names(values: str, config: str, where: str) -> tuple[str, ...] | None:
    items = scale_items(values)
    if not items:
        return None
    lowest = 1
    if config.strip():
        try:
            entries = json.loads(config)
        except (ValueError, RecursionError):
            raise FrameworkFormatError(
                f"{where}, field 'Scale configuration': not valid JSON"
            ) from None
        if not isinstance(entries, list):
            raise FrameworkFormatError(
                f"{where}, field 'Scale configuration': expected a JSON list"
            )
        proficient = [
            e.get("id")
            for e in entries[1:]
            if isinstance(e, dict) and str(e.get("proficient", "0")) not in ("0", "", "None")
        ]
        numbers = [
            int(p)
            for p in proficient
            if isinstance(p, int | str) and str(p).isdecimal() and len(str(p)) <= 6
        ]
        numbers = [n for n in numbers if 1 <= n <= len(items)]
        if numbers:
            lowest = min(numbers)
    return tuple(items[lowest - 1 :])


# --- defaults (what the writer writes unless ``extra`` says otherwise) ---------------------
def _defaults(item: FrameworkItem, *, is_root: bool, root: FrameworkItem) -> dict[str, str]:
    names = item.scale_names or ()
    own_scale = is_root or (names and names != (root.scale_names or ()))
    scale_values = ",".join(names) if own_scale else ""
    return {
        "format": "1",
        "scale_values": scale_values,
        "scale_config": default_scale_config(len(names)) if scale_values else "",
        "rule_type": "",
        "rule_outcome": "" if is_root else "0",
        "rule_config": "" if is_root else "null",
        "related": "",
        "export_id": "",
        "taxonomy": "",
    }


def _reduce(
    raw: dict[str, str], item: FrameworkItem, *, is_root: bool, root: FrameworkItem
) -> FrameworkItem:
    defaults = _defaults(item, is_root=is_root, root=root)
    extra = {k: raw[k] for k in EXTRA_FIELDS if raw[k] != defaults[k]}
    return item.model_copy(update={"extra": extra})


# --- reading --------------------------------------------------------------------------------
def read_framework_csv(
    data: str | bytes, *, delimiter: str = ",", source: str = "the file"
) -> Framework:
    """Parse a Moodle competency-framework CSV; raises ``FrameworkFormatError``."""
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise FrameworkFormatError(f"delimiter {delimiter!r}: give one character")
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
        text.encode("utf-8")
    except UnicodeError:
        raise FrameworkFormatError(f"{source}: not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, int, list[str]]] = []
    try:
        line = 1
        for number, fields in enumerate(reader, start=1):
            records.append((number, line, fields))
            line = reader.line_num + 1
    except csv.Error as error:
        raise FrameworkFormatError(
            f"{source}, row {len(records) + 1} (line {reader.line_num}): {error}"
        ) from None
    records = [(n, ln, f) for n, ln, f in records if any(v.strip() for v in f)]
    if not records:
        raise FrameworkFormatError(f"{source}: empty file")
    _, _, header = records[0]
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        field = _COLUMN_OF.get(_normal(name))
        if field is None:
            continue
        if field in columns:
            raise FrameworkFormatError(f"{source}, header: column {name!r} appears twice")
        columns[field] = index
    missing = [_HEADER_OF[f] for f in _FIELDS if f not in columns]
    if missing:
        raise FrameworkFormatError(
            f"{source}, header: not a Moodle competency framework: missing column(s) "
            + ", ".join(repr(m) for m in missing)
        )
    rows: list[tuple[str, dict[str, str]]] = []
    for number, line, fields in records[1:]:
        where = f"row {number}" + (f" (line {line})" if line != number else "")
        if len(fields) > len(header) and any(v.strip() for v in fields[len(header) :]):
            raise FrameworkFormatError(
                f"{source}, {where}: {len(fields)} fields but the header has {len(header)} "
                "(a stray delimiter or quote?)"
            )
        raw = {f: (fields[i] if i < len(fields) else "") for f, i in columns.items()}
        for field, value in raw.items():
            if "\x00" in value:
                raise FrameworkFormatError(
                    f"{source}, {where}, field '{_HEADER_OF[field]}': contains a NUL character"
                )
        rows.append((where, raw))
    return _framework(rows, source)


def _framework(rows: list[tuple[str, dict[str, str]]], source: str) -> Framework:
    def fail(where: str, field: str, message: str) -> FrameworkFormatError:
        return FrameworkFormatError(f"{source}, {where}, field '{_HEADER_OF[field]}': {message}")

    framework_rows = [(w, r) for w, r in rows if r["is_framework"].strip().lower() not in _FALSE]
    if not framework_rows:
        raise FrameworkFormatError(f"{source}: no row has 'Is framework' set (the framework)")
    if len(framework_rows) > 1:
        raise FrameworkFormatError(
            f"{source}: {framework_rows[0][0]} and {framework_rows[1][0]} both have "
            "'Is framework' set; export one framework per file"
        )
    seen: dict[str, str] = {}
    for where, raw in rows:
        for field in ("id", "name"):
            if not " ".join(raw[field].split()):
                raise fail(where, field, "empty")
        source_id = raw["id"].strip()
        if source_id in seen:
            raise fail(where, "id", f"{source_id!r} is also the ID number of {seen[source_id]}")
        seen[source_id] = where
    root_where, root_raw = framework_rows[0]
    root_id = root_raw["id"].strip()
    root_scale = level_names(root_raw["scale_values"], root_raw["scale_config"], root_where)
    root = FrameworkItem(
        where=root_where,
        source_id=root_id,
        name=" ".join(root_raw["name"].split()),
        description=root_raw["description"] or None,
        scale_names=root_scale,
    )
    root = _reduce(root_raw, root, is_root=True, root=root)
    parents: dict[str, str | None] = {}
    items: list[FrameworkItem] = []
    for where, raw in rows:
        if where == root_where:
            continue
        source_id = raw["id"].strip()
        parent = raw["parent"].strip() or None
        if parent == root_id:
            parent = None  # Moodle leaves it empty; the framework's id means the same
        if parent is not None and parent not in seen:
            raise fail(where, "parent", f"{parent!r} is not the ID number of any row")
        if parent == source_id:
            raise fail(where, "parent", "a competence cannot be its own parent")
        parents[source_id] = parent
        own = level_names(raw["scale_values"], raw["scale_config"], where)
        item = FrameworkItem(
            where=where,
            source_id=source_id,
            parent_source_id=parent,
            name=" ".join(raw["name"].split()),
            description=raw["description"] or None,
            scale_names=own or root_scale,
        )
        items.append(_reduce(raw, item, is_root=False, root=root))
    for item in items:  # every chain must reach the framework
        chain = [item.source_id]
        parent = parents[item.source_id]
        while parent is not None:
            if parent in chain:
                raise fail(item.where, "parent", "the parents form a cycle: " + " → ".join(chain))
            chain.append(parent)
            parent = parents.get(parent)
    return Framework(root=root, items=tuple(items))


def read_framework_file(path: str | Path, *, delimiter: str = ",") -> Framework:
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise FrameworkFormatError(f"{file}: cannot be read ({error.strerror or error})") from None
    return read_framework_csv(data, delimiter=delimiter, source=str(file))


# --- writing --------------------------------------------------------------------------------
def _row(item: FrameworkItem, *, is_root: bool, root: FrameworkItem) -> list[str]:
    values = {**_defaults(item, is_root=is_root, root=root), **item.extra}
    values.update(
        parent="" if is_root or item.parent_source_id is None else item.parent_source_id,
        id=item.source_id,
        name=item.name,
        description=item.description or "",
        is_framework="1" if is_root else "",
    )
    return [values[f] for f in _FIELDS]


def write_framework_csv(framework: Framework, *, delimiter: str = ",") -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADERS)
    writer.writerow(_row(framework.root, is_root=True, root=framework.root))
    for item in framework.items:
        writer.writerow(_row(item, is_root=False, root=framework.root))
    return buffer.getvalue()


def rows_of(text: str, *, delimiter: str = ",") -> Sequence[list[str]]:
    """The CSV records of a text (for tests and diffs)."""
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
