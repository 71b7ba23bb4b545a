"""The relay loop: deliver due messages concurrently (one order at a time each) and take the shared mailbox's mail.

A delivery is a network round trip in which the peer applies the message (tens of milliseconds): sent one after
another, 25 messages a second would already queue. So up to `concurrency` orders are in flight at once; the
messages of one order still go one after another, so the receiver rarely has to buffer.

The relay does not spin: on PostgreSQL a committed message wakes it (LISTEN/NOTIFY, see `outgoing.wake_relays`),
and it polls every `poll_interval` besides, so a lost wake-up (the listening connection dropped, a relay started
after the commit) delays a message by at most that long. On SQLite, which has no notifications, it polls every
`idle_sleep` while idle. Due messages are leased in batches (one UPDATE ... RETURNING), and the outcome of each
order's messages is written in one or two statements.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from liandong.config import Settings
from liandong.core.timeutil import utcnow
from liandong.exchange import delivery, mailbox
from liandong.exchange.outgoing import WAKE_CHANNEL

log = logging.getLogger(__name__)
LISTENER_NAME = "liandong-relay-listen"  # application_name of the notification connection (operators, tests)


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
        self,
        *,
        settings: Settings,
        factory: sessionmaker[Session],
        concurrency: int = 8,
        pollers: int = 4,
        batch: int = 32,
    ) -> None:
        self.settings = settings
        self.factory = factory
        bind = factory.kw["bind"]
        self.engine: Engine = bind if isinstance(bind, Engine) else bind.engine
        self.postgresql = self.engine.dialect.name == "postgresql"
        self.concurrency = concurrency
        self.batch = batch
        self.pollers = pollers if settings.exchange_transport == "shared_db" else 0
        self.pool = ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="relay-send")
        self.in_flight: dict[str, Future[list[delivery.Outcome]]] = {}
        self.stop = threading.Event()
        self.wake = threading.Event()  # set by a notification, a finished order when work is waiting, or stop
        self.backlog = False  # the last dispatch left due messages behind (no free slot, or a full batch)
        self.next_retry: datetime | None = None  # earliest backoff this relay set: poll again then
        self.listening = threading.Event()  # the LISTEN connection is up (tests wait for it)
        self.mail_wake = threading.Event()  # the shared mailbox has mail for this node
        self.mail_listening = threading.Event()

    def _finished(self, future: Future[list[delivery.Outcome]]) -> None:
        try:
            outcomes = future.result()
        except Exception:
            log.exception("relay delivery failed")
            outcomes = []
        now = utcnow()
        for o in outcomes:
            if o.error is not None and not o.permanent and o.message.attempts < delivery.MAX_ATTEMPTS:
                at = o.retry_at(now)
                if self.next_retry is None or at < self.next_retry:
                    self.next_retry = at
        if self.backlog or self.next_retry is not None:
            self.wake.set()

    def dispatch(self) -> int:
        """Lease due messages of orders not already in flight and start sending them; returns how many."""
        self.in_flight = {k: f for k, f in self.in_flight.items() if not f.done()}
        free = self.concurrency - len(self.in_flight)
        if free <= 0:
            self.backlog = True
            return 0
        limit = min(self.batch, 4 * free)
        with delivery.writing(self.factory) as conn:
            claimed = delivery.claim(
                conn, limit=limit, exclude_orders=list(self.in_flight), postgresql=self.postgresql
            )
        self.backlog = len(claimed) >= limit
        for order_key, messages in delivery.by_order(claimed).items():
            future = self.pool.submit(delivery.send_order, self.settings, self.factory, messages)
            self.in_flight[order_key] = future
            future.add_done_callback(self._finished)
        return len(claimed)

    def poll_mailbox(self, limit: int = 10) -> int:
        return mailbox.poll(settings=self.settings, session_factory=self.factory, limit=limit)

    def collect_refusals(self) -> int:
        return mailbox.collect_refusals(settings=self.settings, session_factory=self.factory)

    def run_once(self) -> None:
        """Deliver everything due now, take the mailbox's mail, and return."""
        while True:
            with delivery.writing(self.factory) as conn:
                claimed = delivery.claim(conn, limit=500, postgresql=self.postgresql)
            for messages in delivery.by_order(claimed).values():
                delivery.send_order(self.settings, self.factory, messages)
            if len(claimed) < 500:
                break
        if self.settings.exchange_transport == "shared_db":
            while self.poll_mailbox(limit=50):
                pass
            self.collect_refusals()

    def _listen(
        self, url: str, channel: str, wake: threading.Event, up: threading.Event, payload: str
    ) -> None:
        """Set `wake` on each notification on `channel` (with `payload`, if given); reconnect when dropped."""
        import psycopg
        from sqlalchemy.engine import make_url

        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        while not self.stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, application_name=LISTENER_NAME) as conn:
                    conn.execute(f"LISTEN {channel}")
                    up.set()
                    wake.set()  # whatever was committed before LISTEN took effect is due now
                    while not self.stop.is_set():
                        for note in conn.notifies(timeout=1.0, stop_after=1):
                            if not payload or note.payload == payload:
                                wake.set()
            except Exception as exc:  # noqa: BLE001 - the database restarted or is down: retry, keep polling
                log.warning("relay: listening on %s failed (%s); polling until it reconnects", channel, exc)
            finally:
                up.clear()
            self.stop.wait(1.0)

    def _poller(self, idle_sleep: float, poll_interval: float) -> None:
        """Take the mailbox's mail: after each notification for this node, and every poll interval besides."""
        while not self.stop.is_set():
            self.mail_wake.clear()  # whoever clears it polls next: a signal is never left unserved
            if _guarded(self.poll_mailbox):
                continue
            self.mail_wake.wait(poll_interval if self.mail_listening.is_set() else idle_sleep)

    def _timeout(self, idle: float) -> float:
        if self.next_retry is None:
            return idle
        wait = (self.next_retry - utcnow()).total_seconds()
        if wait <= 0:
            self.next_retry = None
            return 0.0
        return min(idle, wait)

    def run(self, idle_sleep: float = 0.02, poll_interval: float = 1.0) -> None:
        """Until stopped: dispatch deliveries when woken (or every poll interval), poll the mailbox, collect refusals.

        `poll_interval` applies while a PostgreSQL notification connection is up; otherwise (SQLite, or the
        connection is down) the relay polls every `idle_sleep`.
        """
        threads = [
            threading.Thread(
                target=self._poller, args=(idle_sleep, poll_interval), name=f"relay-poll-{i}", daemon=True
            )
            for i in range(self.pollers)
        ]
        if self.postgresql:
            url = self.engine.url.render_as_string(hide_password=False)
            args = (url, WAKE_CHANNEL, self.wake, self.listening, "")
            threads.append(threading.Thread(target=self._listen, args=args, name="relay-listen", daemon=True))
        if self.pollers and self.settings.exchange_database_url:
            args = (self.settings.exchange_database_url, mailbox.WAKE_CHANNEL, self.mail_wake, self.mail_listening,
                    self.settings.node_id)  # fmt: skip
            threads.append(
                threading.Thread(target=self._listen, args=args, name="relay-listen-mail", daemon=True)
            )
        for t in threads:
            t.start()
        last_refusals = 0.0
        try:
            while not self.stop.is_set():
                self.wake.clear()
                claimed = _guarded(self.dispatch)
                if self.pollers and time.monotonic() - last_refusals > 1.0:
                    _guarded(self.collect_refusals)
                    last_refusals = time.monotonic()
                if claimed and self.backlog and len(self.in_flight) < self.concurrency:
                    continue  # a full batch: more is due now
                idle = poll_interval if self.listening.is_set() else idle_sleep
                self.wake.wait(self._timeout(idle))
        finally:
            self.stop.set()
            self.wake.set()
            self.mail_wake.set()
            for t in threads:
                t.join()
            self.pool.shutdown(wait=True)
