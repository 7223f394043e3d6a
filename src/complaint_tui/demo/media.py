"""Small but real evidence files for the demo: a PNG photo, a WAV recording, a PDF document."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from complaint_tui.models import (
    EvidenceKind,
)


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int
    kind: str
    ext: str


def _png(rgb: tuple[int, int, int]) -> bytes:
    """A valid one-pixel PNG in the given colour: a tiny but real photo file."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes((0, *rgb)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _wav() -> bytes:
    """A valid tenth of a second of silence (8 kHz, 8-bit mono): a tiny call recording."""
    samples = b"\x80" * 800
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 8000, 1, 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _pdf() -> bytes:
    """A one-page PDF with no text: stands in for an e-mailed document."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def blobs() -> list[tuple[bytes, str, str]]:
    return [
        (_png((176, 190, 197)), EvidenceKind.PHOTO.value, "jpg"),
        (_png((121, 85, 72)), EvidenceKind.PHOTO.value, "jpg"),
        (_png((56, 142, 60)), EvidenceKind.PHOTO.value, "png"),
        (_wav(), EvidenceKind.AUDIO.value, "wav"),
        (_pdf(), EvidenceKind.DOCUMENT.value, "pdf"),
    ]
