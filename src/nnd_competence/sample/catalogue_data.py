"""The sample competence catalogue, requirement profiles and the Academy's course offer.

Certifications use ``CERTIFICATE_SCALE`` and, where they must be renewed, a validity in
months; skills use ``STANDARD_SCALE`` (none, basic, proficient, expert).
"""

from __future__ import annotations

from dataclasses import dataclass

from nnd_competence.domain.catalogue import (
    Category,
    CompetenceDefinition,
    Requirement,
    RequirementProfile,
)
from nnd_competence.domain.competence_plan import MeasureKind
from nnd_competence.domain.values import CERTIFICATE_SCALE, STANDARD_SCALE
from nnd_competence.sample.organisation import UNITS

S, T, L, A, SEC = (
    Category.SAFETY,
    Category.TECHNICAL,
    Category.LEADERSHIP,
    Category.ADMINISTRATIVE,
    Category.SECURITY,
)


def _cert(
    code: str,
    name_nb: str,
    name_en: str,
    category: Category,
    validity_months: int | None,
    parent: str | None = None,
) -> CompetenceDefinition:
    return CompetenceDefinition(
        code=code,
        name_nb=name_nb,
        name_en=name_en,
        category=category,
        scale=CERTIFICATE_SCALE,
        validity_months=validity_months,
        parent_code=parent,
    )


def _skill(
    code: str, name_nb: str, name_en: str, category: Category, parent: str | None = None
) -> CompetenceDefinition:
    return CompetenceDefinition(
        code=code,
        name_nb=name_nb,
        name_en=name_en,
        category=category,
        scale=STANDARD_SCALE,
        parent_code=parent,
    )


CERTIFICATES: tuple[CompetenceDefinition, ...] = (
    _cert("STRV-GRUNN", "Strålevern grunnkurs", "Radiation protection, basic", S, 60),
    _cert(
        "STRV-VIDERE",
        "Strålevern videregående kurs",
        "Radiation protection, advanced",
        S,
        36,
        parent="STRV-GRUNN",
    ),
    _cert("DOSIMETRI", "Persondosimetri og dosebegrensning", "Personal dosimetry", S, 36),
    _cert(
        "ANDEDRETTSVERN",
        "Åndedrettsvern, tilpasningstest og bruk",
        "Respiratory protection (fit test and use)",
        S,
        12,
    ),
    _cert("FORSTEHJELP", "Førstehjelp og hjerte-lunge-redning", "First aid and CPR", S, 24),
    _cert("BRANNVERN", "Brannvern, grunnopplæring", "Fire safety, basic training", S, 36),
    _cert("BRANNVAKT", "Brannvakt ved varme arbeider", "Fire guard for hot work", S, 60),
    _cert("VARME-ARBEIDER", "Sertifikat for varme arbeider", "Hot work certificate", S, 60),
    _cert(
        "ARBEID-I-HOYDEN",
        "Arbeid i høyden og fallsikring",
        "Working at height and fall protection",
        S,
        36,
    ),
    _cert("TRANGE-ROM", "Arbeid i trange rom", "Confined space entry", S, 36),
    _cert(
        "KRANFORER",
        "Kranførerbevis, traverskran (G4)",
        "Crane operator, overhead crane (G4)",
        T,
        60,
    ),
    _cert("TRUCKFORER", "Truckførerbevis (T1-T4)", "Forklift truck certificate", T, 60),
    _cert("STROPPING", "Anhuking og stropping", "Rigging and slinging", T, 60),
    _cert(
        "FSE",
        "Sikkerhet ved arbeid i elektriske anlegg (FSE)",
        "Electrical safety (FSE)",
        S,
        12,
    ),
    _cert(
        "ADR-KL7",
        "ADR klasse 7 - transport av radioaktivt materiale",
        "ADR class 7 - transport of radioactive material",
        S,
        60,
    ),
    _cert(
        "SIKKERHETSKLARERING",
        "Sikkerhetsklarering (HEMMELIG)",
        "Security clearance (SECRET)",
        SEC,
        60,
    ),
    _cert(
        "SIKRINGSOPPLARING",
        "Sikringsopplæring for nukleære anlegg",
        "Nuclear security awareness",
        SEC,
        36,
    ),
    _cert("VEKTERUTDANNING", "Vekterutdanning", "Security guard certification", SEC, 60),
    _cert(
        "BEREDSKAP",
        "Beredskapsopplæring og øvelse",
        "Emergency preparedness training and drill",
        S,
        12,
    ),
    _cert("STILLAS", "Stillasmontering", "Scaffolding", T, 60),
    _cert(
        "SVEISESERTIFIKAT",
        "Sveisesertifikat (NS-EN ISO 9606-1)",
        "Welder qualification",
        T,
        24,
    ),
    _cert(
        "HMS-40",
        "Grunnopplæring i arbeidsmiljø (40 timer)",
        "Working environment basic course (40 h)",
        S,
        None,
    ),
)

SKILLS: tuple[CompetenceDefinition, ...] = (
    _skill("SIKKERHETSKULTUR", "Nukleær sikkerhetskultur", "Nuclear safety culture", S),
    _skill(
        "NUK-REGELVERK", "Nukleært regelverk og konsesjon", "Nuclear regulation and licensing", A
    ),
    _skill("SIKKERHETSANALYSE", "Sikkerhetsanalyse (SAR)", "Safety analysis (SAR)", T),
    _skill("DEKOM-PLANLEGGING", "Planlegging av dekommisjonering", "Decommissioning planning", T),
    _skill("DEKONTAMINERING", "Dekontaminering", "Decontamination", T),
    _skill(
        "SEGMENTERING",
        "Segmentering og demontering av aktiverte komponenter",
        "Segmentation and dismantling of activated components",
        T,
    ),
    _skill("FJERNHANDTERING", "Fjernhåndtering og manipulatorer", "Remote handling", T),
    _skill(
        "STRALINGSMALING",
        "Strålingsmåling og instrumentering",
        "Radiation measurement and instrumentation",
        T,
    ),
    _skill(
        "AVFALLSKARAKTERISERING",
        "Karakterisering av radioaktivt avfall",
        "Radioactive waste characterisation",
        T,
    ),
    _skill(
        "AVFALLSHANDTERING",
        "Håndtering og kondisjonering av radioaktivt avfall",
        "Radioactive waste handling and conditioning",
        T,
    ),
    _skill(
        "MATERIALKONTROLL",
        "Kontroll med nukleært materiale (safeguards)",
        "Nuclear material accountancy (safeguards)",
        SEC,
    ),
    _skill(
        "REAKTORSYSTEMER",
        "Reaktorsystemer og anleggskunnskap",
        "Reactor systems and plant knowledge",
        T,
    ),
    _skill("VEDLIKEHOLD-MEK", "Mekanisk vedlikehold", "Mechanical maintenance", T),
    _skill("ELEKTRO-AUTOMASJON", "Elektro og automasjon", "Electrical and automation systems", T),
    _skill("PROSJEKTLEDELSE", "Prosjektledelse", "Project management", L),
    _skill("LEDERSKAP", "Ledelse og personalansvar", "Leadership and line management", L),
    _skill(
        "ARBEIDSRETT",
        "Arbeidsrett og personalforvaltning i staten",
        "Labour law and state HR administration",
        A,
    ),
    _skill(
        "RISIKOVURDERING",
        "Risikovurdering og sikker jobbanalyse",
        "Risk assessment and job safety analysis",
        S,
    ),
    _skill("KVALITETSSTYRING", "Kvalitetsstyring (ISO 9001)", "Quality management (ISO 9001)", A),
    _skill("DOKUMENTSTYRING", "Dokumentstyring og arkiv", "Document control and records", A),
    _skill("OFFENTLIGE-ANSKAFFELSER", "Offentlige anskaffelser", "Public procurement", A),
    _skill("OKONOMISTYRING", "Økonomistyring i staten", "Financial management in the state", A),
    _skill("INFORMASJONSSIKKERHET", "Informasjonssikkerhet", "Information security", SEC),
    _skill("KRISEKOMMUNIKASJON", "Krisekommunikasjon", "Crisis communication", A),
    _skill(
        "VOKSENPEDAGOGIKK",
        "Voksenpedagogikk og instruktørferdigheter",
        "Adult education and instructor skills",
        A,
    ),
    _skill("KOMPETANSESTYRING", "Kompetansestyring", "Competence management", A),
    _skill("BEREDSKAPSLEDELSE", "Beredskapsledelse", "Emergency management", L),
)

#: In definition order (a parent before its children).
COMPETENCES: tuple[CompetenceDefinition, ...] = CERTIFICATES + SKILLS
BY_CODE: dict[str, CompetenceDefinition] = {c.code: c for c in COMPETENCES}

#: Short recurring refreshers the Academy runs for whole groups and records from the
#: attendance list (``RecordCompetence`` with source training), rather than one training
#: request per person.
REFRESHERS: frozenset[str] = frozenset(
    {"BRANNVERN", "ANDEDRETTSVERN", "FSE", "BEREDSKAP", "DOSIMETRI", "SIKRINGSOPPLARING"}
)


def _r(code: str, level: int = 1, mandatory: bool = False) -> Requirement:
    return Requirement(competence_code=code, level=level, mandatory_at_onboarding=mandatory)


M = True  # mandatory at onboarding

#: Everyone working in or next to the controlled areas of a nuclear site.
_NUCLEAR_UNIT = (
    _r("STRV-GRUNN", 1, M),
    _r("BRANNVERN", 1, M),
    _r("SIKKERHETSKLARERING", 1, M),
    _r("FORSTEHJELP", 1, M),
    _r("SIKRINGSOPPLARING", 1),
    _r("DOSIMETRI", 1),
    _r("SIKKERHETSKULTUR", 1),
)
_OFFICE_UNIT = (
    _r("BRANNVERN", 1, M),
    _r("SIKRINGSOPPLARING", 1),
    _r("SIKKERHETSKULTUR", 1),
)
_UNIT_EXTRA: dict[str, tuple[Requirement, ...]] = {
    "HLD-LEDELSE": (_r("SIKKERHETSKLARERING", 1, M), _r("NUK-REGELVERK", 1)),
    "KJL-IT": (_r("SIKKERHETSKLARERING", 1, M), _r("INFORMASJONSSIKKERHET", 1)),
    "KJL-HMS": (_r("STRV-GRUNN", 1, M), _r("FORSTEHJELP", 1, M)),
    "HLD-AKAD": (_r("FORSTEHJELP", 1),),
}

_POSITION: dict[str, tuple[Requirement, ...]] = {
    "ADM-DIREKTOR": (
        _r("LEDERSKAP", 3),
        _r("SIKKERHETSKULTUR", 3),
        _r("NUK-REGELVERK", 2),
        _r("BEREDSKAPSLEDELSE", 3),
        _r("KRISEKOMMUNIKASJON", 2),
    ),
    "DIREKTOR": (
        _r("LEDERSKAP", 3),
        _r("SIKKERHETSKULTUR", 3),
        _r("NUK-REGELVERK", 2),
        _r("BEREDSKAPSLEDELSE", 2),
    ),
    "STABSRADGIVER": (_r("DOKUMENTSTYRING", 2), _r("NUK-REGELVERK", 2)),
    "SEKSJONSLEDER": (
        _r("LEDERSKAP", 2),
        _r("ARBEIDSRETT", 1),
        _r("RISIKOVURDERING", 2),
        _r("SIKKERHETSKULTUR", 2),
        _r("BEREDSKAPSLEDELSE", 1),
    ),
    "PROSJEKTLEDER": (
        _r("PROSJEKTLEDELSE", 3),
        _r("DEKOM-PLANLEGGING", 2),
        _r("RISIKOVURDERING", 2),
        _r("KVALITETSSTYRING", 1),
    ),
    "DEKOM-INGENIOR": (
        _r("DEKOM-PLANLEGGING", 2),
        _r("SEGMENTERING", 2),
        _r("RISIKOVURDERING", 2),
        _r("STRV-VIDERE", 1),
        _r("AVFALLSKARAKTERISERING", 1),
    ),
    "DEKOM-TEKNIKER": (
        _r("DEKONTAMINERING", 2),
        _r("SEGMENTERING", 1),
        _r("ANDEDRETTSVERN", 1, M),
        _r("ARBEID-I-HOYDEN", 1),
        _r("TRANGE-ROM", 1),
        _r("VARME-ARBEIDER", 1),
        _r("STROPPING", 1),
    ),
    "KONSULENT": (_r("DOKUMENTSTYRING", 2),),
    "DRIFTSOPERATOR": (
        _r("REAKTORSYSTEMER", 2),
        _r("STRALINGSMALING", 1),
        _r("ANDEDRETTSVERN", 1, M),
        _r("BEREDSKAP", 1, M),
        _r("TRUCKFORER", 1),
    ),
    "DRIFTSINGENIOR": (
        _r("REAKTORSYSTEMER", 3),
        _r("SIKKERHETSANALYSE", 1),
        _r("RISIKOVURDERING", 2),
        _r("BEREDSKAP", 1, M),
    ),
    "MEKANIKER": (
        _r("VEDLIKEHOLD-MEK", 2),
        _r("KRANFORER", 1),
        _r("STROPPING", 1),
        _r("VARME-ARBEIDER", 1),
        _r("ARBEID-I-HOYDEN", 1),
        _r("TRUCKFORER", 1),
    ),
    "ELEKTRIKER": (
        _r("ELEKTRO-AUTOMASJON", 2),
        _r("FSE", 1, M),
        _r("ARBEID-I-HOYDEN", 1),
    ),
    "VEDLIKEHOLDSPLANLEGGER": (
        _r("VEDLIKEHOLD-MEK", 2),
        _r("KVALITETSSTYRING", 1),
        _r("RISIKOVURDERING", 1),
    ),
    "AVFALLSOPERATOR": (
        _r("AVFALLSHANDTERING", 2),
        _r("TRUCKFORER", 1),
        _r("KRANFORER", 1),
        _r("ANDEDRETTSVERN", 1, M),
        _r("STRALINGSMALING", 1),
    ),
    "AVFALLSINGENIOR": (
        _r("AVFALLSKARAKTERISERING", 3),
        _r("AVFALLSHANDTERING", 2),
        _r("STRV-VIDERE", 1),
        _r("NUK-REGELVERK", 1),
    ),
    "TRANSPORTKOORDINATOR": (
        _r("ADR-KL7", 1, M),
        _r("AVFALLSHANDTERING", 1),
        _r("TRUCKFORER", 1),
    ),
    "STRALEVERNSTEKNIKER": (
        _r("STRV-VIDERE", 1, M),
        _r("STRALINGSMALING", 3),
        _r("DOSIMETRI", 1, M),
        _r("ANDEDRETTSVERN", 1),
        _r("DEKONTAMINERING", 1),
    ),
    "STRALEVERNSRADGIVER": (
        _r("STRV-VIDERE", 1, M),
        _r("STRALINGSMALING", 2),
        _r("NUK-REGELVERK", 2),
        _r("DOSIMETRI", 1),
    ),
    "VEKTER": (
        _r("VEKTERUTDANNING", 1, M),
        _r("BEREDSKAP", 1, M),
        _r("SIKRINGSOPPLARING", 1, M),
    ),
    "SIKRINGSRADGIVER": (
        _r("MATERIALKONTROLL", 1),
        _r("INFORMASJONSSIKKERHET", 2),
        _r("BEREDSKAPSLEDELSE", 1),
    ),
    "SIKKERHETSRADGIVER": (
        _r("SIKKERHETSANALYSE", 2),
        _r("NUK-REGELVERK", 3),
        _r("STRV-VIDERE", 1),
        _r("KVALITETSSTYRING", 1),
    ),
    "MATERIALKONTROLLOR": (
        _r("MATERIALKONTROLL", 3),
        _r("NUK-REGELVERK", 2),
        _r("DOKUMENTSTYRING", 1),
    ),
    "HMS-RADGIVER": (
        _r("HMS-40", 1),
        _r("RISIKOVURDERING", 3),
        _r("BEREDSKAP", 1),
    ),
    "KVALITETSRADGIVER": (_r("KVALITETSSTYRING", 3), _r("DOKUMENTSTYRING", 2)),
    "HR-RADGIVER": (_r("ARBEIDSRETT", 2), _r("KOMPETANSESTYRING", 1)),
    "CONTROLLER": (_r("OKONOMISTYRING", 3),),
    "OKONOMIKONSULENT": (_r("OKONOMISTYRING", 2),),
    "IT-RADGIVER": (_r("INFORMASJONSSIKKERHET", 2),),
    "INNKJOPER": (_r("OFFENTLIGE-ANSKAFFELSER", 2),),
    "KOMMUNIKASJONSRADGIVER": (_r("KRISEKOMMUNIKASJON", 2),),
    "KOMPETANSERADGIVER": (_r("KOMPETANSESTYRING", 2), _r("VOKSENPEDAGOGIKK", 2)),
    "INSTRUKTOR": (
        _r("VOKSENPEDAGOGIKK", 2),
        _r("STRV-VIDERE", 1, M),
        _r("FORSTEHJELP", 1),
    ),
}

#: Additions for a position in one unit only.
_POSITION_IN_UNIT: dict[tuple[str, str], tuple[Requirement, ...]] = {
    ("SEKSJONSLEDER", "HLD-DEKOM"): (_r("PROSJEKTLEDELSE", 2), _r("DEKOM-PLANLEGGING", 2)),
    ("SEKSJONSLEDER", "KJL-DEKOM"): (_r("PROSJEKTLEDELSE", 2), _r("DEKOM-PLANLEGGING", 2)),
    ("DEKOM-TEKNIKER", "HLD-DEKOM"): (_r("BRANNVAKT", 1), _r("FJERNHANDTERING", 1)),
    ("DEKOM-TEKNIKER", "KJL-DEKOM"): (_r("FJERNHANDTERING", 1),),
    ("MEKANIKER", "HLD-VEDL"): (_r("SVEISESERTIFIKAT", 1),),
    ("MEKANIKER", "KJL-VEDL"): (_r("STILLAS", 1),),
    ("AVFALLSOPERATOR", "KJL-AVFALL"): (_r("ADR-KL7", 1),),
}


def _profiles() -> tuple[RequirementProfile, ...]:
    result: list[RequirementProfile] = []
    for unit in UNITS:
        base = _NUCLEAR_UNIT if unit.nuclear else _OFFICE_UNIT
        extra = _UNIT_EXTRA.get(unit.code, ())
        merged: dict[str, Requirement] = {r.competence_code: r for r in base}
        for r in extra:
            merged[r.competence_code] = r
        result.append(RequirementProfile(unit=unit.code, requirements=tuple(merged.values())))
    for position, reqs in _POSITION.items():
        result.append(RequirementProfile(position=position, requirements=reqs))
    for (position, unit_code), reqs in _POSITION_IN_UNIT.items():
        result.append(RequirementProfile(position=position, unit=unit_code, requirements=reqs))
    return tuple(result)


PROFILES: tuple[RequirementProfile, ...] = _profiles()
_PROFILE_BY_KEY: dict[tuple[str, str], RequirementProfile] = {
    (p.position or "*", p.unit or "*"): p for p in PROFILES
}


def requirements_for(position: str, unit: str) -> dict[str, Requirement]:
    """The merged requirements of a seat, as the catalogue merges them."""
    merged: dict[str, Requirement] = {}
    for key in ((position, "*"), ("*", unit), (position, unit)):
        profile = _PROFILE_BY_KEY.get(key)
        if profile is None:
            continue
        for req in profile.requirements:
            old = merged.get(req.competence_code)
            if old is None:
                merged[req.competence_code] = req
            else:
                merged[req.competence_code] = Requirement(
                    competence_code=req.competence_code,
                    level=max(old.level, req.level),
                    mandatory_at_onboarding=old.mandatory_at_onboarding
                    or req.mandatory_at_onboarding,
                )
    return merged


# --- the Academy's offer --------------------------------------------------------------
@dataclass(frozen=True)
class Course:
    kind: MeasureKind
    title: str
    provider: str
    days: int


_EXTERNAL = "Ekstern kursleverandør (rammeavtale)"
_COURSES: dict[str, Course] = {
    "STRV-GRUNN": Course(
        MeasureKind.COURSE, "Strålevern grunnkurs med praktisk del", "Atomakademiet", 2
    ),
    "STRV-VIDERE": Course(MeasureKind.COURSE, "Strålevern videregående", "Atomakademiet", 3),
    "FORSTEHJELP": Course(MeasureKind.COURSE, "Førstehjelpskurs med HLR", _EXTERNAL, 1),
    "BRANNVAKT": Course(MeasureKind.COURSE, "Brannvaktkurs", _EXTERNAL, 1),
    "VARME-ARBEIDER": Course(MeasureKind.COURSE, "Varme arbeider - sertifisering", _EXTERNAL, 1),
    "ARBEID-I-HOYDEN": Course(MeasureKind.COURSE, "Fallsikring og redning", _EXTERNAL, 1),
    "TRANGE-ROM": Course(MeasureKind.COURSE, "Arbeid i trange rom", _EXTERNAL, 1),
    "KRANFORER": Course(MeasureKind.COURSE, "Kranførerkurs G4 med praksis", _EXTERNAL, 3),
    "TRUCKFORER": Course(MeasureKind.COURSE, "Truckførerkurs T1-T4", _EXTERNAL, 3),
    "STROPPING": Course(MeasureKind.COURSE, "Anhukerkurs", _EXTERNAL, 1),
    "ADR-KL7": Course(MeasureKind.COURSE, "ADR klasse 7 - kurs og eksamen", _EXTERNAL, 2),
    "SIKKERHETSKLARERING": Course(
        MeasureKind.OTHER,
        "Fornyet klarering via klareringsmyndigheten",
        "Sikkerhetsseksjonen NND",
        1,
    ),
    "VEKTERUTDANNING": Course(MeasureKind.COURSE, "Vekterutdanning, modul 2", _EXTERNAL, 4),
    "STILLAS": Course(MeasureKind.COURSE, "Stillasmontering 2-5 m", _EXTERNAL, 2),
    "SVEISESERTIFIKAT": Course(MeasureKind.COURSE, "Sveisesertifisering, fornyelse", _EXTERNAL, 2),
    "HMS-40": Course(MeasureKind.COURSE, "Grunnkurs arbeidsmiljø (40 t)", _EXTERNAL, 5),
    "BRANNVERN": Course(MeasureKind.INTERNAL_TRAINING, "Brannvernopplæring", "Atomakademiet", 1),
    "ANDEDRETTSVERN": Course(
        MeasureKind.INTERNAL_TRAINING, "Tilpasningstest åndedrettsvern", "Atomakademiet", 1
    ),
    "FSE": Course(MeasureKind.INTERNAL_TRAINING, "Årlig FSE-kurs", "Atomakademiet", 1),
    "BEREDSKAP": Course(
        MeasureKind.INTERNAL_TRAINING, "Beredskapsopplæring og øvelse", "Atomakademiet", 1
    ),
    "DOSIMETRI": Course(MeasureKind.E_LEARNING, "E-læring persondosimetri", "Atomakademiet", 1),
    "SIKRINGSOPPLARING": Course(
        MeasureKind.E_LEARNING, "E-læring sikring av nukleære anlegg", "Atomakademiet", 1
    ),
}


def course_for(code: str, variant: int = 0) -> Course:
    """The measure the Academy picks for a competence (``variant`` varies skill courses)."""
    known = _COURSES.get(code)
    if known is not None:
        return known
    name = BY_CODE[code].name_nb
    kinds = (
        Course(MeasureKind.COURSE, f"Kurs: {name}", "Atomakademiet", 2),
        Course(MeasureKind.E_LEARNING, f"E-læring: {name}", "Atomakademiet", 1),
        Course(MeasureKind.INTERNAL_TRAINING, f"Intern opplæring: {name}", "Atomakademiet", 3),
        Course(MeasureKind.COURSE, f"Videreutdanning: {name}", _EXTERNAL, 5),
    )
    return kinds[variant % len(kinds)]


def is_certificate(code: str) -> bool:
    return BY_CODE[code].scale == CERTIFICATE_SCALE


def validity_of(code: str) -> int | None:
    return BY_CODE[code].validity_months
