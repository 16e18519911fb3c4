"""A fake DFØ-SAP REST API on 127.0.0.1, serving a small NND organisation in DFØ's shape.

``http.server`` in a thread on port 0. Every object is kept as versions by the day they
take effect, so point-in-time reads (the ``dato`` header) answer as DFØ would, and a test
can put a change in the future. Faults (503, a proxy's HTML page, a slow answer) can be
queued per path. The organisation carries every quirk the adapter must survive, and every
employee carries personal data the library must never store or log (``fnr``, phone
numbers, an address).

The organisation (22 records):

    50000001 NND (head 00010001, named by the unit; the unit is its own parent)
    ├── 50000010 Drift Halden (head 10002, named by the unit)
    │   └── 50000011 Strålevern Halden (no head field: 10003 has lederflagg "X")
    ├── 50000020 Drift Kjeller (head {"ansattnr": "10004"})
    └── 50000030 Stab og HR (head "" : 10005 has lederflagg true)

    active on 2026-03-02: 18; 10050 malformed (startdato 2021-02-30); 10099 left in 2025
    (placeholder position 99999999); 10060 starts 2026-04-15; 10033 leaves 2026-05-31.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from nnd_competence import CompetenceStore, open_store
from nnd_competence.adapters.dfo import DfoHrSource, DfoSettings, RetryPolicy
from nnd_competence.application.clock import FixedClock
from nnd_competence.application.hr_sync import HrSync

API_KEY = "test-key-not-secret"
SAP = "SAP NetWeaver Application Server 7.50"
TODAY = date(2026, 3, 2)
FOREVER = date.min


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


@dataclass
class Fault:
    status: int = 503
    body: str = '{"error": "Service Unavailable"}'
    content_type: str = "application/json"
    server: str = SAP
    delay: float = 0.0  # seconds before answering (to make the client time out)
    retry_after: str | None = None


def proxy_page(status: int = 502) -> Fault:
    return Fault(
        status=status,
        body=f"<html><body><h1>{status} Bad Gateway</h1><hr>nginx</body></html>",
        content_type="text/html",
        server="nginx/1.25",
    )


@dataclass
class Seen:
    path: str
    dato: str | None
    key_ok: bool


@dataclass
class FakeDfo:
    """The data and faults behind the server; tests change it while the server runs."""

    employees: dict[str, list[tuple[date, dict[str, Any] | None]]] = field(default_factory=dict)
    positions: dict[str, list[tuple[date, dict[str, Any] | None]]] = field(default_factory=dict)
    units: dict[str, list[tuple[date, dict[str, Any] | None]]] = field(default_factory=dict)
    wrap: dict[str, str] = field(default_factory=dict)  # employee id → "list-body"/"list-value"
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- changing the data ------------------------------------------------------------
    @staticmethod
    def _put(
        table: dict[str, list[tuple[date, dict[str, Any] | None]]],
        key: str,
        raw: dict[str, Any] | None,
        valid_from: date,
    ) -> None:
        versions = [v for v in table.get(key, []) if v[0] != valid_from]
        versions.append((valid_from, raw))
        table[key] = sorted(versions, key=lambda v: v[0])

    def put_employee(self, raw: dict[str, Any], valid_from: date = FOREVER) -> None:
        self._put(self.employees, str(raw["id"]), raw, valid_from)

    def change_employee(self, key: str, valid_from: date, **changes: Any) -> None:
        key = self._find(self.employees, key) or key
        current = self._at(self.employees, key, valid_from)
        assert current is not None, key
        self._put(self.employees, key, {**current, **changes}, valid_from)

    def delete_employee(self, key: str, valid_from: date = FOREVER) -> None:
        key = self._find(self.employees, key) or key
        self._put(self.employees, key, None, valid_from)

    def put_position(self, raw: dict[str, Any], valid_from: date = FOREVER) -> None:
        self._put(self.positions, str(raw["id"]), raw, valid_from)

    def put_unit(self, raw: dict[str, Any], valid_from: date = FOREVER) -> None:
        self._put(self.units, str(raw["organisasjonId"]), raw, valid_from)

    def change_unit(self, key: str, valid_from: date, **changes: Any) -> None:
        current = self._at(self.units, key, valid_from)
        assert current is not None, key
        self.put_unit({**current, **changes}, valid_from)

    def fail(self, path: str, *faults: Fault) -> None:
        """Answer the next requests of ``path`` (e.g. "ansatte/10010") with these faults."""
        self.faults.setdefault(path, deque()).extend(faults)

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    # --- reading ----------------------------------------------------------------------
    @staticmethod
    def _at(
        table: dict[str, list[tuple[date, dict[str, Any] | None]]], key: str, day: date
    ) -> dict[str, Any] | None:
        found: dict[str, Any] | None = None
        for valid_from, raw in table.get(key, []):
            if valid_from <= day:
                found = raw
        return found

    @staticmethod
    def _find(table: dict[str, Any], wanted: str) -> str | None:
        """DFØ accepts an id with or without leading zeros."""
        if not wanted.isdigit():
            return None
        return next((k for k in table if k.isdigit() and int(k) == int(wanted)), None)

    def answer(self, path: str, day: date) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        collections = {
            "ansatte": (self.employees, "ansatt"),
            "stillinger": (self.positions, "stilling"),
            "orgenhet": (self.units, "organisasjon"),
        }
        if not parts or parts[0] not in collections:
            return 404, {"fault": "UKJENT RESSURS"}
        table, key = collections[parts[0]]
        if len(parts) == 1:
            items: list[Any] = [self._at(table, k, day) for k in sorted(table)]
            items = [i for i in items if i is not None]
            if key == "ansatt":
                items.insert(3, None)  # quirk: a null in the list
            return 200, {key: items}
        found = self._find(table, parts[1])
        raw = self._at(table, found, day) if found else None
        if raw is None:
            return 404, {"fault": "IKKE ANSATT" if key == "ansatt" else "IKKE FUNNET"}
        style = self.wrap.get(found or "") if key == "ansatt" else None
        if style == "list-body":
            return 200, [{key: raw}]
        if style == "list-value":
            return 200, {key: [raw]}
        return 200, {key: raw}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: str, content_type: str, server: str, retry_after: str | None = None
    ) -> None:
        data = body.encode("utf-8")
        self.send_response_only(status)
        self.send_header("Server", server)
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def do_GET(self) -> None:
        fake = self.server.fake
        path, _, query = self.path.partition("?")
        path = path.removeprefix("/api/").strip("/")
        dato = self.headers.get("dato") or parse_qs(query).get("dato", [None])[0]
        key_ok = self.headers.get("X-Gravitee-Api-Key") == API_KEY
        with fake.lock:
            fake.requests.append(Seen(path=path, dato=dato, key_ok=key_ok))
            queued = fake.faults.get(path)
            fault = queued.popleft() if queued else None
        if not key_ok:
            self._send(401, '{"message": "Unauthorized"}', "application/json", "Gravitee")
            return
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            self._send(
                fault.status, fault.body, fault.content_type, fault.server, fault.retry_after
            )
            return
        day = date.fromisoformat(dato) if dato else TODAY
        with fake.lock:
            status, payload = fake.answer(path, day)
        self._send(status, json.dumps(payload, ensure_ascii=False), "application/json", SAP)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeDfo) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


@dataclass
class Running:
    fake: FakeDfo
    server: _Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start(fake: FakeDfo) -> Running:
    server = _Server(fake)
    host, port = server.server_address[:2]
    fake.base_url = f"http://{host!s}:{port}/api/"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-dfo", daemon=True
    )
    thread.start()
    return Running(fake, server, thread)


# --- the sample organisation -----------------------------------------------------------
#: Personal data the library must never keep: every fnr and phone number served.
FNRS: list[str] = []
PHONES: list[str] = []

UNITS = {
    "50000001": ("Norsk nukleær dekommisjonering", "50000001", {"lederAnsattnr": "00010001"}),
    "50000010": ("Drift Halden", "50000001", {"lederAnsattnr": "10002"}),
    "50000011": (nfd("  Strålevern   Halden "), "50000010", {}),
    "50000020": ("Drift Kjeller", "50000001", {"lederAnsattnr": {"ansattnr": "10004"}}),
    "50000030": ("Stab og HR", "50000001", {"lederAnsattnr": ""}),
}

# id, first name, last name, unit, job code, lederflagg, start, end
PEOPLE: list[tuple[str, str, str, str, str, Any, str, Any]] = [
    ("00010001", "Kari", "Nordmann", "50000001", "1062", True, "2015-01-01", ""),
    ("10002", "Ola", "Halvorsen", "50000010", "1060", True, "2016-03-01", "9999-12-31"),
    ("10003", nfd("  Åse "), "Strand", "50000011", "1211", "X", "2017-05-01", None),
    ("10004", "Bjørn", "Lie", "50000020", "1060", "true", "2016-08-15", ""),
    ("10005", nfd("Håkon"), "Berg", "50000030", "1060", True, "2018-01-02", ""),
    ("10010", "Per", "Olsen", "50000010", "1087", False, "2019-08-01T00:00:00", ""),
    ("10011", "Lise", "Hansen", "50000010", "1181", None, "2020-02-01", ""),
    ("10012", "Nils", "Dahl", "50000010", "1085", False, "2021-09-01", ""),
    ("10013", "Eva", "Moe", "50000010", "1085", "", "2022-01-10", ""),
    ("10020", "Tor", nfd("Bråten"), "50000011", " 01434 ", False, "2018-04-01", ""),
    ("10021", "Ingrid", "Solberg", "50000011", "1364", False, "2019-03-01", ""),
    ("10022", "Anders", "Lund", "50000011", "1434", False, "2023-06-01", ""),
    ("10030", "Marte", "Vik", "50000020", "1087", False, "2017-02-01", ""),
    ("10031", "Jon", "Bakke", "50000020", "1181", False, "2018-10-01", ""),
    ("10032", "Sara", "Holm", "50000020", "1085", False, "2020-05-01", ""),
    ("10033", "Knut", "Aas", "50000020", "1085", False, "2021-01-04", "2026-05-31"),
    ("10040", "Hanne", "Ruud", "50000030", "1434", False, "2019-11-01", ""),
    ("10041", "Geir", "Foss", "50000030", "1434", False, "2022-03-01", ""),
    ("10050", "Rune", "Feil", "50000010", "1087", False, "2021-02-30", ""),  # malformed
    ("10060", "Siri", "Ny", "50000010", "1085", False, "2026-04-15", ""),  # starts later
    ("10099", "Arne", "Gammel", "50000020", "1087", False, "2010-01-01", "2025-06-30"),
]

ACTIVE_ON_TODAY = 18
EXPECTED_MANAGERS = {
    "10001": None,
    "10002": "10001",
    "10003": "10002",
    "10004": "10001",
    "10005": "10001",
    **{n: "10002" for n in ("10010", "10011", "10012", "10013")},
    **{n: "10003" for n in ("10020", "10021", "10022")},
    **{n: "10004" for n in ("10030", "10031", "10032", "10033")},
    **{n: "10005" for n in ("10040", "10041")},
}


def position_id(employee_id: str) -> str:
    return str(30000000 + int(employee_id) % 1000)


def _employee(index: int, row: tuple[str, str, str, str, str, Any, str, Any]) -> dict[str, Any]:
    number, first, last, unit, _code, head, start, end = row
    fnr = f"{(index % 28) + 1:02d}0{(index % 9) + 1}85{40000 + index * 37:05d}"
    mobile = f"9{index:02d}4{index + 10:02d}5{index % 10}"
    work = f"+47 22 {index + 10:02d} {index + 40:02d} 1{index % 10}"
    FNRS.append(fnr)
    PHONES.extend([mobile, work])
    raw: dict[str, Any] = {
        "id": number,
        "fnr": fnr,
        "fornavn": first,
        "etternavn": last,
        "fdato": f"1985-0{(index % 9) + 1}-{(index % 28) + 1:02d}",
        "kjonn": "K" if index % 2 else "M",
        "stillingId": 99999999 if number == "10099" else int(position_id(number)),
        "startdato": start,
        "sluttdato": end,
        "tittel": nfd(" Rådgiver "),
        "lederflagg": head,
        "organisasjonId": unit,
        "medarbeidergruppe": "1",
        "medarbeiderundergruppe": "04",
        "telefonnummer": work,
        "mobilnummer": mobile,
        "privatPostadresse": f"Storgata {index + 1}",
        "privatPostnr": "1776",
        "privatPoststed": "Halden",
        "reservasjonPublisering": False,
        "eksternIdent": f"x{index}",
        "brukerident": f"user{index}",
    }
    if number == "10010":  # quirk: a single object where a list is expected
        raw["tilleggsstilling"] = {
            "stillingId": "30000999",
            "startdato": "2024-01-01",
            "sluttdato": "",
        }
    if number == "10011":  # quirk: nulls, and the same position held twice
        raw["tilleggsstilling"] = [
            None,
            {"stillingId": "30000998", "startdato": "2021-01-01", "sluttdato": "2021-12-31"},
            {"stillingId": "30000998", "startdato": "2023-01-01", "sluttdato": "9999-12-31"},
        ]
    return raw


def _position(number: str, unit: str, code: str, start: str) -> dict[str, Any]:
    holder = {
        "innehaverAnsattnr": number,
        "innehaverStartdato": start,
        "innehaverSluttdato": "9999-12-31",
    }
    raw: dict[str, Any] = {
        "id": position_id(number),
        "stillingskode": code,
        "stillingsnavn": nfd("Stilling på ") + unit,
        "stillingstittel": nfd(" Rådgiver  "),
        "organisasjonId": unit,
        "yrkeskode": "2149123",
        "innehaver": holder,  # quirk: a single object where a list is expected
        "stillingskat": [
            {
                "stillingskatId": 50,
                "stillingskatStartdato": "2000-01-01",
                "stillingskatSluttdato": "",
            }
        ],
    }
    if number == "10020":  # quirk: the same person holds it twice, with a null between
        raw["innehaver"] = [
            {
                "innehaverAnsattnr": "00010020",
                "innehaverStartdato": "2015-01-01",
                "innehaverSluttdato": "2016-12-31",
            },
            None,
            holder,
        ]
    return raw


def sample_organisation() -> FakeDfo:
    FNRS.clear()
    PHONES.clear()
    fake = FakeDfo()
    for unit_id, (name, parent, head) in UNITS.items():
        fake.put_unit(
            {"organisasjonId": unit_id, "navn": name, "overordnetOrganisasjonId": parent, **head}
        )
    for index, row in enumerate(PEOPLE):
        number, unit, code, start = row[0], row[3], row[4], row[6]
        fake.put_employee(_employee(index, row))
        holder_start = "2021-03-01" if number == "10050" else start[:10]
        fake.put_position(_position(number.lstrip("0"), unit, code, holder_start))
    # 10033 leaves on 2026-05-31; from the day after, DFØ shows the placeholder position.
    fake.change_employee("10033", date(2026, 6, 1), stillingId="99999999")
    fake.wrap["10012"] = "list-body"  # quirk: [{"ansatt": {...}}]
    fake.wrap["10013"] = "list-value"  # quirk: {"ansatt": [{...}]}
    return fake


@contextmanager
def serving(fake: FakeDfo | None = None) -> Iterator[FakeDfo]:
    """The sample organisation (or ``fake``) served on 127.0.0.1 while the block runs."""
    fake = fake or sample_organisation()
    running = start(fake)
    try:
        yield fake
    finally:
        running.stop()


#: 09:00 in Oslo on TODAY.
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(day: date) -> datetime:
    """08:00 UTC (09:00 or 10:00 in Oslo) on ``day``."""
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)


@dataclass
class Harness:
    """A store on a real SQLite file, its clock, and a DFØ source pointed at the fake."""

    fake: FakeDfo
    path: Path
    clock: FixedClock
    store: CompetenceStore
    source: DfoHrSource
    sleeps: list[float]

    def sync(self, **options: Any) -> HrSync:
        return HrSync(self.store, self.source, **options)

    def source_with(self, **settings: Any) -> DfoHrSource:
        fields: dict[str, Any] = {
            "base_url": self.fake.base_url,
            "api_key": API_KEY,
            "retry": RetryPolicy(
                attempts=4, base_delay=0.01, max_delay=0.05, sleep=self.sleeps.append
            ),
            "timeout": 5.0,
        }
        fields.update(settings)
        return DfoHrSource(DfoSettings(**fields))

    def move_to(self, day: date) -> None:
        self.clock.set(at(day))


@contextmanager
def harness(directory: Path) -> Iterator[Harness]:
    """The sample organisation served, and a store at ``directory / "x.sqlite"`` on T0."""
    with serving() as fake:
        clock = FixedClock(T0)
        path = directory / "x.sqlite"
        store = open_store(path, clock=clock)
        sleeps: list[float] = []
        harness = Harness(fake, path, clock, store, None, sleeps)  # type: ignore[arg-type]
        harness.source = harness.source_with()
        try:
            yield harness
        finally:
            harness.source.close()
            store.close()
