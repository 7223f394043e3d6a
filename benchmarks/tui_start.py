"""How long the desk takes to start and to swap a page, each beside a bare Textual app (issue 11 items 7, 8).

**Start.** Each run is a fresh ``python`` process started the way ``complaint-tui --db FILE
--operator LOGIN`` starts: ``complaint_tui.cli.main()`` with those words, the app run headless
at 160x45. The child notes ``time.monotonic()`` (system-wide on Linux, so the figure includes
interpreter start and every import) and its CPU time at three moments:

* sign-in usable: the sign-in screen has the operator chosen and the PIN box has the focus;
* the PIN typed and Enter pressed (the pilot types it);
* interactive queue: the first page is in the table and the table has the focus.

A third kind of run starts the desk signed in (``Settings.operator_pin``, as ``--demo`` does)
and goes straight to the queue. The baseline is a bare ``App`` that exits on its first refresh,
run interleaved with the desk's runs. Signing in hashes the PIN with scrypt on purpose (a few
tenths of a second, services/pin_hash.py); that hash alone is timed too, so "sign-in → queue"
can be read without it.

**Page swap.** The desk pages through the queue with ``n`` (and back with ``b`` at the end),
timed from the key to the table's first paint with the new rows (measured: DataTable sizes its
columns when idle, after the refresh that follows the rows being added). The baseline is a
bare ``DataTable`` with the same columns replacing its rows with the same cells (captured from
the desk's pages), timed the same way, in the same run. Both at 160x45 and at 100x30, in wall
time and in the process's CPU time (all its threads: the desk reads the page in a worker).

Signing in writes to the store (the attempt is recorded), so run it on a copy, never on a
reference store that must stay as it is. Figures are medians and 95th percentiles; wall times
on a shared machine include time other processes held the cores, so the CPU time is shown too.

Usage:
    complaint-tui demo --db demo.sqlite3 --cases 100000
    python benchmarks/tui_start.py --db demo.sqlite3 --operator wang --runs 9 --swaps 120
    python -m benchmarks --tui --db demo.sqlite3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

# A bare Textual app: the start baseline.
BARE = """
import sys, time
from textual.app import App
class Bare(App[None]):
    def on_mount(self) -> None:
        self.call_after_refresh(self.done)
    def done(self) -> None:
        print(f"MARKS {{\\"ready\\": [{time.monotonic()}, {time.process_time()}]}}", flush=True)
        self.exit()
Bare().run(headless=True, size=(160, 45))
"""

# The desk started by its command line; the pilot signs in at the sign-in screen.
# argv: db, operator, pin, lang
DESK_CLI = """
import json, sys, time
import textual.app

marks = {}
def mark(name):
    marks[name] = [time.monotonic(), time.process_time()]

async def until(pilot, ready):
    give_up = time.monotonic() + 120
    while not ready(pilot.app):
        if time.monotonic() > give_up:
            raise SystemExit(f"not ready: {ready.__name__}, on {pilot.app.screen!r}")
        await pilot.pause(0.002)

def signin_usable(app):
    focused = app.focused
    return app.screen.id == "signin" and focused is not None and focused.id == "pin"

def queue_interactive(app):
    if app.screen.id != "queue":
        return False
    tables = app.screen.query("#queue-table")  # query(): the screen may not be composed yet
    return bool(tables) and tables.first().row_count > 0 and tables.first().has_focus

async def drive(pilot):
    await until(pilot, signin_usable)
    mark("signin")
    await pilot.press(*pin)
    mark("enter")
    await pilot.press("enter")
    await until(pilot, queue_interactive)
    mark("queue")
    pilot.app.exit()

run = textual.app.App.run
textual.app.App.run = lambda self, **kw: run(self, headless=True, size=(160, 45), auto_pilot=drive)
db, login, pin, lang = sys.argv[1:5]
sys.argv = ["complaint-tui", "--db", db, "--operator", login, "--lang", lang]
from complaint_tui.cli import main
try:
    main()
except SystemExit as end:
    if end.code:
        raise
print("MARKS " + json.dumps(marks), flush=True)
"""

# The desk started with its operator signed in (what ``--demo`` does with the demo's PIN).
# argv: db, operator, pin, lang
DESK_SIGNED = """
import json, sys, time
from complaint_tui.config import Settings, db_url
from complaint_tui.db import open_store
from complaint_tui.i18n import set_language

marks = {}
def mark(name):
    marks[name] = [time.monotonic(), time.process_time()]

def queue_interactive(app):
    if app.screen.id != "queue":
        return False
    tables = app.screen.query("#queue-table")
    return bool(tables) and tables.first().row_count > 0 and tables.first().has_focus

async def drive(pilot):
    while not queue_interactive(pilot.app):
        await pilot.pause(0.002)
    mark("queue")
    pilot.app.exit()

db, login, pin, lang = sys.argv[1:5]
set_language(lang)
url = db_url(db)
store = open_store(url)
from complaint_tui.app import DeskApp
app = DeskApp(Settings(db_url=url, lang=lang, operator_login=login, operator_pin=pin), store, poll_seconds=None)
app.run(headless=True, size=(160, 45), auto_pilot=drive)
print("MARKS " + json.dumps(marks), flush=True)
"""

# The desk paging through its queue. argv: db, operator, pin, lang, width, height, swaps, pages file
DESK_SWAP = """
import json, pickle, sys, time
from complaint_tui.config import Settings, db_url
from complaint_tui.db import open_store
from complaint_tui.screens.queue import QueueScreen
from complaint_tui.views.queue import COLUMNS

db, login, pin, lang = sys.argv[1:5]
width, height, swaps, pages_file = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), sys.argv[8]
url = db_url(db)
store = open_store(url)
from complaint_tui.app import DeskApp


# The mark of a swap: the table's first paint after the new rows are in and measured (DataTable
# measures new rows when idle, then paints): the first refresh after the rows were added came
# before that paint, so most of a swap's work fell after the mark.
from textual.widgets import DataTable
painted, waiting = [], [False]
_render_lines = DataTable.render_lines
def render_lines(self, crop):
    lines = _render_lines(self, crop)
    if waiting[0] and not self._require_update_dimensions and not self._new_rows:
        waiting[0] = False
        painted.append((time.perf_counter(), time.process_time()))
    return lines
DataTable.render_lines = render_lines
applied = painted
apply = QueueScreen.apply
def timed_apply(self, rows):
    apply(self, rows)
    waiting[0] = True
QueueScreen.apply = timed_apply

times, pages = [], []
async def drive(pilot):
    app = pilot.app
    while not (app.screen.id == "queue" and app.screen.query("#queue-table") and app.screen.rows):
        await pilot.pause(0.01)
    await pilot.pause(0.3)  # the count that follows the first page
    screen = app.screen
    key = "n"
    while len(times) < swaps:
        if key == "n" and screen.next_cursor is None:
            key = "b"
        elif key == "b" and screen.page_no == 0:
            key = "n"
        before = len(applied)
        start, start_cpu = time.perf_counter(), time.process_time()
        await pilot.press(key)
        while len(applied) == before:
            await pilot.pause(0.001)
        times.append((applied[-1][0] - start, applied[-1][1] - start_cpu))
        if len(pages) < 10:  # the cells the desk showed, for the bare table to show the same
            table = screen.query_one("#queue-table")
            columns = [(str(c.label), str(c.key.value)) for c in table.columns.values()]
            picked = [COLUMNS.index(c) for c in screen.columns]
            pages.append((columns, [[screen.full[r.id][i] for i in picked] for r in screen.rows]))
    app.exit()

app = DeskApp(Settings(db_url=url, lang=lang, operator_login=login, operator_pin=pin), store, poll_seconds=None)
app.run(headless=True, size=(width, height), auto_pilot=drive)
if pages_file != "-":
    with open(pages_file, "wb") as out:
        pickle.dump(pages, out)
print("TIMES " + json.dumps(times), flush=True)
"""

# A bare DataTable replacing its rows with the desk's pages. argv: width, height, swaps, pages file
BARE_SWAP = """
import json, pickle, sys, time
from textual.app import App
from textual.widgets import DataTable, Footer, Header


# The mark of a swap: the table's first paint after the new rows are in and measured (DataTable
# measures new rows when idle, then paints): the first refresh after the rows were added came
# before that paint, so most of a swap's work fell after the mark.
from textual.widgets import DataTable
painted, waiting = [], [False]
_render_lines = DataTable.render_lines
def render_lines(self, crop):
    lines = _render_lines(self, crop)
    if waiting[0] and not self._require_update_dimensions and not self._new_rows:
        waiting[0] = False
        painted.append((time.perf_counter(), time.process_time()))
    return lines
DataTable.render_lines = render_lines
width, height, swaps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
with open(sys.argv[4], "rb") as given:
    pages = pickle.load(given)

class Bare(App[None]):
    BINDINGS = [("n", "swap", "next")]
    def compose(self):
        yield Header()
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Footer()
    def on_mount(self):
        self.shown = 0
        self.applied = painted
        table = self.query_one(DataTable)
        for label, key in pages[0][0]:
            table.add_column(label, key=key)
        for i, row in enumerate(pages[0][1]):
            table.add_row(*row, key=str(i))
        table.focus()
    def action_swap(self):
        self.shown += 1
        _, rows = pages[self.shown % len(pages)]
        table = self.query_one(DataTable)
        table.clear()
        for i, row in enumerate(rows):
            table.add_row(*row, key=str(i))
        table.move_cursor(row=0)
        waiting[0] = True

times = []
async def drive(pilot):
    app = pilot.app
    await pilot.pause(0.3)
    while len(times) < swaps:
        before = len(app.applied)
        start, start_cpu = time.perf_counter(), time.process_time()
        await pilot.press("n")
        while len(app.applied) == before:
            await pilot.pause(0.001)
        times.append((app.applied[-1][0] - start, app.applied[-1][1] - start_cpu))
    app.exit()

Bare().run(headless=True, size=(width, height), auto_pilot=drive)
print("TIMES " + json.dumps(times), flush=True)
"""


def child_env(pycache: str) -> dict[str, str]:
    """The children compile to a private bytecode cache: an installed desk runs from bytecode,
    and a checkout whose environment forbids writing it would otherwise compile every start."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def child(code: str, args: Sequence[str], env: dict[str, str], tag: str) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; its start time and the payload after ``tag``."""
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"the child failed ({out.returncode}):\n{out.stderr[-3000:]}")
    lines = [line for line in out.stdout.splitlines() if line.startswith(tag + " ")]
    if not lines:
        raise SystemExit(f"the child printed no {tag}:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return start, lines[-1][len(tag) + 1 :]


def marks(code: str, args: Sequence[str], env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Milliseconds from process start to each mark (wall), and CPU milliseconds by then."""
    start, payload = child(code, args, env, "MARKS")
    return {name: ((wall - start) * 1000, cpu * 1000) for name, (wall, cpu) in json.loads(payload).items()}


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def line(name: str, values: Sequence[float], base: Sequence[float] | None = None) -> str:
    med = statistics.median(values)
    text = f"  {name:<40} median {med:7.1f} ms   p95 {p95(values):7.1f} ms"
    if base:
        text += f"   ratio {med / statistics.median(base):4.2f} (p95 {p95(values) / p95(base):4.2f})"
    return text


def pin_hash_ms(db: str, login: str, pin: str, times: int = 5) -> tuple[float, float]:
    """The scrypt check of ``login``'s PIN alone, as signing in runs it: median wall and CPU ms."""
    import sqlite3

    from complaint_tui.services.pin_hash import pin_matches

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        stored = conn.execute("SELECT pin_hash FROM staff WHERE login = ?", (login,)).fetchone()[0]
    wall, cpu = [], []
    for _ in range(times):
        start, start_cpu = time.perf_counter(), time.process_time()
        if not pin_matches(stored, pin):
            raise SystemExit(f"{pin!r} is not the PIN of {login}: signing in would fail (and count towards a lock)")
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def measure_start(db: str, login: str, pin: str, lang: str, runs: int, env: dict[str, str]) -> None:
    args = [db, login, pin, lang]
    for code in (BARE, DESK_CLI, DESK_SIGNED):  # compile the bytecode and warm the file cache
        marks(code, args if code != BARE else [], env)
    bare: list[dict[str, tuple[float, float]]] = []
    cli: list[dict[str, tuple[float, float]]] = []
    signed: list[dict[str, tuple[float, float]]] = []
    for _ in range(runs):  # interleaved: each kind sees the same noise
        bare.append(marks(BARE, [], env))
        cli.append(marks(DESK_CLI, args, env))
        signed.append(marks(DESK_SIGNED, args, env))
    hashes = pin_hash_ms(db, login, pin)
    wall = {
        "bare": [m["ready"][0] for m in bare],
        "signin": [m["signin"][0] for m in cli],
        "to_queue": [m["queue"][0] - m["enter"][0] for m in cli],
        "signed": [m["queue"][0] for m in signed],
    }
    cpu = {
        "bare": [m["ready"][1] for m in bare],
        "signin": [m["signin"][1] for m in cli],
        "to_queue": [m["queue"][1] - m["enter"][1] for m in cli],
        "signed": [m["queue"][1] for m in signed],
    }
    print(f"\nStart, {runs} runs each, interleaved; {Path(db).name}, operator {login}, lang {lang}")
    for (kind, figures), hash_med in zip((("wall", wall), ("CPU", cpu)), hashes, strict=True):
        print(f" {kind} time")
        print(line("bare Textual app, first refresh", figures["bare"]))
        print(line("start → sign-in usable", figures["signin"], figures["bare"]))
        print(line("PIN entered → interactive queue", figures["to_queue"]))
        print(line("  the same less the scrypt check", [x - hash_med for x in figures["to_queue"]]))
        print(line("start signed in → interactive queue", figures["signed"], figures["bare"]))
        print(line("  the same less the scrypt check", [x - hash_med for x in figures["signed"]], figures["bare"]))
    print(f" the scrypt check alone: median {hashes[0]:.0f} ms wall, {hashes[1]:.0f} ms CPU (slow on purpose)")


def measure_swaps(db: str, login: str, pin: str, lang: str, swaps: int, rounds: int, env: dict[str, str]) -> None:
    print(f"\nPage swap, {swaps} swaps a size in {rounds} rounds, interleaved; from the key to the next refresh")
    with tempfile.TemporaryDirectory() as tmp:
        pages = str(Path(tmp) / "pages.pickle")
        for width, height in ((160, 45), (100, 30)):
            size = [str(width), str(height)]
            each = max(1, swaps // rounds)
            desk: list[list[float]] = []
            bare: list[list[float]] = []
            for _ in range(rounds):
                _, got = child(DESK_SWAP, [db, login, pin, lang, *size, str(each), pages], env, "TIMES")
                desk += json.loads(got)
                _, got = child(BARE_SWAP, [*size, str(each), pages], env, "TIMES")
                bare += json.loads(got)
            print(f" {width}x{height}")
            for kind, i in (("wall", 0), ("CPU", 1)):
                ms_desk = [x[i] * 1000 for x in desk]
                ms_bare = [x[i] * 1000 for x in bare]
                print(line(f"bare DataTable, same rows ({kind})", ms_bare))
                print(line(f"desk queue, n / b ({kind})", ms_desk, ms_bare))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", required=True, help="a store file (a copy: signing in writes to it)")
    parser.add_argument("--operator", default="wang")
    parser.add_argument("--pin", default=None, help="the operator's PIN (default: the demo's)")
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--swaps", type=int, default=120, help="page swaps measured at each size")
    parser.add_argument("--rounds", type=int, default=3, help="the swaps are split over this many processes")
    parser.add_argument("--only", choices=("start", "swap"), default=None)
    args = parser.parse_args(argv)
    if args.pin is None:
        from complaint_tui.demo import DEMO_PIN

        args.pin = DEMO_PIN
    db = str(Path(args.db).resolve())
    with tempfile.TemporaryDirectory(prefix="tui-start-pyc-") as pycache:
        env = child_env(pycache)
        if args.only in (None, "start"):
            measure_start(db, args.operator, args.pin, args.lang, args.runs, env)
        if args.only in (None, "swap"):
            measure_swaps(db, args.operator, args.pin, args.lang, args.swaps, args.rounds, env)


if __name__ == "__main__":
    main()
