"""How the desk shows its domain: pure functions from plain rows (``queries``) to Rich text.

No Textual here (widgets are the screens' business), so every renderer is tested by the text it
returns (tests/test_views.py) without starting the App: ``times`` (clock times, durations, time
left), ``case`` (the panes of one case), ``queue`` (the cells of one queue row).
"""
