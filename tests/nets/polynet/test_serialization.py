"""Saving a NetFitResult as JSON and loading it back (nets.polynet.serialization)."""

import dataclasses
import json

import numpy as np
import pytest

import momentsos as ms
import nets
from nets.polynet import serialization
from nets.polynet.planted import check_fit, planted_network


def _round_trip(fit, tmp_path):
    path = fit.save(tmp_path / "fit.json")
    doc = json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    loaded = nets.NetFitResult.load(path)
    assert loaded.to_dict() == doc  # the loaded fit writes the same document, field for field
    return loaded, doc


def test_certified_planted_fit_round_trips_and_predicts_the_same(tmp_path):
    plant = planted_network(1, degrees=(1, 1), width=3)
    fit = nets.solve_global(plant.net, (plant.X, plant.Y), loss=plant.loss, solver="IPM")
    assert check_fit(plant, fit) == "certified"
    loaded, doc = _round_trip(fit, tmp_path)
    assert doc["format"] == "nets.NetFitResult" and doc["version"] == 1
    assert doc["net"]["widths"] == list(plant.net.widths) and doc["net"]["biases"] is None
    assert doc["result"]["format"] == "momentsos.PolyOptResult" and doc["certified"] is True
    assert np.array_equal(loaded.predict(plant.X), fit.predict(plant.X))
    assert all(np.array_equal(a, b) for a, b in zip(loaded.coefficients, fit.coefficients))
    assert len(loaded.minimizers) == len(fit.minimizers)
    assert loaded.certified and loaded.proof == fit.proof and loaded.loss is fit.loss
    for name in ("lower_bound", "loss_value", "loss_scale", "build_time", "solve_time", "radius", "gap_tol"):
        assert getattr(loaded, name) == getattr(fit, name), name
    assert loaded.status is ms.Status.CERTIFIED and loaded.order == fit.order
    assert check_fit(plant, loaded) == "certified"
    assert loaded.summary() == fit.summary()


def test_biases_radius_and_l2_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    net = nets.PolyNet([rng.standard_normal((3, 2)), rng.standard_normal((4, 3))], [2],
                       biases=[rng.standard_normal(3), rng.standard_normal(4)])
    X, Y = nets.synthetic_data(net, [np.array([0.3, -1.0, 0.5])], nsamples=10, seed=1)
    fit = nets.solve_global(net, (X, Y), loss="l2", solver="IPM", radius=10.0)
    loaded, doc = _round_trip(fit, tmp_path)
    assert doc["loss"] == "l2" and doc["radius"] == 10.0 and len(doc["net"]["biases"]) == 2
    assert all(np.array_equal(a, b) for a, b in zip(loaded.net.biases, net.biases))
    assert np.array_equal(loaded.predict(X), fit.predict(X))


def test_uncertified_fit_round_trips(tmp_path):
    net = nets.PolyNet.random([3, 3, 3, 5], degrees=[2, 2], seed=0)
    X, Y = nets.synthetic_data(net, net.random_coefficients(seed=1), nsamples=10, seed=2, noise=0.3)
    fit = nets.solve_global(net, (X, Y), solver="IPM", order=2)
    assert not fit.certified
    loaded, doc = _round_trip(fit, tmp_path)
    assert doc["certified"] is False and loaded.status is fit.status and loaded.proof == fit.proof
    assert loaded.summary() == fit.summary()


@pytest.fixture(scope="module")
def fit_doc():
    plant = planted_network(2, degrees=(1, 1), width=3)
    return nets.solve_global(plant.net, (plant.X, plant.Y), loss=plant.loss, solver="IPM").to_dict()


@pytest.mark.parametrize("path_in_doc, words", [
    (("version",), ["version 7", "version 1"]),
    (("format",), ["'momentsos.PolyOptResult'", "'nets.NetFitResult' version 1"]),
    (("result", "version"), ["field 'result'", "momentsos.PolyOptResult version 7", "version 1"]),
])
def test_other_format_or_version_is_refused_naming_the_file(tmp_path, fit_doc, path_in_doc, words):
    doc = json.loads(json.dumps(fit_doc))
    target = doc
    for key in path_in_doc[:-1]:
        target = target[key]
    target[path_in_doc[-1]] = 7 if path_in_doc[-1] == "version" else "momentsos.PolyOptResult"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ms.ResultFormatError) as info:
        nets.NetFitResult.load(path)
    assert isinstance(info.value, ValueError) and nets.ResultFormatError is ms.ResultFormatError
    for word in [str(path), *words]:
        assert word in str(info.value)


def test_inconsistent_network_is_refused(fit_doc):
    doc = json.loads(json.dumps(fit_doc))
    doc["net"]["widths"][0] += 1
    with pytest.raises(ms.ResultFormatError, match="widths"):
        nets.NetFitResult.from_dict(doc)


def test_fields_added_later_round_trip_and_missing_ones_take_defaults(fit_doc, monkeypatch):
    fit = nets.NetFitResult.from_dict(fit_doc)
    # a NetFitResult with fields another version adds (with defaults), as a subclass here; tagged enums
    # and dataclasses may name only momentsos or nets types, so the new enum field borrows nets.Loss
    extended = dataclasses.make_dataclass(
        "Extended",
        [("future_kind", nets.Loss, dataclasses.field(default=nets.Loss.LINF_MEAN)),
         ("future_weights", object, dataclasses.field(default=None)),
         ("future_tags", tuple, dataclasses.field(default=()))],
        bases=(nets.NetFitResult,), frozen=True, eq=False, namespace={"__module__": __name__},
    )
    newer = extended(**{f.name: getattr(fit, f.name) for f in dataclasses.fields(fit)}, future_kind=nets.Loss.L2,
                     future_weights=[np.eye(2)], future_tags=("a", 1.5))
    doc = serialization.fit_to_dict(newer)
    assert doc["future_kind"] == {"__enum__": "nets.polynet.losses:Loss", "value": "l2"}
    # an older reader ignores the new keys
    assert not hasattr(nets.NetFitResult.from_dict(doc), "future_kind")
    # a reader that knows the fields restores them with their types; without them, the defaults
    monkeypatch.setattr(serialization, "NetFitResult", extended)
    back = serialization.fit_from_dict(json.loads(json.dumps(doc)))
    assert back.future_kind is nets.Loss.L2 and back.future_tags == ("a", 1.5)
    assert np.array_equal(back.future_weights[0], np.eye(2))
    old = serialization.fit_from_dict({k: v for k, v in doc.items() if k not in ("future_kind", "future_tags", "gap_tol")})
    assert old.future_kind is nets.Loss.LINF_MEAN and old.future_tags == () and old.gap_tol == fit.gap_tol
