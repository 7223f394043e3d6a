"""Work done by separate processes in the concurrency tests: each is one desk with its own engine."""

from __future__ import annotations

import random

from complaint_tui import queries as q
from complaint_tui import services as sv
from complaint_tui.db import Store, make_engine
from complaint_tui.errors import EditConflict, StoreBusy
from tests.conftest import TEAM_PINS
from tests.helpers import intake_form


def take_intakes(url: str, login: str, count: int, phone_prefix: str) -> list[str]:
    """Save ``count`` new complaints as fast as possible; return their numbers."""
    store = Store(make_engine(url))
    operator = sv.sign_in(store, login, TEAM_PINS.get(login))
    numbers = []
    for i in range(count):
        receipt = sv.intake(store, operator, intake_form(phone=f"{phone_prefix}{i:04d}", room=str(100 + i)))
        numbers.append(receipt.number)
    store.engine.dispose()
    return numbers


def edit_cases(url: str, login: str, case_ids: list[int], edits: int, seed: int) -> dict[str, int]:
    """Tell owners about progress on random cases, reloading and retrying after each conflict.

    Returns how many updates were saved, how many conflicts were met, and how many times the
    user would have been shown "busy" or any other error.
    """
    rng = random.Random(seed)
    store = Store(make_engine(url))
    operator = sv.sign_in(store, login, TEAM_PINS.get(login))
    saved = conflicts = busy = other = 0
    while saved < edits:
        cid = rng.choice(case_ids)
        version = q.case_detail(store, operator, cid).version
        try:
            sv.update_owner(store, operator, cid, version, channel="phone", content=f"{login} 第{saved + 1}次通报")
            saved += 1
        except EditConflict:
            conflicts += 1
        except StoreBusy:
            busy += 1
        except Exception:  # anything else would reach the user as an error
            other += 1
            if other > 5:
                raise
    store.engine.dispose()
    return {"saved": saved, "conflicts": conflicts, "busy": busy, "other": other}
