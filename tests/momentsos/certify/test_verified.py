"""The rigorous lower bound: boxes derived from constraints, exact arithmetic, validity under tampering."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import momentsos as ms
from momentsos import problems
from momentsos.certify.sos import GramBlock
from momentsos.certify.verified import (
    _dyadic,
    _round_down,
    _sum_groups,
    derive_box,
    make_box,
    verify_certificate,
)
from momentsos.errors import InvalidOptionError
from momentsos.problem import PolyProblem

x, y, z = sp.symbols("x y z")


def test_dyadic_sums_are_exact():
    rng = np.random.default_rng(1)
    values = rng.standard_normal(200) * 10.0 ** rng.integers(-20, 20, 200)
    groups = rng.integers(0, 7, 200)
    mant, exp = _dyadic(values)
    S, E = _sum_groups(mant, exp, groups, 7)
    for g in range(7):
        exact = sum((Fraction(float(v)) for v in values[groups == g]), Fraction(0))
        assert Fraction(int(S[g])) * Fraction(2) ** E == exact


def test_round_down_never_rounds_up():
    for q in (Fraction(1, 3), Fraction(-1, 3), Fraction(2, 7) * 10**-30, Fraction(1)):
        assert Fraction(_round_down(q)) <= q


@pytest.mark.parametrize(
    "inequalities, equalities, lower, upper",
    [
        ([1 - x**2 - y**2], [], [-1, -1], [1, 1]),                    # unit disc
        ([4 - 2 * x**2 - 8 * y**2], [], [-np.sqrt(2), -1 / np.sqrt(2)], [np.sqrt(2), 1 / np.sqrt(2)]),  # ellipse
        ([x, 2 - x, y + 1, 3 - y], [], [0, -1], [2, 3]),             # linear bounds
        ([1 - (x - 1) ** 2, 1 - (y - 3) ** 2], [], [0, 2], [2, 4]),  # concave quadratics
        ([], [x**2 + y**2 - 1], [-1, -1], [1, 1]),                   # circle as an equality
        ([], [x**2 - 1, y**2 - 4], [-1, -2], [1, 2]),                # binary-like equalities
    ],
)
def test_derived_box_contains_the_feasible_set(inequalities, equalities, lower, upper):
    problem = PolyProblem(x + y, inequalities=inequalities, equalities=equalities, variables=(x, y))
    box, reason = derive_box(problem)
    assert box is not None and reason == ""
    # outward: never inside the true interval, and tight to rounding
    assert np.all(box.lower <= np.array(lower)) and np.all(box.upper >= np.array(upper))
    assert np.allclose(box.lower, lower, atol=1e-12) and np.allclose(box.upper, upper, atol=1e-12)


def test_no_box_names_the_free_variable():
    problem = PolyProblem(x + y, inequalities=[1 - x**2, 1 - x * y], variables=(x, y))
    box, reason = derive_box(problem)
    assert box is None and "y" in reason and "box=" in reason


def test_make_box_rejects_bad_values():
    assert np.all(make_box(2.0, 3).lower == -2.0)
    with pytest.raises(ValueError, match="box"):
        make_box(-1.0, 2)
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        make_box([[0, 1]], 2)
    with pytest.raises(InvalidOptionError, match="box"):
        ms.minimize(x**2 + y**2, box=[[1, 0], [0, 1]])


BOXED = [n for n in problems.names() if problems.get(n).optimum is not None
         and derive_box(problems.get(n).problem())[0] is not None]


def test_boxed_problems_are_the_expected_ones():
    assert set(BOXED) == {"gloptipoly3_three_minimizers", "ball_linear", "box_bilinear", "box_concave",
                          "circle_linear", "lasserre_floudas", "motzkin_sphere", "maxcut_c5"}


# the slow default runs of these two (SCS, 5-120 s) are not needed to test the bound
_FAST = {"motzkin_sphere": {"order": 3, "solver": "IPM"}, "maxcut_c5": {"order": 2, "solver": "IPM"}}


@pytest.mark.filterwarnings("ignore::momentsos.errors.InaccurateSolutionWarning")  # the bound holds regardless
@pytest.mark.parametrize("name", BOXED)
def test_verified_bound_is_below_the_optimum(name):
    named = problems.get(name)
    res = ms.minimize(named.problem(), **_FAST.get(name, {}))
    assert res.verified_lower_bound is not None, res.verification
    assert res.verified_lower_bound <= named.optimum
    assert res.verified_lower_bound <= res.certificate.bound
    accurate = res.solver.raw_status.startswith("optimal:") or res.solver.raw_status == "optimal"
    if accurate and res.certificate.residual_norm <= 1e-8:
        # within 1e-6 relative of the numerical bound when the solve is accurate
        assert abs(res.verified_lower_bound - res.lower_bound) <= 1e-6 * max(1.0, abs(res.lower_bound))


def test_tampered_certificates_still_give_valid_bounds():
    named = problems.get("box_concave")
    res = ms.minimize(named.problem(), order=3, solver="IPM")
    cert, box = res.certificate, res.verification.box
    honest = verify_certificate(cert, box).lower_bound
    # claim a bound above the optimum: the constant defect lands in the residual and is paid back
    lying = dataclasses.replace(cert, bound=cert.bound + 0.5)
    assert verify_certificate(lying, box).lower_bound <= named.optimum
    # indefinite noise on every Gram matrix: projection and the residual keep the bound valid
    rng = np.random.default_rng(3)
    noisy = []
    for b in cert.blocks:
        N = rng.standard_normal(b.gram.shape) * 1e-3
        noisy.append(GramBlock(b.gram + N + N.T, b.basis, b.multiplier))
    perturbed = verify_certificate(dataclasses.replace(cert, blocks=tuple(noisy)), box).lower_bound
    assert perturbed <= named.optimum
    assert perturbed < honest
    # a Gram matrix replaced by a negative definite one is projected away, never trusted
    broken = list(cert.blocks)
    broken[1] = GramBlock(-np.eye(broken[1].size), broken[1].basis, broken[1].multiplier)
    assert verify_certificate(dataclasses.replace(cert, blocks=tuple(broken)), box).lower_bound <= named.optimum


def test_no_box_gives_none_with_a_reason_and_a_given_box_is_used():
    named = problems.get("six_hump_camel")
    res = ms.minimize(named.problem(), order=3, solver="IPM")
    assert res.verified_lower_bound is None and "box" in res.verification.reason
    assert "verified_lb: None" in repr(res)
    boxed = ms.minimize(named.problem(), order=3, solver="IPM", box=2.0)
    assert boxed.verification.box.source.startswith("given")
    assert boxed.verified_lower_bound <= named.optimum
    assert boxed.verified_lower_bound == pytest.approx(boxed.lower_bound, abs=1e-6)


def test_verify_can_be_switched_off():
    res = ms.minimize(problems.get("ball_linear").problem(), solver="IPM", verify=False)
    assert res.verified_lower_bound is None and res.verification is None and res.certificate is not None
