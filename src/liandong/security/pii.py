"""Personal data: encrypted at rest, a keyed hash for matching, masked by default in every output."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from liandong.config import get_settings

_PHONE_IN_TEXT = re.compile(
    r"(?<!\d)(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)|(?<!\d)(0\d{2,3})-?(\d{7,8})(?!\d)"
)
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[bytes, bytes]:
    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=SHA256(), length=32, salt=b"liandong-pii", info=info).derive(secret.encode())

    return derive(b"encrypt"), derive(b"match")


def encrypt(value: str, *, secret: str | None = None) -> str:
    """AES-GCM with a random nonce; output is URL-safe base64."""
    enc_key, _ = _keys(secret or get_settings().secret_key)
    nonce = os.urandom(12)
    data = AESGCM(enc_key).encrypt(nonce, value.encode(), None)
    return base64.urlsafe_b64encode(nonce + data).decode()


def decrypt(token: str, *, secret: str | None = None) -> str:
    enc_key, _ = _keys(secret or get_settings().secret_key)
    raw = base64.urlsafe_b64decode(token.encode())
    return AESGCM(enc_key).decrypt(raw[:12], raw[12:], None).decode()


def match_hash(value: str, *, secret: str | None = None) -> str:
    """Keyed hash of a normalised value: lets us group calls by number without storing it in clear."""
    _, match_key = _keys(secret or get_settings().secret_key)
    return hmac.new(match_key, normalise_phone(value).encode(), hashlib.sha256).hexdigest()


def normalise_phone(value: str) -> str:
    digits = re.sub(r"[^\d+]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    digits = normalise_phone(value)
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


def mask_name(value: str | None) -> str | None:
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else "*"


def mask_id_number(value: str | None) -> str | None:
    if not value:
        return value
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_address(value: str | None, keep: int = 8) -> str | None:
    """Keep the district-level head of an address, hide the house-level tail."""
    if not value:
        return value
    return value if len(value) <= keep else value[:keep] + "****"


def mask_text(text: str | None) -> str | None:
    """Mask phone and ID-card numbers written inside free text."""
    if not text:
        return text

    def _phone(m: re.Match[str]) -> str:
        whole = m.group(0)
        return mask_phone(whole) or whole

    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    return _PHONE_IN_TEXT.sub(_phone, text)
