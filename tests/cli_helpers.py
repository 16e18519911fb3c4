"""Running the CLI in-process and fingerprinting a store file, shared by the CLI tests."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from nnd_competence.adapters.cli.main import main


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one ``nnd-competence`` invocation."""
    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    out, err = capsys.readouterr()
    code = stop.value.code
    return (code if isinstance(code, int) else 1), out, err


def digest(path: Path) -> str:
    """The store's whole content (events and views) as SQLite dumps it: equal digests
    mean nothing was written."""
    with sqlite3.connect(path) as db:
        return hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()
