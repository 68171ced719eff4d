"""Small markdown pieces shared by `tenancy diff` and the pull-request comment.

Every value that comes from a tenant file or a plan goes through ``cell`` (table cells) or
``code`` (inline code), so a ``|``, a backtick or a newline cannot break the table around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SHORTENED = "_(shortened to fit one comment; run `tenancy diff` locally for every row)_"


def cell(text: object) -> str:
    """Our own text for a table cell: pipes escaped, newlines flattened. Values from tenant files
    or plans go through ``code`` instead."""
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def code(text: object) -> str:
    """Inline code nothing in the value can close or escape, safe inside a table cell."""
    from tenancy.automation.markdown import code as safe_code

    return safe_code(text, table=True)


@dataclass
class Details:
    """A collapsible block: a summary line and tables under headings. Always rendered closed."""

    summary: str
    blocks: list[tuple[str, list[str]]] = field(default_factory=list)  # (heading, table lines)

    @property
    def rows(self) -> int:
        return sum(max(0, len(lines) - 2) for _, lines in self.blocks)

    def render(self, max_rows: int | None = None) -> str:
        """With ``max_rows``, at most that many table rows in all (0: only the summary)."""
        out = [f"<details><summary>{self.summary}</summary>", ""]
        budget = self.rows if max_rows is None else max_rows
        left_out = 0
        for heading, lines in self.blocks:
            header, rows = lines[:2], lines[2:]
            shown = rows[: max(0, budget)]
            budget -= len(shown)
            left_out += len(rows) - len(shown)
            if shown:
                out += [heading, "", *header, *shown, ""] if heading else [*header, *shown, ""]
        if left_out:
            out += [f"… {left_out} more row(s). {SHORTENED}", ""]
        out.append("</details>")
        return "\n".join(out)
