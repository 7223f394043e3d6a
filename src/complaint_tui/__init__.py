"""complaint-tui: the complaint case manager of a property-management service centre."""

__version__ = "0.1.0"
