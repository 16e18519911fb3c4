"""``nnd-competence catalogue ...``: competences and requirement profiles."""

from __future__ import annotations

from typing import Annotated

import typer

from nnd_competence.adapters.cli.context import console, done, state
from nnd_competence.adapters.cli.render import _table
from nnd_competence.application import commands as c
from nnd_competence.domain.catalogue import RequirementProfile
from nnd_competence.domain.values import CERTIFICATE_SCALE, STANDARD_SCALE

app = typer.Typer(help="The competence catalogue and requirement profiles.")


@app.command("add")
def add_competence(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Stable competence code")],
    name_nb: Annotated[str, typer.Option(help="Norwegian name")],
    category: Annotated[
        str, typer.Option(help="safety, technical, leadership, administrative, security")
    ],
    name_en: Annotated[str | None, typer.Option(help="English name")] = None,
    scale: Annotated[str, typer.Option(help="standard (1-3) or certificate (1)")] = "standard",
    validity_months: Annotated[
        int | None, typer.Option(help="Months a holding stays valid (certifications)")
    ] = None,
) -> None:
    """Add a competence to the catalogue."""
    s = state(ctx)
    scales = {"standard": STANDARD_SCALE, "certificate": CERTIFICATE_SCALE}
    cmd = s.build(
        c.DefineCompetence,
        competence={
            "code": code,
            "name_nb": name_nb,
            "name_en": name_en,
            "category": category,
            "scale": scales.get(scale, {"names": ()}),
            "validity_months": validity_months,
        },
    )
    s.execute(cmd)
    done(f"competence {cmd.competence.code} added")


@app.command()
def withdraw(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Competence code")],
    reason: Annotated[str, typer.Option(help="Why it is withdrawn")],
) -> None:
    """Withdraw a competence: it no longer counts in requirements or new goals."""
    s = state(ctx)
    cmd = s.build(c.WithdrawCompetence, code=code, reason=reason)
    s.execute(cmd)
    done(f"competence {cmd.code} withdrawn")


@app.command()
def require(
    ctx: typer.Context,
    competence: Annotated[str, typer.Argument(help="Competence code")],
    level: Annotated[int, typer.Option(help="Required level")],
    position: Annotated[str | None, typer.Option(help="Position code")] = None,
    unit: Annotated[str | None, typer.Option(help="Unit code")] = None,
    mandatory_at_onboarding: Annotated[bool, typer.Option("--mandatory-at-onboarding")] = False,
) -> None:
    """Add (or change) one requirement in the profile of a position and/or unit."""
    s = state(ctx)
    with s.open() as store:
        catalogue = store.app.catalogue()
        key = f"{(position or '*').upper()}@{(unit or '*').upper()}"
        existing = catalogue.profiles.get(key)
        lines = [
            r.model_dump()
            for r in (existing.requirements if existing else ())
            if r.competence_code != competence.upper()
        ]
        lines.append(
            {
                "competence_code": competence,
                "level": level,
                "mandatory_at_onboarding": mandatory_at_onboarding,
            }
        )
        cmd = s.build(
            c.SetRequirementProfile,
            profile={"position": position, "unit": unit, "requirements": lines},
        )
        store.execute(cmd, s.actor())
    profile: RequirementProfile = cmd.profile
    done(f"profile {profile.key} now requires {len(profile.requirements)} competence(s)")


@app.command("list")
def list_catalogue(ctx: typer.Context) -> None:
    """Show the catalogue and the requirement profiles."""
    with state(ctx).open() as store:
        catalogue = store.app.catalogue()
    _table(
        "Competence catalogue",
        ["Code", "Name (nb)", "Category", "Levels", "Valid (months)", "Status"],
        [
            (
                d.code,
                d.name_nb,
                d.category.value,
                ", ".join(d.scale.names[1:]),
                d.validity_months or "",
                "withdrawn" if d.code in catalogue.withdrawn else "",
            )
            for d in sorted(catalogue.competences.values(), key=lambda d: d.code)
        ],
    )
    _table(
        "Requirement profiles",
        ["Position@Unit", "Requirements (code:level, * = mandatory at onboarding)"],
        [
            (
                key,
                ", ".join(
                    f"{r.competence_code}:{r.level}{'*' if r.mandatory_at_onboarding else ''}"
                    for r in p.requirements
                ),
            )
            for key, p in sorted(catalogue.profiles.items())
        ],
    )
    if not catalogue.competences:
        console.print("The catalogue is empty.")
