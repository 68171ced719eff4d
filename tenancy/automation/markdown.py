"""Safe rendering of untrusted values (anything that comes from a tenant file) in GitHub markdown.

A value is shown as an inline code span: inside one, GitHub renders no link, image, HTML,
@mention, #reference or emoji. The span's fence is longer than any run of backticks in the value,
so a backtick in the value cannot close it (CommonMark, "Code spans"); a value that starts or ends
with a backtick is padded with one space, which CommonMark strips again. Line breaks become spaces
(a code span cannot hold a blank line). In a table cell ``|`` becomes ``¦``: GFM splits cells on
every pipe not escaped by a backslash, and a value could bring its own backslash (``\\|``) to undo
an escape, so no pipe is left at all.
"""

from __future__ import annotations

import re

_BACKTICK_RUNS = re.compile(r"`+")
MAX_VALUE_CHARS = 2_000  # one value never fills the comment


def code(value: object, *, table: bool = False) -> str:
    """``value`` as one inline code span that nothing in it can close or escape."""
    text = "" if value is None else str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    text = " ".join(text.splitlines()) or " "
    if table:
        text = text.replace("|", "¦")
    longest = max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    spaced = text.startswith(" ") and text.endswith(" ") and not text.isspace()
    if text.startswith("`") or text.endswith("`") or spaced:
        text = f" {text} "
    return f"{fence}{text}{fence}"
