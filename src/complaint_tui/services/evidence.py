"""Evidence files stored by content hash in the database itself (DESIGN.md "Evidence").

Provides ``EvidenceInput`` (one file to attach, read from a path within the policy's size limit),
the checks of a batch of them, their storing by SHA-256, and saving a stored file back out.

A path is attached only if it is an ordinary file: a folder, a device (``/dev/zero`` never
ends), a socket or a FIFO (whose reader waits for a writer that never comes) is refused before
it is opened for reading, and the file is opened non-blocking so one swapped in meanwhile cannot
hang the desk either. It is read in chunks, hashed as it goes, and given up as soon as it passes
the limit: a 1.5 GB video costs one chunk of memory, not 1.5 GB. The name a file is stored and
saved under is only ever a base name (``safe_filename``), so no stored name can reach outside the
folder a copy is saved into.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import mimetypes
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from complaint_tui.db import Store
from complaint_tui.errors import DeskError, FieldProblem, InvalidInput
from complaint_tui.models import Evidence, EvidenceBlob, EvidenceKind, utcnow
from complaint_tui.policy import Policy, default_policy
from complaint_tui.validation import (
    SHORT_MAX,
    TEXT_MAX,
    RuleBroken,
    date_in_range,
    forbidden_char,
    optional_text,
    required_text,
)

READ_CHUNK = 1024 * 1024
# Evidence.filename is VARCHAR(255) and most file systems allow 255 bytes per name; Chinese
# characters take 3 bytes each in UTF-8, so the cap is on both.
FILENAME_MAX_CHARS = 120
FILENAME_MAX_BYTES = 240
FILENAME_FALLBACK = "evidence"
# Characters Windows refuses in a file name: a copy saved there would fail.
_UNSAFE_IN_NAME = re.compile(r'[<>:"|?*]')


def safe_filename(name: str) -> str:
    """``name`` reduced to a base name safe to store and to save a copy under, never empty.

    No folder parts (``/`` or ``\\``), no ``..``, no control characters, no leading dots or
    dashes (a hidden file, or an option to the next command run on it), at most
    ``FILENAME_MAX_CHARS`` characters and ``FILENAME_MAX_BYTES`` UTF-8 bytes, the extension kept.
    """
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    base = "".join(ch for ch in base if forbidden_char(ch) is None)
    base = _UNSAFE_IN_NAME.sub("_", base)
    base = base.strip().lstrip(".-").rstrip(". ")
    if not base.strip(". "):
        return FILENAME_FALLBACK
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        stem, dot, ext = base, "", ""
    suffix = dot + ext
    while stem and (
        len(stem) + len(suffix) > FILENAME_MAX_CHARS or len((stem + suffix).encode("utf-8")) > FILENAME_MAX_BYTES
    ):
        stem = stem[:-1]
    return (stem.rstrip(". ") or FILENAME_FALLBACK) + suffix


def _shown(path: Path) -> str:
    # A path goes into a message on the desk's screen: its control characters must not.
    return "".join(ch if forbidden_char(ch) is None else "?" for ch in str(path))


def _unreadable(path: Path, rule: str = "file_unreadable") -> InvalidInput:
    return InvalidInput([FieldProblem("evidence_path", rule, {"path": _shown(path)})])


def _too_large(max_bytes: int, item: int = 1) -> FieldProblem:
    return FieldProblem("evidence_file", "file_too_large", {"max_mb": max_bytes // (1024 * 1024), "item": item})


def read_evidence_file(path: Path, max_bytes: int) -> tuple[bytes, str]:
    """The bytes of the ordinary file at ``path`` (symlinks followed) and their SHA-256, read and
    hashed in chunks.

    Never holds more than ``max_bytes + 1`` bytes of the file: one past the limit and it stops.

    Raises:
        InvalidInput: the path is missing or unreadable (``file_unreadable``), not an ordinary
            file (``file_not_regular``), or larger than ``max_bytes`` (``file_too_large``).
    """
    try:
        real = Path(os.path.realpath(path, strict=True))
        if not stat.S_ISREG(os.stat(real).st_mode):
            raise _unreadable(path, "file_not_regular")
        # O_NONBLOCK: if a FIFO was swapped in after the check, opening it returns at once.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(real, flags)
    except (OSError, ValueError):  # ValueError: a NUL or an unencodable character in the path
        raise _unreadable(path) from None
    with os.fdopen(fd, "rb", buffering=0) as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise _unreadable(path, "file_not_regular")
            digest = hashlib.sha256()
            held = io.BytesIO()
            size = 0
            while size <= max_bytes:
                chunk = handle.read(min(READ_CHUNK, max_bytes + 1 - size))
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise InvalidInput([_too_large(max_bytes)])
                digest.update(chunk)
                held.write(chunk)
        except OSError:
            raise _unreadable(path) from None
    return held.getvalue(), digest.hexdigest()


@dataclass(frozen=True)
class EvidenceInput:
    """One file to attach, read into memory by the caller's worker thread.

    ``filename`` is reduced to a safe base name (``safe_filename``) as the input is made.
    """

    kind: str
    source: str
    filename: str
    data: bytes
    taken_on: dt.date | None = None
    note: str = ""

    # The SHA-256 of ``data``: hashed while reading by ``from_path``, else on first use.
    _digest: str | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "filename", safe_filename(self.filename))

    @property
    def sha256(self) -> str:
        if self._digest is None:
            object.__setattr__(self, "_digest", hashlib.sha256(self.data).hexdigest())
        assert self._digest is not None
        return self._digest

    @classmethod
    def from_path(
        cls,
        path: str | Path,
        source: str,
        taken_on: dt.date | None = None,
        note: str = "",
        kind: str | None = None,
        *,
        max_bytes: int | None = None,
    ) -> EvidenceInput:
        """The file at ``path``, read within ``max_bytes`` (default: the default policy's limit;
        a caller with the store at hand passes ``store.policy.evidence_max_bytes``).

        Raises:
            InvalidInput: see ``read_evidence_file``.
        """
        limit = default_policy().evidence_max_bytes if max_bytes is None else max_bytes
        try:
            p = Path(path).expanduser()
        except RuntimeError:  # ~user of an unknown user
            p = Path(path)
        data, digest = read_evidence_file(p, limit)
        name = safe_filename(p.name)
        item = cls(kind or guess_kind(name), source, name, data, taken_on, note)
        object.__setattr__(item, "_digest", digest)
        return item


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
    """Every broken rule of the files to attach, each naming the file's place in the list."""
    problems = []
    kinds = [k.value for k in EvidenceKind]
    for i, item in enumerate(items):
        number = {"item": i + 1}
        if item.kind not in kinds:
            problems.append(FieldProblem("evidence_kind", "one_of", {"choices": ", ".join(kinds), **number}))
        for name, rule, text, max_len in (
            ("evidence_source", required_text, item.source, SHORT_MAX),
            ("evidence_note", optional_text, item.note, TEXT_MAX),
        ):
            try:
                rule(text, max_len)
            except RuleBroken as broken:
                problems.append(FieldProblem(name, broken.rule, {**broken.params, **number}))
        if item.taken_on:
            try:
                date_in_range(item.taken_on)
                if item.taken_on > today:
                    problems.append(FieldProblem("evidence_taken_on", "not_future", number))
            except RuleBroken as broken:
                problems.append(FieldProblem("evidence_taken_on", broken.rule, {**broken.params, **number}))
        if len(item.data) > policy.evidence_max_bytes:
            problems.append(_too_large(policy.evidence_max_bytes, i + 1))
        if not item.data:
            problems.append(FieldProblem("evidence_file", "file_empty", number))
    return problems


def store_evidence(
    session: Session,
    case_id: int,
    staff_id: int,
    item: EvidenceInput,
    note_id: int | None = None,
    at: dt.datetime | None = None,
) -> Evidence:
    """Store one file ``check_evidence`` passed: its bytes once per hash, and its row on the case."""
    sha = item.sha256
    if session.get(EvidenceBlob, sha) is None:
        session.add(EvidenceBlob(sha256=sha, size=len(item.data), data=item.data, created_at=at or utcnow()))
        session.flush()
    row = Evidence(
        case_id=case_id,
        note_id=note_id,
        kind=item.kind,
        source=required_text(item.source, SHORT_MAX),
        taken_on=item.taken_on,
        filename=safe_filename(item.filename),
        sha256=sha,
        size=len(item.data),
        note=optional_text(item.note),
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
    """Write a stored file out of the store to ``target``, never over an existing file, after
    checking the bytes against their hash; return the path written.

    A folder ``target`` gets the file under ``safe_filename(filename)``: a name stored before names
    were made safe (``../../x``) still lands inside the folder. The copy is readable by its owner
    only (0600): evidence holds owners' photos and documents.

    Raises:
        DeskError: the file is gone or changed in the store, the folder is missing, the path exists,
            or writing failed.
    """
    data = evidence_bytes(store, sha256)
    if data is None:
        raise DeskError("error.evidence_missing", sha=sha256[:12])
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DeskError("error.evidence_changed", sha=sha256[:12])
    path = target / safe_filename(filename) if target.is_dir() else target
    if not path.parent.is_dir():
        raise DeskError("error.evidence_no_folder", folder=_shown(path.parent))
    # O_EXCL: a copy never replaces a file already there, nor follows a link planted in its place.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise DeskError("error.evidence_exists", path=_shown(path)) from None
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise DeskError("error.evidence_write_failed", path=_shown(path), reason=reason) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except OSError as error:
        # Ours alone (O_EXCL made it): a half-written copy is removed, not left looking whole.
        path.unlink(missing_ok=True)
        raise DeskError("error.evidence_write_failed", path=_shown(path), reason=error.strerror or str(error)) from None
    return path
