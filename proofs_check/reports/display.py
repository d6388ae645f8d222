"""Notebook display of classification reports and theorem checks (docs/notebook.md).

``CriticalPointReport._repr_markdown_`` shows the verdict and its theorem, the inertia, the
gradient norm, the evidence as a table, and the spectrum figure of
:mod:`proofs_check.reports.spectrum_figure` embedded as a PNG. ``CheckResult._repr_markdown_`` shows the
theorem, whether it passed, the method and the evidence table. Numbers are printed with
``mpmath.nstr``; the objects' ``to_json`` keep full precision.
"""

from __future__ import annotations

import base64

import mpmath

from proofs_check.reports.spectrum_figure import spectrum_png
from theory.display import table_cell


def _sci(value, digits=3) -> str:
    """A number as LaTeX scientific notation (``1.2 \\times 10^{-30}``)."""
    if value is None:
        return "n/a"
    text = mpmath.nstr(value, digits, min_fixed=-3, max_fixed=4)
    if "e" not in text:
        return f"${text}$"
    mant, exp = text.split("e")
    return f"${mant} \\times 10^{{{int(exp)}}}$"


def report_markdown(report, figure: bool = True) -> str:
    """Markdown of a :class:`CriticalPointReport` (module docstring)."""
    i = report.inertia
    rows = [
        ("verdict", f"**{report.verdict.value}**"),
        ("theorem", table_cell(report.theorem) or "n/a"),
        ("inertia $(n_-, n_0, n_+)$", f"$({i.negative}, {i.zero}, {i.positive})$"),
        ("proved flat dimension", str(report.flat_dimension)),
        ("loss $L = \\sum_i \\frac12 \\Vert f(x_i) - y_i \\Vert^2$", _sci(report.loss, 12)),
        ("gradient norm $\\Vert \\nabla L \\Vert$", _sci(report.gradient_norm)),
        ("zero tolerance $\\tau$", _sci(report.zero_tolerance)),
        ("$\\mu_{\\min}$, $\\mu_{\\max}$", f"{_sci(report.eigenvalues[0]) if report.eigenvalues else 'n/a'}, "
                                          f"{_sci(report.eigenvalues[-1]) if report.eigenvalues else 'n/a'}"),
        ("dps", str(report.dps)),
    ]
    if report.reason:
        rows.append(("reason", table_cell(report.reason)))
    if report.descent_direction is not None:
        rows.append(("certified descent", f"$L(\\theta + s d) - L(\\theta)$ = {_sci(report.descent_decrease)} "
                                          f"at $s$ = {_sci(report.descent_step)}"))
    lines = ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    lines += ["", "| evidence | value |", "|---|---|"]
    lines += [f"| {table_cell(k)} | {table_cell(v)} |" for k, v in report.evidence]
    if figure and report.eigenvalues:
        data = base64.b64encode(spectrum_png(report)).decode("ascii")
        lines += ["", f"![Hessian spectrum: {report.verdict.value}](data:image/png;base64,{data})"]
    return "\n".join(lines)


def check_markdown(result) -> str:
    """Markdown of a :class:`proofs_check.checks.result.CheckResult`."""
    lines = [f"**{result.theorem}**: {'passed' if result.passed else '**FAILED**'} ({result.seconds:.2f} s)", "",
             table_cell(result.statement), "", f"*Method:* {table_cell(result.method)}"]
    if result.symbolic_claims:
        lines.append(f"*Symbolic claims proved:* {', '.join(result.symbolic_claims)}")
    if result.notes:
        lines.append(f"*Notes:* {table_cell(result.notes)}")
    lines += ["", "| evidence | value |", "|---|---|"]
    lines += [f"| {table_cell(k)} | {table_cell(v)} |" for k, v in result.evidence]
    return "\n".join(lines)
