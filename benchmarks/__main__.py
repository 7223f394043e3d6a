"""``python -m benchmarks``: the read benchmarks of issue 11 (see ``benchmarks/run.py``)."""

from benchmarks.run import main

main()
