"""``nnd-competence sync hr`` against the fake DFØ on 127.0.0.1: summary of what changed,
exit code 3 when records were rejected, and one line (no traceback) for bad input."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from dfo_fake_server import API_KEY, FakeDfo, serving
from nnd_competence.adapters.cli.main import main

KEY_ENV = "NND_TEST_DFO_KEY"


@pytest.fixture
def dfo(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDfo]:
    monkeypatch.setenv(KEY_ENV, API_KEY)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("NND_COMPETENCE_ACTOR", raising=False)
    with serving() as fake:
        yield fake


def run(capsys: pytest.CaptureFixture[str], store: Path, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(["--store", str(store), "sync", "hr", *args])
    out, err = capsys.readouterr()
    code = stop.value.code
    return (code if isinstance(code, int) else 1), out, err


def test_sync_hr_prints_what_changed(
    dfo: FakeDfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "cli.sqlite"
    base = ["--base-url", dfo.base_url, "--api-key-env", KEY_ENV]

    code, out, err = run(capsys, store, *base, "--full", "--as-of", "2026-03-02")

    assert code == 3, err  # done, but employee 10050 was rejected
    assert err == ""
    assert "DFØ HR sync" in out and "Rejected (nothing of these was applied)" in out
    full_row = next(line for line in out.splitlines() if "│ full" in line)
    assert [cell.strip() for cell in full_row.split("│")[1:-1]] == [
        "full", "2026-03-02", "18", "0", "0", "0", "2", "0", "1", "1", "0",
    ]  # fmt: skip
    assert "employee 10050" in out and "startdato" in out

    code, out, err = run(
        capsys, store, *base, "--apply-due", "--as-of", "2026-06-01", "--format", "json"
    )
    assert (code, err) == (0, "")
    [due] = json.loads(out)
    assert {(c["action"], c["employee_number"]) for c in due["changes"]} == {
        ("hired", "10060"),
        ("left", "10033"),
    }

    notes = tmp_path / "meldinger.json"
    message = {"id": "m-1", "uri": "ansatte/10077", "gyldigEtter": "2026-06-01"}
    notes.write_text(json.dumps([message, message]))
    code, out, err = run(capsys, store, *base, "--notifications", str(notes), "--format", "json")
    assert (code, err) == (0, "")
    reports = {r["mode"]: r for r in json.loads(out)}
    assert reports["notifications"]["duplicates"] == 1
    assert [c["action"] for c in reports["notifications"]["changes"]] == ["gone"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([], 2, "say what to do: --full, --notifications FILE and/or --apply-due"),
        (["--full", "--as-of", "2026-02-30"], 2, "'2026-02-30' is not a date in YYYY-MM-DD"),
        (["--full", "--as-of", "2999-01-01"], 1, "--as-of 2999-01-01 lies after today"),
        (["--full", "--api-key-env", "NND_TEST_NO_SUCH_VARIABLE"], 2,
         "the environment variable NND_TEST_NO_SUCH_VARIABLE is not set or empty"),
        (["--full", "--base-url", "ftp://dfo.example/"], 1, "must start with http:// or https://"),
        (["--notifications", "no-such-file.json"], 2, "no-such-file.json: No such file"),
        (["--full", "--code-map", "{missing}"], 2, "No such file or directory"),
        (["--full", "--base-url", "http://127.0.0.1:{port}/", "--attempts", "1"], 1,
         "DFØ did not answer GET orgenhet after 1 attempts (last: could not connect"),
    ],
)  # fmt: skip
def test_bad_input_gives_one_line_and_no_traceback(
    dfo: FakeDfo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    message: str,
) -> None:
    args = [a.format(port=_free_port(), missing=tmp_path / "none.json") for a in args]
    base = {"--base-url": dfo.base_url, "--api-key-env": KEY_ENV}
    for option, value in base.items():
        if option not in args:
            args = [option, value, *args]

    got, out, err = run(capsys, tmp_path / "cli.sqlite", *args)

    assert got == code
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
    assert "Traceback" not in err + out and API_KEY not in err + out
