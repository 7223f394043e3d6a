"""How long the desk takes from process start to an interactive queue, next to a bare Textual app.

Each run is a fresh ``python`` process, started the way ``complaint-tui --db FILE --operator
LOGIN`` starts (the store opened and migrated, the app built by ``run_app``'s path), run headless
at 150x45. "Interactive" means the queue's first page is in the table and the table has focus.
The child prints ``time.monotonic()`` at that moment (CLOCK_MONOTONIC is system-wide on Linux),
so the figure includes interpreter start and every import. The baseline is a bare ``App`` that
exits on its first refresh. Medians of ``--runs`` runs; trust the ratio more than the times.

Usage:
    complaint-tui demo --db demo.sqlite3 --cases 100000
    python benchmarks/tui_start.py --db demo.sqlite3 --operator wang --runs 7
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

BARE = """
import time
from textual.app import App
class Bare(App[None]):
    def on_mount(self) -> None:
        self.call_after_refresh(self.done)
    def done(self) -> None:
        print(time.monotonic(), flush=True)
        self.exit()
Bare().run(headless=True, size=(150, 45))
"""

DESK = """
import sys, time
from complaint_tui.db import open_store
from complaint_tui.i18n import set_language
from complaint_tui.paths import db_url
from complaint_tui.policy import load_policy
from complaint_tui.settings import Settings

set_language("zh")
url = db_url(sys.argv[1])
store = open_store(url, load_policy(None))
from complaint_tui.app import DeskApp
from complaint_tui.screens.queue import QueueScreen
from textual.widgets import DataTable

app = DeskApp(Settings(db_url=url, lang="zh", operator_login=sys.argv[2]), store, poll_seconds=None)

async def until_queue(pilot):
    while True:
        screen = pilot.app.screen
        # query(), not query_one(): the screen is current before its widgets are composed.
        tables = screen.query(DataTable) if isinstance(screen, QueueScreen) else []
        if tables and tables.first().row_count and tables.first().has_focus:
            break
        await pilot.pause(0.002)
    print(time.monotonic(), flush=True)
    pilot.app.exit()

app.run(headless=True, size=(150, 45), auto_pilot=until_queue)
"""


def one_run(code: str, *args: str) -> float:
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"the child failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return float(out.stdout.strip().splitlines()[-1]) - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a store file, e.g. built by complaint-tui demo")
    parser.add_argument("--operator", default="wang")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    one_run(BARE)  # warm the file cache once for both
    one_run(DESK, args.db, args.operator)
    bare = [one_run(BARE) for _ in range(args.runs)]
    desk = [one_run(DESK, args.db, args.operator) for _ in range(args.runs)]
    b, d = statistics.median(bare), statistics.median(desk)
    for name, median, runs in (("bare Textual app, first refresh", b, bare), ("desk, interactive queue", d, desk)):
        each = ", ".join(f"{x * 1000:.0f}" for x in runs)
        print(f"{name:<32} median {median * 1000:.0f} ms  (runs: {each})")
    print(f"ratio desk / bare: {d / b:.2f}")


if __name__ == "__main__":
    main()
