"""The `liandong` command line: serve, worker, db, reference data, demo, export/import, triage."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from sqlalchemy.orm import Session, sessionmaker

from liandong.analytics.cli import app as analytics_app
from liandong.config import get_settings
from liandong.database import create_db_engine, make_session_factory
from liandong.exchange.cli import app as exchange_app
from liandong.triage.cli import app as triage_app

app = typer.Typer(
    help="liandong 联动: 12345 hotline and 110 police desk linkage platform.", no_args_is_help=True
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()


@app.callback()
def _every_command() -> None:
    # Changes made from the command line and by the worker are audited like the API's (actor "system").
    from liandong.security import audit

    audit.install()


def _session_factory() -> sessionmaker[Session]:
    return make_session_factory(create_db_engine(get_settings().database_url))


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply migrations up to REVISION (default: every head)."""
    from liandong.database.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    console.print(f"database at {revision}")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models differ from the migrated schema (a model change without a migration)."""
    from liandong.database.migrate import pending_changes

    diff = pending_changes(create_db_engine(get_settings().database_url))
    if diff:
        console.print(f"[red]{len(diff)} model change(s) without a migration:[/red] {diff}")
        raise typer.Exit(1)
    console.print("models and migrations agree")


@app.command("load-reference")
def load_reference() -> None:
    """Load the administrative divisions (GB/T 2260 + townships) into the database."""
    from liandong.reference import flows

    with _session_factory()() as session:
        added = flows.load_reference(session=session)
    console.print(f"{added} divisions added")


@app.command()
def demo(
    requests: Annotated[int, typer.Option(min=0, max=100_000, help="requests to replay")] = 120,
    seed: int = 12345,
) -> None:
    """Seed the demo city (长沙) and replay a realistic day of requests through the system."""
    from liandong.demo import city, day, knowledge, users

    with _session_factory()() as session:
        added = city.seed(session=session)
        logins = users.seed(session=session)
        entries = knowledge.seed(session=session)
        session.commit()
        console.print(f"demo city: {added} organisations, {logins} logins, {entries} knowledge entries added")
        with Progress(console=console) as progress:
            task = progress.add_task("replaying a day of requests", total=requests)
            tally = day.replay_day(
                session=session, count=requests, seed=seed, progress=lambda n: progress.advance(task, n)
            )
    console.print(f"replayed: {tally}")


@app.command("demo-logins")
def demo_logins() -> None:
    """Print the demo logins (development only)."""
    from liandong.demo.users import DEMO_PASSWORD, DEMO_USERS

    console.print(f"demo logins (password: {DEMO_PASSWORD}):")
    for username, name, role, _ in DEMO_USERS:
        console.print(f"  {username:<12} {role:<14} {name}")


audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify() -> None:
    """Seal committed audit rows, recompute the hash chain; exit 1 if any row was altered or deleted."""
    from liandong.security import flows

    with _session_factory()() as session:
        result = flows.verify_audit(session=session)
    if not result.ok:
        for problem in result.problems[:50]:
            console.print(f"[red]{problem}[/red]")
        raise typer.Exit(1)
    console.print(f"audit log intact: {result.checked} rows")


users_app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[
        str, typer.Option(help="seat_12345 | seat_110 | unit_staff | supervisor | admin | auditor")
    ],
    display_name: Annotated[str, typer.Option()] = "",
    organisation: Annotated[str | None, typer.Option(help="organisation code (unit staff)")] = None,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Create a console user."""
    from pydantic import ValidationError

    from liandong.core.errors import DomainError
    from liandong.reference import service as reference
    from liandong.security import flows
    from liandong.security.schemas import UserCreate

    with _session_factory()() as session:
        org = reference.get_organisation_by_code(session=session, code=organisation) if organisation else None
        if organisation and org is None:
            console.print(f"[red]unknown organisation {organisation}[/red]")
            raise typer.Exit(2)
        try:
            data = UserCreate(username=username, display_name=display_name or username, password=password,
                              role=role, organisation_id=org.id if org else None)  # fmt: skip
            flows.create_user(session=session, data=data)
        except (ValidationError, DomainError) as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    console.print(f"user {username} created")


@users_app.command("token")
def users_token(
    name: str,
    role: Annotated[str, typer.Option()] = "system",
    scope: Annotated[list[str] | None, typer.Option(help="permission scopes, e.g. open311:submit")] = None,
    days: int = 90,
) -> None:
    """Issue an API token (printed once; only its hash is stored)."""
    from liandong.security import flows
    from liandong.security.schemas import TokenCreate

    with _session_factory()() as session:
        data = TokenCreate(name=name, role=role, scopes=scope or [], days=days)
        token, raw = flows.create_api_token(session=session, data=data, actor="cli")
    console.print(f"token {token.id} (expires {token.expires_at:%Y-%m-%d}): {raw}")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    reload: bool = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="API worker processes")] = 1,
    with_worker: Annotated[
        bool, typer.Option("--with-worker", help="also run the background worker as a child process")
    ] = False,
) -> None:
    """Run the API and console (production runs `liandong worker` as its own service instead of --with-worker)."""
    import subprocess
    import sys

    import uvicorn

    settings = get_settings()
    console.print(f"liandong on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    child = subprocess.Popen([sys.executable, "-m", "liandong", "worker"]) if with_worker else None
    try:
        uvicorn.run("liandong.api.app:create_app", factory=True, host=host, port=port, reload=reload,
                    workers=workers, log_level=settings.log_level.lower())  # fmt: skip
    finally:
        if child is not None:
            child.terminate()
            child.wait(timeout=30)


@app.command()
def worker(once: bool = typer.Option(False, help="run due jobs and exit")) -> None:
    """Run the durable background worker (outbox jobs: deliveries, deadline sweeps, transcription)."""
    from liandong.outbox import worker as outbox_worker
    from liandong.worker_handlers import PERIODIC, register_all

    logging.basicConfig(level=get_settings().log_level)
    register_all()
    factory = _session_factory()
    if once:
        console.print(f"{outbox_worker.drain(factory)} jobs run")
        return
    outbox_worker.run_forever(factory, periodic=PERIODIC)


@app.command("export")
def export(
    kind: Annotated[str, typer.Argument(help="requests | work-orders | incidents")],
    output: Annotated[Path, typer.Option("--output", "-o")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl | csv")] = "jsonl",
) -> None:
    """Export records in bulk (personal data masked)."""
    from liandong.bulk import export_records

    with _session_factory()() as session:
        n = export_records(session=session, kind=kind, output=output, fmt=fmt)
    console.print(f"{n} {kind} written to {output}")


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help="requests")],
    source: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Import requests from JSONL or CSV: every row is validated first; one bad row imports nothing."""
    from liandong.bulk import BulkError, import_records

    with _session_factory()() as session:
        try:
            n = import_records(session=session, kind=kind, source=source, actor="cli-import")
        except BulkError as exc:
            console.print(f"[red]import refused, nothing written:[/red] {exc}")
            raise typer.Exit(2) from None
    console.print(f"{n} {kind} imported")


# Domain sub-commands, mounted after the core commands so `--help` lists those first.
app.add_typer(triage_app, name="triage", help="Triage: classify, evaluate, train.")
app.add_typer(
    analytics_app, name="analytics", help="Analytics: rollups, open data files, evaluation reports."
)
app.add_typer(exchange_app, name="exchange", help="Exchange with peer nodes: relay.")

if __name__ == "__main__":
    app()
