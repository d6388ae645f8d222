"""Notebook display of symbolic claim results: Markdown with LaTeX (docs/notebook.md).

:class:`theory.symbolic.result.ClaimResult` shows itself in Jupyter through
``_repr_markdown_`` (this module) and ``_repr_latex_``: the claim id, its status, what the proof
covers, and each recorded step as a row of a table whose expressions are typeset by the notebook.
"""

from __future__ import annotations

MARKS = {"proved": "proved", "failed": "**FAILED**", "not-applicable": "not applicable"}


def table_cell(text: str) -> str:
    """A Markdown table cell: pipes escaped (``\\vert`` inside LaTeX), newlines as spaces."""
    return " ".join(str(text).replace("|", "\\vert ").split())


def math_cell(latex: str) -> str:
    """LaTeX in a table cell, between dollars; plain prose (no backslash or ^_) stays prose."""
    text = table_cell(latex)
    return f"${text}$" if any(c in text for c in "\\^_=") else text


def claim_markdown(result) -> str:
    """Markdown of one :class:`ClaimResult` (status, statement, generality, steps)."""
    lines = [f"**{result.id}**: {MARKS.get(result.status, result.status)} ({result.seconds:.2f} s)", "",
             table_cell(result.statement), "", f"*Covers:* {table_cell(result.generality)}"]
    if result.details:
        lines += ["", "| step | expression |", "|---|---|"]
        lines += [f"| {table_cell(name)} | {math_cell(expr)} |" for name, expr in result.details]
    return "\n".join(lines)


def claim_latex(result) -> str:
    """A LaTeX block of one claim: status line and the steps as an aligned list."""
    def text(name):
        return "\\text{" + str(name).replace("_", "\\_") + "}"

    rows = [f"{text(name)} &: {expr}" for name, expr in result.details if "\\" in expr or "=" in expr]
    head = f"\\textbf{{{result.id}}}\\ \\text{{({result.status})}}"
    body = " \\\\\n".join([head] + rows)
    return f"$$\\begin{{aligned}}{body}\\end{{aligned}}$$"
