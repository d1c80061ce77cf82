"""Saving a PolyOptResult as JSON and loading it back (momentsos.serialization)."""

import dataclasses
import json
import math

import numpy as np
import pytest
import sympy as sp

import momentsos as ms
from momentsos import Status, serialization
from momentsos.certify.exact import exact_problem

x, y, z, w = sp.symbols("x y z w")


def _strict(text):
    """json.loads that refuses the non-standard NaN/Infinity literals."""
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


def _round_trip(res, tmp_path):
    path = res.save(tmp_path / "res.json")
    loaded = ms.PolyOptResult.load(path)
    # the strongest check: the loaded result writes the same document, field for field
    assert loaded.to_dict() == _strict(path.read_text())
    return loaded, _strict(path.read_text())


def _same_arrays(a, b):
    return (a is None and b is None) or (np.asarray(a).shape == np.asarray(b).shape and np.array_equal(a, b, equal_nan=True))


def test_certified_result_with_proof_round_trips_exactly(tmp_path):
    res = ms.minimize(x**4 + y**4 - x * y + sp.Rational(21, 10) * x**2 / 10, [1 - x**2 - y**2], solver="IPM")
    assert res.status is Status.CERTIFIED and res.proof is not None
    loaded, doc = _round_trip(res, tmp_path)
    assert doc["format"] == "momentsos.PolyOptResult" and doc["version"] == 1
    assert doc["status"] == "certified" and doc["success"] is True and doc["variables"] == ["x", "y"]
    assert loaded.status is Status.CERTIFIED and loaded.message == res.message
    assert loaded.lower_bound == res.lower_bound and loaded.upper_bound == res.upper_bound and loaded.gap == res.gap
    assert loaded.variables == (x, y) and loaded.order == res.order
    assert np.array_equal(loaded.x, res.x)
    assert [a.point.tolist() for a in loaded.atoms] == [a.point.tolist() for a in res.atoms]
    assert loaded.flatness.ranks == res.flatness.ranks and loaded.flatness.flat_orders == res.flatness.flat_orders
    assert all(_same_arrays(a, b) for a, b in zip(loaded.flatness.singular_values, res.flatness.singular_values))
    assert loaded.solver == res.solver and loaded.hierarchy == res.hierarchy
    assert np.array_equal(loaded.moment_matrix.values, res.moment_matrix.values)
    assert np.array_equal(loaded.moment_matrix.basis.exponents, res.moment_matrix.basis.exponents)
    assert loaded.certificate.residual_norm == res.certificate.residual_norm
    assert loaded.verification.box.source == res.verification.box.source
    # the exact proof survives: it re-checks, and the problem's exact data (21/10, not a float) are kept
    assert ms.check_proof(loaded.proof) and loaded.proof.to_json() == res.proof.to_json()
    assert exact_problem(loaded.problem) == exact_problem(res.problem)
    assert loaded.problem.objective.allclose(res.problem.objective, atol=0.0)
    assert repr(loaded) == repr(res)


def test_bound_only_result_round_trips(tmp_path):
    res = ms.minimize((x**2 - 1) ** 2 + (y**2 - 1) ** 2, order=2, solver="IPM")
    assert res.status is Status.BOUND_ONLY and res.proof is None
    loaded, doc = _round_trip(res, tmp_path)
    assert doc["status"] == "bound_only" and doc["extraction"] == "not_flat" and doc["proof"] is None
    assert loaded.status is Status.BOUND_ONLY and loaded.lower_bound == res.lower_bound
    assert loaded.flatness.ranks == res.flatness.ranks and loaded.proof is None
    assert repr(loaded) == repr(res)


@pytest.mark.parametrize(
    "kwargs, status, bound",
    [
        (dict(objective=x**2, inequalities=[x - 2, 1 - x]), Status.INFEASIBLE, math.inf),
        (dict(objective=x**3, order=2), Status.UNBOUNDED, -math.inf),
    ],
)
def test_infinite_bounds_are_strict_json(tmp_path, kwargs, status, bound):
    res = ms.minimize(**kwargs, solver="IPM")
    assert res.status is status and res.lower_bound == bound
    loaded, doc = _round_trip(res, tmp_path)
    assert doc["lower_bound"] == ("inf" if bound > 0 else "-inf") and doc["x"] is None
    assert loaded.status is status and loaded.lower_bound == bound and loaded.x is None and loaded.atoms == ()


def test_sparse_result_round_trips(tmp_path):
    f = (x - y) ** 2 + (y - z) ** 2 + (z - w) ** 2 + x**4 + w**4
    res = ms.minimize(f, [1 - x**2 - y**2, 1 - y**2 - z**2, 1 - z**2 - w**2], order=2, solver="IPM",
                      sparsity="correlative")
    assert res.sparsity is not None and res.sparsity.clique_flatness is not None
    loaded, doc = _round_trip(res, tmp_path)
    assert doc["sparsity"]["clique_ranks"] == [list(c.ranks) for c in res.sparsity.clique_flatness]
    assert loaded.sparsity.cliques == res.sparsity.cliques
    assert [c.ranks for c in loaded.sparsity.clique_flatness] == [c.ranks for c in res.sparsity.clique_flatness]
    assert repr(loaded) == repr(res)


@pytest.fixture(scope="module")
def small_doc():
    return ms.minimize(x**2 - 2 * x, solver="IPM").to_dict()


@pytest.mark.parametrize("change, words", [
    ({"version": 99}, ["version 99", "version 1"]),
    ({"format": "nets.NetFitResult"}, ["'nets.NetFitResult'", "'momentsos.PolyOptResult' version 1"]),
])
def test_other_format_or_version_is_refused_naming_the_file(tmp_path, small_doc, change, words):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({**small_doc, **change}))
    with pytest.raises(ms.ResultFormatError) as info:
        ms.PolyOptResult.load(path)
    assert isinstance(info.value, ValueError)
    for word in [str(path), *words]:
        assert word in str(info.value)


def test_malformed_files_are_refused(tmp_path, small_doc):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(ms.ResultFormatError, match="not a JSON document"):
        ms.PolyOptResult.load(path)
    path.write_text(json.dumps({**small_doc, "status": "very_good"}))
    with pytest.raises(ms.ResultFormatError, match="status"):
        ms.PolyOptResult.load(path)
    doc = dict(small_doc)
    del doc["order"]  # a field without a default
    with pytest.raises(ms.ResultFormatError, match="'order' is missing"):
        ms.PolyOptResult.from_dict(doc)


def test_missing_fields_take_their_defaults_and_unknown_keys_are_ignored(small_doc):
    doc = {k: v for k, v in small_doc.items() if k not in ("proof_note", "hierarchy", "sparsity")}
    doc["a_field_from_a_later_version"] = [1, 2]
    res = ms.PolyOptResult.from_dict(doc)
    assert res.proof_note == "" and res.hierarchy == () and res.sparsity is None
    assert res.lower_bound == small_doc["lower_bound"]


def test_metadata_is_stored_and_ignored_on_load(tmp_path):
    res = ms.minimize(x**2 - 2 * x, solver="IPM")
    path = res.save(tmp_path / "m.json", metadata={"command": "solve", "gap_tol": 1e-6})
    assert _strict(path.read_text())["metadata"] == {"command": "solve", "gap_tol": 1e-6}
    assert ms.PolyOptResult.load(path).lower_bound == res.lower_bound


def test_generic_values_round_trip_with_their_types():
    atom = ms.Atom(np.array([0.1, -np.inf]), 0.5, math.nan, 0.0)
    value = {"tuple": (1, "a", None), "enum": Status.INACCURATE, "array": np.arange(6).reshape(2, 3),
             "floats": np.array([[0.1, np.nan]]), "empty": np.zeros((0, 3)), "symbol": x, "atom": atom,
             "scalars": [np.float64(1 / 3), np.int64(7), np.bool_(True), float("inf")]}
    encoded = serialization.encode_value(value)
    back = serialization.decode_value(_strict(json.dumps(encoded, allow_nan=False)))
    assert back["tuple"] == (1, "a", None) and back["enum"] is Status.INACCURATE and back["symbol"] == x
    assert back["array"].dtype == np.int64 and np.array_equal(back["array"], value["array"])
    assert np.array_equal(back["floats"], value["floats"], equal_nan=True) and back["empty"].shape == (0, 3)
    assert dataclasses.is_dataclass(back["atom"]) and np.array_equal(back["atom"].point, atom.point)
    assert math.isnan(back["atom"].objective)
    assert back["scalars"] == [1 / 3, 7, True, math.inf]


def test_tagged_values_name_only_momentsos_or_nets_types():
    with pytest.raises(ValueError, match="outside"):
        serialization.decode_value({"__enum__": "os:PathLike", "value": 1})
