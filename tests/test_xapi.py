"""Learning records from Atomakademiet (xAPI): training requests completed, competences
recorded, unknown people and activities listed, re-imports changing nothing."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli_helpers import cli, digest
from conftest import ACTORS, CATALOGUE, T0, hire_operator
from nnd_competence import CompetenceStore, open_store
from nnd_competence.adapters.xapi import parse_mapping, parse_statements, read_mapping
from nnd_competence.application import commands as c
from nnd_competence.application.clock import FixedClock
from nnd_competence.application.learning_records import (
    LearningFormatError,
    LearningImportReport,
    Outcome,
    import_learning_records,
)
from nnd_competence.application.projections.completion import training_requests
from nnd_competence.domain import ids
from nnd_competence.domain.competence_plan import MeasureKind
from nnd_competence.domain.employee import HoldingSource

DATA = Path(__file__).parent / "data" / "xapi"
STATEMENTS = DATA / "academy-statements.json"
MAPPING = DATA / "activity-mapping.toml"
ACT = "https://atomakademiet.nnd.no/xapi/activities/"
HOME = "https://lrs.atomakademiet.nnd.no"
OPERATORS = [f"200{i:02d}" for i in range(1, 11)]


def rp_request(number: str) -> UUID:
    return ids.onboarding_request_id(number, CATALOGUE.rp)


def setup_academy(org: CompetenceStore) -> CompetenceStore:
    """Ten operators hired in January; each got an onboarding radiation-protection request.

    20001 also has a nuclear-safety request; 20002's RP request is received, 20003's has
    its measure chosen; 20005's was cancelled; 20010 left on 15 February.
    """
    for number in OPERATORS:
        hire_operator(org, number)
    org.execute(
        c.ReportTrainingNeed(
            employee_number="20001", competence_code=CATALOGUE.nuc, target_level=2
        ),
        ACTORS.manager,
    )
    org.execute(c.ReceiveTrainingRequest(request_id=rp_request("20002")), ACTORS.officer)
    org.execute(c.ReceiveTrainingRequest(request_id=rp_request("20003")), ACTORS.officer)
    org.execute(
        c.ChooseMeasure(
            request_id=rp_request("20003"),
            kind=MeasureKind.COURSE,
            title="Strålevern – grunnkurs, februar",  # noqa: RUF001
        ),
        ACTORS.officer,
    )
    org.execute(
        c.CancelTrainingRequest(request_id=rp_request("20005"), reason="Holds a certificate"),
        ACTORS.officer,
    )
    org.execute(c.RegisterLeaving(employee_number="20010", end_date=date(2026, 2, 15)), ACTORS.hr)
    return org


@pytest.fixture
def academy(org: CompetenceStore) -> CompetenceStore:
    return setup_academy(org)


def run_import(store: CompetenceStore, path: Path = STATEMENTS) -> LearningImportReport:
    records, notes = parse_statements(path.read_bytes(), source=path.name)
    return import_learning_records(
        store, records, read_mapping(MAPPING), ACTORS.officer, notes=notes
    )


def request_rows(store: CompetenceStore) -> dict[tuple[str, str], list[Any]]:
    store.catch_up()
    rows: dict[tuple[str, str], list[Any]] = {}
    for row in training_requests(store.views):
        rows.setdefault((row.employee_number, row.competence_code), []).append(row)
    return rows


def test_acceptance_realistic_file_completes_the_right_requests(academy: CompetenceStore) -> None:
    report = run_import(academy)

    rows = request_rows(academy)
    status = {key: [(r.status, r.result) for r in found] for key, found in rows.items()}
    rp, nuc = CATALOGUE.rp, CATALOGUE.nuc
    assert status[("20001", rp)] == [("completed", "completed")]
    assert status[("20001", nuc)] == [("completed", "passed")]
    assert status[("20002", rp)] == [("completed", "passed")]
    assert status[("20003", rp)] == [("completed", "passed")]
    assert status[("20004", rp)] == [("completed", "failed")]  # completed, success false
    assert status[("20005", rp)] == [("cancelled", None)]
    assert status[("20006", rp)] == [("completed", "failed")]
    assert status[("20007", rp)] == [("completed", "passed")]  # by mapped e-mail
    assert status[("20008", rp)] == [("completed", "completed")]
    assert status[("20009", rp)] == [("reported", None)]  # no statement for it
    assert status[("20010", rp)] == [("cancelled", None)]  # left: cancelled by policy

    # The import received the requests and chose the measure as the competence officer.
    request = academy.app.training_request(rp_request("20001"))
    assert request.officer == ACTORS.officer.employee_number
    assert request.measure is not None
    assert request.measure.kind is MeasureKind.COURSE
    assert request.measure.title == "Strålevern – grunnkurs"  # noqa: RUF001
    elearning = academy.app.training_request(rp_request("20002")).measure
    assert elearning is not None and elearning.kind is MeasureKind.E_LEARNING
    assert elearning.title == "Strålevern (e-læring)"  # from the statement's activity name
    chosen_before = academy.app.training_request(rp_request("20003")).measure
    assert chosen_before is not None and chosen_before.title.endswith("februar")

    # Without an open request the competence is recorded instead.
    holdings = {n: academy.app.employee(n).holdings for n in OPERATORS}
    assert holdings["20005"][rp].source is HoldingSource.TRAINING
    assert holdings["20005"][rp].acquired_on == date(2026, 2, 5)
    assert holdings["20005"][rp].valid_until == date(2028, 2, 5)  # RP is valid 24 months
    assert holdings["20009"][CATALOGUE.lead].level == 1
    assert holdings["20009"][nuc].level == 2  # the mapping's level
    assert holdings["20006"][CATALOGUE.lead].acquired_on == date(2026, 2, 12)  # from 'stored'
    assert rp not in holdings["20004"] and rp not in holdings["20006"]  # failed
    assert holdings["20008"][rp].training_request_id == rp_request("20008")
    evidence = holdings["20001"][rp].evidence or ""
    assert evidence.startswith("xAPI statement ") and "completed" in evidence

    # Unknown people and activities are listed, never guessed.
    unknown = {(line.outcome, line.learner, line.activity_id) for line in report.needs_attention}
    assert unknown == {
        (Outcome.UNKNOWN_PERSON, f"account 77777@{HOME}", ACT + "stralevern-grunnkurs"),
        (Outcome.UNKNOWN_PERSON, "mbox u…@nnd.no", ACT + "stralevern-elaering"),
        (
            Outcome.UNKNOWN_PERSON,
            "account 20009@https://moodle.example.org",
            ACT + "lederutvikling",
        ),
        (
            Outcome.UNKNOWN_PERSON,
            "a hashed e-mail address (mbox_sha1sum)",
            ACT + "kjernesikkerhet-1",
        ),
        (Outcome.UNKNOWN_ACTIVITY, f"account 20009@{HOME}", ACT + "brannvern"),
        (
            Outcome.UNKNOWN_ACTIVITY,
            f"account 20003@{HOME}",
            "https://lms.example.org/course/view.php?id=999",
        ),
        (Outcome.REFUSED, f"account 20010@{HOME}", ACT + "stralevern-grunnkurs"),
    }
    refused = next(line for line in report.lines if line.outcome is Outcome.REFUSED)
    assert "left" in refused.detail
    assert sum(report.counts.values()) == 51
    assert report.events_written > 0


def test_acceptance_importing_again_changes_nothing(academy: CompetenceStore) -> None:
    first = run_import(academy)
    events = academy.event_count()
    second = run_import(academy)

    assert academy.event_count() == events
    assert second.events_written == 0
    changed = {Outcome.COMPLETED_REQUEST, Outcome.RECORDED}
    assert not [line for line in second.lines if line.outcome in changed]
    assert second.count(Outcome.ALREADY_IMPORTED) == first.count(
        Outcome.COMPLETED_REQUEST
    ) + first.count(Outcome.RECORDED)
    # The unknown ones are listed again, the same way.
    assert [(x.index, x.outcome) for x in second.needs_attention] == [
        (x.index, x.outcome) for x in first.needs_attention
    ]


def test_counts_per_outcome(academy: CompetenceStore) -> None:
    report = run_import(academy)
    assert report.counts == {
        "completed_request": 8,
        "recorded_competence": 4,
        "already_held": 1,
        "duplicate_in_file": 2,
        "unknown_person": 4,
        "unknown_activity": 2,
        "ignored_verb": 27,
        "voided": 2,
        "refused": 1,
    }


def test_a_crash_half_way_is_finished_by_the_next_import(academy: CompetenceStore) -> None:
    """Receive and measure were stored, completion was not: the re-run completes it."""
    records, _ = parse_statements(STATEMENTS.read_bytes())
    completing = next(
        r for r in records if r.learner.account_name == "20001" and r.verb_id.endswith("completed")
    )
    request_id = rp_request("20001")
    academy.execute(
        c.ReceiveTrainingRequest(
            command_id=f"xapi:{completing.key}:receive", request_id=request_id
        ),
        ACTORS.officer,
    )
    report = import_learning_records(academy, [completing], read_mapping(MAPPING), ACTORS.officer)
    assert report.lines[0].outcome is Outcome.COMPLETED_REQUEST
    assert academy.app.training_request(request_id).result is not None


def test_failed_without_an_open_request_changes_nothing(org: CompetenceStore) -> None:
    hire_operator(org, "30001")
    org.execute(
        c.CancelTrainingRequest(request_id=rp_request("30001"), reason="Exempt"), ACTORS.officer
    )
    statement = {
        "id": "7c4d6a5e-1111-4222-8333-944445555666",
        "actor": {"account": {"homePage": HOME, "name": "30001"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"},
        "object": {"id": ACT + "stralevern-grunnkurs"},
        "timestamp": "2026-02-20T10:00:00+01:00",
    }
    events = org.event_count()
    records, _ = parse_statements(json.dumps([statement]))
    report = import_learning_records(org, records, read_mapping(MAPPING), ACTORS.officer)
    assert report.lines[0].outcome is Outcome.FAILED_WITHOUT_REQUEST
    assert org.event_count() == events


def test_leading_zeros_of_the_employee_number_are_normalised(org: CompetenceStore) -> None:
    hire_operator(org, "30002")
    statement = {
        "actor": {"account": {"homePage": HOME, "name": "0030002"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
        "object": {"id": ACT + "lederutvikling"},
        "timestamp": "2026-02-20T10:00:00Z",
    }
    records, _ = parse_statements(json.dumps(statement))
    assert records[0].key.startswith("sha256:")
    report = import_learning_records(org, records, read_mapping(MAPPING), ACTORS.officer)
    assert report.lines[0].outcome is Outcome.RECORDED
    assert report.lines[0].employee_number == "30002"


def test_mapping_naming_an_unknown_competence_is_refused_before_anything(
    org: CompetenceStore,
) -> None:
    mapping = parse_mapping({"activities": {ACT + "x": "NO-SUCH-COMPETENCE"}})
    records, _ = parse_statements(STATEMENTS.read_bytes())
    events = org.event_count()
    with pytest.raises(LearningFormatError, match=r"activity '.*x'.*NO-SUCH-COMPETENCE"):
        import_learning_records(org, records, mapping, ACTORS.officer)
    assert org.event_count() == events


def test_an_lrs_export_with_more_pages_is_noted() -> None:
    records, notes = parse_statements(
        json.dumps({"statements": [], "more": "/xapi/statements?more=abc"})
    )
    assert records == [] and "more pages" in notes[0]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{", "not valid JSON"),
        ('{"x": 1}', "expected a JSON array"),
        ('{"statements": {}}', "field 'statements': expected an array"),
        ("[1]", "statement 1: expected an object, got a number"),
        ('[{"verb": {"id": "v"}, "object": {"id": "o"}}]', "statement 1, field 'actor': missing"),
        (
            '[{"id": "nope", "actor": {"mbox": "mailto:a@b"}}]',
            r"statement 1 \(id nope\), field 'id': 'nope' is not a UUID",
        ),
        (
            '[{"actor": {"name": "x"}, "verb": {"id": "v"}, "object": {"id": "o"}}]',
            "field 'actor': no identifier",
        ),
        (
            '[{"actor": {"account": {"name": "1"}}, "verb": {"id": 3}, "object": {"id": "o"}}]',
            "field 'verb.id': expected a string, got a number",
        ),
        (
            '[{"actor": {"account": {"name": "1"}}, "verb": {"id": "v"}, "object": {"id": "o"},'
            ' "timestamp": "yesterday"}]',
            "field 'timestamp': 'yesterday' is not an ISO 8601",
        ),
        (
            '[{"actor": {"account": {"name": "1"}}, "verb": {"id": "v"}, "object": {"id": "o"}}]',
            "field 'stored': missing",
        ),
        ('["\\ud800"]', "statement 1: expected an object"),
        ('[{"actor": "\\ud800"}]', "not valid Unicode"),
    ],
)
def test_malformed_statements_are_named(document: str, message: str) -> None:
    with pytest.raises(LearningFormatError, match=message):
        parse_statements(document)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({}, "activities: give at least one"),
        ({"activities": {"x": 5}}, "expected a competence code or a table"),
        ({"activities": {"x": "bad code!"}}, r"activities\.x\.competence: code 'BAD CODE!'"),
        ({"activities": {"x": {"competence": "A", "level": 0}}}, r"activities\.x\.level"),
        ({"activities": {"x": "A"}, "academy": {"colour": 1}}, "academy.colour: unknown"),
        ({"activities": {"x": "A"}, "academy": {"default_measure_kind": "x"}}, "academy"),
        ({"activities": {"x": "A"}, "actors": {"a@b": "not a number"}}, r"actors\.mailto:a@b"),
        ({"activities": {"x": "A"}, "extra": {}}, "unknown section 'extra'"),
    ],
)
def test_bad_mappings_are_named(document: dict[str, Any], message: str) -> None:
    with pytest.raises(LearningFormatError, match=message):
        parse_mapping(document)


# --- no input crashes the parser ---------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "actor",
                    "verb",
                    "object",
                    "account",
                    "name",
                    "homePage",
                    "mbox",
                    "objectType",
                    "timestamp",
                    "stored",
                    "result",
                    "success",
                    "definition",
                    "statements",
                    "more",
                ]
            )
            | st.text(max_size=5),
            children,
            max_size=6,
        )
    ),
    max_leaves=25,
)


def _statementish() -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {
            "actor": st.one_of(
                json_values,
                st.fixed_dictionaries(
                    {
                        "account": st.fixed_dictionaries(
                            {"name": json_values, "homePage": json_values}
                        )
                    }
                ),
            ),
            "verb": st.one_of(json_values, st.fixed_dictionaries({"id": json_values})),
            "object": st.one_of(json_values, st.fixed_dictionaries({"id": json_values})),
        },
        optional={"id": json_values, "timestamp": json_values | st.text(max_size=30)},
    )


@given(st.one_of(json_values, st.lists(_statementish(), max_size=3)))
def test_no_json_document_crashes_the_parser(document: Any) -> None:
    try:
        records, _ = parse_statements(json.dumps(document))
    except LearningFormatError as error:
        assert str(error)
    else:
        assert all(r.key for r in records)


@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_no_bytes_crash_the_parser(data: bytes) -> None:
    try:
        parse_statements(data)
    except LearningFormatError as error:
        assert str(error)


@given(json_values)
def test_no_mapping_crashes_the_mapping_reader(document: Any) -> None:
    try:
        parse_mapping(document)
    except LearningFormatError as error:
        assert str(error)


# --- the command line -------------------------------------------------------------------
@pytest.fixture
def academy_file(tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite"
    with open_store(path, clock=FixedClock(T0)) as store:
        CATALOGUE.install(store, ACTORS.hr)
        store.execute(
            c.HireEmployee(
                employee_number=ACTORS.manager.employee_number,
                unit=CATALOGUE.unit,
                position=CATALOGUE.manager_position,
                start_date=date(2015, 1, 1),
            ),
            ACTORS.hr,
        )
        setup_academy(store)
    return path


OFFICER = "90002:competence_officer"


def test_cli_import_xapi_twice(
    capsys: pytest.CaptureFixture[str], academy_file: Path, tmp_path: Path
) -> None:
    base = ["--store", str(academy_file), "--actor", OFFICER, "import", "xapi"]
    report_file = tmp_path / "report.json"
    code, out, err = cli(
        capsys, *base, str(STATEMENTS), "--mapping", str(MAPPING), "--report", str(report_file)
    )
    assert (code, err) == (0, "")
    assert "51 statement(s) read from academy-statements.json" in out
    assert "8 training request(s) completed, 4 competence(s) recorded" in out
    assert "Statements that need attention" in out and "77777" in out and "brannvern" in out
    saved = json.loads(report_file.read_text(encoding="utf-8"))
    assert len(saved["lines"]) == 51
    with open_store(academy_file) as store:
        events = store.event_count()
    code, out, _ = cli(capsys, *base, str(STATEMENTS), "--mapping", str(MAPPING))
    assert code == 0 and "12 already imported" in out and "0 event(s) written" in out
    with open_store(academy_file) as store:
        assert store.event_count() == events
    assert "training request(s) completed" not in out


@pytest.mark.parametrize(
    ("statements", "mapping", "message"),
    [
        ('[{"actor": {}}]', None, "statement 1, field 'actor': no identifier"),
        ("not json", None, "not valid JSON"),
        (None, '[activities]\n"x" = "NOPE"\n', "activity 'x'.*'NOPE' is not in the catalogue"),
        (None, "[activities\n", "not valid TOML"),
        (None, "missing", "cannot be read"),
    ],
)
def test_cli_bad_input_is_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
    academy_file: Path,
    tmp_path: Path,
    statements: str | None,
    mapping: str | None,
    message: str,
) -> None:
    statements_file, mapping_file = STATEMENTS, MAPPING
    if statements is not None:
        statements_file = tmp_path / "statements.json"
        statements_file.write_text(statements, encoding="utf-8")
    if mapping == "missing":
        mapping_file = tmp_path / "nowhere.toml"
    elif mapping is not None:
        mapping_file = tmp_path / "mapping.toml"
        mapping_file.write_text(mapping, encoding="utf-8")
    cli(capsys, "--store", str(academy_file), "training", "list")  # views up to date
    before = digest(academy_file)
    code, _, err = cli(
        capsys,
        "--store",
        str(academy_file),
        "--actor",
        OFFICER,
        "import",
        "xapi",
        str(statements_file),
        "--mapping",
        str(mapping_file),
    )
    assert code != 0 and re.search(message, err), err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert digest(academy_file) == before
