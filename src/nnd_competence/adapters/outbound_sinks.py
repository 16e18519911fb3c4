"""Sinks for outbound competence records: a file drop and an HTTP endpoint.

**File drop** (``file:DIR``): one pair of files per delivery day (Oslo time),
``competence-records-YYYY-MM-DD.jsonl`` (one JSON object per line, for programs) and
``competence-records-YYYY-MM-DD.csv`` (UTF-8 with BOM, ``;``-separated by default, so a
Norwegian Excel opens it in columns). Each write replaces the file atomically (a temporary
file in the same directory, fsync, rename), so a reader never sees half a line. The sink
de-duplicates by idempotency key on the file side: before writing it reads the keys already
in the directory's files, and a record whose key is there is answered ``duplicate``. A
receiver that moves files away takes those keys with it, so it must also de-duplicate by
the ``key`` column (the delivery is at-least-once).

**HTTP** (``http://...`` or ``https://...``): one ``POST`` per record with the record as
JSON and its key in the ``Idempotency-Key`` header. 2xx is delivered, 409 is "already
have it", 408/425/429/5xx and network failures are transient (a ``Retry-After`` in
seconds is honoured), any other 4xx refuses the record (it becomes a dead letter).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from nnd_competence.application.clock import Clock, SystemClock, oslo_date
from nnd_competence.application.outbound import (
    DeliveryOutcome,
    DeliveryResult,
    OutboundRecord,
    RecordSink,
)
from nnd_competence.domain.errors import InvalidValue

FILE_PREFIX = "competence-records-"
CSV_COLUMNS = (
    "key",
    "kind",
    "sequence",
    "version",
    "employee_number",
    "competence_code",
    "level",
    "result",
    "completed_on",
    "acquired_on",
    "valid_until",
    "source",
    "evidence",
    "request_id",
    "recorded_at",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone gives 0600


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a reader sees the old or the new file, whole."""
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(dir_fd)


class FileDropSink:
    def __init__(
        self, directory: str | Path, *, clock: Clock | None = None, csv_delimiter: str = ";"
    ) -> None:
        if len(csv_delimiter) != 1 or csv_delimiter in '"\r\n':
            raise InvalidValue(f"--csv-delimiter {csv_delimiter!r}: give one character")
        self.directory = Path(directory)
        self.clock: Clock = clock or SystemClock()
        self.csv_delimiter = csv_delimiter
        self._keys: tuple[set[str], set[str]] | None = None

    @property
    def name(self) -> str:
        return f"file:{self.directory}"

    def close(self) -> None:
        self._keys = None

    def known_keys(self) -> tuple[set[str], set[str]]:
        """The keys already in the drop directory's JSON-lines files, and in its CSV files.

        They are kept apart: a process killed between writing the two files has written a
        record to one only, and the next delivery must add it to the other.
        """
        in_jsonl: set[str] = set()
        in_csv: set[str] = set()
        if not self.directory.is_dir():
            return in_jsonl, in_csv
        for path in sorted(self.directory.glob(FILE_PREFIX + "*.jsonl")):
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    key = json.loads(line).get("key")
                except (ValueError, AttributeError):
                    continue
                if isinstance(key, str):
                    in_jsonl.add(key)
        for path in sorted(self.directory.glob(FILE_PREFIX + "*.csv")):
            text = path.read_text(encoding="utf-8-sig", errors="replace")
            for row in csv.reader(io.StringIO(text), delimiter=self.csv_delimiter):
                if row and row[0] != "key":
                    in_csv.add(row[0])
        return in_jsonl, in_csv

    def deliver(self, records: Sequence[OutboundRecord]) -> Sequence[DeliveryResult]:
        unique = list({r.key: r for r in records}.values())
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if self._keys is None:
                self._keys = self.known_keys()
            in_jsonl, in_csv = self._keys
            for_jsonl = [r for r in unique if r.key not in in_jsonl]
            for_csv = [r for r in unique if r.key not in in_csv]
            day = oslo_date(self.clock.now()).isoformat()
            if for_jsonl:
                self._write_jsonl(day, for_jsonl)
                in_jsonl.update(r.key for r in for_jsonl)
            if for_csv:
                self._write_csv(day, for_csv)
                in_csv.update(r.key for r in for_csv)
        except OSError as error:
            self._keys = None  # re-read what is really on disk next time
            return [
                DeliveryResult(
                    key=records[0].key,
                    outcome=DeliveryOutcome.RETRY,
                    detail=f"cannot write to {self.directory}: {error.strerror or error}",
                )
            ]
        written = {r.key for r in (*for_jsonl, *for_csv)}
        results = []
        for record in records:
            if record.key in written:
                written.discard(record.key)
                results.append(DeliveryResult(key=record.key, outcome=DeliveryOutcome.DELIVERED))
            else:
                results.append(
                    DeliveryResult(
                        key=record.key,
                        outcome=DeliveryOutcome.DUPLICATE,
                        detail="already in the drop directory",
                    )
                )
        return results

    def _write_jsonl(self, day: str, records: list[OutboundRecord]) -> None:
        path = self.directory / f"{FILE_PREFIX}{day}.jsonl"
        old = path.read_bytes() if path.exists() else b""
        if old and not old.endswith(b"\n"):
            old += b"\n"
        lines = "".join(r.model_dump_json() + "\n" for r in records).encode("utf-8")
        atomic_write(path, old + lines)

    def _write_csv(self, day: str, records: list[OutboundRecord]) -> None:
        path = self.directory / f"{FILE_PREFIX}{day}.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.csv_delimiter, lineterminator="\r\n")
        if path.exists():
            previous = path.read_text(encoding="utf-8-sig")
            buffer.write(previous)
            if previous and not previous.endswith("\n"):
                buffer.write("\r\n")
        else:
            writer.writerow(CSV_COLUMNS)
        for record in records:
            data = record.model_dump(mode="json")
            writer.writerow(
                [_spreadsheet_safe("" if data[c] is None else str(data[c])) for c in CSV_COLUMNS]
            )
        atomic_write(path, buffer.getvalue().encode("utf-8-sig"))


_TRANSIENT = {408, 425, 429}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    return None


class HttpSink:
    """POSTs each record to ``url`` with an ``Idempotency-Key`` header."""

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise InvalidValue(f"--sink {url!r}: not an http(s) URL with a host")
        self.url = url
        self._client = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": "nnd-competence outbound", **(headers or {})},
            transport=transport,
            follow_redirects=False,
        )

    @property
    def name(self) -> str:
        url = httpx.URL(self.url)
        return str(url.copy_with(username=None, password=None, query=None))

    def close(self) -> None:
        self._client.close()

    def deliver(self, records: Sequence[OutboundRecord]) -> Sequence[DeliveryResult]:
        results: list[DeliveryResult] = []
        for record in records:
            result = self._post(record)
            results.append(result)
            if result.outcome is DeliveryOutcome.RETRY:
                break  # the endpoint is in trouble: leave the rest for later
        return results

    def _post(self, record: OutboundRecord) -> DeliveryResult:
        try:
            response = self._client.post(
                self.url,
                content=record.model_dump_json().encode("utf-8"),
                headers={"Idempotency-Key": record.key, "Content-Type": "application/json"},
            )
        except httpx.HTTPError as error:
            return DeliveryResult(
                key=record.key,
                outcome=DeliveryOutcome.RETRY,
                detail=f"{type(error).__name__}: {error}"[:500],
            )
        status = response.status_code
        detail = f"HTTP {status}"
        if 200 <= status < 300:
            return DeliveryResult(key=record.key, outcome=DeliveryOutcome.DELIVERED, detail=detail)
        if status == 409:
            return DeliveryResult(key=record.key, outcome=DeliveryOutcome.DUPLICATE, detail=detail)
        body = " ".join(response.text.split())[:300]
        if body:
            detail += f": {body}"
        if status >= 500 or status in _TRANSIENT:
            return DeliveryResult(
                key=record.key,
                outcome=DeliveryOutcome.RETRY,
                detail=detail,
                retry_after_seconds=_retry_after(response),
            )
        return DeliveryResult(key=record.key, outcome=DeliveryOutcome.REJECTED, detail=detail)


_HEADER = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*)$")


def parse_headers(
    values: Sequence[str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``Name: value`` pairs; a value ``env:VAR`` is read from the environment, so that
    secrets need not appear on the command line."""
    environ = os.environ if environ is None else environ
    headers: dict[str, str] = {}
    for text in values:
        match = _HEADER.match(text.strip())
        if not match:
            raise InvalidValue(f"--header {text!r}: expected 'Name: value'")
        name, value = match.group(1), match.group(2).strip()
        if value.startswith("env:"):
            variable = value[4:]
            if variable not in environ:
                raise InvalidValue(f"--header {name}: environment variable {variable} is not set")
            value = environ[variable]
        headers[name] = value
    return headers


def open_sink(
    spec: str,
    *,
    clock: Clock | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    csv_delimiter: str = ";",
) -> RecordSink:
    """``file:DIR``, ``http://...``/``https://...`` (or ``http:`` + a full URL)."""
    text = spec.strip()
    if text.startswith("file:"):
        directory = text[len("file:") :]
        if directory.startswith("//"):
            directory = directory[2:]
        if not directory:
            raise InvalidValue(f"--sink {spec!r}: give a directory, e.g. file:/srv/dfo-drop")
        path = Path(directory)
        if path.exists() and not path.is_dir():
            raise InvalidValue(f"--sink {spec!r}: {path} exists and is not a directory")
        return FileDropSink(path, clock=clock, csv_delimiter=csv_delimiter)
    for prefix in ("http:", "https:"):
        rest = text[len(prefix) :]
        if text.startswith(prefix) and rest.startswith(("http://", "https://")):
            text = rest
            break
    if text.startswith(("http://", "https://")):
        return HttpSink(text, headers=headers, timeout=timeout)
    raise InvalidValue(f"--sink {spec!r}: use file:DIRECTORY or an http(s) URL (http://host/path)")
