"""The default solver chain: its order, and that it leaves cvxpy unimported when IPM suffices."""

from __future__ import annotations

import subprocess
import sys

import pytest

from momentsos.sdp import registry as solvers


def test_chain_starts_with_ipm_and_lists_the_cvxpy_fallbacks_by_size():
    if solvers._module_present("coptpy") or (solvers._module_present("mosek") and solvers._mosek_licensed()):
        pytest.skip("COPT or a licensed MOSEK is present: they come first in the chain")
    small = [s.name for s in solvers.default_solver_chain(100, solvers.CLARABEL_MAX_MATRIX)]
    large = [s.name for s in solvers.default_solver_chain(100, solvers.CLARABEL_MAX_MATRIX + 1)]
    assert small == ["IPM", "CLARABEL", "SCS"]
    assert large == ["IPM", "SCS"]


def test_a_certified_solve_with_ipm_does_not_import_cvxpy():
    if solvers._module_present("coptpy") or (solvers._module_present("mosek") and solvers._mosek_licensed()):
        pytest.skip("COPT or a licensed MOSEK is present: the chain needs cvxpy to list them")
    code = (
        "import sys, sympy as sp, momentsos as ms\n"
        "x = sp.Symbol('x')\n"
        "res = ms.minimize((x**2 - 1)**2)\n"
        "assert res.success and res.solver.name == 'IPM', res\n"
        "assert 'cvxpy' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
