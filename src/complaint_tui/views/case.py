"""The panes of one case as Rich renderables (issue 3, item 5): overview, investigation,
resolution, feedback and return visits, history; and the case's title line.

``CaseView`` renders a ``queries.CaseDetail`` in one language at one moment; it reads nothing
else, so the case screen only puts what it returns into its tabs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from complaint_tui.i18n import t
from complaint_tui.policy import Policy
from complaint_tui.queries.case_view import CaseDetail, EntryView
from complaint_tui.views.times import DAY_TIME, due_text, duration, local
from complaint_tui.workflow import Action, Refusal

TABS = ("overview", "investigation", "resolution", "feedback", "history")
# Refusals that mean "not at this stage" (or never, for this role): the step is not offered at
# all, so the overview does not list it among the steps that wait for something.
NOT_THIS_STAGE = frozenset({"guard.status", "guard.final", "guard.role", "guard.not_paused", "guard.already_paused"})
SHOWN_KEY = {"plus": "+"}


@dataclass(frozen=True)
class CaseView:
    """Renders one case's panes in ``lang`` as of ``now``; ``keys``: the key of each verb, shown
    beside the steps allowed now."""

    policy: Policy
    lang: str
    now: dt.datetime
    keys: Mapping[Action, str] = field(default_factory=dict)

    def tr(self, key: str, /, **params: Any) -> str:
        return t(key, self.lang, **params)

    def title(self, d: CaseDetail) -> str:
        return self.tr(
            "tui.case.title",
            number=d.number,
            status=self.tr(f"status.{d.status}"),
            category=self.policy.label("categories", d.category, self.lang),
            version=d.version,
        )

    def pane(self, tab: str, d: CaseDetail) -> RenderableType:
        """The pane of one of ``TABS``."""
        panes = {
            "overview": self.render_overview,
            "investigation": self.render_investigation,
            "resolution": self.render_resolution,
            "feedback": self.render_feedback,
            "history": self.render_history,
        }
        return panes[tab](d)

    def grid(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", no_wrap=True)
        # "fold": a long Chinese sentence has no spaces to wrap at; it wraps at any character
        # instead of ending in "…" (issue 8 item 6: every text is readable in full).
        table.add_column(ratio=1, overflow="fold")
        return table

    def when(self, moment: dt.datetime | None) -> str:
        return local(moment, self.policy.zone, DAY_TIME)

    def heading(self, key: str) -> Text:
        return Text(self.tr(key), style="bold underline")

    def render_overview(self, d: CaseDetail) -> RenderableType:
        p, lang, tr = self.policy, self.lang, self.tr
        record = self.grid()
        rows = [
            (
                "channel",
                p.label("channels", d.channel, lang)
                + ("  ✓ " + tr("tui.case.confirmed") if d.contact_confirmed else ""),
            ),
            ("received_at", f"{self.when(d.received_at)}  {d.received_by}"),
            ("owner_name", d.owner_name),
            ("phone", d.phone),
            # The caller where it is not the owner (a tenant, a relative on the owner's phone).
            *([("caller_name", d.caller_name)] if d.caller_name and d.caller_name != d.owner_name else []),
            *([("caller_phone", d.caller_phone)] if d.caller_phone and d.caller_phone != d.phone else []),
            ("tui.case.address", f"{d.building} {d.unit} {d.room}"),
            ("object_kind", tr(f"object_kind.{d.object_kind}")),
            ("object_text", d.object_text + (f" ({d.object_staff})" if d.object_staff else "")),
            ("matter_what", d.matter_what),
            ("matter_when", d.matter_when),
            ("matter_where", d.matter_where),
            ("matter_state", d.matter_state),
            ("demand", d.demand),
            ("category", p.label("categories", d.category, lang)),
            ("urgency", p.label("urgencies", d.urgency, lang)),
            ("department", p.label("departments", d.department, lang)),
            ("tui.field.assignee", d.assignee or "—"),
        ]
        for name, value in rows:
            record.add_row(tr(name) if name.startswith("tui.") else tr(f"field.{name}"), value)
        counters = []
        if d.reopen_count:
            counters.append(tr("tui.case.reopened", count=d.reopen_count))
        if d.append_count:
            counters.append(tr("tui.case.appended", count=d.append_count))
        if d.chase_count:
            counters.append(tr("tui.case.chased", count=d.chase_count))
        if d.paused_at:
            counters.append(tr("tui.case.paused", since=self.when(d.paused_at), reason=d.pause_reason or ""))
        if d.merged_into:
            counters.append(tr("tui.case.merged_into", number=d.merged_into))
        if d.close_kind:
            counters.append(tr("tui.case.closed", kind=tr(f"close_kind.{d.close_kind}"), reason=d.close_reason or ""))
        steps = Table(box=None, padding=(0, 2), show_edge=False)
        for column in ("step", "due", "state"):
            steps.add_column(tr(f"tui.case.col.{column}"), no_wrap=True)
        for s in d.steps:
            if s.done_at is not None:
                state = Text(
                    tr("tui.case.done_on_time" if s.on_time else "tui.case.done_late", at=self.when(s.done_at)),
                    style="green" if s.on_time else "red",
                )
            else:
                state = due_text(s.step.value, s.left, lang, d.paused_at is not None)
            steps.add_row(tr(f"step.{s.step.value}"), self.when(s.due_at), state)
        return Group(
            self.heading("tui.case.record"),
            record,
            Text(" · ".join(counters), style="yellow") if counters else Text(""),
            Text(""),
            self.heading("tui.case.steps"),
            steps,
            Text(""),
            self.render_actions(d.actions),
        )

    def render_actions(self, actions: dict[Action, Refusal | None]) -> RenderableType:
        # One unit per verb, its key and its words never split: the list wraps between verbs
        # (a single Text wrapped at the space after "m", away from "合并到其他案件").
        units: list[Text] = []
        for action, refused in actions.items():
            if refused is None and action in self.keys:
                key = SHOWN_KEY.get(self.keys[action], self.keys[action])
                unit = Text(no_wrap=True, overflow="fold")
                unit.append(f" {key} ", style="bold reverse")
                unit.append(f" {self.tr(f'action.{action.value}')}")
                units.append(unit)
        allowed: RenderableType | None = Columns(units, padding=(0, 3)) if units else None
        waiting = self.grid()
        # The refusals worth reading: a step of the case's own flow that waits for something.
        for action, refused in actions.items():
            if refused is not None and refused.key not in NOT_THIS_STAGE:
                waiting.add_row(self.tr(f"action.{action.value}"), Text(refused.message(self.lang), style="yellow"))
        out: list[RenderableType] = [self.heading("tui.case.allowed"), allowed or Text(self.tr("tui.case.none"))]
        if waiting.row_count:
            out += [Text(""), self.heading("tui.case.not_yet"), waiting]
        return Group(*out)

    def render_investigation(self, d: CaseDetail) -> RenderableType:
        tr, p = self.tr, self.policy
        notes = Table(box=None, padding=(0, 1), expand=True)
        for column in ("at", "kind", "party", "person", "content", "by"):
            notes.add_column(tr(f"tui.case.col.{column}"), ratio=3 if column == "content" else None, overflow="fold")
        for n in d.notes:
            notes.add_row(
                self.when(n.at),
                tr(f"note_kind.{n.kind}"),
                tr(f"party.{n.party}") if n.party else "",
                n.person,
                n.content,
                n.author,
            )
        out: list[RenderableType] = [self.heading("tui.case.notes"), notes if d.notes else Text(tr("tui.case.none"))]
        out += [Text(""), self.heading("tui.case.evidence"), self.render_evidence(d)]
        out += [Text(""), self.heading("tui.case.finding")]
        f = d.finding
        if f is None:
            out.append(Text(tr("tui.case.none")))
        else:
            g = self.grid()
            g.add_row(tr("field.responsibility"), tr(f"responsibility.{f.responsibility}"))
            g.add_row(tr("field.cause_code"), p.label("causes", f.cause_code, self.lang))
            g.add_row(tr("field.cause_text"), f.cause_text)
            g.add_row(tr("field.valid"), tr("tui.yes") if f.valid else tr("tui.no"))
            g.add_row(tr("field.validity_reason"), f.validity_reason)
            g.add_row(tr("field.signatories"), f.signatories)
            g.add_row(tr("tui.field.confirmed_by"), f"{f.confirmed_by}  {self.when(f.confirmed_at)}")
            if f.awaiting:  # S2.6: the finding is not signed until the person it names signs it
                g.add_row(tr("tui.case.signature"), Text(tr("tui.case.awaiting_signature", name=f.awaiting), "bold"))
            elif f.signed_by:
                g.add_row(tr("tui.case.signature"), tr("tui.case.signed_by", names="、".join(f.signed_by)))
            owner = self.when(f.owner_confirmed_at) if f.owner_confirmed_at else tr("tui.case.owner_not_confirmed")
            g.add_row(tr("tui.case.owner_confirmation"), owner)
            out.append(g)
        return Group(*out)

    def render_evidence(self, d: CaseDetail) -> RenderableType:
        if not d.evidence:
            return Text(self.tr("tui.case.none"))
        hint = Text(self.tr("tui.case.evidence_hint"), style="dim")
        table = Table(box=None, padding=(0, 1))
        for column in ("kind", "file", "source", "taken", "by"):
            table.add_column(self.tr(f"tui.case.col.{column}"), overflow="fold")
        for e in d.evidence:
            table.add_row(
                self.tr(f"evidence_kind.{e.kind}"),
                f"{e.filename} ({e.size:,} B, {e.sha256[:8]})",
                e.source,
                e.taken_on.isoformat() if e.taken_on else "",
                e.added_by,
            )
        return Group(table, hint)

    def entries(self, items: list[EntryView], prefix: str) -> RenderableType:
        if not items:
            return Text(self.tr("tui.case.none"))
        table = Table(box=None, padding=(0, 1), expand=True)
        for column in ("at", "kind", "content", "by"):
            table.add_column(
                self.tr(f"tui.case.col.{column}"), ratio=3 if column == "content" else None, overflow="fold"
            )
        for e in items:
            kind = self.tr(f"{prefix}.{e.kind}")
            if e.channel:
                channel_key = f"contact_channel.{e.channel}"
                channel = (
                    self.policy.label("channels", e.channel, self.lang)
                    if e.channel in self.policy.channels
                    else self.tr(channel_key)
                )
                kind = f"{kind} · {channel}"
            table.add_row(self.when(e.at), kind, e.content, e.by)
        return table

    def render_resolution(self, d: CaseDetail) -> RenderableType:
        tr, p = self.tr, self.policy
        out: list[RenderableType] = [self.heading("tui.case.plan")]
        current = [x for x in d.plans if x.cycle == d.cycle]
        if current:
            plan = current[-1]
            g = self.grid()
            g.add_row(tr("field.measures"), plan.measures)
            g.add_row(tr("field.deadline"), self.when(plan.deadline))
            g.add_row(tr("field.department"), p.label("departments", plan.department, self.lang))
            g.add_row(tr("field.responsible_name"), plan.responsible)
            g.add_row(tr("field.resources"), plan.resources)
            out.append(g)
        else:
            out.append(Text(tr("tui.case.none")))
        for r in d.referrals:
            g = self.grid()
            g.add_row(tr("field.authority"), p.label("authorities", r.authority, self.lang) + " " + r.authority_text)
            g.add_row(tr("field.explanation"), r.explanation)
            out += [Text(""), self.heading("tui.case.referral"), g]
        tasks = Table(box=None, padding=(0, 1), expand=True)
        for column in ("department", "task", "due", "state"):
            tasks.add_column(tr(f"tui.case.col.{column}"), ratio=3 if column == "task" else None, overflow="fold")
        now = self.now
        for task in d.tasks:
            if task.done_at:
                state = Text(f"✓ {self.when(task.done_at)} {task.result}", style="green")
            else:
                left = task.due_at - now
                state = Text(duration(left, self.lang), style="red" if left.total_seconds() < 0 else "")
            tasks.add_row(p.label("departments", task.department, self.lang), task.what, self.when(task.due_at), state)
        out += [Text(""), self.heading("tui.case.tasks"), tasks if d.tasks else Text(tr("tui.case.none"))]
        out += [Text(""), self.heading("tui.case.follow_ups"), self.entries(d.follow_ups, "follow_up_kind")]
        out += [Text(""), self.heading("tui.case.owner_updates"), self.entries(d.owner_updates, "update_kind")]
        out += [Text(""), self.heading("tui.case.contacts"), self.entries(d.contacts, "contact_kind")]
        return Group(*out)

    def render_feedback(self, d: CaseDetail) -> RenderableType:
        tr = self.tr
        out: list[RenderableType] = [self.heading("tui.case.feedback")]
        for f in d.feedback:
            g = self.grid()
            g.add_row(tr("tui.case.col.at"), f"{self.when(f.at)}  {tr(f'contact_channel.{f.channel}')}  {f.by}")
            g.add_row(tr("field.what_done"), f.what_done)
            g.add_row(tr("field.measures"), f.measures)
            g.add_row(tr("field.result"), f.result)
            g.add_row(tr("field.demand_met"), tr(f"demand_met.{f.demand_met}"))
            if f.unmet_reason:
                g.add_row(tr("tui.field.unmet_reason"), f.unmet_reason)
            if f.next_step:
                g.add_row(tr("tui.field.next_step"), f.next_step)
            out.append(g)
        if not d.feedback:
            out.append(Text(tr("tui.case.none")))
        out += [Text(""), self.heading("tui.case.visits")]
        for v in d.visits:
            g = self.grid()
            g.add_row(tr("tui.case.col.at"), f"{self.when(v.at)}  {tr(f'visit_method.{v.method}')}  {v.by}")
            g.add_row(
                tr("field.satisfaction"), f"{'★' * v.satisfaction}{'☆' * (5 - v.satisfaction)} {v.satisfaction}/5"
            )
            g.add_row(tr("field.visit_outcome"), tr(f"visit_outcome.{v.outcome}"))
            if v.remaining_issues:
                g.add_row(tr("field.remaining_issues"), v.remaining_issues)
            if v.rejects_decision:
                g.add_row(tr("field.external_recourse"), v.external_recourse)
            out.append(g)
        if not d.visits:
            out.append(Text(tr("tui.case.none")))
        return Group(*out)

    def render_history(self, d: CaseDetail) -> RenderableType:
        table = Table(box=None, padding=(0, 1), expand=True)
        for column in ("at", "by", "what", "change"):
            table.add_column(
                self.tr(f"tui.case.col.{column}"), ratio=3 if column == "change" else None, overflow="fold"
            )
        for a in d.history:
            change = self.change_words(a.before, a.after, d.staff_names, owner_name=d.owner_name)
            table.add_row(self.when(a.at), a.who, self.action_words(a.action), change)
        return table

    def action_words(self, action: str) -> str:
        key = f"action.{action}"
        text = self.tr(key)
        return action if text == key else text

    def value_words(self, name: str, value: Any, names: Mapping[int, str]) -> str:
        """One recorded value as the desk says it: a name for a staff id, a label for a code,
        "nobody" / "none" for nothing, never an id, a code or ``None``."""
        if value is None or value == "":
            return self.tr("tui.history.nobody" if name == "assignee_id" else "tui.history.none")
        if name == "assignee_id":
            return names.get(int(value), self.tr("tui.history.unknown_staff"))
        if name == "channel" and str(value) not in self.policy.channels:
            # How the owner was answered (phone, SMS…), not how the complaint came in.
            key = f"contact_channel.{value}"
            words = self.tr(key)
            return str(value) if words == key else words
        table = {"department": "departments", "urgency": "urgencies", "category": "categories", "channel": "channels"}
        if name in table:
            return self.policy.label(table[name], str(value), self.lang)
        return str(value)

    def change_words(
        self,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        names: Mapping[int, str] | None = None,
        *,
        owner_name: str | None = None,
    ) -> str:
        """The status move, the changed fields and the words recorded, in plain words; other
        details stay in the export. ``owner_name``: the case's owner, beside whom an intake
        names its caller when the caller was someone else (migration 0011)."""
        before, after, names = before or {}, after or {}, names or {}
        colon = "：" if self.lang == "zh" else ": "
        parts = []
        if "status" in after:
            old = before.get("status")
            new = self.tr(f"status.{after['status']}")
            parts.append(f"{self.tr(f'status.{old}')} → {new}" if old else new)
        caller = after.get("caller_name")
        if owner_name is not None and not before and isinstance(caller, str) and caller and caller != owner_name:
            parts.append(f"{self.tr('field.caller_name')}{colon}{caller}")
        for name in ("assignee_id", "department", "category", "urgency", "reopen_count", "cycle"):
            # A reclassification records the category it had beside the new one (``<name>_before``).
            had = f"{name}_before" if name not in before and f"{name}_before" in after else None
            old_value = after[had] if had else before.get(name)
            if name in after and (had or name in before) and after[name] != old_value:
                old_words, new_words = (self.value_words(name, v, names) for v in (old_value, after[name]))
                parts.append(f"{self.tr(f'tui.history.{name}')}{colon}{old_words} → {new_words}")
        corrected = after.get("corrected")
        if isinstance(corrected, dict):  # a corrected intake record: each field, old → new
            for name, pair in corrected.items():
                if isinstance(pair, dict):
                    parts.append(f"{self.tr(f'field.{name}')}{colon}{pair.get('before')} → {pair.get('after')}")
        if isinstance(after.get("channel"), str) and after["channel"] and "channel" not in before:
            parts.append(self.value_words("channel", after["channel"], names))
        for name in ("content", "reason", "into"):
            if isinstance(after.get(name), str) and after[name]:
                parts.append(str(after[name]))
        return ("；" if self.lang == "zh" else "; ").join(parts)
