"""The typed settings one run of the app is started with (flag, then environment, then default)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    db_url: str
    policy_path: str | None = None
    lang: str = "en"
    operator_login: str | None = None
    # The PIN of ``operator_login``: only ``--demo`` gives one (its accounts' documented PIN); a
    # real store's desk asks for it on the sign-in screen.
    operator_pin: str | None = None
    demo: bool = False
