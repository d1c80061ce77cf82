"""train_gd under torch.distributed: 2 CPU processes (gloo, launched by torchrun) give the single-process result."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
import textwrap

import numpy as np
import torch


# The same script runs alone and under torchrun: train_gd initialises the process group itself.
SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import torch
    import nets

    torch.set_num_threads(1)
    net = nets.PolyNet.random([4, 5, 5, 3], degrees=[2, 1], seed=0)
    X, Y = nets.synthetic_data(net, net.random_coefficients(seed=1), nsamples=11, noise=0.05, seed=2)
    out = {}
    for loss, optimizer, batch in (("l2", "lbfgs", None), ("linf-mean", "adam", None), ("l2", "adam", 4)):
        res = nets.train_gd(net, (X, Y), loss=loss, optimizer=optimizer, steps=15, seed=3, batch_size=batch,
                            device="cpu", progress=False)
        out[f"{loss}-{optimizer}-{batch}"] = {
            "history": res.loss_history.tolist(),
            "coefficients": [c.tolist() for c in res.coefficients],
            "world_size": res.world_size,
        }
    if not torch.distributed.is_initialized() or torch.distributed.get_rank() == 0:
        with open(sys.argv[1], "w") as handle:
            json.dump(out, handle)
    """
)


def test_two_gloo_processes_equal_one_process(tmp_path, monkeypatch):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    single, double = tmp_path / "single.json", tmp_path / "double.json"
    threads = torch.get_num_threads()
    monkeypatch.setattr(sys, "argv", [str(script), str(single)])
    try:
        runpy.run_path(str(script), run_name="__main__")  # the single-process run, in this process
    finally:
        torch.set_num_threads(threads)
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(script), str(double)]
    done = subprocess.run(launch, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    one, two = json.loads(single.read_text()), json.loads(double.read_text())
    assert set(one) == set(two)
    for key in one:
        assert one[key]["world_size"] == 1 and two[key]["world_size"] == 2, key
        # equal up to the order of the floating-point sums (shares, then all_reduce)
        np.testing.assert_allclose(two[key]["history"], one[key]["history"], rtol=1e-10, atol=1e-14, err_msg=key)
        for a, b in zip(two[key]["coefficients"], one[key]["coefficients"]):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=key)
