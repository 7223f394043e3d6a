"""Save docs/queue.svg: the queue of a demo desk, as the app itself renders it (README, issue 3 item 12).

The demo data and the clock are fixed (same seed, same "now"), so the picture only changes
when the screen does.

Usage:
    python scripts/queue_screenshot.py [--lang zh|en] [--out docs/queue.svg]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
from pathlib import Path

from textual.widgets import DataTable

from complaint_tui.app import DeskApp
from complaint_tui.db import open_store
from complaint_tui.demo import build_demo
from complaint_tui.i18n import set_language
from complaint_tui.paths import sqlite_url
from complaint_tui.screens.queue import QueueScreen
from complaint_tui.settings import Settings

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)


async def shoot(lang: str, out: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="complaint-tui-shot-"))
    url = sqlite_url(folder / "demo.sqlite3")
    set_language(lang)
    store = open_store(url)
    build_demo(store, cases=300, seed=7, now=NOW)
    app = DeskApp(Settings(db_url=url, lang=lang, operator_login="wang"), store, clock=lambda: NOW, poll_seconds=None)
    async with app.run_test(size=(150, 40)) as pilot:
        # query(), not query_one(): the queue is the current screen before its table is composed.
        while not (isinstance(app.screen, QueueScreen) and any(t.row_count for t in app.screen.query(DataTable))):
            await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        await pilot.pause()
        out.parent.mkdir(parents=True, exist_ok=True)
        app.save_screenshot(out.name, path=str(out.parent))
    print(f"saved {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="zh", choices=["zh", "en"])
    parser.add_argument("--out", default="docs/queue.svg", type=Path)
    args = parser.parse_args()
    asyncio.run(shoot(args.lang, args.out))


if __name__ == "__main__":
    main()
