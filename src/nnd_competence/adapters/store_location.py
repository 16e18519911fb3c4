"""Where a store lives: parsing a store location into ``eventsourcing`` settings.

A location is one string (the CLI's ``--store`` passes it through unchanged). The forms:

``PATH`` or ``sqlite:///PATH``
    A SQLite file (created if missing). ``sqlite:///data/x.sqlite`` is the relative path
    ``data/x.sqlite``; ``sqlite:////srv/x.sqlite`` is the absolute ``/srv/x.sqlite``.

``postgresql://[USER[:PASSWORD]@]HOST[:PORT]/DBNAME[?PARAM=VALUE&...]`` (or ``postgres://``)
    A PostgreSQL database. USER defaults to the operating-system user, HOST to
    ``localhost``, PORT to 5432; USER and PASSWORD are percent-decoded. PARAMs:

    * ``schema`` — the schema holding the event store and the views (default ``public``;
      created if missing; letters, digits and ``_``, at most 63 characters);
    * ``pool_size`` (default 2), ``max_overflow`` (default 8) — the event store's pool;
    * ``connect_timeout`` — seconds to wait for the server (default 5);
    * ``lock_timeout`` — seconds a writer waits for the event table's lock (0 = forever);
    * ``idle_in_transaction_session_timeout`` — seconds (default 5);
    * ``application_name`` — shown in ``pg_stat_activity`` (default ``nnd-competence``).

``env:``
    The ``eventsourcing`` environment variables, as that library reads them (a key
    prefixed with ``NNDCOMPETENCE_`` wins over the plain one):

    * ``PERSISTENCE_MODULE=eventsourcing.postgres`` with ``POSTGRES_DBNAME`` (required),
      ``POSTGRES_HOST``, ``POSTGRES_PORT``, ``POSTGRES_USER``, ``POSTGRES_PASSWORD``,
      ``POSTGRES_SCHEMA``, and optionally ``POSTGRES_POOL_SIZE``,
      ``POSTGRES_MAX_OVERFLOW``, ``POSTGRES_CONNECT_TIMEOUT``, ``POSTGRES_LOCK_TIMEOUT``,
      ``POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT``, ``POSTGRES_APPLICATION_NAME``
      (same defaults as the URL);
    * ``PERSISTENCE_MODULE=eventsourcing.sqlite`` with ``SQLITE_DBNAME`` (a file path).

Every mistake raises ``StoreLocationError`` (a ``DomainError`` and a ``ValueError``) with a
one-line message that names the location, never its password.

This module does not import ``psycopg``: SQLite-only installations do not need it.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from nnd_competence.domain.errors import DomainError

#: Our SQLite factory (durability setting, see adapters/sqlite_store.py).
SQLITE_FACTORY_TOPIC = "nnd_competence.adapters.sqlite_store:SQLiteStoreFactory"
#: The application's name as ``eventsourcing`` upper-cases it for prefixed settings.
APP_PREFIX = "NNDCOMPETENCE_"
ENV_LOCATION = "env:"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_APP_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,63}")


class StoreLocationError(DomainError, ValueError):
    """The store location is malformed, or its database cannot be reached."""


class StoreUnavailable(StoreLocationError):
    """The location is well formed but its database server refused or did not answer."""


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "postgres"


@dataclass(frozen=True)
class PostgresSettings:
    dbname: str
    host: str = "localhost"
    port: int = 5432
    user: str = field(default_factory=_default_user)
    password: str = ""
    schema: str = "public"
    pool_size: int = 2
    max_overflow: int = 8
    connect_timeout: int = 5
    lock_timeout: int = 0
    idle_in_transaction_session_timeout: int = 5
    application_name: str = "nnd-competence"

    def display(self) -> str:
        """The location as a URL without the password."""
        return (
            f"postgresql://{quote(self.user, safe='')}@{self.host}:{self.port}/"
            f"{quote(self.dbname, safe='')}?schema={self.schema}"
        )

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``psycopg.connect``."""
        return {
            "dbname": self.dbname,
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "connect_timeout": self.connect_timeout,
            "application_name": self.application_name,
        }

    def eventsourcing_env(self, factory_topic: str) -> dict[str, str]:
        return _prefixed(
            {
                "PERSISTENCE_MODULE": factory_topic,
                "POSTGRES_DBNAME": self.dbname,
                "POSTGRES_HOST": self.host,
                "POSTGRES_PORT": str(self.port),
                "POSTGRES_USER": self.user,
                "POSTGRES_PASSWORD": self.password,
                "POSTGRES_GET_PASSWORD_TOPIC": "",
                "POSTGRES_SCHEMA": self.schema,
                "POSTGRES_POOL_SIZE": str(self.pool_size),
                "POSTGRES_MAX_OVERFLOW": str(self.max_overflow),
                "POSTGRES_CONNECT_TIMEOUT": str(self.connect_timeout),
                "POSTGRES_LOCK_TIMEOUT": str(self.lock_timeout),
                "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(
                    self.idle_in_transaction_session_timeout
                ),
                "POSTGRES_APPLICATION_NAME": self.application_name,
                "POSTGRES_ENABLE_DB_FUNCTIONS": "no",
                "ORIGINATOR_ID_TYPE": "uuid",
                "CREATE_TABLE": "yes",
            }
        )


@dataclass(frozen=True)
class StoreLocation:
    """A parsed location: exactly one of ``sqlite_path`` and ``postgres`` is set."""

    display: str
    sqlite_path: str | None = None
    postgres: PostgresSettings | None = None

    @property
    def kind(self) -> str:
        return "postgres" if self.postgres is not None else "sqlite"

    def sqlite_env(self) -> dict[str, str]:
        assert self.sqlite_path is not None
        return _prefixed(
            {
                "PERSISTENCE_MODULE": SQLITE_FACTORY_TOPIC,
                "SQLITE_DBNAME": self.sqlite_path,
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        )


def _prefixed(settings: dict[str, str]) -> dict[str, str]:
    """Both the plain and the application-prefixed key, so that nothing in ``os.environ``
    (which ``eventsourcing`` merges in, prefixed keys first) overrides the location."""
    env = dict(settings)
    env.update({APP_PREFIX + key: value for key, value in settings.items()})
    return env


# --- parsing -------------------------------------------------------------------------
_INT_PARAMS = {
    "pool_size": (0, 1000),
    "max_overflow": (0, 1000),
    "connect_timeout": (1, 3600),
    "lock_timeout": (0, 86400),
    "idle_in_transaction_session_timeout": (0, 86400),
}
_ENV_KEYS = {
    "pool_size": "POSTGRES_POOL_SIZE",
    "max_overflow": "POSTGRES_MAX_OVERFLOW",
    "connect_timeout": "POSTGRES_CONNECT_TIMEOUT",
    "lock_timeout": "POSTGRES_LOCK_TIMEOUT",
    "idle_in_transaction_session_timeout": "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT",
    "application_name": "POSTGRES_APPLICATION_NAME",
}


def _mask(text: str) -> str:
    """``text`` with any password in a URL's user part removed."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", text)


def _fail(location: str, problem: str) -> StoreLocationError:
    return StoreLocationError(f"store location {_mask(location)!r}: {problem}")


def _with_options(
    settings: PostgresSettings, options: Mapping[str, str], location: str, source: str
) -> PostgresSettings:
    changes: dict[str, Any] = {}
    for name, raw in options.items():
        value = raw.strip()
        if name == "schema":
            if not _IDENTIFIER.fullmatch(value):
                raise _fail(
                    location,
                    f"{source} schema {value!r} is not a plain identifier "
                    "(letters, digits and _, at most 63 characters, not starting with a digit)",
                )
            changes["schema"] = value
        elif name == "application_name":
            if not _APP_NAME.fullmatch(value):
                raise _fail(location, f"{source} application_name {value!r} is not allowed")
            changes["application_name"] = value
        elif name in _INT_PARAMS:
            low, high = _INT_PARAMS[name]
            try:
                number = int(value)
            except ValueError:
                number = low - 1
            if not low <= number <= high:
                raise _fail(
                    location, f"{source} {name}={raw!r}: expected a whole number {low}..{high}"
                )
            changes[name] = number
        else:
            known = ", ".join(["schema", *_INT_PARAMS, "application_name"])
            raise _fail(location, f"unknown parameter {name!r} (known: {known})")
    return replace(settings, **changes)


def _parse_postgres_url(text: str) -> StoreLocation:
    parts = urlsplit(text)
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname or "/" in dbname:
        raise _fail(text, "name the database: postgresql://USER@HOST:PORT/DBNAME?schema=NAME")
    try:
        port = parts.port or 5432
    except ValueError:
        raise _fail(text, "the port is not a number between 1 and 65535") from None
    settings = PostgresSettings(
        dbname=dbname,
        host=parts.hostname or "localhost",
        port=port,
        user=unquote(parts.username) if parts.username else _default_user(),
        password=unquote(parts.password) if parts.password else "",
    )
    options: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name in options:
            raise _fail(text, f"parameter {name!r} is given twice")
        options[name] = value
    if parts.fragment:
        raise _fail(text, "a store URL has no #fragment")
    settings = _with_options(settings, options, text, "parameter")
    return StoreLocation(display=settings.display(), postgres=settings)


def _env_get(environ: Mapping[str, str], key: str) -> str | None:
    for name in (APP_PREFIX + key, key):
        value = environ.get(name)
        if value is not None:
            return value
    return None


def _parse_env(text: str, environ: Mapping[str, str]) -> StoreLocation:
    module = (_env_get(environ, "PERSISTENCE_MODULE") or "").strip()
    if module in ("eventsourcing.sqlite", "sqlite"):
        path = (_env_get(environ, "SQLITE_DBNAME") or "").strip()
        if not path:
            raise _fail(
                text, "PERSISTENCE_MODULE is eventsourcing.sqlite but SQLITE_DBNAME is unset"
            )
        return StoreLocation(display=path, sqlite_path=path)
    if module not in ("eventsourcing.postgres", "postgres"):
        raise _fail(
            text,
            f"PERSISTENCE_MODULE is {repr(module) if module else 'unset'}: set it to "
            "eventsourcing.postgres (with POSTGRES_DBNAME, POSTGRES_HOST, ...) "
            "or eventsourcing.sqlite (with SQLITE_DBNAME)",
        )
    dbname = (_env_get(environ, "POSTGRES_DBNAME") or "").strip()
    if not dbname:
        raise _fail(
            text, "PERSISTENCE_MODULE is eventsourcing.postgres but POSTGRES_DBNAME is unset"
        )
    port_text = (_env_get(environ, "POSTGRES_PORT") or "5432").strip()
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise _fail(text, f"POSTGRES_PORT {port_text!r} is not a port number")
    settings = PostgresSettings(
        dbname=dbname,
        host=(_env_get(environ, "POSTGRES_HOST") or "").strip() or "localhost",
        port=int(port_text),
        user=(_env_get(environ, "POSTGRES_USER") or "").strip() or _default_user(),
        password=_env_get(environ, "POSTGRES_PASSWORD") or "",
    )
    options = {"schema": (_env_get(environ, "POSTGRES_SCHEMA") or "").strip() or "public"}
    for name, key in _ENV_KEYS.items():
        value = _env_get(environ, key)
        if value is not None and value.strip():
            options[name] = value
    settings = _with_options(settings, options, text, "environment variable")
    return StoreLocation(display=settings.display(), postgres=settings)


def parse_store_location(
    location: str | Path, environ: Mapping[str, str] | None = None
) -> StoreLocation:
    """Parse one of the forms in this module's docstring (``environ`` defaults to the
    process environment and is only read for ``env:``)."""
    if isinstance(location, Path):
        return StoreLocation(display=str(location), sqlite_path=str(location))
    text = location.strip()
    if not text:
        raise StoreLocationError("the store location is empty: give a SQLite file or a URL")
    scheme = text.partition(":")[0].lower()
    if text.lower() == ENV_LOCATION or text.lower() == "env":
        return _parse_env(text, os.environ if environ is None else environ)
    if scheme in ("postgresql", "postgres") and text[len(scheme) :].startswith("://"):
        return _parse_postgres_url(text)
    if text.startswith("sqlite:///"):
        path = text[len("sqlite:///") :]
        if not path:
            raise _fail(text, "name the SQLite file after sqlite:///")
        return StoreLocation(display=path, sqlite_path=path)
    if "://" in text:
        raise _fail(
            text,
            "unsupported store location: give a SQLite file path, a sqlite:/// URL, "
            "a postgresql:// URL or env:",
        )
    return StoreLocation(display=text, sqlite_path=text)
