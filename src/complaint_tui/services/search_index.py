"""Keeps each case's search document in the index, in the same transaction as the change."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, select

from complaint_tui.models import Case, CaseContact, Owner, Room
from complaint_tui.search_text import document


def case_document(case: Case, owner: Owner, room: Room, extra: list[str] | None = None, *, caller: str = "") -> str:
    """The case's search document; ``caller``: the name given at intake (``Case.caller_name``),
    which finds the case too when it is not the owner's."""
    last4 = owner.phone.replace("-", "")[-4:]
    return document(
        [
            case.number,
            owner.name,
            caller if caller != owner.name else "",
            owner.phone.replace("-", ""),
            last4,
            room.building,
            room.unit,
            room.room,
            case.object_text,
            case.matter_what,
            case.matter_where,
            case.matter_state,
            case.demand,
            *(extra or []),
        ]
    )


def write_document(session: Session, dialect: str, case_id: int, doc: str) -> None:
    if dialect == "sqlite":
        session.execute(
            text("INSERT OR REPLACE INTO case_search(rowid, doc) VALUES (:id, :doc)"),
            {"id": case_id, "doc": doc},
        )
    else:
        session.execute(
            text(
                "INSERT INTO case_search(case_id, doc) VALUES (:id, :doc) "
                "ON CONFLICT (case_id) DO UPDATE SET doc = excluded.doc"
            ),
            {"id": case_id, "doc": doc},
        )


def reindex_case(session: Session, dialect: str, case: Case) -> None:
    owner = session.get(Owner, case.owner_id)
    room = session.get(Room, case.room_id)
    assert owner is not None and room is not None and case.id is not None
    appended = session.exec(select(CaseContact.content).where(CaseContact.case_id == case.id)).all()
    doc = case_document(case, owner, room, list(appended), caller=case.caller_name)
    write_document(session, dialect, case.id, doc)
