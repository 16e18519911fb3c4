"""Entry point of the ``nnd-competence`` command.

Click runs in non-standalone mode so that every failure, including usage errors, is
caught here and printed as a single line on stderr with a non-zero exit code.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import traceback
from typing import Annotated

import click
import typer
from eventsourcing.persistence import PersistenceError
from pydantic import ValidationError

from nnd_competence.adapters.cli import (
    catalogue_commands,
    employee_commands,
    plan_commands,
    report_commands,
    training_commands,
    views_commands,
)
from nnd_competence.adapters.cli.context import ACTOR_ENV, STORE_ENV, CliState, default_store
from nnd_competence.adapters.cli.errors import describe_validation_error
from nnd_competence.domain.errors import DomainError

app = typer.Typer(
    help="NND competence and career development (kompetanse- og karriereutvikling).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    store: Annotated[
        str,
        typer.Option(
            envvar=STORE_ENV,
            help="The store: a SQLite file, sqlite:///PATH, postgresql://USER@HOST/DB?schema=S "
            "or env: (eventsourcing's variables)",
        ),
    ] = default_store(),
    actor: Annotated[
        str | None,
        typer.Option(envvar=ACTOR_ENV, help="Who is acting: EMPLOYEE_NUMBER:ROLE, e.g. 10001:hr"),
    ] = None,
    on_behalf_of: Annotated[
        str | None, typer.Option(help="Employee number the actor acts for")
    ] = None,
    command_id: Annotated[
        str | None,
        typer.Option(help="Idempotency key: the same id again returns the first outcome"),
    ] = None,
) -> None:
    ctx.obj = CliState(
        store_path=store, actor_text=actor, on_behalf_of=on_behalf_of, command_id=command_id
    )


app.add_typer(catalogue_commands.app, name="catalogue")
app.add_typer(employee_commands.app, name="employee")
app.add_typer(plan_commands.cycle_app, name="cycle")
app.add_typer(plan_commands.app, name="plan")
app.add_typer(training_commands.app, name="training")
app.add_typer(report_commands.app, name="report")
sync_app = typer.Typer(help="Synchronise with DFØ HR and deliver records outward.")
import_app = typer.Typer(help="Import learning records (xAPI) and competence frameworks.")
export_app = typer.Typer(help="Export competence frameworks.")
# Integration command modules register themselves here (one line each):
# -- integrations --
app.add_typer(views_commands.app, name="views")
from nnd_competence.adapters.cli import exchange_commands  # noqa: E402

exchange_commands.register(sync_app, import_app, export_app)
from nnd_competence.adapters.cli import hr_sync_commands  # noqa: E402

hr_sync_commands.register(sync_app)
app.add_typer(sync_app, name="sync")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.command()(report_commands.audit)
app.command()(report_commands.rebuild)
app.command()(report_commands.demo)


def _fail(message: str, code: int = 1) -> None:
    sys.stderr.write("error: " + " ".join(message.split()) + "\n")
    if os.environ.get("NND_COMPETENCE_DEBUG"):
        traceback.print_exc()
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="nnd-competence", standalone_mode=False)
    except click.exceptions.Exit as stop:
        sys.exit(stop.exit_code)
    except click.exceptions.Abort:
        _fail("aborted", 130)
    except click.UsageError as error:
        _fail(error.format_message(), 2)
    except click.ClickException as error:
        _fail(error.format_message())
    except ValidationError as error:
        _fail(describe_validation_error(error))
    except DomainError as error:
        _fail(str(error))
    except (sqlite3.Error, PersistenceError, OSError) as error:
        _fail(f"the store could not be used: {type(error).__name__}: {error}")
    except Exception as error:
        _fail(f"unexpected failure ({type(error).__name__}): {error}")
    else:
        sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
