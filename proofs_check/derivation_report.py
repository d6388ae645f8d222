"""The derivation report of ``semiflat derive``: Markdown with LaTeX, or a JSON list.

One section per claim: the statement, what the proof covers (generality), the parameter map and
the key intermediate expressions (sympy's LaTeX printer, simplified and with generic functions
named), and the verdict with the time taken. The symbolic work is :mod:`theory.symbolic`.
"""

from __future__ import annotations

import json

from theory.symbolic import ClaimResult

TEXT_DETAILS = ("verdict", "not applicable")
"""Detail names whose value is plain text (every other value is LaTeX)."""

MAX_LATEX = 1800
"""Longer expressions are summarised by their size instead of printed (readability)."""

SETTING = """\
**Setting and reduction.** The loss is a sum over samples, `L = sum_i l(y_i, f(x_i))`, and
gradients and Hessians are linear in the per-sample losses, so every identity is proved for one
sample and carries over to `L`. Around the embedded hidden layer, everything else is generic:
$\\varphi$ is an undefined smooth activation (or the concrete one asked for; ReLU is proved on each
linear piece, which covers every point with no datum on a kink), $\\Lambda(\\rho, z)$ is the
per-sample loss composed with all later layers, an undefined smooth function of the next
pre-activation $z$ and of the other parameters, $h_k(\\rho)$ are the layer inputs (undefined
functions of the earlier parameters; the last entry of $\\tilde h$ is the bias input 1), and
$R_q(\\rho)$ is the contribution of every other unit of the layer. Two generic parameters
$\\rho_0, \\rho_1$ stand for all other parameters: a Hessian entry involves at most two. Derivatives
through later layers are the chain rule inside $\\Lambda$, so proving the identity for
$z = R(\\rho) + \\sum v\\,\\varphi(\\tilde w\\cdot\\tilde h)$ composed with $\\Lambda$ proves it for the
whole network. Generic functions carry their derivative multi-index, e.g. $\\Lambda_{z_0}$ is
$\\partial\\Lambda/\\partial z_0$ at the point (the backprop signal $\\delta_0$). Vector claims are proved
for the sizes listed (P = dim of the augmented incoming vector $\\tilde w$, Q = dim of the outgoing
vector $v$). "Proved" means the difference reduced to exactly 0 (no floating point anywhere).
"""


def short_generality(text: str) -> str:
    """The summary-table form: 'any phi/loss/rest' plus the sizes, instead of the full sentence."""
    head = "any phi, loss, rest; " if text.startswith("any activation phi") else ""
    tail = text.rsplit("; ", 1)[-1]
    return head + tail if head else text


def _name(name: str) -> str:
    return f"${name}$" if any(ch in name for ch in "\\^_{") else name


def _value(name: str, value: str) -> str:
    if name in TEXT_DETAILS:
        return value
    if len(value) > MAX_LATEX:
        return f"(expression of {len(value)} LaTeX characters, not printed)"
    return f"$$\n{value}\n$$"


def render_claim(result: ClaimResult) -> str:
    """Markdown section of one claim."""
    lines = [f"## `{result.id}`", "", f"**Statement.** {result.statement}", "",
             f"**Generality.** {result.generality}", ""]
    for name, value in result.details:
        if name == "verdict":
            continue
        lines += [f"- {_name(name)}:", "", _value(name, value), ""]
    if result.status == "proved":
        verdict = "proved (difference simplifies to 0)"
    elif result.status == "not-applicable":
        verdict = "not applicable: " + dict(result.details).get("not applicable", "")
    else:
        verdict = dict(result.details).get("verdict", "failed")
    lines += [f"**Verdict:** {verdict}, in {result.seconds:.2f} s.", ""]
    return "\n".join(lines)


def render_markdown(results: list[ClaimResult], embedding: str, activation: str, total_seconds: float) -> str:
    """The full report: header, setting, summary table, one section per claim."""
    n_proved = sum(r.status == "proved" for r in results)
    n_na = sum(r.status == "not-applicable" for r in results)
    n_failed = len(results) - n_proved - n_na
    lines = [
        "# semiflat derive: symbolic proofs of the embedding claims",
        "",
        f"Embedding: `{embedding}`. Activation: `{activation}`. "
        f"{n_proved} proved, {n_failed} failed, {n_na} not applicable; total {total_seconds:.2f} s.",
        "",
        SETTING,
        "| claim | status | seconds | generality |",
        "|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| `{r.id}` | {r.status} | {r.seconds:.2f} | {short_generality(r.generality)} |")
    lines.append("")
    for r in results:
        lines.append(render_claim(r))
    return "\n".join(lines)


def render_json(results: list[ClaimResult]) -> str:
    """A JSON list of ``{"id", "statement", "status", "seconds", "generality"}``."""
    return json.dumps([r.to_json() for r in results], indent=2)
