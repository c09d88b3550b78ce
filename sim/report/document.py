"""The report as a document: a list of blocks (headings, paragraphs, lists, tables, figures)
rendered to Markdown and to one self-contained HTML page."""

from __future__ import annotations

import base64
import html
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass
class _Report:
    """A document as blocks, rendered to Markdown and to self-contained HTML."""

    blocks: list[tuple[str, Any]]

    def add(self, kind: str, content: Any) -> None:
        self.blocks.append((kind, content))


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a" if value is None or math.isnan(value) else ("inf" if value > 0 else "-inf")
    return format(value, spec)


def _md_table(df: pd.DataFrame) -> str:
    cells = [[str(c) for c in df.columns], *[[str(v) for v in row] for row in df.to_numpy()]]
    esc = [[c.replace("|", "\\|") for c in row] for row in cells]
    head = "| " + " | ".join(esc[0]) + " |"
    rule = "|" + "|".join("---" for _ in esc[0]) + "|"
    return "\n".join([head, rule, *("| " + " | ".join(r) + " |" for r in esc[1:])])


def to_markdown(doc: _Report, root: Path) -> str:
    """Render the report as Markdown; figures are linked relative to ``root``."""
    parts = []
    for kind, content in doc.blocks:
        if kind in ("h1", "h2", "h3"):
            parts.append("#" * int(kind[1]) + " " + content)
        elif kind == "p":
            parts.append(content)
        elif kind == "ul":
            parts.append("\n".join(f"- {item}" for item in content))
        elif kind == "table":
            parts.append(_md_table(content))
        elif kind == "fig":
            path, caption = content
            parts.append(f"![{caption}]({path.relative_to(root).as_posix()})")
    return "\n\n".join(parts) + "\n"


_CSS = (
    "body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:90%}"
    "th,td{border:1px solid #bbb;padding:.25em .5em;text-align:right}"
    "th{background:#eee}td:first-child,th:first-child{text-align:left}"
    "img{max-width:100%}figure{margin:1em 0}figcaption{color:#555;font-size:90%}"
)


def to_html(doc: _Report) -> str:
    """Render the report as one self-contained HTML page (figures as base64 PNG)."""
    e = html.escape
    parts = []
    for kind, content in doc.blocks:
        if kind in ("h1", "h2", "h3"):
            parts.append(f"<{kind}>{e(content)}</{kind}>")
        elif kind == "p":  # Markdown's **bold**, the one inline mark the report uses
            parts.append(
                "<p>" + re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", e(content)) + "</p>"
            )
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in content) + "</ul>")
        elif kind == "table":
            parts.append(content.to_html(index=False, escape=True, border=0))
        elif kind == "fig":
            path, caption = content
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            parts.append(f'<figure><img alt="{e(caption)}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{e(caption)}</figcaption></figure>")  # fmt: skip
    title = e(doc.blocks[0][1]) if doc.blocks else "Ladera report"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}'
            f"</title><style>{_CSS}</style></head><body>\n" + "\n".join(parts)
            + "\n</body></html>\n")  # fmt: skip
