"""The competence catalogue and the requirement profiles.

One aggregate holds both: the catalogue is small (tens to a few hundred competences), is
changed rarely, and a requirement must name a competence that exists at that moment, which
a single consistency boundary guarantees without cross-aggregate checks.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from nnd_competence.domain.aggregate import Aggregate, DomainEvent
from nnd_competence.domain.errors import AlreadyExists, InvalidValue, NotFound
from nnd_competence.domain.ids import CATALOGUE_ID
from nnd_competence.domain.values import (
    STANDARD_SCALE,
    Code,
    Context,
    Frozen,
    LevelScale,
    Text,
)


class Category(StrEnum):
    SAFETY = "safety"
    TECHNICAL = "technical"
    LEADERSHIP = "leadership"
    ADMINISTRATIVE = "administrative"
    SECURITY = "security"


class CompetenceDefinition(Frozen):
    """A competence in the catalogue.

    ``validity_months`` is set for certifications that must be renewed; a holding then
    carries a valid-until date and counts as missing once it has passed.
    """

    code: Code
    name_nb: Text
    name_en: Text | None = None
    category: Category
    scale: LevelScale = STANDARD_SCALE
    validity_months: int | None = Field(default=None, ge=1, le=240)
    parent_code: Code | None = None
    description: str | None = None


class Requirement(Frozen):
    """One line of a requirement profile."""

    competence_code: Code
    level: int = Field(ge=1, le=10)
    mandatory_at_onboarding: bool = False


class RequirementProfile(Frozen):
    """What a position requires (optionally only within one unit).

    A profile keyed by position applies in every unit; a profile keyed by position and
    unit adds to (or raises) the position's requirements in that unit; a profile with
    only a unit applies to everyone in that unit.
    """

    position: Code | None = None
    unit: Code | None = None
    requirements: tuple[Requirement, ...]

    @property
    def key(self) -> str:
        return f"{self.position or '*'}@{self.unit or '*'}"


class CompetenceDefined(DomainEvent):
    competence: CompetenceDefinition


class CompetenceRevised(DomainEvent):
    competence: CompetenceDefinition
    reason: str


class CompetenceWithdrawn(DomainEvent):
    code: Code
    reason: Text


class RequirementProfileSet(DomainEvent):
    profile: RequirementProfile


class RequirementProfileRemoved(DomainEvent):
    position: Code | None
    unit: Code | None


class Catalogue(Aggregate):
    def __init__(self, aggregate_id: object = CATALOGUE_ID) -> None:
        super().__init__(CATALOGUE_ID)
        self.competences: dict[str, CompetenceDefinition] = {}
        self.withdrawn: set[str] = set()
        self.profiles: dict[str, RequirementProfile] = {}

    # --- commands -------------------------------------------------------------------
    def define(self, ctx: Context, competence: CompetenceDefinition) -> None:
        if competence.code in self.competences:
            raise AlreadyExists(f"competence {competence.code} is already in the catalogue")
        self._check_parent(competence)
        self.trigger(CompetenceDefined, ctx, competence=competence)

    def revise(self, ctx: Context, competence: CompetenceDefinition, reason: str = "") -> None:
        current = self.get(competence.code)
        if current == competence:
            return
        self._check_parent(competence)
        self.trigger(CompetenceRevised, ctx, competence=competence, reason=reason)

    def withdraw(self, ctx: Context, code: str, reason: str) -> None:
        self.get(code)
        self.trigger(CompetenceWithdrawn, ctx, code=code, reason=reason)

    def set_profile(self, ctx: Context, profile: RequirementProfile) -> None:
        if profile.position is None and profile.unit is None:
            raise InvalidValue("a requirement profile needs a position, a unit, or both")
        seen: set[str] = set()
        for req in profile.requirements:
            definition = self.get(req.competence_code)
            definition.scale.check(req.level, req.competence_code)
            if req.competence_code in seen:
                raise InvalidValue(
                    f"competence {req.competence_code} appears twice in profile {profile.key}"
                )
            seen.add(req.competence_code)
        if self.profiles.get(profile.key) == profile:
            return
        self.trigger(RequirementProfileSet, ctx, profile=profile)

    def remove_profile(self, ctx: Context, position: str | None, unit: str | None) -> None:
        key = f"{position or '*'}@{unit or '*'}"
        if key not in self.profiles:
            raise NotFound(f"no requirement profile for position {position} in unit {unit}")
        self.trigger(RequirementProfileRemoved, ctx, position=position, unit=unit)

    # --- queries --------------------------------------------------------------------
    def get(self, code: str) -> CompetenceDefinition:
        try:
            definition = self.competences[code]
        except KeyError:
            raise NotFound(f"competence {code!r} is not in the catalogue") from None
        if code in self.withdrawn:
            raise NotFound(f"competence {code!r} has been withdrawn from the catalogue")
        return definition

    def requirements_for(self, position: str, unit: str) -> dict[str, Requirement]:
        """Merged requirements; the highest level wins where profiles overlap."""
        merged: dict[str, Requirement] = {}
        for key in (f"{position}@*", f"*@{unit}", f"{position}@{unit}"):
            profile = self.profiles.get(key)
            if profile is None:
                continue
            for req in profile.requirements:
                if req.competence_code in self.withdrawn:
                    continue
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

    def _check_parent(self, competence: CompetenceDefinition) -> None:
        parent = competence.parent_code
        if parent is not None and parent not in self.competences:
            raise NotFound(
                f"parent competence {parent!r} of {competence.code} is not in the catalogue"
            )
        seen = {competence.code}
        while parent is not None:
            if parent in seen:
                raise InvalidValue(
                    f"competence {competence.code} cannot have {competence.parent_code} as "
                    "parent: the hierarchy would become a cycle"
                )
            seen.add(parent)
            parent = self.competences[parent].parent_code

    # --- event handlers -------------------------------------------------------------
    def when_CompetenceDefined(self, e: CompetenceDefined) -> None:
        self.competences[e.competence.code] = e.competence

    def when_CompetenceRevised(self, e: CompetenceRevised) -> None:
        self.competences[e.competence.code] = e.competence

    def when_CompetenceWithdrawn(self, e: CompetenceWithdrawn) -> None:
        self.withdrawn.add(e.code)

    def when_RequirementProfileSet(self, e: RequirementProfileSet) -> None:
        self.profiles[e.profile.key] = e.profile

    def when_RequirementProfileRemoved(self, e: RequirementProfileRemoved) -> None:
        self.profiles.pop(f"{e.position or '*'}@{e.unit or '*'}", None)


for _event in (
    CompetenceDefined,
    CompetenceRevised,
    CompetenceWithdrawn,
    RequirementProfileSet,
    RequirementProfileRemoved,
):
    _event.aggregate_type = Catalogue
