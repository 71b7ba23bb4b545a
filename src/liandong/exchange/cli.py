"""`liandong exchange ...`: the relay that delivers outgoing messages and polls the shared mailbox."""

from __future__ import annotations

import typer

from liandong.config import get_settings
from liandong.database import create_db_engine, make_session_factory

app = typer.Typer(no_args_is_help=True)


@app.command("relay")
def relay(
    once: bool = typer.Option(False, help="deliver what is due, poll the mailbox once, and exit"),
    idle_sleep: float = typer.Option(
        0.02,
        min=0.001,
        max=10,
        help="seconds between polls when idle without PostgreSQL notifications (SQLite)",
    ),
    poll_interval: float = typer.Option(
        1.0, min=0.01, max=60, help="seconds between polls while woken by PostgreSQL notifications"
    ),
    concurrency: int = typer.Option(8, min=1, max=64, help="orders delivered at the same time"),
    pollers: int = typer.Option(4, min=1, max=32, help="threads taking the shared mailbox's mail"),
) -> None:
    """Deliver pending messages to peers (HTTP or shared mailbox) and apply mailbox rows addressed to this node."""
    from liandong.database import models  # noqa: F401 - applying mail touches every domain's tables
    from liandong.exchange.relay import Relay

    settings = get_settings()
    # The engine pings a pooled connection only after it idled (the relay polls every second, so never): a dropped
    # connection fails one step, which the relay retries on a fresh one.
    factory = make_session_factory(create_db_engine(settings.database_url))
    worker = Relay(settings=settings, factory=factory, concurrency=concurrency, pollers=pollers)
    if once:
        worker.run_once()
        return
    worker.run(idle_sleep=idle_sleep, poll_interval=poll_interval)
