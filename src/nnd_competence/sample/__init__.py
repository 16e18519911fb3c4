"""The bundled sample organisation: a synthetic NND with one year of competence follow-up.

About 450 employees in 21 units at Halden and Kjeller, a catalogue of 49 competences with
requirement profiles per position and unit, and the year ``SAMPLE_YEAR`` of the process:
HR's annual cycle, conversations (on time, late and missing), goals, training needs through
Atomakademiet, refreshers, hires with onboarding, transfers and leavers. It is generated
deterministically from a seed and fed in through the public use cases only.

    from nnd_competence import open_store
    from nnd_competence.sample import SAMPLE_AS_OF, load_sample

    with open_store("demo.sqlite") as store:
        summary = load_sample(store)
        report = store.gap_report(SAMPLE_AS_OF)
"""

from nnd_competence.sample.loader import (
    SampleLoadError,
    SampleSummary,
    is_loaded,
    load_sample,
)
from nnd_competence.sample.organisation import HR_HEAD
from nnd_competence.sample.world import SAMPLE_AS_OF, SAMPLE_YEAR

__all__ = [
    "HR_HEAD",
    "SAMPLE_AS_OF",
    "SAMPLE_YEAR",
    "SampleLoadError",
    "SampleSummary",
    "is_loaded",
    "load_sample",
]
