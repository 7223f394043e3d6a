"""The desk's renderers, without the App (issue 10, item 3): the text a case pane, a queue row and
a time read, for a case in given states, in Chinese and English. Cases are built through the
services on a real temporary database; the expected words are written out here."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console, RenderableType
from rich.text import Text

from complaint_tui.db import Store
from complaint_tui.i18n import t
from complaint_tui.operators import Operator
from complaint_tui.queries import QueueFilter, QueueSort, case_detail, queue_page
from complaint_tui.queries.case_view import CaseDetail
from complaint_tui.services import acknowledge, add_note, add_staff, assign, intake, pause, sign_in
from complaint_tui.views.case import CaseView
from complaint_tui.views.queue import queue_cells
from complaint_tui.views.times import due_text, duration, local
from complaint_tui.workflow import Action
from tests.conftest import TEAM_PINS
from tests.helpers import intake_form

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in the centre (Asia/Shanghai)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def text_of(renderable: RenderableType, width: int = 160) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, record=True)
    console.print(renderable)
    return console.export_text()


def styled(renderable: RenderableType) -> set[str]:
    """The styles used anywhere in ``renderable`` (a Text or a group of them)."""
    if isinstance(renderable, Text):
        return {str(renderable.style)} | {str(span.style) for span in renderable.spans}
    return set()


@pytest.fixture
def people(sqlite_store: Store) -> tuple[Operator, Operator]:
    """A supervisor (PIN) and a handler."""
    add_staff(
        sqlite_store,
        None,
        login="wang",
        name="王芳",
        role="supervisor",
        department="customer_service",
        pin_code=TEAM_PINS["wang"],
    )
    boss = sign_in(sqlite_store, "wang", TEAM_PINS["wang"])
    add_staff(sqlite_store, boss, login="li", name="李强", role="handler", department="engineering")
    return boss, sign_in(sqlite_store, "li")


def detail(store: Store, viewer: Operator, case_id: int, now: dt.datetime) -> CaseDetail:
    return case_detail(store, viewer, case_id, now)


# --- times ---------------------------------------------------------------------------------


def test_a_stored_time_reads_in_the_centres_zone() -> None:
    """DESIGN: times are stored in UTC and shown in the centre's zone."""
    assert local(NOW, SHANGHAI) == "03-02 10:00"
    assert local(NOW, SHANGHAI, "%Y-%m-%d %H:%M") == "2026-03-02 10:00"
    assert local(None, SHANGHAI) == ""


@pytest.mark.parametrize(
    ("delta", "en", "zh"),
    [
        (dt.timedelta(days=2, hours=3, minutes=59), "2d 3h", "2天3小时"),
        (dt.timedelta(hours=1, minutes=30), "1h 30m", "1小时30分"),
        (dt.timedelta(minutes=-45), "45m", "45分钟"),
    ],
)
def test_a_duration_reads_in_its_two_largest_units(delta: dt.timedelta, en: str, zh: str) -> None:
    assert duration(delta, "en") == en
    assert duration(delta, "zh") == zh


def test_time_left_is_coloured_by_how_close_the_step_is() -> None:
    """S6.2: the next due step with its time left; red when overdue, yellow within two hours."""
    overdue = due_text("first_response", dt.timedelta(minutes=-90), "en")
    assert overdue.plain == "First response: overdue 1h 30m" and "bold red" in styled(overdue)
    soon = due_text("resolution", dt.timedelta(minutes=90), "zh")
    assert soon.plain == "处理完成：剩余1小时30分" and "yellow" in styled(soon)
    later = due_text("resolution", dt.timedelta(hours=5), "en")
    assert later.plain == "Resolution: 5h 0m left" and "green" in styled(later)
    paused = due_text("resolution", dt.timedelta(hours=5), "zh", paused=True)
    assert paused.plain == "处理完成：已暂停（剩余5小时0分）" and "dim" in styled(paused)
    assert due_text(None, None, "en").plain == ""


# --- one case, in given states ---------------------------------------------------------------


def test_a_new_case_shows_its_record_and_the_first_step_allowed(
    sqlite_store: Store, people: tuple[Operator, Operator]
) -> None:
    """S1.4 record on the overview; the step allowed now with its key; nothing recorded yet."""
    boss, _ = people
    receipt = intake(sqlite_store, boss, intake_form(), now=NOW)
    d = detail(sqlite_store, boss, receipt.case_id, NOW)
    keys = {Action.ACKNOWLEDGE: "a"}
    en = CaseView(sqlite_store.policy, "en", NOW, keys)
    zh = CaseView(sqlite_store.policy, "zh", NOW, keys)

    assert en.title(d) == f"{receipt.number} · received · Repair · v{d.version}"
    assert zh.title(d) == f"{receipt.number} · 已受理 · 报修类 · 第{d.version}版"
    overview_en, overview_zh = text_of(en.pane("overview", d)), text_of(zh.pane("overview", d))
    for overview in (overview_en, overview_zh):
        assert "张伟" in overview and "3栋 2 1502" in overview and "楼上漏水，天花板滴水" in overview
        assert "2026-03-02 10:00" in overview  # received, in the centre's zone
    assert "Allowed now" in overview_en and " a  give the first response" in overview_en
    assert "当前可办理" in overview_zh and " a  首次响应" in overview_zh
    assert "First response:" in overview_en and "left" in overview_en
    assert "首次响应：剩余" in overview_zh
    # Nothing investigated yet: the investigation pane says so under each heading.
    assert text_of(en.pane("investigation", d)).count("—") == 3


def test_an_investigated_case_lists_its_notes(sqlite_store: Store, people: tuple[Operator, Operator]) -> None:
    """S2: the notes taken, with their kind, the party heard and the author."""
    boss, handler = people
    receipt = intake(sqlite_store, boss, intake_form(), now=NOW)
    later = NOW + dt.timedelta(minutes=30)
    change = acknowledge(sqlite_store, boss, receipt.case_id, 1, "phone", "已联系业主", later)
    add_note(
        sqlite_store,
        boss,
        receipt.case_id,
        change.version,
        "party_statement",
        "现场查看：顶棚渗水",
        party="complainant",
        person="张伟",
        now=later,
    )
    d = detail(sqlite_store, boss, receipt.case_id, later)
    en = text_of(CaseView(sqlite_store.policy, "en", later).pane("investigation", d))
    zh = text_of(CaseView(sqlite_store.policy, "zh", later).pane("investigation", d))
    for pane in (en, zh):
        assert "现场查看：顶棚渗水" in pane and "03-02 10:30" in pane and "王芳" in pane
    assert "Party statement" in en and "complainant" in en
    assert "当事人陈述" in zh and "投诉方" in zh
    assert CaseView(sqlite_store.policy, "en", later).title(d).split(" · ")[1] == "investigating"


def test_a_paused_case_says_since_when_and_why(sqlite_store: Store, people: tuple[Operator, Operator]) -> None:
    """S5: a paused case shows since when and why, and its clocks read as paused."""
    boss, _ = people
    receipt = intake(sqlite_store, boss, intake_form(), now=NOW)
    at = NOW + dt.timedelta(minutes=5)
    pause(sqlite_store, boss, receipt.case_id, 1, "等业主回家开门", at)
    d = detail(sqlite_store, boss, receipt.case_id, at)
    en = text_of(CaseView(sqlite_store.policy, "en", at).pane("overview", d))
    zh = text_of(CaseView(sqlite_store.policy, "zh", at).pane("overview", d))
    assert "paused since 2026-03-02 10:05: 等业主回家开门" in en
    assert "自2026-03-02 10:05起暂停：等业主回家开门" in zh
    assert "First response: paused (" in en and "首次响应：已暂停（剩余" in zh


def test_history_says_what_changed_in_words(sqlite_store: Store, people: tuple[Operator, Operator]) -> None:
    boss, _ = people
    receipt = intake(sqlite_store, boss, intake_form(), now=NOW)
    acknowledge(sqlite_store, boss, receipt.case_id, 1, "phone", "已联系业主", NOW + dt.timedelta(minutes=10))
    d = detail(sqlite_store, boss, receipt.case_id, NOW + dt.timedelta(minutes=10))
    en = text_of(CaseView(sqlite_store.policy, "en", NOW).pane("history", d))
    zh = text_of(CaseView(sqlite_store.policy, "zh", NOW).pane("history", d))
    assert "received → investigating" in en and "已受理 → 调查核实" in zh
    assert "give the first response" in en and "已联系业主" in zh


def test_history_names_people_and_labels_codes_never_ids_or_none(
    sqlite_store: Store, people: tuple[Operator, Operator]
) -> None:
    """Issue 8 item 7: "handler: nobody → 李强", "Engineering", "phone call" — not
    ``经办人: None → 2``, ``hotline`` or ``phone``; Chinese clauses are joined with "；"."""
    boss, handler = people
    receipt = intake(sqlite_store, boss, intake_form(category="complaint"), now=NOW)
    at = NOW + dt.timedelta(minutes=10)
    v = acknowledge(sqlite_store, boss, receipt.case_id, 1, "phone", "已联系业主", at).version
    assign(sqlite_store, boss, receipt.case_id, v, handler.id, now=at)
    d = detail(sqlite_store, boss, receipt.case_id, at)
    en = text_of(CaseView(sqlite_store.policy, "en", NOW).pane("history", d), width=240)
    zh = text_of(CaseView(sqlite_store.policy, "zh", NOW).pane("history", d), width=240)
    assert "Handler: nobody → 李强" in en and "经办人：未指派 → 李强" in zh
    assert "Department: Customer service → Engineering" in en and "部门：客服部 → 工程部" in zh
    assert "Phone" in en and "电话" in zh
    assert "24-hour hotline" in en and "24小时服务热线" in zh  # the intake's channel, by its name
    for text in (en, zh):
        assert "None" not in text and "; hotline" not in text and "; phone" not in text
        assert f"→ {handler.id}" not in text
    assert "；已联系业主" in zh


@pytest.mark.parametrize("width", [80, 100, 160])
def test_a_long_chinese_note_is_readable_in_full(
    sqlite_store: Store, people: tuple[Operator, Operator], width: int
) -> None:
    """Issue 8 item 6: a note of one long Chinese sentence (no spaces to wrap at) wraps at any
    character and ends with its own last words, not with "…"."""
    boss, handler = people
    words = "楼上业主称卫生间防水层去年已重做但仍有渗水痕迹需要进一步打开吊顶检查管道接口" * 4 + "完毕"
    receipt = intake(sqlite_store, boss, intake_form(), now=NOW)
    at = NOW + dt.timedelta(minutes=10)
    v = acknowledge(sqlite_store, boss, receipt.case_id, 1, "phone", "已联系业主", at).version
    add_note(sqlite_store, boss, receipt.case_id, v, "site_inspection", words, now=at)
    d = detail(sqlite_store, boss, receipt.case_id, at)
    text = text_of(CaseView(sqlite_store.policy, "zh", NOW).pane("investigation", d), width=width)
    flat = "".join(text.split()).replace(boss.name, "")  # the author's column sits beside the first line
    assert "…" not in text
    assert flat.count("渗水痕迹需要进一步打开吊顶检查管道接口") == 4 and "管道接口完毕" in flat


@pytest.mark.parametrize("width", [40, 60, 100])
def test_each_verb_stays_beside_its_key(sqlite_store: Store, people: tuple[Operator, Operator], width: int) -> None:
    """Issue 8 item 6: the list of verbs wraps between verbs, never between a key and its words."""
    boss, _ = people
    receipt = intake(sqlite_store, boss, intake_form(), now=NOW)
    d = detail(sqlite_store, boss, receipt.case_id, NOW)
    keys = {Action.MERGE: "m", Action.WITHDRAW: "d", Action.ACKNOWLEDGE: "a", Action.FORCE_CLOSE: "X"}
    view = CaseView(sqlite_store.policy, "zh", NOW, keys)
    lines = text_of(view.render_actions(d.actions), width=width).splitlines()
    for action, key in keys.items():
        words = t(f"action.{action.value}", "zh")
        line = next((ln for ln in lines if words in ln), None)
        assert line is not None, (words, lines)  # the words are whole, on one line…
        assert f" {key}  {words}" in line  # …right after their key


# --- one queue row ------------------------------------------------------------------------------


def test_a_queue_row_in_both_languages(sqlite_store: Store, people: tuple[Operator, Operator]) -> None:
    """S6.2: number, time left, status, category, urgency (the most urgent in bold red), address,
    owner with the phone masked (S6.5: the queue masks it for every role), channel, received."""
    boss, handler = people
    receipt = intake(sqlite_store, boss, intake_form(urgency="critical"), now=NOW)
    now = NOW + dt.timedelta(hours=3)  # a critical case's first response (30 min) is overdue by then
    for viewer in (boss, handler):
        row = queue_page(sqlite_store, viewer, QueueFilter(), QueueSort.URGENT, None, 10, now).rows[0]
        en = queue_cells(row, sqlite_store.policy, "en", now)
        zh = queue_cells(row, sqlite_store.policy, "zh", now)
        assert en[0] == zh[0] == receipt.number
        assert str(en[1]).startswith("First response: overdue") and "bold red" in styled(en[1])
        assert str(zh[1]).startswith("首次响应：超时")
        assert (en[2], zh[2]) == ("received", "已受理")
        assert (str(en[4]), str(zh[4])) == ("Critical", "特急") and "bold red" in styled(en[4])
        assert (en[5], zh[5]) == ("Main estate", "本项目")  # the one estate of the default policy
        assert en[6] == "3栋-2-1502"
        assert en[7] == "张伟 138****5678"
        assert (en[10], zh[10]) == ("03-02 10:00", "03-02 10:00")
