"""Files the product writes for a person: private (mode 0600), never over a file it did not
make unless asked, and either complete or not there at all.

``complete_or_nothing`` writes into an unnamed file (Linux ``O_TMPFILE``) that gets its name only
once the last byte is in, so an export that is killed, even with ``kill -9``, leaves nothing
behind. Where the file system has no unnamed files, a hidden temporary file in the same folder
stands in; it is removed on any error and on SIGINT or SIGTERM (only ``kill -9`` can leave it).
``os_reason`` turns an operating system's refusal into words of the catalog.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import IO, Any

from complaint_tui.errors import DeskError
from complaint_tui.i18n import Msg

PRIVATE = 0o600
# Whether to try unnamed files at all; a test turns it off to run the named fallback.
UNNAMED_FILES = hasattr(os, "O_TMPFILE")

_REASONS = {
    errno.ENOSPC: "error.os_no_space",
    errno.EDQUOT: "error.os_no_space",
    errno.EFBIG: "error.os_no_space",
    errno.EACCES: "error.os_no_permission",
    errno.EPERM: "error.os_no_permission",
    errno.EROFS: "error.os_read_only",
    errno.ENAMETOOLONG: "error.os_name_too_long",
    errno.EIO: "error.os_io",
    errno.ENOENT: "error.os_missing",
    errno.ENOTDIR: "error.os_missing",
    errno.EISDIR: "error.os_is_folder",
}


def os_reason(exc: OSError) -> Msg | str:
    """Why the operating system refused, in the catalog's words (its own text for a rare errno)."""
    key = _REASONS.get(exc.errno or 0)
    if key is not None:
        return Msg(key)
    return exc.strerror or type(exc).__name__


def _open_unnamed(folder: Path) -> tuple[int, Path | None]:
    """A file open for writing in ``folder``: unnamed where the system can (path None), else a
    hidden named one. Both are mode 0600."""
    if UNNAMED_FILES:
        try:
            return os.open(folder, os.O_TMPFILE | os.O_WRONLY, PRIVATE), None
        except OSError as exc:
            # These say "no unnamed files on this file system"; anything else is the folder's fault.
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
    fd, name = tempfile.mkstemp(dir=folder, prefix=".complaint-tui-", suffix=".part")  # mkstemp makes it 0600
    return fd, Path(name)


@contextlib.contextmanager
def _removed_on_signal(temp: Path | None) -> Iterator[None]:
    """Remove ``temp`` if SIGINT or SIGTERM arrives, then let the signal do what it did before."""
    if temp is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        temp.unlink(missing_ok=True)
        signal.signal(signum, previous[signum])
        os.kill(os.getpid(), signum)  # the old behaviour: KeyboardInterrupt, or the default death

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def _publish(fd: int, temp: Path | None, target: Path, replace: bool) -> None:
    """Give the finished file its name: a new link (never over an existing file), or with
    ``replace`` a rename over ``target`` (atomic: readers see the old file or the new one)."""
    if temp is not None and replace:
        os.replace(temp, target)
        return
    source = str(temp) if temp is not None else f"/proc/self/fd/{fd}"
    name = target.name if not replace else f".{target.name}.{secrets.token_hex(4)}.new"
    folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        # A dir fd makes Python call linkat(..., AT_SYMLINK_FOLLOW): plain link() would try to
        # link the /proc symlink itself. The new name never replaces an existing file.
        os.link(source, name, dst_dir_fd=folder, follow_symlinks=True)
    except FileExistsError:
        raise DeskError("export.output_exists", path=str(target)) from None
    finally:
        os.close(folder)
    if replace:
        sibling = target.with_name(name)
        try:
            os.replace(sibling, target)
        finally:
            sibling.unlink(missing_ok=True)


@contextlib.contextmanager
def complete_or_nothing(target: Path, *, replace: bool = False) -> Iterator[IO[bytes]]:
    """A binary stream whose bytes appear as ``target`` (mode 0600) only when the block ends
    without error. ``target`` must not exist unless ``replace``; an error, an interrupt or a
    kill leaves no file behind."""
    fd, temp = _open_unnamed(target.parent)
    handle = os.fdopen(fd, "wb")
    try:
        with _removed_on_signal(temp):
            yield handle
            handle.flush()
            os.fsync(handle.fileno())  # the bytes are on disk before the name says they are there
            _publish(handle.fileno(), temp, target, replace)
    finally:
        with contextlib.suppress(OSError):
            handle.close()
        if temp is not None:
            temp.unlink(missing_ok=True)
