"""The derivation report of ``semiflat derive``: Markdown with LaTeX, a LaTeX document, or JSON.

One section per claim: the statement, its hypotheses, what the proof covers (generality), the
sizes it covers ("all sizes, by <argument>" or the list), the method, the parameter map and the
key intermediate expressions (sympy's LaTeX printer, simplified and with generic functions
named), and the verdict with the time taken. The symbolic work is :mod:`theory.symbolic`; the
all-sizes arguments are written out in docs/symbolic.md.
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
$\\partial\\Lambda/\\partial z_0$ at the point (the backprop signal $\\delta_0$).

**Every size.** Vector identities are contracted with a symbolic direction and proved on a reduced
layer whose input entries are all generic functions: by the pairing reduction (docs/symbolic.md),
both sides depend on the input-side vectors only through their pairings with $\\tilde h$ and on the
output-side vectors only through the later layers' jets applied to them, so an identity at
(dim w~, dim v) = (k, m), with k and m the numbers of input- and output-side vectors the claim
involves, holds for every dim w~ and dim v. The maps are the library's own (theory.embeddings).
"Proved" means the difference reduced to exactly 0 (no floating point anywhere).
"""


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
    lines = [f"## `{result.id}`", "", f"**Statement.** {result.statement}", ""]
    if result.hypotheses:
        lines += [f"**Hypotheses.** {result.hypotheses}", ""]
    lines += [f"**Generality.** {result.generality}", "",
              f"**Sizes.** {result.sizes_text}.", "", f"**Method.** {result.method}.", ""]
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
        "| claim | status | seconds (wall / cpu) | sizes |",
        "|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| `{r.id}` | {r.status} | {r.seconds:.2f} / {r.cpu_seconds:.2f} | {r.sizes_text} |")
    lines.append("")
    for r in results:
        lines.append(render_claim(r))
    return "\n".join(lines)


def render_json(results: list[ClaimResult]) -> str:
    """A JSON list of ``{"id", "statement", "status", "seconds", "cpu_seconds", "generality", "sizes",
    "argument", "method", "hypotheses"}`` (``cpu_seconds`` is the process CPU time, the figure
    to compare when other work shares the cores); ``sizes`` is ``"all"`` (with ``argument`` naming the argument) or
    the list of sizes covered."""
    return json.dumps([r.to_json() for r in results], indent=2)


TEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex_text(text: str) -> str:
    """Plain text escaped for LaTeX (every special character)."""
    return "".join(TEX_SPECIALS.get(ch, ch) for ch in text)


TEX_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\setcounter{MaxMatrixCols}{60}
\allowdisplaybreaks
\title{semiflat derive: symbolic proofs of the embedding claims}
\date{}
\begin{document}
\maketitle
"""


def render_tex_claim(result: ClaimResult) -> str:
    """One ``\\section`` per claim: statement, hypotheses, the map, key expressions, sizes, verdict."""
    out = [rf"\section{{\texttt{{{tex_text(result.id)}}}}}", "",
           rf"\paragraph{{Statement.}} {tex_text(result.statement)}", "",
           rf"\paragraph{{Hypotheses.}} {tex_text(result.hypotheses or 'none beyond the setting')}", "",
           rf"\paragraph{{Generality.}} {tex_text(result.generality)}", ""]
    details = [(n, v) for n, v in result.details if n not in TEXT_DETAILS]
    maps = [(n, v) for n, v in details if "map" in n or n.startswith("T_")]
    out.append(r"\paragraph{The map.}" + ("" if maps else " The claim involves no embedding map."))
    for name, value in maps:
        out += _tex_expression(name, value)
    out.append(r"\paragraph{Key expressions.}")
    for name, value in details:
        if (name, value) not in maps:
            out += _tex_expression(name, value)
    if result.status == "proved":
        verdict = f"proved for {result.sizes_text} (difference simplifies to 0)"
    elif result.status == "not-applicable":
        verdict = "not applicable: " + dict(result.details).get("not applicable", "")
    else:
        verdict = dict(result.details).get("verdict", "failed")
    out += [rf"\paragraph{{Method.}} {tex_text(result.method)}.", "",
            rf"\paragraph{{Verdict.}} {tex_text(verdict)}, in {result.seconds:.2f} s.", ""]
    return "\n".join(out)


def _tex_expression(name: str, value: str) -> list[str]:
    label = f"${name}$" if "\\" in name else tex_text(name)
    if len(value) > MAX_LATEX:
        return [rf"\noindent {label}: (expression of {len(value)} \LaTeX{{}} characters, not printed)", ""]
    return [rf"\noindent {label}:", r"\begin{equation*}", value, r"\end{equation*}", ""]


def _markdown_to_tex(text: str) -> str:
    """The report's Markdown prose as LaTeX: $...$ math kept verbatim, the rest escaped."""
    text = text.replace("**", "").replace("`", "")
    parts = text.split("$")
    return "".join(f"${p}$" if k % 2 else tex_text(p) for k, p in enumerate(parts)) if len(parts) % 2 else tex_text(text)


def render_tex(results: list[ClaimResult], embedding: str, activation: str, total_seconds: float) -> str:
    """The full report as a standalone LaTeX document (amsmath), one section per claim."""
    n_proved = sum(r.status == "proved" for r in results)
    n_na = sum(r.status == "not-applicable" for r in results)
    head = [TEX_PREAMBLE,
            rf"\noindent Embedding: \texttt{{{tex_text(embedding)}}}. Activation: \texttt{{{tex_text(activation)}}}. "
            rf"{n_proved} proved, {len(results) - n_proved - n_na} failed, {n_na} not applicable; "
            rf"total {total_seconds:.2f} s.", "",
            r"\section*{Setting and reduction}", _markdown_to_tex(SETTING), ""]
    body = [render_tex_claim(r) for r in results]
    return "\n".join(head + body + [r"\end{document}", ""])
