"""ULIDs: time-ordered, unique record identifiers (26 characters, Crockford base32)."""

from __future__ import annotations

import hashlib
import os
import re

from casework import clock

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ULID_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def ulid() -> str:
    millis = int(clock.now().timestamp() * 1000)
    value = (millis << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def is_ulid(text: str) -> bool:
    return bool(ULID_PATTERN.match(text))


def derived(seed: str, old: str) -> str:
    """A new id fixed by `seed` and `old`, so a retry makes the same one: a ULID keeping the old one's time (what
    it names sorts as the old one did), or wholly from the hash when `old` is not a ULID."""
    value = int.from_bytes(hashlib.sha256(f"{seed}:{old}".encode()).digest()[:17], "big") >> 6  # 130 bits
    text = "".join(_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(26)))
    text = ("0" if text[0] > "7" else text[0]) + text[1:]  # a ULID's first character is at most 7
    return old[:10] + text[10:] if is_ulid(old) else text
