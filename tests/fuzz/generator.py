"""A seeded generator of malformed and hostile inputs for every semiflat command.

Case ``i`` of seed ``s`` depends only on ``(s, i)`` (``random.Random(f"{s}:{i}")``), so any case
can be replayed alone. A case is a command line plus the files of its working folder: the
fixtures of :func:`fixtures` (valid networks, data, shard results, an interrupted run), some of
them damaged by the case. Kinds:

- ``option``: a valid, fast command line with one to three option values replaced by hostile
  text (nan, inf, non-ASCII digits, huge exponents, sizes past the limits, negative seeds...);
- ``out``: a hostile output path (a folder, a missing parent, a file as parent, a long name);
- ``file``: an input file damaged in syntax (truncated, non-UTF-8, nested 100000 deep, a
  5000-digit integer, NaN literals) or in content (a field replaced, removed or retyped;
  ``dps`` too small or absurd; a cell of 200000 characters; a FIFO in place of a file);
- ``state``: a damaged ``.partial`` (run.json, chunks, bases) resumed, a second run on a locked
  folder, merge of structurally damaged results;
- ``argv``: random tokens drawn from every command's flags and the hostile values;
- ``valid``: the unmodified fast command lines (the fuzzer's own negative control: they must exit 0).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

BAD_NUMBERS = [
    "nan", "NaN", "-nan", "inf", "-inf", "+inf", "Infinity", "-Infinity", "\u0661", "\uff11\uff12", "\u0663.\u0665",
    "1e999999", "1e99999999999999", "-1e999999", "1e-999999", "", " ", "0x10", "1_000", "1e", "e5", "--", "1,2",
    "1:2", "\u0661e1", "+-1", "\u221e", "\u00bd", "1.2.3", "9" * 5000, "0." + "1" * 30000, "1\n2", "True", "None",
    "1e+", ".", "-", "1e5.5", "0b11", "1j", "\u00b2",
]
BAD_INTEGERS = BAD_NUMBERS + ["-1", "-0", "1.5", "10**9", "1000000000", "1000000000000", "9" * 30, "-99999999999",
                              "1e3", " 7", "07x"]
BAD_PATHS = ["", ".", "adir", "missing/sub/out.json", "x" * 300 + ".json", "net.json/inner.json", "adir/" + "y" * 256,
             "/proc/nonexistent/out.json", "fifo", "\x00x"]
BAD_WORDS = ["", "garbage", "-", "--", "tanh,", ",", "relu,relu", "\u0661", "x" * 5000, "T99", "all,all", "None",
             "0", "-1", "nan", "a:b", "0:0", "3:2", "-1:1", "0:3", "1:1"]


@dataclass
class Case:
    """One fuzz case: ``argv`` runs in a fresh folder holding the fixtures, with ``files``
    replaced or added (bytes; ``None`` means delete; ``"fifo"`` makes a named pipe)."""

    index: int
    command: str
    kind: str
    argv: list[str]
    files: dict = field(default_factory=dict)
    expect_success: bool = False  # the valid negative controls must exit 0

    def describe(self) -> str:
        shown = " ".join(a if len(a) <= 40 else a[:37] + "..." for a in self.argv)
        return f"#{self.index} [{self.kind}] semiflat {shown}"[:400]


# Valid, fast command lines per command (each finishes in about a second after imports).
BASES = {
    "embed": [
        ["embed", "net.json", "--method", "replication", "--lambda", "0.5", "--out", "w.json"],
        ["embed", "net.json", "--method", "replication", "--shares", "0.25,0.75", "--out", "w.json"],
        ["embed", "net.json", "--method", "inactive-unit", "--seed", "1", "--to", "4", "--out", "w.json"],
        ["embed", "relu.json", "--method", "inactive-unit", "--seed", "1", "--dead-margin", "0.5", "--out", "w.json"],
        ["embed", "relu.json", "--method", "inactive-unit", "--seed", "1", "--dead-box", "-1:1", "--out", "w.json"],
        ["embed", "net.json", "--method", "inactive-propagation", "--b0", "0.3", "--v0", "0.5", "--out", "w.json"],
        ["embed", "net.json", "--method", "inactive-unit", "--incoming", "0.1,0.2", "--scale", "2", "--out", "w.json"],
        ["embed", "deep.json", "--method", "replication", "--layer", "1", "--unit", "1", "--lambda", "-0.5",
         "--out", "w.json"],
    ],
    "classify": [["classify", "net.json"], ["classify", "net.json", "--data", "data.csv", "--json"],
                 ["classify", "relu.json", "--dps", "20"]],
    "info": [["info", "net.json"], ["info", "net.json", "--data", "data.csv"], ["info", "deep.json", "--json"],
             ["info", "relu.json", "--data", "data.json"]],
    "train": [
        ["train", "--teacher", "relu", "--n", "6", "--seed", "1", "--activation", "relu", "--hidden", "5",
         "--out", "t.json"],
        ["train", "--data", "data.csv", "--activation", "relu", "--hidden", "auto", "--out", "t.json"],
        ["train", "--teacher", "tanh", "--n", "4", "--noise", "0.1", "--activation", "tanh", "--hidden", "2",
         "--max-restarts", "2", "--dps", "30", "--out", "t.json"],
    ],
    "experiment": [
        ["experiment", "fig2", "--trials", "2", "--hmax", "7", "--activations", "relu", "--no-figures", "--no-progress",
         "--out", "fig"],
        ["experiment", "fig2", "--trials", "4", "--hmax", "7", "--activations", "relu", "--no-figures", "--no-progress",
         "--chunk", "1", "--out", "run", "--resume"],
        ["experiment", "fig2", "--trials", "4", "--hmax", "7", "--activations", "relu", "--no-figures", "--no-progress",
         "--shard", "0:2", "--seed", "3", "--margin", "0.5", "--rho-scale", "0.02", "--out", "fig"],
    ],
    "merge": [["merge", "s0", "s1", "--out", "m", "--no-figures"]],
    "derive": [["derive", "--embedding", "inactive-propagation", "--activation", "identity", "--out", "d.md"]],
    "check": [["check", "--only", "T8", "--quick", "--dps", "20"]],
    "verify": [["verify", "cert.json"], ["verify", "cert.json", "--json"]],
    "import": [["import", "net.npz", "--activation", "tanh", "--out", "i.json"],
               ["import", "net.npz", "--activation", "tanh", "--arch", "1,2,1", "--data", "data.csv", "--dps", "30",
                "--out", "i.json"]],
    "export": [["export", "net.json", "--format", "npz", "--out", "e.npz"],
               ["export", "deep.json", "--format", "npz", "--dtype", "float32", "--no-data", "--out", "e.npz"]],
}
# Commands that are never run valid (a valid run takes minutes): every case carries one bad value.
ALWAYS_BAD = {
    "reproduce": [["reproduce", "--out", "r", "--quick", "--workers", "@bad"]],
    "bench": [["bench", "--quick", "--only", "@bad"]],
}
FLAGS = sorted({a for group in (*BASES.values(), *ALWAYS_BAD.values()) for argv in group for a in argv
                if a.startswith("--")} | {"--force", "--resume", "--json", "--help", "--version", "--teacher-kind",
                                          "--objective", "--target-loss", "--hgrid", "--h0", "--protocol",
                                          "--surplus", "--rho-rule", "--monte-carlo", "--data-seed", "--workers",
                                          "--scheduler", "--dead-data", "--verbose", "--quadrature",
                                          "--certify", "--certificate", "--plot", "--arch", "--format", "--layout",
                                          "--dtype"})
COMMANDS = tuple(BASES) + tuple(ALWAYS_BAD)

_INT_OPTIONS = {"--layer", "--unit", "--to", "--seed", "--n", "--dps", "--max-restarts", "--trials", "--hmax",
                "--chunk", "--workers", "--monte-carlo", "--data-seed", "--hidden"}
_NUM_OPTIONS = {"--lambda", "--b0", "--scale", "--dead-margin", "--noise", "--margin", "--rho-scale",
                "--target-loss"}
_LIST_OPTIONS = {"--shares", "--v0", "--incoming", "--dead-box", "--hgrid", "--shard", "--activations", "--only"}
_PATH_OPTIONS = {"--out", "--data", "--dead-data", "--certificate", "--plot"}
_VALUE_FLAGS = _INT_OPTIONS | _NUM_OPTIONS | _LIST_OPTIONS | _PATH_OPTIONS | {
    "--method", "--activation", "--teacher", "--embedding", "--scheduler", "--h0", "--protocol", "--surplus",
    "--rho-rule", "--objective", "--teacher-kind", "--arch", "--format", "--layout", "--dtype"}


def _bad_value(rng: random.Random, flag: str) -> str:
    if flag in _INT_OPTIONS:
        return rng.choice(BAD_INTEGERS)
    if flag in _NUM_OPTIONS:
        return rng.choice(BAD_NUMBERS + ["-1", "0", "1e400", "-1e400"])
    if flag in _PATH_OPTIONS:
        return rng.choice(BAD_PATHS)
    if flag in _LIST_OPTIONS:
        parts = [rng.choice(BAD_NUMBERS + ["0.5", "1", "-1"]) for _ in range(rng.randint(1, 4))]
        return rng.choice([",", ":"]).join(parts) if rng.random() < 0.8 else rng.choice(BAD_WORDS)
    return rng.choice(BAD_WORDS)


def _with_bad_option(rng: random.Random, argv: list[str]) -> list[str]:
    argv = list(argv)
    slots = [i for i, a in enumerate(argv) if a in _VALUE_FLAGS and i + 1 < len(argv)]
    for _ in range(rng.randint(1, 3)):
        if slots and rng.random() < 0.75:
            i = rng.choice(slots)
            argv[i + 1] = _bad_value(rng, argv[i])
        else:
            flag = rng.choice(sorted(_INT_OPTIONS | _NUM_OPTIONS | _LIST_OPTIONS))
            value = _bad_value(rng, flag)
            argv += [f"{flag}={value}"] if rng.random() < 0.5 else [flag, value]
    return argv


def _network_paths(obj, prefix=()):
    """Every JSON path (tuple of keys/indices) inside a parsed object."""
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _network_paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _network_paths(v, prefix + (i,))
    return out


HOSTILE_LEAVES = [None, True, [], {}, -1, 0, 1.5, 10**20, "", "nan", "Infinity", "\u0661", "1e999999", "x" * 70000,
                  "1e99999999999999", [[[]]], {"a": 1}, "0." + "1" * 25000, 2**70, -(10**30), "semiflat.network/2"]
DPS_VALUES = [0, -1, 1, 2, 5, 10**9, 10**20, 1000000, "50", 1.5, None, True, 10001, 100000]


def _damage_json(rng: random.Random, text: str) -> bytes:
    """A syntactic or semantic defect in a JSON text."""
    obj = json.loads(text)
    choice = rng.randrange(14)
    if choice == 0:
        return text.encode()[: rng.randrange(len(text))]
    if choice == 1:
        raw = bytearray(text.encode())
        for _ in range(rng.randint(1, 5)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    if choice == 2:
        return rng.choice([b"", b"\xef\xbb\xbf" + text.encode(), b"\xff\xfe\x00{", b"[" * 100000 + b"]" * 100000,
                           b"{" * 3000, b'{"format": "semiflat.network/1", "dps": ' + b"9" * 5000 + b"}",
                           b"[1." + b"1" * 20000 + b"]", b"NaN", b"null", b"\x00" * 100])
    paths = [p for p in _network_paths(obj) if p]
    path = rng.choice(paths)
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    if choice in (3, 4, 5, 6):
        parent[path[-1]] = rng.choice(HOSTILE_LEAVES)
    elif choice == 7 and isinstance(parent, dict):
        del parent[path[-1]]
    elif choice == 7 and isinstance(parent, list) and parent:
        parent.pop(path[-1])
    elif choice == 8:
        obj["dps"] = rng.choice(DPS_VALUES)
    elif choice in (9, 10) and not isinstance(obj.get("architecture"), dict):
        obj[rng.choice(sorted(obj) or ["x"])] = rng.choice(HOSTILE_LEAVES)
    elif choice == 9:
        obj["architecture"]["widths"] = rng.choice([[1], [], [1, 0, 1], [1, 10**9, 1], [1, 2], [1, 3, 1], "1,2,1",
                                                    [1, 2.0, 1], [1, -2, 1], [1] * 200, [1, 100000, 100000, 1]])
    elif choice == 10:
        obj["architecture"]["activation"] = rng.choice(["", "Tanh", "relu ", "expr:x", None, 3, "leaky_relu:nan"])
    elif choice == 11:
        depth = rng.choice([70, 2000])
        obj["provenance"] = "@nest@"
        return json.dumps(obj).replace('"@nest@"', '{"parent": ' * depth + "{}" + "}" * depth).encode()
    elif choice == 12:
        obj["dps"] = 1  # small dps with long digit strings: every digit must still count
    else:
        text = json.dumps(obj)
        return text.replace('"', "", 1).encode() if rng.random() < 0.5 else (text + "}").encode()
    return json.dumps(obj).encode()


def _damage_csv(rng: random.Random, text: str) -> bytes:
    lines = text.splitlines()
    choice = rng.randrange(8)
    if choice == 0:
        lines[rng.randrange(1, len(lines))] = ",".join([rng.choice(BAD_NUMBERS)] * 2)
    elif choice == 1:
        lines.append("1," + "9" * 200000)
    elif choice == 2:
        lines[0] = rng.choice(["", "x", "x,y,z", "x1,x1,y", "y,x", "a,b", "x0,y", "x,,y", "\u0445,y"])
    elif choice == 3:
        return rng.choice([b"", b"x,y\n", b"\xff\xfe", b"x,y\n1,2,3\n", b'x,y\n"1,2\n', b"\x00" * 10])
    elif choice == 4:
        lines += ["0.5,0.5"] * rng.choice([1, 300, 150000])
    elif choice == 5:
        lines[1] = "1e99999999999999,1"
    elif choice == 6:
        lines = [lines[0]] + [f"{i / 1000},{rng.choice(BAD_NUMBERS)}" for i in range(3)]
    else:
        lines[1] = lines[1] + "," * rng.randint(1, 3)
    return ("\n".join(lines) + "\n").encode(errors="surrogateescape")


def _damage_results(rng: random.Random, text: str) -> bytes:
    if rng.random() < 0.3:
        return _damage_json(rng, text)
    obj = json.loads(text)
    target = rng.choice(["rows", "options", "activations", "shard", "format", "claims"])
    if target in obj:
        obj[target] = rng.choice(HOSTILE_LEAVES + [[{"activation": "relu"}], {"relu": None}, [[1, 2]], {"index": -1}])
    else:
        obj[target] = None
    if rng.random() < 0.5 and isinstance(obj.get("rows"), list) and obj["rows"]:
        row = rng.choice(obj["rows"])
        if isinstance(row, dict) and row:
            row[rng.choice(sorted(row))] = rng.choice(HOSTILE_LEAVES)
    return json.dumps(obj).encode()


def _random_argv(rng: random.Random) -> list[str]:
    command = rng.choice(COMMANDS + ("", "fig2", "--help", "nonsense"))
    argv = [command] if command else []
    if command == "experiment":
        argv.append(rng.choice(["fig2", "fig3", ""]))
    for _ in range(rng.randint(0, 6)):
        flag = rng.choice(FLAGS)
        if flag in ("--help", "--version") and rng.random() < 0.8:
            continue
        argv.append(flag)
        if flag in _VALUE_FLAGS and rng.random() < 0.9:
            argv.append(_bad_value(rng, flag) if rng.random() < 0.7 else rng.choice(["1", "0.5", "net.json", "x"]))
    if command in ("embed", "classify", "info", "export") and rng.random() < 0.7:
        argv.insert(1, rng.choice(["net.json", "relu.json", "missing.json", "adir", "fifo", "data.csv"]))
    if command == "merge" and rng.random() < 0.7:
        argv[1:1] = rng.sample(["s0", "s1", "s0/results.json", "adir", "net.json", "missing"], rng.randint(1, 3))
    return _make_safe(argv)


def _make_safe(argv: list[str]) -> list[str]:
    """Keep every case fast and inside its folder: no valid heavy run (full check, reproduce,
    bench, derive of everything), no absolute path outside /proc, no parent-directory escape."""
    out = [a if not (a.startswith("/") and not a.startswith("/proc/")) and ".." not in a else "adir" for a in argv]
    if out and out[0] in ("reproduce", "bench"):
        out += ["--workers", "0"] if out[0] == "reproduce" else ["--only", "nonsense"]
    if out and out[0] == "check" and "--only" not in out:
        out += ["--only", "T99"]
    if out and out[0] == "derive" and "--embedding" not in out:
        out += ["--embedding", "nonsense"]
    if out and out[0] == "train":
        out += ["--max-restarts", "2"] if "--max-restarts" not in out else []
    if out and out[0] == "experiment" and "--trials" not in out:
        out += ["--trials", "0"]
    if out and out[0] == "experiment" and "--scheduler" in out:
        i = out.index("--scheduler")
        if i + 1 < len(out) and ":" in out[i + 1]:
            out[i + 1] = "garbage"  # a real address would wait for a cluster
    return out


def make_case(seed: int, index: int) -> Case:
    """Case ``index`` of seed ``seed`` (deterministic)."""
    rng = random.Random(f"{seed}:{index}")
    r = rng.random()
    if r < 0.04:
        command = rng.choice(list(BASES))
        return Case(index, command, "valid", list(rng.choice(BASES[command])), expect_success=True)
    if r < 0.12:
        argv = _random_argv(rng)
        return Case(index, argv[0] if argv else "(none)", "argv", argv)
    command = rng.choice(COMMANDS)
    if command in ALWAYS_BAD:
        argv = [a if a != "@bad" else _bad_value(rng, "--workers" if command == "reproduce" else "--only")
                for a in rng.choice(ALWAYS_BAD[command])]
        if rng.random() < 0.5:
            argv = _with_bad_option(rng, argv)
        if command == "reproduce" and rng.random() < 0.3:
            argv[2] = rng.choice([p for p in BAD_PATHS if p])
            argv[argv.index("--workers") + 1] = rng.choice(["0", "-1", "nan"])
        return Case(index, command, "option", _make_safe(argv))
    argv = list(rng.choice(BASES[command]))
    kind = rng.choice(["option", "option", "out", "file", "file", "state"])
    files = {}
    if kind == "option":
        argv = _with_bad_option(rng, argv)
    elif kind == "out" and "--out" in argv:
        argv[argv.index("--out") + 1] = rng.choice(BAD_PATHS)
    elif kind == "file" and command in ("verify", "import", "export"):
        files[argv[1]] = "@damage"
    elif kind == "file" and command in ("embed", "classify", "info"):
        target = argv[1] if rng.random() < 0.7 or "--data" not in argv else argv[argv.index("--data") + 1]
        files[target] = "fifo" if rng.random() < 0.05 else "@damage"
    elif kind == "file" and command == "train" and "--data" in argv:
        files["data.csv"] = "@damage"
    elif kind == "file" and command == "merge":
        files[rng.choice(["s0/results.json", "s1/results.json"])] = "@damage"
    elif kind == "state" and command == "experiment":
        argv = list(BASES["experiment"][1])
        victim = rng.choice(["run/.partial/run.json", "run/.partial/base_relu.json", "run/.partial/chunk",
                             "run/.lock", "run/.partial"])
        files[victim] = "@damage"
    elif kind == "state" and command == "merge":
        argv = rng.choice([["merge", "s0", "s0", "--out", "m"], ["merge", "s0", "--out", "m"],
                           ["merge", "s0", "net.json", "--out", "m"], ["merge", "adir", "--out", "m"],
                           ["merge", "s0", "s1", "--out", "s0/results.json"], ["merge", "s0", "s1", "--out", "m/x/y"]])
    else:
        argv = _with_bad_option(rng, argv)
        kind = "option"
    return Case(index, command, kind, _make_safe(argv), files)


def resolve_files(case: Case, fixtures: dict[str, bytes]) -> dict:
    """The case's file overrides as bytes (damage applied with the case's own random stream)."""
    rng = random.Random(f"files:{case.index}:{case.argv}")
    out = {}
    for name, what in case.files.items():
        if what != "@damage":
            out[name] = what
            continue
        if name == "run/.partial/chunk":
            chunks = sorted(n for n in fixtures if n.startswith("run/.partial/chunk_"))
            name = chunks[0] if chunks else name
            out[name] = rng.choice([b"", b"PK\x03\x04garbage", fixtures.get(name, b"")[:50]])
        elif name == "run/.lock":
            out[name] = rng.choice([b"999999999\n", b"garbage", b"", b"1\n"])
        elif name == "run/.partial":
            out[name] = rng.choice([None, b"a file where the folder was"])
        elif name.endswith(".csv"):
            out[name] = _damage_csv(rng, fixtures[name].decode())
        elif name.endswith(".npz"):
            raw = bytearray(fixtures[name])
            for _ in range(rng.randint(1, 8)):
                raw[rng.randrange(len(raw))] = rng.randrange(256)
            out[name] = rng.choice([bytes(raw), bytes(raw[: rng.randrange(len(raw))]), b"", b"PK\x05\x06" + b"\x00" * 18])
        elif name.endswith("results.json"):
            out[name] = _damage_results(rng, fixtures[name].decode())
        elif name in fixtures:
            try:
                out[name] = _damage_json(rng, fixtures[name].decode())
            except (json.JSONDecodeError, UnicodeDecodeError):
                out[name] = fixtures[name][: len(fixtures[name]) // 2]
        else:
            out[name] = b"\xff garbage"
    return out
