"""The salted slow hash of a sign-in PIN (scrypt), and when a stored hash is due for renewal.

A stored hash names its own parameters (``scrypt$N$r$p$salt$digest``), so a hash made under
older, cheaper parameters still verifies; ``needs_rehash`` tells the sign-in to replace it with
one under ``PARAMS`` once the person has typed the right PIN.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class ScryptParams:
    n: int
    r: int
    p: int

    @property
    def maxmem(self) -> int:
        # scrypt needs about 128·r·(N + p + 2) bytes; hashlib refuses more than 32 MiB unless told.
        return 128 * self.r * (self.n + self.p + 2) + 1024 * 1024


# OWASP's current scrypt parameters for passwords (N=2^17, r=8, p=1): about 128 MiB and a few
# tenths of a second per hash, so a 4-digit PIN cannot be tried through offline in minutes.
PARAMS = ScryptParams(n=2**17, r=8, p=1)
SALT_BYTES = 16
DIGEST_BYTES = 32
# A stored hash asking for more than this is refused rather than run (it would exhaust memory).
_MAX_N, _MAX_R, _MAX_P = 2**20, 32, 16


def _scrypt(value: str, salt: bytes, params: ScryptParams) -> bytes:
    return hashlib.scrypt(
        value.encode(), salt=salt, n=params.n, r=params.r, p=params.p, maxmem=params.maxmem, dklen=DIGEST_BYTES
    )


def hash_pin(value: str) -> str:
    """A new hash of ``value`` under the current ``PARAMS``, with a fresh random salt."""
    params = PARAMS
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(value, salt, params)
    return f"scrypt${params.n}${params.r}${params.p}${salt.hex()}${digest.hex()}"


def _parse(stored: str) -> tuple[ScryptParams, bytes, bytes] | None:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        params = ScryptParams(int(n), int(r), int(p))
        raw_salt, raw_digest = bytes.fromhex(salt), bytes.fromhex(digest)
    except ValueError:
        return None
    if scheme != "scrypt" or not (1 < params.n <= _MAX_N and 0 < params.r <= _MAX_R and 0 < params.p <= _MAX_P):
        return None
    if params.n & (params.n - 1):  # scrypt's N is a power of two
        return None
    return params, raw_salt, raw_digest


def pin_matches(stored: str, value: str) -> bool:
    """Whether ``value`` is the PIN ``stored`` was made from (a malformed hash matches nothing)."""
    parsed = _parse(stored)
    if parsed is None:
        burn_time(value)
        return False
    params, salt, digest = parsed
    return hmac.compare_digest(_scrypt(value, salt, params), digest)


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made under other parameters than the current ``PARAMS``."""
    parsed = _parse(stored)
    return parsed is None or parsed[0] != PARAMS or len(parsed[1]) != SALT_BYTES


def burn_time(value: str) -> None:
    """Spend what checking a PIN costs, for a login that has no hash to check (an unknown login
    must take as long to refuse as a wrong PIN, or the time tells which logins exist)."""
    _scrypt(value, bytes(SALT_BYTES), PARAMS)
