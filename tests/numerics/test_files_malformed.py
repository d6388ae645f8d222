"""Malformed network and data files raise FileFormatError naming the broken field.

A table of mutations breaks one field at a time of a valid file; the error must name that field's
JSON path (or CSV line/column) and say what was found and what was expected. Negative control: the
unmodified file loads, and so does every file repaired after its mutation.
"""

import copy
import json

import pytest

from numerics.dataset import Dataset
from numerics.io.network_file import load_data, load_network, network_from_json, network_to_json
from theory import Architecture, Params
from theory.errors import FileFormatError, InvalidInput


def valid_obj():
    arch = Architecture((2, 3, 2), "tanh", True)
    params = Params.from_vector(arch, [f"{k}.25" for k in range(arch.n_params)])
    data = Dataset([["1", "2"], ["3", "4"]], [["0.5", "1"], ["2", "-1"]])
    return json.loads(json.dumps(network_to_json(arch, params, 50, {"command": "test"}, data)))


def set_in(obj, path, value):
    *head, last = path
    for key in head:
        obj = obj[key]
    if value is DELETE:
        del obj[last]
    else:
        obj[last] = value


DELETE = object()

MUTATIONS = [
    # (JSON path as keys, new value, field path named in the message)
    (("format",), "semiflat.network/2", "format"),
    (("format",), DELETE, "format"),
    (("architecture",), DELETE, "architecture"),
    (("architecture",), [2, 3, 2], "architecture"),
    (("architecture", "widths"), DELETE, "architecture.widths"),
    (("architecture", "widths"), "2,3,2", "architecture.widths"),
    (("architecture", "widths"), [2], "architecture.widths"),
    (("architecture", "widths", 1), 0, "architecture.widths[1]"),
    (("architecture", "widths", 1), -3, "architecture.widths[1]"),
    (("architecture", "widths", 1), 3.0, "architecture.widths[1]"),
    (("architecture", "widths", 2), True, "architecture.widths[2]"),
    (("architecture", "widths", 0), "2", "architecture.widths[0]"),
    (("architecture", "activation"), "swish", "architecture.activation"),
    (("architecture", "activation"), DELETE, "architecture.activation"),
    (("architecture", "activation"), 1, "architecture.activation"),
    (("architecture", "bias"), "yes", "architecture.bias"),
    (("dps",), DELETE, "dps"),
    (("dps",), 0, "dps"),
    (("dps",), "50", "dps"),
    (("dps",), 50.5, "dps"),
    (("dps",), True, "dps"),
    (("parameters",), DELETE, "parameters"),
    (("parameters",), [], "parameters"),
    (("parameters", "W"), DELETE, "parameters.W"),
    (("parameters", "W", 1), DELETE, "parameters.W"),
    (("parameters", "W", 1), [["1", "2", "3"]], "parameters.W[1]"),
    (("parameters", "W", 0), "0.5", "parameters.W[0]"),
    (("parameters", "W", 0, 2), ["1", "2", "3"], "parameters.W[0][2]"),
    (("parameters", "W", 0, 2), "1", "parameters.W[0][2]"),
    (("parameters", "W", 1, 0, 2), "abc", "parameters.W[1][0][2]"),
    (("parameters", "W", 1, 0, 2), "nan", "parameters.W[1][0][2]"),
    (("parameters", "W", 1, 0, 2), "inf", "parameters.W[1][0][2]"),
    (("parameters", "W", 1, 0, 2), "-Infinity", "parameters.W[1][0][2]"),
    (("parameters", "W", 1, 0, 2), float("nan"), "parameters.W[1][0][2]"),
    (("parameters", "W", 1, 0, 2), "1e5x", "parameters.W[1][0][2]"),
    (("parameters", "W", 1, 0, 2), "0x10", "parameters.W[1][0][2]"),
    (("parameters", "W", 1, 0, 2), "", "parameters.W[1][0][2]"),
    (("parameters", "W", 1, 0, 2), None, "parameters.W[1][0][2]"),
    (("parameters", "W", 1, 0, 2), True, "parameters.W[1][0][2]"),
    (("parameters", "W", 1, 0, 2), ["1"], "parameters.W[1][0][2]"),
    (("parameters", "b"), DELETE, "parameters.b"),
    (("parameters", "b"), [["1", "2", "3"]], "parameters.b"),
    (("parameters", "b", 1), ["1", "2", "3"], "parameters.b[1]"),
    (("parameters", "b", 0, 1), "1.2.3", "parameters.b[0][1]"),
    (("provenance",), ["not", "a", "dict"], "provenance"),
    (("data",), "data.csv", "data"),
    (("data", "y"), DELETE, "data.y"),
    (("data", "x", 0), ["1"], "data.x[0]"),
    (("data", "y"), [["1", "2"]], "data.y"),
    (("data", "y", 1), ["1", "2", "3"], "data.y[1]"),
    (("data", "x", 1, 0), "--1", "data.x[1][0]"),
]


def test_the_unmodified_file_loads():
    """Negative control of the table: the valid file loads, with exactly the numbers written."""
    net = network_from_json(valid_obj())
    assert net.arch.widths == (2, 3, 2) and net.data.n == 2
    # the decimal strings "k.25" are exact binary fractions: they load as exactly k + 1/4
    assert [v for v in net.params.to_vector()] == [k + 0.25 for k in range(net.arch.n_params)]
    assert [list(r) for r in net.data.y] == [[0.5, 1], [2, -1]]


@pytest.mark.parametrize("path,value,field", MUTATIONS, ids=[f"{m[2]}=" + ("<deleted>" if m[1] is DELETE else repr(m[1]))[:40] for m in MUTATIONS])
def test_each_broken_field_is_named(path, value, field):
    obj = valid_obj()
    set_in(obj, path, value)
    with pytest.raises(FileFormatError) as info:
        network_from_json(obj, label="net.json")
    message = str(info.value)
    assert f"net.json: {field}:" in message, message
    assert "found" in message and "expected" in message


def test_bias_false_with_biases_is_named():
    obj = valid_obj()
    obj["architecture"]["bias"] = False
    with pytest.raises(FileFormatError, match=r"parameters\.b:"):
        network_from_json(obj)
    del obj["parameters"]["b"]  # repaired: loads
    assert network_from_json(obj).params.b is None


@pytest.mark.parametrize("text,field", [
    ("[1, 2]", "(top level)"),
    ('{"format": "semiflat.network/1",', "not valid JSON"),
    ("@@NAN@@", "parameters.W[1][0][2]"),
    ("@@INF@@", "parameters.W[1][0][2]"),
])
def test_text_level_defects(tmp_path, text, field):
    if text.startswith("@@"):
        literal = "NaN" if "NAN" in text else "-Infinity"
        obj = valid_obj()
        obj["parameters"]["W"][1][0][2] = "@@"
        bad = json.dumps(obj).replace('"@@"', literal)
    else:
        bad = text
    (tmp_path / "n.json").write_text(bad)
    with pytest.raises(FileFormatError) as info:
        load_network(tmp_path / "n.json")
    assert field in str(info.value)


def test_missing_file_is_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match="no such file"):
        load_network(tmp_path / "absent.json")


@pytest.mark.parametrize("text,field", [
    ("", "found an empty file"),
    ("x1,z1\n1,2\n", "header column 2"),
    ("x1,x3,y\n1,2,3\n", "header"),
    ("x,x1,y\n1,2,3\n", "header column 2"),
    ("x1,x1,y\n1,2,3\n", "header column 2"),
    ("x,y\n", "no rows"),
    ("x\n1\n", "at least one y column"),
    ("x,y1,y2\n1,2,3\n4,5\n", "line 3"),
    ("x,y1,y2\n1,2,3\n4,5,six\n", "line 3, column y2"),
    ("x,y\n1,nan\n", "line 2, column y"),
    ("x,y\n1e99999x,1\n", "line 2, column x"),
    ('{"x": [[1], [2]], "y": [[1]]}', "y: found 1 rows"),
    ('{"x": [[1], [2, 3]], "y": [[1], [2]]}', "x[1]"),
    ('{"x": [[1]]}', "y: found nothing"),
    ('{"x": [], "y": []}', "x: found an empty list"),
    ('{"x": [["a"]], "y": [[1]]}', "x[0][0]"),
])
def test_malformed_data_files(tmp_path, text, field):
    (tmp_path / "d").write_text(text)
    with pytest.raises(FileFormatError) as info:
        load_data(tmp_path / "d")
    assert field in str(info.value), str(info.value)


def test_repaired_data_file_loads(tmp_path):
    """Negative control for the table above: the repaired CSV loads."""
    (tmp_path / "d").write_text("x,y1,y2\n1,2,3\n4,5,6\n")
    data = load_data(tmp_path / "d")
    assert [list(r) for r in data.x] == [[1], [4]] and [list(r) for r in data.y] == [[2, 3], [5, 6]]


def test_each_mutation_changes_a_field_of_the_valid_file():
    """The table is honest: every mutation really changes the valid object."""
    for path, value, _ in MUTATIONS:
        obj = valid_obj()
        before = copy.deepcopy(obj)
        set_in(obj, path, value)
        assert json.dumps(obj, default=str) != json.dumps(before)
