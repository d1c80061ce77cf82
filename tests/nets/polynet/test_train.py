"""train_gd on CPU: the losses of solve_global, optimizers, determinism, divergence, warm start."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import nets


def test_loss_equals_the_pop_objective_of_loss_problem_for_both_losses(small):
    """The torch loss at any coefficients is the POP objective of nets.loss_problem times its documented scale."""
    net, _, X, Y = small
    Y = Y + 0.05 * np.random.default_rng(3).standard_normal(Y.shape)  # a non-zero loss
    rms = float(np.sqrt(np.mean(Y**2)))
    for seed in range(3):
        coefficients = net.random_coefficients(seed=10 + seed)
        z = net.vector_from_coefficients(coefficients)
        at = {"steps": 1, "lr": 1e-12, "init": None, "device": "cpu", "progress": False}  # evaluate, barely move
        res = nets.train_gd(net.to_torch(coefficients), (X, Y), loss="l2", **at)
        pop = nets.loss_problem(net, (X, Y), loss="l2")
        torch_loss = res.loss_history[0]
        assert torch_loss == pytest.approx(pop.evaluate_objective(z) * rms**2 * Y.shape[1], rel=1e-10)
        res = nets.train_gd(net.to_torch(coefficients), (X, Y), loss="linf-mean", **at)
        pop = nets.loss_problem(net, (X, Y), loss="linf-mean")
        # the epigraph POP's value at c is the smallest feasible theta: its violation at theta = 0
        theta = pop.violation(np.append(z, 0.0))
        assert pop.violation(np.append(z, theta)) <= 1e-14
        assert res.loss_history[0] == pytest.approx(theta * rms, rel=1e-10)


def test_gd_loss_equals_solve_global_loss_value_at_its_minimizer(small):
    net, _, X, Y = small
    fit = nets.solve_global(net, (X, Y), loss="l2")
    assert fit.certified
    res = nets.train_gd(net, (X, Y), loss="l2", steps=1, lr=1e-12, init=fit, device="cpu", progress=False)
    assert res.loss_history[0] == pytest.approx(fit.loss_value, abs=1e-18)


def test_lbfgs_recovers_the_truth_and_keeps_the_normalised_constant(small):
    net, truth, X, Y = small
    res = nets.train_gd(net, (X, Y), optimizer="lbfgs", steps=200, init=truth, seed=0, device="cpu", progress=False)
    assert res.loss_value == pytest.approx(0.0, abs=1e-20)
    # from a random start: the loss decreases, the fixed constant stays exactly 1
    res = nets.train_gd(net, (X, Y), optimizer="lbfgs", steps=60, seed=4, device="cpu", progress=False)
    assert res.success and res.loss_value < res.loss_history[0]
    assert res.coefficients[0][0] == 1.0
    np.testing.assert_allclose(res.predict(X), net.forward(X, res.coefficients))
    assert "lbfgs" in res.summary() and "p_2(t)" in res.summary()


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "lbfgs"])
def test_every_optimizer_lowers_the_loss_and_never_moves_fixed_constants(small, optimizer):
    net, _, X, Y = small
    lr = {"adam": 1e-2, "sgd": 1e-3, "lbfgs": 1.0}[optimizer]
    res = nets.train_gd(net, (X, Y), optimizer=optimizer, steps=30, lr=lr, seed=5, device="cpu", progress=False)
    assert res.status in (nets.TrainStatus.FINISHED, nets.TrainStatus.STALLED)
    assert res.loss_value < res.loss_history[0]
    assert res.coefficients[0][0] == 1.0
    assert res.loss_history.shape == (res.steps,) and res.wall_time > 0 and res.device == "cpu"


def test_runs_are_deterministic_for_a_seed_on_cpu_also_with_mini_batches(small):
    net, _, X, Y = small
    runs = [nets.train_gd(net, (X, Y), steps=40, seed=s, batch_size=5, device="cpu", progress=False) for s in (7, 7, 8)]
    np.testing.assert_array_equal(runs[0].loss_history, runs[1].loss_history)
    for a, b in zip(runs[0].coefficients, runs[1].coefficients):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(runs[0].loss_history, runs[2].loss_history)


def test_progress_bar_goes_to_stderr_and_leaves_the_result_unchanged(small, capsys):
    net, _, X, Y = small
    quiet = nets.train_gd(net, (X, Y), steps=5, device="cpu", progress=False)
    shown = nets.train_gd(net, (X, Y), steps=5, device="cpu", progress=True)
    assert capsys.readouterr().out == ""
    np.testing.assert_array_equal(quiet.loss_history, shown.loss_history)


def test_full_batch_equals_mini_batch_of_all_samples(small):
    net, _, X, Y = small
    a = nets.train_gd(net, (X, Y), steps=10, device="cpu", progress=False)
    b = nets.train_gd(net, (X, Y), steps=10, batch_size=len(X), device="cpu", progress=False)
    np.testing.assert_allclose(a.loss_history, b.loss_history, rtol=1e-12)  # a permutation reorders the sum only


def test_divergence_is_reported_and_returns_no_solution(small):
    net, _, X, Y = small
    res = nets.train_gd(net, (X, Y), optimizer="sgd", lr=10.0, steps=200, seed=0, device="cpu", progress=False)
    assert res.status is nets.TrainStatus.DIVERGED and not res.success
    assert res.coefficients is None and res.loss_value is None and res.net is None
    assert not np.isfinite(res.loss_history[-1]) or res.steps < 200
    with pytest.raises(ValueError, match="the run diverged"):
        res.predict(X)


def test_loss_tol_stops_early(small):
    net, truth, X, Y = small
    start = [truth[0], truth[1] + 0.01]
    res = nets.train_gd(net, (X, Y), optimizer="lbfgs", steps=500, init=start, loss_tol=1e-8, device="cpu", progress=False)
    assert res.status is nets.TrainStatus.CONVERGED
    assert res.loss_history[-1] <= 1e-8 < res.loss_history[0] and res.steps < 500


def test_learnable_weights_train_and_warm_start_from_a_smaller_nets_fit(small):
    net, _, X, Y = small
    fit = nets.solve_global(net, (X, Y), loss="l2")
    wide = nets.PolyNet.random([4, 6, 5, 4], degrees=[2, 1], seed=9)
    module = wide.to_torch(learn_weights=True)
    res = nets.train_gd(module, (X, Y), init=fit, steps=50, device="cpu", progress=False)
    assert res.module is module and res.success
    np.testing.assert_allclose(res.loss_history[0], np.mean(np.sum((wide.forward(X, fit.coefficients) - Y) ** 2, axis=1)))
    assert not np.array_equal(res.net.weights[0], wide.weights[0])  # the weights moved
    assert res.coefficients[0][0] == 1.0


def test_device_auto_resolves_and_cpu_tensors_are_accepted(small):
    net, _, X, Y = small
    res = nets.train_gd(net, (torch.from_numpy(X), torch.from_numpy(Y)), steps=2, device="auto", progress=False)
    assert res.device == ("cuda" if torch.cuda.is_available() else "cpu") or res.device.startswith("cuda")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"loss": "l1"}, ValueError, r"Invalid `loss='l1'`; allowed: 'linf-mean', 'l2'"),
        ({"optimizer": "rmsprop"}, ValueError, r"Invalid `optimizer='rmsprop'`; allowed: 'adam', 'lbfgs', 'sgd'"),
        ({"steps": 0}, ValueError, r"Invalid `steps=0`; allowed: an int >= 1"),
        ({"batch_size": 0}, ValueError, r"Invalid `batch_size=0`; allowed: None or an int >= 1"),
        ({"lr": -1.0}, ValueError, r"Invalid `lr=-1.0`"),
        ({"init": "zeros"}, ValueError, r"Invalid `init='zeros'`; allowed: 'random', a NetFitResult"),
        ({"init": [[1.0, 0.0], [0.0, 1.0]]}, ValueError, r"coefficients\[0\]` \(layer 1\) must be 3 finite numbers"),
        ({"device": "tpu:x"}, ValueError, r"Invalid `device='tpu:x'`"),
        ({"loss_tol": -1.0}, ValueError, r"Invalid `loss_tol=-1.0`"),
    ],
)
def test_bad_arguments_name_the_argument(small, kwargs, error, message):
    net, _, X, Y = small
    with pytest.raises(error, match=message):
        nets.train_gd(net, (X, Y), progress=False, **kwargs)


def test_bad_model_and_data(small):
    net, _, X, Y = small
    with pytest.raises(TypeError, match=r"`net_or_module` must be a nets.PolyNet"):
        nets.train_gd(torch.nn.Linear(2, 2), (X, Y))
    with pytest.raises(ValueError, match=r"`Y` must have shape \(N, m_\(D\+1\)\) = \(12, 4\)"):
        nets.train_gd(net, (X, Y[:, :2]))
    with pytest.raises(TypeError, match=r"`data` must be a pair"):
        nets.train_gd(net, X)


def test_gradient_descent_modules_import_neither_momentsos_nor_sympy():
    """nets.polynet.train and the nets modules it loads (model, losses, module, parallel, activations)
    run without momentsos, and none of them imports momentsos or sympy at module level (torch itself
    may import sympy). The packages' own __init__ files import the global fit eagerly, so they are
    replaced here by empty packages at the same paths."""
    code = textwrap.dedent(
        """
        import ast, importlib.util, sys, types
        root = importlib.util.find_spec("nets").submodule_search_locations[0]
        for name, path in (("nets", root), ("nets.polynet", root + "/polynet")):
            package = types.ModuleType(name)
            package.__path__ = [path]
            sys.modules[name] = package
        sys.modules["momentsos"] = None  # any import of momentsos raises ImportError
        from nets.polynet.model import PolyNet, synthetic_data
        from nets.polynet.train import train_gd
        net = PolyNet.random([3, 3, 2], degrees=[2], seed=0)
        X, Y = synthetic_data(net, net.random_coefficients(seed=1), nsamples=8, seed=2)
        res = train_gd(net, (X, Y), steps=2, device="cpu", progress=False)
        assert res.success and "nets.polynet.global_fit" not in sys.modules
        loaded = [m for name, m in sys.modules.items() if name.startswith("nets.") and getattr(m, "__file__", None)]
        assert "nets.polynet.train" in {m.__name__ for m in loaded}
        for module in loaded:
            for node in ast.parse(open(module.__file__).read()).body:
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                bad = [n for n in names if n.split(".")[0] in ("momentsos", "sympy")]
                assert not bad, (module.__name__, bad)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_training_is_quiet_unless_asked():
    import inspect

    assert inspect.signature(nets.train_gd).parameters["progress"].default is False
