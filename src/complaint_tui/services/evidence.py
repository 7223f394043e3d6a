"""Evidence files stored by content hash in the database itself (DESIGN.md "Evidence")."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from complaint_tui.db import Store
from complaint_tui.errors import DeskError, FieldProblem, InvalidInput
from complaint_tui.models import Evidence, EvidenceBlob, EvidenceKind, utcnow
from complaint_tui.policy import Policy


@dataclass(frozen=True)
class EvidenceInput:
    """One file to attach, read into memory by the caller's worker thread."""

    kind: str
    source: str
    filename: str
    data: bytes
    taken_on: dt.date | None = None
    note: str = ""

    @classmethod
    def from_path(
        cls,
        path: str | Path,
        source: str,
        taken_on: dt.date | None = None,
        note: str = "",
        kind: str | None = None,
    ) -> EvidenceInput:
        p = Path(path).expanduser()
        try:
            data = p.read_bytes()
        except OSError:
            raise InvalidInput([FieldProblem("evidence_path", "file_unreadable", {"path": str(p)})]) from None
        return cls(kind or guess_kind(p.name), source, p.name, data, taken_on, note)


def guess_kind(filename: str) -> str:
    mime = mimetypes.guess_type(filename)[0] or ""
    for prefix, kind in (
        ("image/", EvidenceKind.PHOTO),
        ("video/", EvidenceKind.VIDEO),
        ("audio/", EvidenceKind.AUDIO),
    ):
        if mime.startswith(prefix):
            return kind.value
    return EvidenceKind.DOCUMENT.value


def check_evidence(items: list[EvidenceInput], policy: Policy, today: dt.date) -> list[FieldProblem]:
    problems = []
    kinds = [k.value for k in EvidenceKind]
    for i, item in enumerate(items):
        if item.kind not in kinds:
            problems.append(FieldProblem("evidence_kind", "one_of", {"choices": ", ".join(kinds), "item": i + 1}))
        if not item.source.strip():
            problems.append(FieldProblem("evidence_source", "required", {"item": i + 1}))
        if item.taken_on and item.taken_on > today:
            problems.append(FieldProblem("evidence_taken_on", "not_future", {"item": i + 1}))
        if len(item.data) > policy.evidence_max_bytes:
            problems.append(
                FieldProblem(
                    "evidence_file",
                    "file_too_large",
                    {"max_mb": policy.evidence_max_bytes // (1024 * 1024), "item": i + 1},
                )
            )
        if not item.data:
            problems.append(FieldProblem("evidence_file", "file_empty", {"item": i + 1}))
    return problems


def store_evidence(
    session: Session,
    case_id: int,
    staff_id: int,
    item: EvidenceInput,
    note_id: int | None = None,
    at: dt.datetime | None = None,
) -> Evidence:
    sha = hashlib.sha256(item.data).hexdigest()
    if session.get(EvidenceBlob, sha) is None:
        session.add(EvidenceBlob(sha256=sha, size=len(item.data), data=item.data, created_at=at or utcnow()))
        session.flush()
    row = Evidence(
        case_id=case_id,
        note_id=note_id,
        kind=item.kind,
        source=item.source.strip(),
        taken_on=item.taken_on,
        filename=item.filename,
        sha256=sha,
        size=len(item.data),
        note=item.note.strip(),
        added_by_id=staff_id,
        added_at=at or utcnow(),
    )
    session.add(row)
    return row


def evidence_bytes(store: Store, sha256: str) -> bytes | None:
    """The stored file with this hash, to open or save a copy out of the store."""
    with store.read() as session:
        blob = session.get(EvidenceBlob, sha256)
        return bytes(blob.data) if blob else None


def save_evidence_copy(store: Store, sha256: str, filename: str, target: Path) -> Path:
    """Write a stored file out of the store to ``target`` (a folder keeps ``filename``), never over an
    existing file, after checking the bytes against their hash; return the path written.

    Raises:
        DeskError: the file is gone or changed in the store, the folder is missing, the path exists,
            or writing failed.
    """
    data = evidence_bytes(store, sha256)
    if data is None:
        raise DeskError("error.evidence_missing", sha=sha256[:12])
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DeskError("error.evidence_changed", sha=sha256[:12])
    path = target / filename if target.is_dir() else target
    if not path.parent.is_dir():
        raise DeskError("error.evidence_no_folder", folder=str(path.parent))
    try:
        with path.open("xb") as out:  # "x": a copy never replaces a file already there
            out.write(data)
    except FileExistsError:
        raise DeskError("error.evidence_exists", path=str(path)) from None
    except OSError as error:
        raise DeskError("error.evidence_write_failed", path=str(path), reason=error.strerror or str(error)) from None
    return path
