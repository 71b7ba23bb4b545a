"""`liandong exchange ...`: the relay that delivers outgoing messages and polls the shared mailbox."""

from __future__ import annotations

import logging
import time

import typer

from liandong.config import get_settings
from liandong.database import create_db_engine, make_session_factory

app = typer.Typer(no_args_is_help=True)
log = logging.getLogger(__name__)


@app.command("relay")
def relay(
    once: bool = typer.Option(False, help="deliver what is due, poll the mailbox once, and exit"),
    idle_sleep: float = typer.Option(0.02, min=0.001, max=10, help="seconds between polls when idle"),
) -> None:
    """Deliver pending messages to peers (HTTP or shared mailbox) and apply mailbox rows addressed to this node."""
    from liandong.exchange import delivery

    settings = get_settings()
    factory = make_session_factory(create_db_engine(settings.database_url))
    while True:
        busy = 0
        try:
            with factory() as session:
                for message_id in delivery.due(session=session):
                    delivery.deliver(session=session, message_id=message_id, settings=settings)
                    busy += 1
            if settings.exchange_transport == "shared_db":
                from liandong.exchange import mailbox

                busy += mailbox.poll(settings=settings, session_factory=factory)
        except Exception:
            log.exception("relay pass failed")
            time.sleep(1)
        if once:
            return
        if not busy:
            time.sleep(idle_sleep)
