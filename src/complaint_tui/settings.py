"""The typed settings one run of the app is started with (flag, then environment, then default)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    db_url: str
    policy_path: str | None = None
    lang: str = "en"
    operator_login: str | None = None
    demo: bool = False
