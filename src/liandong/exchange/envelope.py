"""Signed envelopes: canonical JSON, HMAC-SHA256 per peer, verification of everything a receiver must check."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from liandong.config import Peer, Settings
from liandong.core.errors import InvalidInput, Unauthenticated
from liandong.core.timeutil import as_utc, utcnow
from liandong.exchange import schemas
from liandong.exchange.messages import VERSION, Envelope

MAX_ENVELOPE_BYTES = 256 * 1024
CLOCK_SKEW = timedelta(minutes=5)


def canonical(document: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: both sides sign exactly these bytes."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(document: dict[str, Any], key: str) -> str:
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    return hmac.new(key.encode("utf-8"), canonical(unsigned), hashlib.sha256).hexdigest()


def seal(
    *,
    message_id: str,
    type_: str,
    sender: str,
    recipient: str,
    order_key: str,
    seq: int,
    payload: dict[str, Any],
    key: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The envelope as sent: signed at send time so a retried message carries a fresh timestamp."""
    doc: dict[str, Any] = {
        "version": VERSION,
        "message_id": message_id,
        "type": type_,
        "sender": sender,
        "recipient": recipient,
        "sent_at": (now or utcnow()).isoformat(),
        "order_key": order_key,
        "seq": seq,
        "payload": payload,
    }
    doc["signature"] = signature(doc, key)
    return doc


def parse(raw: bytes) -> dict[str, Any]:
    """JSON object from the wire, or InvalidInput."""
    if len(raw) > MAX_ENVELOPE_BYTES:
        raise InvalidInput("(document)", f"envelope larger than {MAX_ENVELOPE_BYTES} bytes")
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("(document)", f"malformed JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise InvalidInput("(document)", "the envelope must be a JSON object")
    _check_strings(doc, "")
    return doc


def _check_strings(value: Any, path: str) -> None:
    """Refuse NUL characters and lone surrogates anywhere: no database stores them and they cannot be signed."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, path or "(document)")
            _check_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_strings(item, f"{path}.{i}")
    elif isinstance(value, str):
        if "\x00" in value:
            raise InvalidInput(path or "(document)", "NUL characters are not allowed")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidInput(path or "(document)", "not valid UTF-8 (lone surrogate)") from exc


def verify(doc: dict[str, Any], settings: Settings, now: datetime | None = None) -> tuple[Envelope, Peer]:
    """Check structure, sender, recipient, signature, freshness and payload schema; raise on the first failure."""
    if not isinstance(doc.get("signature"), str) or not doc["signature"]:
        raise Unauthenticated("unsigned message")
    peer = next((p for p in settings.peers if p.node_id == doc.get("sender")), None)
    if peer is None:
        raise Unauthenticated(f"unknown sender {str(doc.get('sender'))[:64]!r}")
    # The signature is checked before the structure, so nothing from an unauthenticated party is interpreted.
    if not hmac.compare_digest(signature(doc, peer.hmac_key), str(doc["signature"])):
        raise Unauthenticated("bad signature")
    try:
        env = Envelope.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise InvalidInput(field, first["msg"]) from exc
    if env.recipient != settings.node_id:
        raise InvalidInput("recipient", f"this node is {settings.node_id!r}, not {env.recipient!r}")
    now = now or utcnow()
    if abs(as_utc(env.sent_at) - now) > CLOCK_SKEW:
        raise InvalidInput("sent_at", "outside the accepted ±5 minutes (replayed or clock skew)")
    schemas.validate(env.type, doc["payload"])
    return env, peer
