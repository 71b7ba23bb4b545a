"""The relay loop: deliver due messages concurrently (one order at a time each) and take the shared mailbox's mail.

A delivery is a network round trip in which the peer applies the message (tens of milliseconds): sent one after
another, 25 messages a second would already queue. So up to `concurrency` orders are in flight at once; the
messages of one order still go one after another, so the receiver rarely has to buffer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from liandong.config import Settings
from liandong.exchange import delivery

log = logging.getLogger(__name__)


def _deliver_order(factory: sessionmaker[Session], settings: Settings, message_ids: list[str]) -> None:
    with factory() as session:
        for message_id in message_ids:
            delivery.deliver(session=session, message_id=message_id, settings=settings)


def _guarded(step: Callable[[], int]) -> int:
    try:
        return step()
    except Exception:
        log.exception("relay step failed")
        time.sleep(1)  # the database or the peer is down: do not spin
        return 0


class Relay:
    """Delivery and mailbox polling for one node; `run_once` for tests and cron, `run` for the daemon."""

    def __init__(
        self, *, settings: Settings, factory: sessionmaker[Session], concurrency: int = 8, pollers: int = 4
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.concurrency = concurrency
        self.pollers = pollers if settings.exchange_transport == "shared_db" else 0
        self.pool = ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="relay-send")
        self.in_flight: dict[str, Future[None]] = {}
        self.stop = threading.Event()

    def dispatch(self) -> int:
        """Start delivering due messages of orders not already in flight; returns how many orders started."""
        self.in_flight = {k: f for k, f in self.in_flight.items() if not f.done()}
        free = self.concurrency - len(self.in_flight)
        if free <= 0:
            return 0
        with self.factory() as session:
            due = delivery.due_by_order(session=session, limit=200)
        started = 0
        for order_key, ids in due.items():
            if order_key in self.in_flight:
                continue
            if started >= free:
                break
            self.in_flight[order_key] = self.pool.submit(_deliver_order, self.factory, self.settings, ids)
            started += 1
        return started

    def poll_mailbox(self, limit: int = 10) -> int:
        from liandong.exchange import mailbox

        return mailbox.poll(settings=self.settings, session_factory=self.factory, limit=limit)

    def collect_refusals(self) -> int:
        from liandong.exchange import mailbox

        return mailbox.collect_refusals(settings=self.settings, session_factory=self.factory)

    def run_once(self) -> None:
        """Deliver everything due now, take the mailbox's mail, and return."""
        with self.factory() as session:
            due = delivery.due_by_order(session=session, limit=10_000)
        for ids in due.values():
            _deliver_order(self.factory, self.settings, ids)
        if self.settings.exchange_transport == "shared_db":
            while self.poll_mailbox(limit=50):
                pass
            self.collect_refusals()

    def _poller(self, idle_sleep: float) -> None:
        while not self.stop.is_set():
            if not _guarded(self.poll_mailbox):
                self.stop.wait(idle_sleep)

    def run(self, idle_sleep: float = 0.02) -> None:
        """Until stopped: dispatch deliveries, poll the mailbox in `pollers` threads, collect refusals."""
        threads = [
            threading.Thread(target=self._poller, args=(idle_sleep,), name=f"relay-poll-{i}", daemon=True)
            for i in range(self.pollers)
        ]
        for t in threads:
            t.start()
        last_refusals = 0.0
        try:
            while not self.stop.is_set():
                busy = _guarded(self.dispatch)
                if self.pollers and time.monotonic() - last_refusals > 1.0:
                    busy += _guarded(self.collect_refusals)
                    last_refusals = time.monotonic()
                if not busy:
                    self.stop.wait(idle_sleep)
        finally:
            self.stop.set()
            for t in threads:
                t.join()
            self.pool.shutdown(wait=True)
