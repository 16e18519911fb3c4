"""The command line as HR and managers use it: real store file, real entry point.

Bad input must give one line naming what was wrong, a non-zero exit, no traceback, and
leave the store exactly as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import digest
from nnd_competence.adapters.cli.main import main

HR = "10001:hr"


def run(store: Path, *args: str, actor: str | None = HR) -> tuple[int, str, str]:
    argv = ["--store", str(store)]
    if actor:
        argv += ["--actor", actor]
    result = subprocess.run(
        [sys.executable, "-m", "nnd_competence.adapters.cli.main", *argv, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "NND_COMPETENCE_ACTOR": ""},
        timeout=60,
    )
    return result.returncode, result.stdout, result.stderr


def run_in_process(
    capsys: pytest.CaptureFixture[str], store: Path, *args: str, actor: str | None = HR
) -> tuple[int, str, str]:
    argv = ["--store", str(store)] + (["--actor", actor] if actor else []) + list(args)
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    code = stop.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("cli") / "store.sqlite"
    steps = [
        [
            "catalogue",
            "add",
            "RP-BASIC",
            "--name-nb",
            "Strålevern grunnkurs",
            "--category",
            "safety",
            "--scale",
            "certificate",
            "--validity-months",
            "36",
        ],
        ["catalogue", "add", "PM", "--name-nb", "Prosjektledelse", "--category", "leadership"],
        [
            "catalogue",
            "require",
            "RP-BASIC",
            "--level",
            "1",
            "--position",
            "OPERATOR",
            "--mandatory-at-onboarding",
        ],
        [
            "employee",
            "hire",
            "10001",
            "--unit",
            "HR",
            "--position",
            "ADVISER",
            "--start-date",
            "2020-01-01",
        ],
        [
            "employee",
            "hire",
            "10002",
            "--unit",
            "OPS",
            "--position",
            "OPERATOR",
            "--start-date",
            "2026-01-05",
            "--manager",
            "10001",
            "--name",
            "Ola Testesen",
        ],
        [
            "cycle",
            "start",
            "2026",
            "--employee-conversation-by",
            "2026-02-01",
            "--gd1-by",
            "2026-06-01",
            "--gd2-by",
            "2026-10-01",
        ],
    ]
    for step in steps:
        code, out, err = run(store, *step)
        assert code == 0, (step, out, err)
    return store


BAD_INPUT = [
    (
        [
            "employee",
            "hire",
            "10003",
            "--unit",
            "OPS",
            "--position",
            "OPERATOR",
            "--start-date",
            "2026-06-31",
        ],
        "--start-date '2026-06-31'",
    ),
    (
        [
            "employee",
            "hire",
            "10003",
            "--unit",
            "OPS",
            "--position",
            "OPERATOR",
            "--start-date",
            "31.06.2026",
        ],
        "--start-date",
    ),
    (
        [
            "employee",
            "hire",
            "10002",
            "--unit",
            "OPS",
            "--position",
            "OPERATOR",
            "--start-date",
            "2026-01-05",
        ],
        "employee 10002 is already registered",
    ),
    (
        ["employee", "record", "10002", "NOPE", "--level", "1", "--acquired", "2026-02-01"],
        "'NOPE' is not in the catalogue",
    ),
    (
        ["employee", "record", "99999", "RP-BASIC", "--level", "1", "--acquired", "2026-02-01"],
        "employee 99999 does not exist",
    ),
    (
        ["employee", "record", "10002", "RP-BASIC", "--level", "3", "--acquired", "2026-02-01"],
        "level 3 is not on the scale of competence RP-BASIC",
    ),
    (
        ["employee", "record", "10002", "RP-BASIC", "--level", "x", "--acquired", "2026-02-01"],
        "--level",
    ),
    (["employee", "record", "10002", "PM", "--level", "0", "--acquired", "2026-02-01"], "--level"),
    (
        ["employee", "record", "10002", "PM", "--level", "2", "--acquired", "2026-02-30"],
        "--acquired '2026-02-30'",
    ),
    (
        ["employee", "transfer", "10002", "--effective", "2026-13-01", "--unit", "HR"],
        "--effective '2026-13-01'",
    ),
    (
        ["employee", "transfer", "10002", "--effective", "2026-03-01", "--manager", "77777"],
        "manager 77777 is not a registered employee",
    ),
    (
        [
            "plan",
            "hold",
            "10002",
            "2026",
            "goal_and_development_2",
            "--on",
            "2026-02-01",
            "--topic",
            "safety",
        ],
        "goal-and-development 2 cannot be held before",
    ),
    (
        [
            "plan",
            "hold",
            "10002",
            "2026",
            "employee_conversation",
            "--on",
            "2026-02-01",
            "--topic",
            "gossip",
        ],
        "--topic 'gossip'",
    ),
    (
        [
            "plan",
            "hold",
            "55555",
            "2026",
            "employee_conversation",
            "--on",
            "2026-02-01",
            "--topic",
            "safety",
        ],
        "employee 55555 does not exist",
    ),
    (
        [
            "plan",
            "goal",
            "10002",
            "2026",
            "G1",
            "--description",
            "Lære kran",
            "--deadline",
            "2026-09-01",
            "--competence",
            "CRANE",
            "--level",
            "1",
            "--measure",
            "course:Krankurs",
        ],
        "'CRANE' is not in the catalogue",
    ),
    (
        [
            "plan",
            "goal",
            "10002",
            "2026",
            "G1",
            "--description",
            "Lære PM",
            "--deadline",
            "2026-09-01",
            "--competence",
            "PM",
            "--level",
            "2",
        ],
        "--measure",
    ),
    (["training", "complete", "not-a-uuid", "--on", "2026-02-01"], "request id 'not-a-uuid'"),
    (["catalogue", "add", "X1", "--name-nb", "X", "--category", "magic"], "'magic'"),
    (["report", "gaps", "--as-of", "2026-02-30"], "--as-of '2026-02-30'"),
    (["audit", "424242"], "employee 424242 is not registered"),
    (
        [
            "employee",
            "hire",
            "bad number!",
            "--unit",
            "OPS",
            "--position",
            "X",
            "--start-date",
            "2026-01-01",
        ],
        "employee number 'bad number!'",
    ),
    (["no-such-command"], "No such command"),
]


@pytest.mark.parametrize(
    ("args", "expected"), BAD_INPUT, ids=[" ".join(a[:2]) for a, _ in BAD_INPUT]
)
def test_bad_input_is_one_line_and_writes_nothing(
    populated: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    before = digest(populated)
    code, out, err = run_in_process(capsys, populated, *args)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "Traceback" not in err + out
    assert digest(populated) == before


def test_missing_actor_is_refused(
    populated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NND_COMPETENCE_ACTOR", raising=False)
    before = digest(populated)
    code, _, err = run_in_process(
        capsys, populated, "employee", "confirm", "10002", "--on", "2026-02-01", actor=None
    )
    assert code != 0 and "who is acting" in err and digest(populated) == before


def test_entry_point_prints_one_line_without_traceback(populated: Path) -> None:
    code, out, err = run(
        populated,
        "employee",
        "record",
        "10002",
        "RP-BASIC",
        "--level",
        "1",
        "--acquired",
        "2026-06-31",
    )
    assert code == 1
    assert err.strip().splitlines() == [
        "error: --acquired '2026-06-31': Input should be a valid date or datetime, "
        "day value is outside expected range"
    ]
    assert "Traceback" not in out + err


def test_process_steps_and_reports(populated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = populated
    code, out, _ = run_in_process(
        capsys,
        store,
        "plan",
        "hold",
        "10002",
        "2026",
        "employee_conversation",
        "--on",
        "2026-02-03",
        "--topic",
        "competence",
        "--topic",
        "safety",
        actor="10001:line_manager",
    )
    assert code == 0, out
    code, out, _ = run_in_process(
        capsys, store, "report", "conversations", "--format", "csv", "--as-of", "2026-03-01"
    )
    assert code == 0
    assert "OPS,10001,10002,held 2026-02-03" in out
    code, out, _ = run_in_process(
        capsys, store, "report", "gaps", "--format", "csv", "--as-of", "2026-03-01"
    )
    assert "OPS,10002,OPERATOR,RP-BASIC,Strålevern grunnkurs,1,0,missing," in out
    code, out, _ = run_in_process(
        capsys, store, "report", "completion", "--format", "json", "--as-of", "2026-03-01"
    )
    assert code == 0 and '"plans": 1' in out
    code, out, _ = run_in_process(capsys, store, "audit", "10002")
    assert code == 0
    assert "EmployeeHired" in out and "ConversationHeld" in out
    assert "Ola Testesen" not in out  # masked unless --show-personal
    code, out, _ = run_in_process(capsys, store, "audit", "10002", "--show-personal")
    assert "Ola Testesen" in out


def test_rebuild_gives_the_same_reports(
    populated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("report", "gaps", "--format", "json", "--as-of", "2026-03-01")
    _, before, _ = run_in_process(capsys, populated, *args)
    code, out, _ = run_in_process(capsys, populated, "rebuild")
    assert code == 0 and "rebuild finished" in out
    _, after, _ = run_in_process(capsys, populated, *args)
    assert before == after
