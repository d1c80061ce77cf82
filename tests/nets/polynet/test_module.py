"""PolyNetModule (PolyNet.to_torch): the same function as PolyNet.forward, buffers, normalised constants."""

from __future__ import annotations

import numpy as np
import pytest
import torch



def test_module_equals_polynet_forward_and_weights_are_buffers(small):
    net, truth, X, _ = small
    module = net.to_torch(truth)
    out = module(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(out, net.forward(X, truth), rtol=1e-13, atol=1e-13)
    assert {n for n, _ in module.named_parameters()} == {"activations.0.coefficients", "activations.1.coefficients"}
    assert "weight_1" in dict(module.named_buffers())
    learn = net.to_torch(truth, learn_weights=True)
    assert "weight_3" in dict(learn.named_parameters()) and learn.learn_weights
    for a, b in zip(module.coefficients(), truth):
        np.testing.assert_array_equal(a, b)


def test_to_torch_default_keeps_the_normalised_constants_and_follows_dtype(small):
    net = small[0]
    module = net.to_torch(dtype=torch.float32)
    assert module.coefficients()[0][0] == 1.0 and module.fixed_layers == (1,)
    assert all(t.dtype == torch.float32 for t in module.state_dict().values())
    assert "widths=[4, 4, 4, 4], degrees=[2, 1], learn_weights=False" in repr(module)


def test_to_torch_rejects_unnormalised_coefficients(small):
    net = small[0]
    with pytest.raises(ValueError, match=r"c_1,0\) is .*2\.0.*, but this net is normalised"):
        net.to_torch([[2.0, 1.0, 1.0], [0.0, 1.0]])
