"""Case numbers as people type them: in full, without the prefix, without the zeros (SPEC S6.1).

A case number is the policy's prefix, the local day and that day's sequence: ``TS20261201-0007``.
Over the phone an owner reads ``20261201-7``; a clerk types ``ts20261201-7``. Every place that asks
for a number (queue search, the palette, the merge form, the CLI) reads it through
:func:`typed_case_number` so they all accept the same forms.
"""

from __future__ import annotations

import re
import unicodedata

# With a prefix the dash may be left out (TS202612010007); without one it is required, or a
# phone number (11 digits) would read as a day and a sequence.
_WITH_PREFIX = re.compile(r"^([A-Za-z]{1,4})(\d{8})-?(\d{1,6})$")
_WITHOUT_PREFIX = re.compile(r"^()(\d{8})-(\d{1,6})$")


def typed_case_number(typed: str, prefix: str) -> str | None:
    """The stored form of a case number typed as ``typed``, or None when it is not one.

    ``prefix`` is the policy's case-number prefix, used when the person left it out.
    """
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", typed))
    found = _WITH_PREFIX.match(text) or _WITHOUT_PREFIX.match(text)
    if found is None:
        return None
    head = found.group(1).upper() or prefix
    return f"{head}{found.group(2)}-{int(found.group(3)):04d}"
