"""Norwegian texts the sample's managers, HR and the Academy write into the record."""

from __future__ import annotations

WORK_GOALS: dict[str, tuple[str, ...]] = {
    "DEKOM": (
        "Gjennomføre demontering av primærkretsens rørsystem etter plan",
        "Ferdigstille arbeidsprosedyre for segmentering av reaktortanken",
        "Klargjøre bygg for friklassing i henhold til dekommisjoneringsplanen",
        "Redusere kollektiv dose i delprosjektet med 10 prosent",
        "Dokumentere erfaringer fra demonteringen i erfaringsdatabasen",
    ),
    "DRIFT": (
        "Sikre stabil drift av ventilasjon og overvåkingssystemer",
        "Oppdatere driftsinstrukser etter endelig nedstengning",
        "Overføre driftsoppgaver til dekommisjoneringsprosjektet",
        "Gjennomføre periodisk testing av sikkerhetssystemer etter program",
    ),
    "VEDL": (
        "Gjennomføre forebyggende vedlikehold etter vedlikeholdsprogrammet",
        "Digitalisere arbeidsordrer i vedlikeholdssystemet",
        "Redusere etterslepet på korrektivt vedlikehold",
    ),
    "AVFALL": (
        "Karakterisere og dokumentere lagret avfall etter plan",
        "Forberede transport av avfallskolli til KLDRA Himdalen",
        "Oppdatere avfallsregisteret for anlegget",
        "Bidra til ny løsning for mellomlagring av brukt brensel",
    ),
    "STRAL": (
        "Følge opp strålevernet i alle demonteringsjobber",
        "Oppdatere ALARA-planene for året",
        "Kalibrere og kontrollere måleinstrumenter etter plan",
    ),
    "SIKR": (
        "Gjennomføre sikringsøvelser etter plan",
        "Oppdatere sikringsinstruksen for anlegget",
        "Bidra i revisjonen av adgangskontrollen",
    ),
    "NUKSIK": (
        "Utarbeide søknadsunderlag til DSA for dekommisjoneringstillatelse",
        "Oppdatere sikkerhetsrapporten (SAR) for anlegget",
        "Følge opp pålegg etter tilsyn fra DSA",
    ),
    "HMS": (
        "Gjennomføre vernerunder og følge opp avvik",
        "Revidere HMS-håndboken",
        "Redusere antall uønskede hendelser",
    ),
    "HR": (
        "Gjennomføre årshjulet for medarbeideroppfølging",
        "Innføre nytt rekrutteringsforløp",
        "Bidra til innføringen av kompetansesystemet",
    ),
    "OKO": (
        "Levere månedlig økonomirapportering til tiden",
        "Forbedre den prosjektøkonomiske oppfølgingen",
        "Gjennomføre budsjettprosessen for 2027",
    ),
    "IT": (
        "Oppgradere nettverket ved Kjeller",
        "Styrke tilgangsstyringen i fagsystemene",
        "Innføre ny sakshåndteringsløsning",
    ),
    "ANSK": (
        "Etablere rammeavtale for demonteringstjenester",
        "Følge opp kontrakten for avfallsbeholdere",
        "Forbedre anskaffelsesplanen",
    ),
    "KOMM": (
        "Gjennomføre åpen dag ved Haldenreaktoren",
        "Oppdatere beredskapsplanen for kommunikasjon",
        "Styrke dialogen med vertskommunene",
    ),
    "AKAD": (
        "Utvikle e-læring i strålevern",
        "Gjennomføre årets kursplan",
        "Kartlegge kompetansebehovet i alle enheter",
    ),
    "LEDELSE": (
        "Følge opp virksomhetsplanen",
        "Styrke sikkerhetskulturen i hele organisasjonen",
        "Gjennomføre lederutviklingsprogrammet",
    ),
}

LEVEL_NB = {1: "grunnleggende", 2: "god", 3: "ekspert"}

SUMMARIES = {
    "employee_conversation": (
        "Medarbeidersamtale gjennomført. Kompetansegap gjennomgått og utviklingsplan avtalt.",
        "Gjennomgått stillingsbeskrivelse, sikkerhet og trivsel. Mål for året avtalt.",
        "God samtale. Behov for fornyelse av sertifikater meldt til Atomakademiet.",
    ),
    "goal_and_development_1": (
        "Status på tiltak gjennomgått. Mål justert ved behov.",
        "Gjennomførte tiltak vurdert; nye behov drøftet.",
    ),
    "goal_and_development_2": (
        "Årets mål gjennomgått og avsluttet der det er naturlig.",
        "Status på utviklingsmål og behov for neste år drøftet.",
    ),
    "follow_up": ("Ekstra oppfølging avtalt i samtale.", "Oppfølging av tiltak og trivsel."),
}

REJECT_REASONS = (
    "Behovet dekkes av intern opplæring i enheten",
    "Kurset tilbys ikke i 2026; meldes på nytt neste år",
    "Ikke prioritert innenfor årets opplæringsbudsjett",
)
CANCEL_REASONS = (
    "Kurset ble avlyst av leverandøren",
    "Medarbeideren fikk ikke fri fra driften i kursperioden",
)
DROP_COMMENTS = (
    "Endrede prioriteringer i prosjektet",
    "Oppgaven er overført til en annen enhet",
)
REVISE_REASONS = (
    "Fristen flyttes etter avtale i samtalen",
    "Tiltaket er forsinket på grunn av driftssituasjonen",
)
PROGRESS_NOTES = (
    "Arbeidet går etter plan",
    "Delvis gjennomført; fortsetter i høst",
    "Påbegynt, noe forsinket",
)
