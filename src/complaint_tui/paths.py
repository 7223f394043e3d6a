"""Where things live: kept for the modules that import it; ``complaint_tui.config`` is the one
place that resolves the store, the policy, the language and the folders."""

from __future__ import annotations

from complaint_tui.config import APP_NAME, DB_ENV, copies_dir, data_dir, db_url, default_db_path, sqlite_url

__all__ = ["APP_NAME", "DB_ENV", "copies_dir", "data_dir", "db_url", "default_db_path", "sqlite_url"]
