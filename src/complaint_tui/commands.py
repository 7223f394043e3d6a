"""The command palette (ctrl+p): open a case by its number, switch language and theme, jump to
a queue section or a desk area, show the keys. Every text is in the operator's language.

Opening a case and showing a queue section are the desk's messages (``complaint_tui.desk``),
posted to the App as a screen posts them; the rest are the App's own actions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from complaint_tui.case_numbers import typed_case_number
from complaint_tui.desk import OpenCaseNumber, QueueRequest, ShowQueue
from complaint_tui.i18n import t
from complaint_tui.queries.sections import sections_for

if TYPE_CHECKING:
    from complaint_tui.app import DeskApp


class DeskCommands(Provider):
    """Every palette command of the desk."""

    @property
    def desk(self) -> DeskApp:
        return cast("DeskApp", self.app)

    def _commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        app = self.desk
        lang = app.lang
        out: list[tuple[str, Callable[[], Any], str]] = []
        for code, name in (("zh", "中文"), ("en", "English")):
            out.append((t("tui.palette.language", lang, name=name), partial(self._switch_language, code), ""))
        for theme in sorted(app.available_themes):
            out.append((t("tui.palette.theme", lang, name=theme), partial(setattr, app, "theme", theme), ""))
        if app.operator is not None:
            for mode in ("queue", "intake", "dashboard"):
                if app.mode_allowed(mode):
                    out.append((t(f"tui.palette.mode_{mode}", lang), partial(app.action_desk_mode, mode), ""))
            for section in sections_for(app.operator.role):
                label = t("tui.palette.section", lang, name=t(f"tui.section.{section.code}", lang))
                ask = ShowQueue(QueueRequest(section=section.code))
                out.append((label, partial(app.post_message, ask), ""))
        out.append((t("tui.palette.help", lang), app.action_help, ""))
        out.append((t("tui.palette.quit", lang), app.exit, ""))
        return out

    def _switch_language(self, code: str) -> None:
        # The coroutine is made only when the command runs, not each time the list is built.
        self.desk.run_worker(self.desk.change_language(code), group="language")

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands():
            yield DiscoveryHit(text, command, help=help_text or None)

    async def search(self, query: str) -> Hits:
        app = self.desk
        number = typed_case_number(query, app.policy.case_number_prefix)
        if number is not None and app.operator is not None:
            yield Hit(
                1.0,
                t("tui.palette.open_case", app.lang, number=number),
                partial(app.post_message, OpenCaseNumber(number)),
                help=t("tui.palette.open_case_help", app.lang),
            )
        found = number is not None and app.operator is not None
        matcher = self.matcher(query)
        for text, command, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                found = True
                yield Hit(score, matcher.highlight(text), command, help=help_text or None)
        if not found and query.strip():
            # Said in the desk's language: Textual's own "No matches found" only shows when a
            # search yields nothing at all. Choosing it shows the keys of the screen.
            yield Hit(0.01, t("tui.palette.no_match", app.lang, query=query.strip()), app.action_help)
