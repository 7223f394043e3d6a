"""The batch catalogs: every key in both languages, every key the batch code names exists."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

from complaint_tui import exporting
from complaint_tui.i18n import _flatten, catalog


def _keys(lang: str) -> set[str]:
    text = resources.files("complaint_tui.data.locale").joinpath(f"batch.{lang}.toml").read_text("utf-8")
    flat: dict[str, str] = {}
    _flatten("", tomllib.loads(text), flat)
    return set(flat)


def test_batch_catalogs_have_the_same_keys() -> None:
    assert _keys("zh") == _keys("en")


def test_every_literal_key_in_the_batch_code_exists() -> None:
    src = Path(exporting.__file__).parent
    used: set[str] = set()
    for name in ("cli_batch.py", "exporting.py", "importing.py", "reporting.py"):
        text = (src / name).read_text("utf-8")
        used |= set(re.findall(r'(?:t|DeskError|StoreError)\(\s*"([a-z_]+\.[a-z_.]+)"', text))
    assert used, "the pattern found no keys"
    for lang in ("zh", "en"):
        missing = {k for k in used if k not in catalog(lang)}
        assert not missing, (lang, missing)


def test_every_export_column_has_a_name() -> None:
    for lang in ("zh", "en"):
        assert all(f"export.column.{c}" in catalog(lang) for c in exporting.COLUMN_CODES)
