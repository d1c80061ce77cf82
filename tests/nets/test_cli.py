"""``python -m nets``: fit a network to a CSV file, show a saved fit, predict with it; exit codes."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nets
from nets.cli import main
from nets.polynet.planted import planted_network

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plant():
    return planted_network(1, degrees=(1, 1), width=3)  # 3 inputs, 5 outputs, linf-mean


@pytest.fixture
def files(tmp_path, plant):
    """The plant's data as CSV with a header (x0.., y0..) and without one, and its weights as .npz."""
    n_in, n_out = plant.X.shape[1], plant.Y.shape[1]
    table = np.hstack([plant.X, plant.Y])
    header = [f"x{i}" for i in range(n_in)] + [f"y{j}" for j in range(n_out)]
    named, bare, weights = tmp_path / "data.csv", tmp_path / "bare.csv", tmp_path / "W.npz"
    for path, head in ((named, header), (bare, None)):
        with path.open("w", newline="") as f:
            writer = csv.writer(f)
            if head:
                writer.writerow(head)
            writer.writerows([[repr(float(v)) for v in row] for row in table])
    np.savez(weights, **{f"W{l}": W for l, W in enumerate(plant.net.weights, start=1)})
    return {"named": str(named), "bare": str(bare), "weights": str(weights), "dir": tmp_path}


def _fit_args(files, *extra):
    return ["fit", files["named"], "--inputs", "x0,x1,x2", "--outputs", "y0,y1,y2,y3,y4", "--degrees", "1,1",
            "--weights", files["weights"], "--solver", "IPM", *extra]


def test_fit_prints_the_certificate_saves_and_exits_0(files, plant, capsys):
    path = files["dir"] / "fit.json"
    assert main(_fit_args(files, "--save", str(path))) == 0
    out, err = capsys.readouterr()
    assert out.startswith("NetFitResult: global minimum certified") and "p_1(t) =" in out and err == ""
    fit = nets.NetFitResult.load(path)
    direct = nets.solve_global(plant.net, (plant.X, plant.Y), loss="linf-mean", solver="IPM")
    # the same data and net as the direct call (the CSV holds the floats exactly); the solves may differ
    # in the last bits only, through the memory layout of the column slices
    assert fit.certified and np.allclose(fit.predict(plant.X), direct.predict(plant.X), rtol=1e-9, atol=1e-9)
    assert fit.net.widths == plant.net.widths and all(np.array_equal(a, b) for a, b in zip(fit.net.weights, plant.net.weights))
    meta = json.loads(path.read_text())["metadata"]
    assert meta["inputs"] == ["x0", "x1", "x2"] and meta["outputs"] == [f"y{j}" for j in range(5)]


def test_indices_ranges_random_weights_and_json(files, capsys):
    code = main(["fit", files["bare"], "--inputs", "0:3", "--outputs", "3:", "--degrees", "1,1", "--seed", "4",
                 "--widths", "2,2", "--solver", "IPM", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "nets.NetFitResult" and code == (0 if doc["certified"] else 1)
    assert doc["net"]["widths"] == [3, 2, 2, 5] and doc["metadata"]["seed"] == 4
    assert doc["metadata"]["inputs"] == ["0", "1", "2"]


def test_inputs_default_to_the_other_columns_and_a_saved_fit_gives_the_network(files, plant, capsys):
    first = files["dir"] / "first.json"
    assert main(_fit_args(files, "--save", str(first))) == 0
    capsys.readouterr()
    assert main(["fit", files["named"], "--outputs", "y0,y1,y2,y3,y4", "--degrees", "1,1", "--weights", str(first),
                 "--solver", "IPM", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["net"]["weights"] == json.loads(first.read_text())["net"]["weights"]


def test_predict_writes_the_saved_fits_outputs_as_csv(files, plant, capsys):
    path = files["dir"] / "fit.json"
    assert main(_fit_args(files, "--save", str(path))) == 0
    capsys.readouterr()
    assert main(["predict", str(path), files["named"]]) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[0] == [f"y{j}" for j in range(5)]
    predicted = np.array(rows[1:], dtype=float)
    assert np.array_equal(predicted, nets.NetFitResult.load(path).predict(plant.X))
    out = files["dir"] / "pred.csv"
    assert main(["predict", str(path), files["bare"], "--inputs", "0,1,2", "--out", str(out)]) == 0
    assert out.read_text().splitlines()[1:] == [",".join(r) for r in rows[1:]]


def test_show_prints_a_saved_fit_and_refuses_another_version(files, capsys):
    path = files["dir"] / "fit.json"
    assert main(_fit_args(files, "--save", str(path))) == 0
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    assert capsys.readouterr().out.startswith("NetFitResult: global minimum certified")
    doc = json.loads(path.read_text())
    doc["version"] = 5
    path.write_text(json.dumps(doc))
    assert main(["show", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "version 5" in err and "version 1" in err


def test_not_certified_exits_1(tmp_path, capsys):
    net = nets.PolyNet.random([3, 3, 3, 5], degrees=[2, 2], seed=0)
    X, Y = nets.synthetic_data(net, net.random_coefficients(seed=1), nsamples=10, seed=2, noise=0.3)
    data = tmp_path / "noisy.csv"
    np.savetxt(data, np.hstack([X, Y]), delimiter=",", fmt="%.17g")
    assert main(["fit", str(data), "--outputs", "3:8", "--degrees", "2,2", "--seed", "0", "--widths", "3,3",
                 "--order", "2", "--solver", "IPM"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("NetFitResult: ") and "certified (flat truncation)" not in out.splitlines()[0]


def _with(args, flag, value):
    """``args`` with ``flag``'s value replaced, or the flag appended."""
    if flag in args:
        args = list(args)
        args[args.index(flag) + 1] = value
        return args
    return [*args, flag, value]


@pytest.mark.parametrize("flag, value, fragments", [
    ("--outputs", "z9", ["--outputs", "'z9'", "x0, x1, x2, y0"]),
    ("--outputs", "12", ["out of range", "8 columns"]),
    ("--inputs", "x0,y0", ["'y0' is both an input and an output"]),
    ("--degrees", "1,one", ["--degrees", "integers"]),
    ("--degrees", "1", ["`degrees` has 1 entries"]),
    ("--widths", "4,4", ["--widths 4,4 disagrees"]),
    ("--delimiter", ";", ["'x0,x1,x2"]),
])
def test_bad_input_exits_2_with_a_clear_message(files, capsys, flag, value, fragments):
    assert main(_with(_fit_args(files), flag, value)) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("python -m nets fit: error: ")
    for fragment in fragments:
        assert fragment in err


def test_bad_files_exit_2(files, capsys):
    broken = files["dir"] / "broken.csv"
    broken.write_text("a,b\n1,2\n3,oops\n")
    assert main(["fit", str(broken), "--outputs", "b", "--degrees", "1"]) == 2
    assert f"{broken} line 3, column 'b': 'oops' is not a number" in capsys.readouterr().err
    bad_npz = files["dir"] / "bad.npz"
    np.savez(bad_npz, weights=np.eye(3))
    assert main(_with(_fit_args(files), "--weights", str(bad_npz))) == 2
    assert "expected arrays W1..W(D+1)" in capsys.readouterr().err
    assert main(["fit", "/no/such/data.csv", "--outputs", "0", "--degrees", "1"]) == 2
    assert "/no/such/data.csv" in capsys.readouterr().err


def test_usage_errors_and_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["fit", "data.csv", "--degrees", "2"])  # --outputs is required
    assert info.value.code == 2 and "--outputs" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["fit", "--help"])
    text = capsys.readouterr().out
    assert info.value.code == 0 and "examples:" in text and "exit status:" in text and "W1, W2" in text


def test_entry_point_help():
    out = subprocess.run([sys.executable, "-m", "nets", "--help"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0 and "examples:" in out.stdout and "python -m nets fit" in out.stdout


def test_fit_learn_all_recovers_a_planted_neuron_from_csv(tmp_path, capsys):
    rng = np.random.default_rng(5)
    w1, w2, c0 = rng.standard_normal(2), 0.8, 0.3
    X = rng.standard_normal((30, 2))
    y = w2 * (c0 + X @ w1 + (X @ w1) ** 2)  # one neuron, p(t) = c0 + t + t^2: already in the canonical form
    path = tmp_path / "neuron.csv"
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", header="x0,x1,y", comments="")
    saved = tmp_path / "fit.json"
    code = main(["fit", str(path), "--outputs", "y", "--degrees", "2", "--widths", "1", "--learn", "all",
                 "--loss", "l2", "--save", str(saved)])  # fmt: skip
    out, _ = capsys.readouterr()
    assert code == 0 and "learned:     weights, biases and activations together (4 unknowns" in out
    fit = nets.NetFitResult.load(saved)
    assert fit.learn == "all" and json.loads(saved.read_text())["metadata"]["options"]["learn"] == "all"
    np.testing.assert_allclose(fit.net.weights[0][0], w1, atol=1e-6)
    np.testing.assert_allclose(fit.coefficients[0], [c0, 1.0, 1.0], atol=1e-6)
