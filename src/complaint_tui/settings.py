"""The typed settings of one desk run: kept for the modules that import it; they are defined in
``complaint_tui.config`` with everything else a run is configured by."""

from __future__ import annotations

from complaint_tui.config import Settings

__all__ = ["Settings"]
