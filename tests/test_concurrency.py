"""Several desks on one store at once (S5.2; FACTS: BEGIN IMMEDIATE, optimistic versions).

Each desk is a separate process with its own engine, as on the service-centre floor.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlmodel import col, func, select

from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.models import AuditEvent, Case, OwnerUpdate
from tests.concurrent_desks import edit_cases, take_intakes
from tests.conftest import Team
from tests.helpers import intake_form

pytestmark = pytest.mark.slow


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def test_case_numbers_stay_unique_when_two_desks_save_at_once(store: Store, team: Team, store_url: str) -> None:
    """S6.1: a unique identifier at receipt, even for simultaneous saves."""
    with _pool(2) as pool:
        a = pool.submit(take_intakes, store_url, "zhao", 40, "1380000")
        b = pool.submit(take_intakes, store_url, "wang", 40, "1390000")
        numbers = a.result(timeout=120) + b.result(timeout=120)
    assert len(numbers) == 80 and len(set(numbers)) == 80
    sequences = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequences == list(range(1, 81))  # consecutive: no number lost or given twice
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(Case)).one() == 80


def test_four_desks_editing_the_same_cases_lose_no_update(sqlite_store: Store, tmp_path: object) -> None:
    """Four processes on one SQLite file: every saved update is there, no raw "database is locked"."""
    store = sqlite_store
    Team(store)
    ids = [sv.intake(store, sv.sign_in(store, "zhao"), intake_form(phone=f"1370000{i:04d}")).case_id for i in range(3)]
    url = store.engine.url.render_as_string(hide_password=False)
    edits = 25
    with _pool(4) as pool:
        futures = [
            pool.submit(edit_cases, url, login, ids, edits, seed)
            for seed, login in enumerate(["zhao", "wang", "li", "chen"])
        ]
        results = [f.result(timeout=300) for f in futures]
    assert all(r["busy"] == 0 and r["other"] == 0 for r in results), results
    total = sum(r["saved"] for r in results)
    assert total == 4 * edits
    with store.read() as s:
        updates = s.exec(select(func.count()).select_from(OwnerUpdate).where(OwnerUpdate.kind == "progress")).one()
        assert updates == total
        for cid in ids:
            case = s.get(Case, cid)
            events = s.exec(select(func.count()).select_from(AuditEvent).where(col(AuditEvent.case_id) == cid)).one()
            assert case is not None and case.version == events  # one version step per saved change
