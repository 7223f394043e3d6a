"""Several desks on one store at once (S5.2; FACTS: BEGIN IMMEDIATE, optimistic versions).

Each desk is a separate process with its own engine, as on the service-centre floor.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col, func, select

from complaint_tui import services as sv
from complaint_tui.db import Store, make_engine
from complaint_tui.errors import StoreBusy
from complaint_tui.i18n import t
from complaint_tui.models import AuditEvent, Case, OwnerUpdate
from tests.concurrent_desks import edit_cases, take_intakes
from tests.conftest import TEAM_PINS, Team, new_store_url
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
    desk = sv.sign_in(store, "zhao", TEAM_PINS["zhao"])
    ids = [sv.intake(store, desk, intake_form(phone=f"1370000{i:04d}")).case_id for i in range(3)]
    url = store.engine.url.render_as_string(hide_password=False)
    edits = 25
    with _pool(4) as pool:
        futures = [
            pool.submit(edit_cases, url, login, ids, edits, seed)
            # Those who may act on these (engineering) cases: the desk clerk, the supervisor and
            # the engineering handler at two desks (a handler of another department may not).
            for seed, login in enumerate(["zhao", "wang", "li", "li"])
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


def test_a_postgresql_deadlock_between_two_desks_reaches_the_user_as_busy(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two desks lock the same two cases in opposite order; PostgreSQL breaks the deadlock by
    failing one of them, which must arrive as StoreBusy ("try again"), never a raw driver error."""
    store = Store(make_engine(new_store_url("postgresql", tmp_path, request)))
    team = Team(store)
    a = sv.intake(store, team.desk, intake_form()).case_id
    b = sv.intake(store, team.desk, intake_form(phone="13900000009")).case_id
    both_hold_one = threading.Barrier(2)
    outcomes: list[str] = []

    def desk(first: int, second: int) -> None:
        try:
            with store.write() as session:
                session.execute(text("SELECT id FROM complaint_case WHERE id = :i FOR UPDATE"), {"i": first})
                both_hold_one.wait(timeout=10)
                session.execute(text("SELECT id FROM complaint_case WHERE id = :i FOR UPDATE"), {"i": second})
            outcomes.append("saved")
        except StoreBusy as busy:
            outcomes.append(busy.message("en"))

    threads = [threading.Thread(target=desk, args=pair) for pair in ((a, b), (b, a))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    store.engine.dispose()
    assert sorted(outcomes) == sorted(["saved", t("error.store_busy", "en")])
