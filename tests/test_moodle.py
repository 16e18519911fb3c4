"""Moodle competency frameworks: import with the hierarchy intact, import twice without
change, export → import round trips, and clear errors for what cannot be read."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli_helpers import cli, digest
from conftest import ACTORS, CATALOGUE, T0
from nnd_competence import CompetenceStore, open_store
from nnd_competence.adapters.moodle_framework import (
    HEADERS,
    read_framework_csv,
    read_framework_file,
    rows_of,
    write_framework_csv,
)
from nnd_competence.application import commands as c
from nnd_competence.application.clock import FixedClock
from nnd_competence.application.frameworks import (
    CODE,
    Framework,
    FrameworkFormatError,
    code_for,
    export_framework,
    import_framework,
    plan_import,
    split_description,
)
from nnd_competence.domain.catalogue import Catalogue, Category, CompetenceDefinition
from nnd_competence.domain.errors import InvalidValue

FIXTURE = Path(__file__).parent / "data" / "moodle" / "nnd-core-competencies.csv"


@pytest.fixture(scope="module")
def framework() -> Framework:
    return read_framework_file(FIXTURE)


def catalogue_state(store: CompetenceStore) -> dict[str, CompetenceDefinition]:
    return dict(store.app.catalogue().competences)


def chain(catalogue: Catalogue, code: str) -> list[str]:
    path = [code]
    while (parent := catalogue.competences[path[-1]].parent_code) is not None:
        path.append(parent)
    return path


# --- acceptance 4 -----------------------------------------------------------------------
def test_acceptance_imports_with_the_hierarchy_intact(
    store: CompetenceStore, framework: Framework
) -> None:
    report = import_framework(store, framework, ACTORS.officer, source_name=FIXTURE.name)

    assert len(framework.items) + 1 >= 60
    assert report.root_code == "NND-CORE-2026"
    assert len(report.added) == len(framework.items) + 1 and not report.updated
    catalogue = store.app.catalogue()
    # Every row's parent in the file is its parent in the catalogue.
    code_of = {item.source_id: code_for(item.source_id) for item in framework.items}
    for item in framework.items:
        expected_parent = (
            code_of[item.parent_source_id] if item.parent_source_id else report.root_code
        )
        assert catalogue.competences[code_of[item.source_id]].parent_code == expected_parent
    # Four levels below the framework: indicator → competence → domain → domains → root.
    assert chain(catalogue, "S-RP-2") == [
        "S-RP-2",
        "RADIATION-PROTECTION",
        "SAFETY",
        "DOMAINS",
        "NND-CORE-2026",
    ]
    assert catalogue.competences["NND-CORE-2026"].parent_code is None
    # Multi-line HTML descriptions survive; the original id number is kept beside them.
    body, meta = split_description(catalogue.competences["ENGINEERING"].description)
    assert body == "<p>Planning and carrying out the dismantling of\nnuclear facilities.<br></p>"
    assert meta == {"id": "engineering", "export_id": "48"}
    root_body, root_meta = split_description(catalogue.competences["NND-CORE-2026"].description)
    assert root_body is not None and root_body.count("\n") == 4 and "<br>• Security" in root_body
    assert root_meta["taxonomy"] == "domain,competency,behaviour,behaviour"
    # Scales: from the lowest proficient item up; the certificate has its own.
    assert catalogue.competences["LEVEL-1"].scale.names == (
        "none",
        "Basic",
        "Independent",
        "Expert",
    )
    assert catalogue.competences["RADIATION-PROTECTION"].scale.names == ("none", "Certified")
    # Id numbers that are not codes get a deterministic code with a digest.
    piping = code_for("Rør og ventiler")
    assert re.fullmatch(r"ROR-OG-VENTILER-[0-9A-F]{8}", piping)
    assert catalogue.competences[piping].parent_code == "ENGINEERING"
    assert chain(catalogue, code_for("avfall/klassifisering"))[1:] == [
        "WASTE",
        "DOMAINS",
        "NND-CORE-2026",
    ]
    assert catalogue.competences["LEVELS"].category is Category.TECHNICAL


def test_acceptance_importing_twice_changes_nothing(
    store: CompetenceStore, framework: Framework
) -> None:
    import_framework(store, framework, ACTORS.officer)
    events = store.event_count()
    again = import_framework(store, framework, ACTORS.officer)
    assert store.event_count() == events
    assert (again.added, again.updated, again.events_written) == ([], [], 0)
    assert again.unchanged == len(framework.items) + 1


def test_acceptance_export_then_import_round_trips(
    store_factory: object, framework: Framework
) -> None:
    first = store_factory()  # type: ignore[operator]
    import_framework(first, framework, ACTORS.officer)
    exported = write_framework_csv(export_framework(first.app.catalogue()))

    # Into a fresh store: the same catalogue.
    second = store_factory()  # type: ignore[operator]
    import_framework(second, read_framework_csv(exported), ACTORS.officer)
    assert catalogue_state(second) == catalogue_state(first)
    # Into the same store: nothing changes.
    events = first.event_count()
    report = import_framework(first, read_framework_csv(exported), ACTORS.officer)
    assert first.event_count() == events and report.events_written == 0
    # And exporting again gives the same file.
    assert write_framework_csv(export_framework(second.app.catalogue())) == exported


def test_export_gives_back_moodle_s_fields(store: CompetenceStore, framework: Framework) -> None:
    import_framework(store, framework, ACTORS.officer)
    exported = rows_of(write_framework_csv(export_framework(store.app.catalogue())))
    original = rows_of(FIXTURE.read_text(encoding="utf-8"))
    assert tuple(exported[0]) == HEADERS == tuple(original[0])

    def normalised(rows: list[list[str]]) -> dict[str, list[str]]:
        # Short names are trimmed on import; row order becomes an outline.
        return {row[1]: [row[0], row[1], " ".join(row[2].split()), *row[3:]] for row in rows[1:]}

    assert normalised(list(exported)) == normalised(list(original))
    assert len(exported) == len(original)


def test_older_moodle_headers_and_any_column_order(store: CompetenceStore) -> None:
    old = (
        '"Id number","Parent id number",Shortname,Description,"Description format",'
        '"Scale values","Scale configuration","Rule type (optional)","Rule outcome (optional)",'
        '"Rule config (optional)","Cross referenced competency id numbers",'
        '"Exported id (optional)","Is framework",Taxonomy\n'
        'OECD-CORE,,OECD,"<p>Core</p>",1,"Not yet competent,Competent",'
        '"[{""scaleid"":""2""},{""id"":2,""scaledefault"":1,""proficient"":1}]",,,,,,1,'
        '"competency,competency"\n'
        "levels,,Levels,,1,,,,0,null,,1,,\n"
        'level-1,levels,"Level 1","<p>One</p>",1,,,,0,null,,2,,\n'
    )
    framework = read_framework_csv(old)
    assert framework.root.scale_names == ("Competent",)
    import_framework(store, framework, ACTORS.officer)
    catalogue = store.app.catalogue()
    assert chain(catalogue, "LEVEL-1") == ["LEVEL-1", "LEVELS", "OECD-CORE"]
    assert catalogue.competences["LEVEL-1"].scale.names == ("none", "Competent")


def test_a_prefix_keeps_frameworks_apart(store: CompetenceStore, framework: Framework) -> None:
    import_framework(store, framework, ACTORS.officer)
    other = read_framework_csv(
        ",".join(f'"{h}"' for h in HEADERS)
        + '\n,OTHER,Other,,1,"A,B",,,,,,,1,\n,levels,Levels,,1,,,,0,null,,,,\n'
    )
    with pytest.raises(InvalidValue, match=r"row 3: .*'levels'.*LEVELS.*outside this framework"):
        import_framework(store, other, ACTORS.officer)
    report = import_framework(store, other, ACTORS.officer, code_prefix="X.")
    assert report.root_code == "X.OTHER" and "X.LEVELS" in report.added


def test_native_competences_are_not_taken_over(org: CompetenceStore) -> None:
    text = (
        ",".join(HEADERS)
        + f"\n,ROOT,Root,,1,,,,,,,,1,\n,{CATALOGUE.rp.lower()},RP,,1,,,,0,null,,,,\n"
    )
    events = org.event_count()
    with pytest.raises(InvalidValue, match="RP-CERT, which the catalogue already has outside"):
        import_framework(org, read_framework_csv(text), ACTORS.officer)
    assert org.event_count() == events  # checked before anything was written


def test_a_native_subtree_round_trips(org: CompetenceStore) -> None:
    """Export of competences that never came from Moodle, imported again: no change."""
    org.execute(
        c.DefineCompetence(
            competence=CompetenceDefinition(
                code="SAFETY-ROOT",
                name_nb="Sikkerhet",
                category=Category.SAFETY,
                description="<p>Alt om sikkerhet</p>",
            )
        ),
        ACTORS.hr,
    )
    definition = org.app.catalogue().get(CATALOGUE.nuc)
    org.execute(
        c.ReviseCompetence(competence=definition.model_copy(update={"parent_code": "SAFETY-ROOT"})),
        ACTORS.hr,
    )
    exported = write_framework_csv(export_framework(org.app.catalogue()))
    events = org.event_count()
    report = import_framework(org, read_framework_csv(exported), ACTORS.hr)
    assert report.events_written == 0 and org.event_count() == events
    assert org.app.catalogue().get(CATALOGUE.nuc).description is None  # no trailer added


def test_export_needs_a_root_when_there_is_no_single_framework(org: CompetenceStore) -> None:
    with pytest.raises(InvalidValue, match="give --root, one of: none"):
        export_framework(org.app.catalogue())


def test_updates_keep_nnd_s_own_fields(store: CompetenceStore, framework: Framework) -> None:
    import_framework(store, framework, ACTORS.officer, category=Category.SAFETY)
    current = store.app.catalogue().get("SAFETY")
    store.execute(
        c.ReviseCompetence(
            competence=current.model_copy(update={"name_en": "Safety", "validity_months": 24})
        ),
        ACTORS.hr,
    )
    text = FIXTURE.read_text(encoding="utf-8").replace(
        '"Nuclear and radiation safety"', '"Nuclear, radiation and fire safety"'
    )
    report = import_framework(store, read_framework_csv(text), ACTORS.officer)
    assert report.updated == ["SAFETY"]
    assert report.changes[[ch.code for ch in report.changes].index("SAFETY")].fields == ["name_nb"]
    revised = store.app.catalogue().get("SAFETY")
    assert revised.name_nb == "Nuclear, radiation and fire safety"
    assert (revised.name_en, revised.validity_months) == ("Safety", 24)
    assert revised.category is Category.SAFETY


# --- bad input ----------------------------------------------------------------------------
HEADER = ",".join(f'"{h}"' for h in HEADERS) + "\n"
ROOT = ',F,Framework,,1,"A,B",,,,,,,1,\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("a,b,c\n1,2,3\n", "missing column"),
        (HEADER, "no row has 'Is framework' set"),
        (HEADER + ROOT + ROOT.replace(",F,", ",G,"), "row 2 and row 3 both"),
        (HEADER + ROOT + ",,Name,,1,,,,,,,,,\n", "row 3, field 'ID number': empty"),
        (HEADER + ROOT + ",x,,,1,,,,,,,,,\n", "row 3, field 'Short name': empty"),
        (HEADER + ROOT + ",x,X,,1,,,,,,,,,\n,x,Y,,1,,,,,,,,,\n", "row 4.*'x' is also.*row 3"),
        (HEADER + ROOT + "nope,x,X,,1,,,,,,,,,\n", "row 3, field 'Parent ID number': 'nope'"),
        (HEADER + ROOT + "y,x,X,,1,,,,,,,,,\nx,y,Y,,1,,,,,,,,,\n", "cycle"),
        (HEADER + ROOT + "x,x,X,,1,,,,,,,,,\n", "its own parent"),
        (HEADER + ROOT + ",x,X,,1,,,,,,,,,,extra\n", "row 3: 15 fields but the header has 14"),
        (HEADER + ',F,F,"unterminated\n', r"row 2 \(line 2\): unexpected end of data"),
        (HEADER + ",F,F,,1,A,not json,,,,,,1,\n", "row 2, field 'Scale configuration'"),
        (HEADER + ",F,F,\x00,1,,,,,,,,1,\n", "row 2, field .Description.: contains a NUL"),
        (HEADER.replace("Taxonomy", "Scale values"), "appears twice"),
    ],
)
def test_bad_files_are_named(text: str, message: str) -> None:
    with pytest.raises(FrameworkFormatError, match=message):
        read_framework_csv(text)


def test_not_utf8_is_refused() -> None:
    with pytest.raises(FrameworkFormatError, match="not UTF-8"):
        read_framework_csv((HEADER + ROOT).encode("utf-8") + b"\xff\xfe")


def test_codes_are_deterministic_valid_and_distinct() -> None:
    assert code_for("level-1") == "LEVEL-1"
    assert code_for(" DR-AT-2 ") == "DR-AT-2"
    assert code_for("a b") != code_for("a-b")
    assert code_for("Ærlig ønske") == code_for("Ærlig ønske")
    assert code_for("x" * 80) != code_for("x" * 81)
    assert CODE.fullmatch(code_for("§§§")) and code_for("§§§").startswith("ID-")


@given(st.text(max_size=200))
def test_any_id_number_gives_a_valid_code(source_id: str) -> None:
    code = code_for(source_id)
    assert CODE.fullmatch(code) and len(code) <= 64


# --- no input crashes the reader ---------------------------------------------------------
cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "1", "0", "null", "x", "y", '[{"id":1,"proficient":1}]', "A,B"]),
)


@given(st.lists(st.lists(cells, min_size=0, max_size=16), max_size=6), st.booleans())
def test_no_table_crashes_the_reader(rows: list[list[str]], with_header: bool) -> None:
    lines = ([list(HEADERS)] if with_header else []) + rows
    text = "\n".join(",".join('"' + v.replace('"', '""') + '"' for v in row) for row in lines)
    try:
        framework = read_framework_csv(text)
    except FrameworkFormatError as error:
        assert str(error)
        return
    try:  # what the reader accepts, the planner either plans or refuses by row
        plan_import(Catalogue(), framework)
    except InvalidValue as error:
        assert "row" in str(error)
    write_framework_csv(framework)


@given(st.text(max_size=300) | st.binary(max_size=300))
def test_no_text_crashes_the_reader(data: str | bytes) -> None:
    try:
        read_framework_csv(data)
    except FrameworkFormatError as error:
        assert str(error)


# --- the command line -------------------------------------------------------------------
OFFICER = ["--actor", "90002:competence_officer"]


def test_cli_import_export_round_trip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    store = str(tmp_path / "store.sqlite")
    code, out, err = cli(capsys, "--store", store, *OFFICER, "import", "framework", str(FIXTURE))
    assert (code, err) == (0, "")
    assert "'NND-CORE-2026' → root competence NND-CORE-2026: 64 added, 0 updated" in out
    code, out, _ = cli(capsys, "--store", store, *OFFICER, "import", "framework", str(FIXTURE))
    assert "0 added, 0 updated, 64 unchanged; 0 event(s) written" in out
    exported = tmp_path / "exported.csv"
    code, out, _ = cli(capsys, "--store", store, "export", "framework", str(exported))
    assert code == 0 and "(63 competences under NND-CORE-2026) written" in out
    assert len(rows_of(exported.read_text(encoding="utf-8"))) == 65
    code, out, _ = cli(capsys, "--store", store, *OFFICER, "import", "framework", str(exported))
    assert "0 added, 0 updated, 64 unchanged; 0 event(s) written" in out
    code, out, _ = cli(capsys, "--store", store, "catalogue", "list")
    assert "S-RP-1" in out


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (["import", "framework"], HEADER + ROOT + "nope,x,X,,1,,,,,,,,,\n", "row 3, field"),
        (["import", "framework", "--category", "fun"], None, "--category 'fun'"),
        (["import", "framework", "--code-prefix", "?"], None, "--code-prefix '?'"),
        (["import", "framework"], "missing", "cannot be read"),
        (["export", "framework"], "out", "give --root, one of: none"),
        (["export", "framework", "--root", "NOPE"], "out", "'NOPE' is not in the catalogue"),
        (["export", "framework", "--root", "RP-CERT"], "nodir", "does not exist"),
    ],
)
def test_cli_bad_input_is_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    content: str | None,
    message: str,
) -> None:
    store = tmp_path / "store.sqlite"
    with open_store(store, clock=FixedClock(T0)) as opened:
        CATALOGUE.install(opened, ACTORS.hr)
    file = tmp_path / "framework.csv"
    if content == "missing":
        file = tmp_path / "nowhere.csv"
    elif content == "out":
        file = tmp_path / "out.csv"
    elif content == "nodir":
        file = tmp_path / "no" / "such" / "dir.csv"
    else:
        file.write_text(content or FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    before = digest(store)
    code, _, err = cli(capsys, "--store", str(store), *OFFICER, *args, str(file))
    assert code != 0 and message in err, err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert digest(store) == before
    assert not (tmp_path / "out.csv").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(
    not os.environ.get("NND_MOODLE_REAL_FRAMEWORK"),
    reason="set NND_MOODLE_REAL_FRAMEWORK to a real Moodle export (see tests/data/README.md)",
)
def test_a_real_moodle_export(store_factory: object) -> None:
    path = Path(os.environ["NND_MOODLE_REAL_FRAMEWORK"])
    framework = read_framework_file(path)
    assert len(framework.items) + 1 >= 60
    first = store_factory()  # type: ignore[operator]
    report = import_framework(first, framework, ACTORS.officer)
    catalogue = first.app.catalogue()
    for item in framework.items:  # the hierarchy is intact
        parent = item.parent_source_id
        expected = code_for(parent) if parent else report.root_code
        assert catalogue.competences[code_for(item.source_id)].parent_code == expected
    exported = write_framework_csv(export_framework(catalogue, report.root_code))
    second = store_factory()  # type: ignore[operator]
    import_framework(second, read_framework_csv(exported), ACTORS.officer)
    assert catalogue_state(second) == catalogue_state(first)
    assert import_framework(first, read_framework_csv(exported), ACTORS.officer).events_written == 0
