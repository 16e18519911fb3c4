"""The sample organisation's structure: sites, divisions, units and their staffing.

The structure is fixed (it does not depend on the seed), so employee numbers are stable:
the top management is numbered first, then every unit in the order below, head first.
Only who fills the seats (names, ages, start dates, holdings) and what happens to them
during the year depends on the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Site(StrEnum):
    HALDEN = "Halden"
    KJELLER = "Kjeller"


@dataclass(frozen=True)
class Division:
    """A director's area (direktørområde); the unit heads report to its director."""

    key: str
    title_nb: str


@dataclass(frozen=True)
class Unit:
    code: str
    name_nb: str
    name_en: str
    site: Site
    division: str  # Division.key, or "" for the management unit
    staff: tuple[tuple[str, int], ...]  # (position, seats), the head not included
    head_position: str = "SEKSJONSLEDER"
    nuclear: bool = False  # works in or next to the controlled areas


MANAGEMENT_UNIT = "HLD-LEDELSE"
FIRST_EMPLOYEE_NUMBER = 10001

DIVISIONS: tuple[Division, ...] = (
    Division("HALDEN", "Direktør dekommisjonering Halden"),
    Division("KJELLER", "Direktør dekommisjonering Kjeller"),
    Division("SIKKERHET", "Direktør sikkerhet, sikring og miljø"),
    Division("VIRKSOMHET", "Direktør virksomhetsstyring og fellestjenester"),
)

UNITS: tuple[Unit, ...] = (
    Unit(
        MANAGEMENT_UNIT,
        "Direktørens stab",
        "Executive management",
        Site.HALDEN,
        "",
        (("DIREKTOR", len(DIVISIONS)), ("STABSRADGIVER", 2)),
        head_position="ADM-DIREKTOR",
    ),
    # HR comes first so that its head has a stable, low employee number (see HR_HEAD).
    Unit(
        "HLD-HR",
        "HR og organisasjon",
        "HR and organisation",
        Site.HALDEN,
        "VIRKSOMHET",
        (("HR-RADGIVER", 9),),
    ),
    Unit(
        "HLD-AKAD",
        "Atomakademiet",
        "The Academy (Atomakademiet)",
        Site.HALDEN,
        "VIRKSOMHET",
        (("KOMPETANSERADGIVER", 4), ("INSTRUKTOR", 6)),
    ),
    Unit(
        "HLD-DEKOM",
        "Dekommisjoneringsprosjekt Halden",
        "Decommissioning project Halden",
        Site.HALDEN,
        "HALDEN",
        (
            ("PROSJEKTLEDER", 5),
            ("DEKOM-INGENIOR", 12),
            ("DEKOM-TEKNIKER", 38),
            ("KONSULENT", 2),
        ),
        nuclear=True,
    ),
    Unit(
        "HLD-DRIFT",
        "Drift Haldenreaktoren",
        "Operations Halden reactor",
        Site.HALDEN,
        "HALDEN",
        (("DRIFTSOPERATOR", 26), ("DRIFTSINGENIOR", 6)),
        nuclear=True,
    ),
    Unit(
        "HLD-VEDL",
        "Vedlikehold Halden",
        "Maintenance Halden",
        Site.HALDEN,
        "HALDEN",
        (("MEKANIKER", 10), ("ELEKTRIKER", 6), ("VEDLIKEHOLDSPLANLEGGER", 3)),
        nuclear=True,
    ),
    Unit(
        "HLD-AVFALL",
        "Avfallshåndtering Halden",
        "Waste management Halden",
        Site.HALDEN,
        "HALDEN",
        (("AVFALLSOPERATOR", 13), ("AVFALLSINGENIOR", 4)),
        nuclear=True,
    ),
    Unit(
        "KJL-DEKOM",
        "Dekommisjoneringsprosjekt Kjeller",
        "Decommissioning project Kjeller",
        Site.KJELLER,
        "KJELLER",
        (
            ("PROSJEKTLEDER", 5),
            ("DEKOM-INGENIOR", 10),
            ("DEKOM-TEKNIKER", 36),
            ("KONSULENT", 2),
        ),
        nuclear=True,
    ),
    Unit(
        "KJL-DRIFT",
        "Drift Kjeller (JEEP II og anlegg)",
        "Operations Kjeller (JEEP II and facilities)",
        Site.KJELLER,
        "KJELLER",
        (("DRIFTSOPERATOR", 21), ("DRIFTSINGENIOR", 5)),
        nuclear=True,
    ),
    Unit(
        "KJL-VEDL",
        "Vedlikehold Kjeller",
        "Maintenance Kjeller",
        Site.KJELLER,
        "KJELLER",
        (("MEKANIKER", 9), ("ELEKTRIKER", 5), ("VEDLIKEHOLDSPLANLEGGER", 2)),
        nuclear=True,
    ),
    Unit(
        "KJL-AVFALL",
        "Avfallshåndtering Kjeller og KLDRA Himdalen",
        "Waste management Kjeller and the Himdalen repository",
        Site.KJELLER,
        "KJELLER",
        (("AVFALLSOPERATOR", 22), ("AVFALLSINGENIOR", 6), ("TRANSPORTKOORDINATOR", 2)),
        nuclear=True,
    ),
    Unit(
        "HLD-STRAL",
        "Strålevern Halden",
        "Radiation protection Halden",
        Site.HALDEN,
        "SIKKERHET",
        (("STRALEVERNSTEKNIKER", 14), ("STRALEVERNSRADGIVER", 4)),
        nuclear=True,
    ),
    Unit(
        "KJL-STRAL",
        "Strålevern Kjeller",
        "Radiation protection Kjeller",
        Site.KJELLER,
        "SIKKERHET",
        (("STRALEVERNSTEKNIKER", 14), ("STRALEVERNSRADGIVER", 4)),
        nuclear=True,
    ),
    Unit(
        "HLD-SIKR",
        "Sikring og vakt Halden",
        "Security Halden",
        Site.HALDEN,
        "SIKKERHET",
        (("VEKTER", 14), ("SIKRINGSRADGIVER", 2)),
        nuclear=True,
    ),
    Unit(
        "KJL-SIKR",
        "Sikring og vakt Kjeller",
        "Security Kjeller",
        Site.KJELLER,
        "SIKKERHET",
        (("VEKTER", 14), ("SIKRINGSRADGIVER", 2)),
        nuclear=True,
    ),
    Unit(
        "HLD-NUKSIK",
        "Nukleær sikkerhet og konsesjon",
        "Nuclear safety and licensing",
        Site.HALDEN,
        "SIKKERHET",
        (("SIKKERHETSRADGIVER", 16), ("MATERIALKONTROLLOR", 3)),
        nuclear=True,
    ),
    Unit(
        "KJL-HMS",
        "HMS og kvalitet",
        "Health, safety, environment and quality",
        Site.KJELLER,
        "SIKKERHET",
        (("HMS-RADGIVER", 7), ("KVALITETSRADGIVER", 4)),
    ),
    Unit(
        "HLD-OKO",
        "Økonomi og styring",
        "Finance and management control",
        Site.HALDEN,
        "VIRKSOMHET",
        (("CONTROLLER", 4), ("OKONOMIKONSULENT", 6)),
    ),
    Unit(
        "KJL-IT",
        "IT og digitalisering",
        "IT and digitalisation",
        Site.KJELLER,
        "VIRKSOMHET",
        (("IT-RADGIVER", 14),),
    ),
    Unit(
        "KJL-ANSK",
        "Anskaffelser og kontrakter",
        "Procurement and contracts",
        Site.KJELLER,
        "VIRKSOMHET",
        (("INNKJOPER", 7),),
    ),
    Unit(
        "HLD-KOMM",
        "Kommunikasjon og samfunnskontakt",
        "Communications and public affairs",
        Site.HALDEN,
        "VIRKSOMHET",
        (("KOMMUNIKASJONSRADGIVER", 6),),
    ),
)

UNIT_BY_CODE: dict[str, Unit] = {u.code: u for u in UNITS}

#: Positions whose holders act for the Academy (kompetanseansvarlig) in the sample.
COMPETENCE_OFFICER_POSITION = "KOMPETANSERADGIVER"
HR_UNIT = "HLD-HR"
ACADEMY_UNIT = "HLD-AKAD"


def _number_of_head(unit_code: str) -> int:
    number = FIRST_EMPLOYEE_NUMBER
    for unit in UNITS:
        if unit.code == unit_code:
            return number
        number += 1 + sum(seats for _, seats in unit.staff)
    raise KeyError(unit_code)


#: The head of HR: the first HR person of the sample (``is_loaded`` looks for them).
HR_HEAD = str(_number_of_head(HR_UNIT))
INITIAL_HEADCOUNT = sum(1 + sum(seats for _, seats in u.staff) for u in UNITS)

#: Open positions filled during the sample year: (unit, position), in no particular order.
MID_YEAR_VACANCIES: tuple[tuple[str, str], ...] = (
    ("HLD-DEKOM", "DEKOM-TEKNIKER"),
    ("HLD-DEKOM", "DEKOM-TEKNIKER"),
    ("HLD-DEKOM", "DEKOM-INGENIOR"),
    ("HLD-DEKOM", "PROSJEKTLEDER"),
    ("KJL-DEKOM", "DEKOM-TEKNIKER"),
    ("KJL-DEKOM", "DEKOM-TEKNIKER"),
    ("KJL-DEKOM", "DEKOM-TEKNIKER"),
    ("KJL-DEKOM", "DEKOM-INGENIOR"),
    ("KJL-AVFALL", "AVFALLSOPERATOR"),
    ("KJL-AVFALL", "AVFALLSINGENIOR"),
    ("HLD-AVFALL", "AVFALLSOPERATOR"),
    ("HLD-STRAL", "STRALEVERNSTEKNIKER"),
    ("KJL-STRAL", "STRALEVERNSTEKNIKER"),
    ("HLD-SIKR", "VEKTER"),
    ("KJL-SIKR", "VEKTER"),
    ("HLD-VEDL", "ELEKTRIKER"),
    ("KJL-VEDL", "MEKANIKER"),
    ("HLD-NUKSIK", "SIKKERHETSRADGIVER"),
    ("KJL-IT", "IT-RADGIVER"),
    ("KJL-HMS", "HMS-RADGIVER"),
    ("HLD-OKO", "CONTROLLER"),
    ("KJL-ANSK", "INNKJOPER"),
)

#: Moves during the year: (from unit, from position, to unit, to position, effective month).
TRANSFERS: tuple[tuple[str, str, str, str, int], ...] = (
    ("HLD-DRIFT", "DRIFTSOPERATOR", "HLD-DEKOM", "DEKOM-TEKNIKER", 4),
    ("KJL-DRIFT", "DRIFTSOPERATOR", "KJL-DEKOM", "DEKOM-TEKNIKER", 5),
    ("KJL-DEKOM", "DEKOM-INGENIOR", "KJL-DEKOM", "PROSJEKTLEDER", 3),
    ("HLD-STRAL", "STRALEVERNSTEKNIKER", "KJL-STRAL", "STRALEVERNSTEKNIKER", 8),
    ("HLD-VEDL", "MEKANIKER", "HLD-DEKOM", "DEKOM-TEKNIKER", 6),
    ("KJL-AVFALL", "AVFALLSOPERATOR", "HLD-AVFALL", "AVFALLSOPERATOR", 9),
)

#: How many ordinary staff leave during the year.
LEAVERS = 14
