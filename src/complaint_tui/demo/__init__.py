"""A realistic demo database of any size (``complaint-tui demo``, ``complaint-tui --demo``).

The package, leaf first:

- ``data``: the words of the demo: names, buildings, matters, what staff say.
- ``media``: small but real evidence files (a PNG, a WAV, a PDF).
- ``writer``: the rows as plain tuples, written in bulk (raw ``sqlite3`` / Core executemany), with
  their column lists checked against the models and the audit events sealed into the chain.
- ``simulation``: one case walked through the real workflow rules in memory, verb by verb as the
  services do (``tests/test_demo_equals_services.py`` holds them equal, row for row).
- ``clone``: past a few thousand cases, copies of the simulated stories written in SQL, ids
  shifted, their audit events sealed onto the chain.
- ``stories``: which cases arrive when and how each one goes; ``build_demo`` runs it all.

Speed (FACTS.md: ORM ``add_all`` about 6,000 rows/s, raw ``sqlite3.executemany`` about 240,000):
rows are built per batch of cases and written in bulk, committing every few batches; only one
batch of cases is in memory at a time.
"""

from complaint_tui.demo.simulation import DemoRuleBroken
from complaint_tui.demo.stories import DEMO_PIN, DemoSummary, build_demo

__all__ = ["DEMO_PIN", "DemoRuleBroken", "DemoSummary", "build_demo"]
