"""Side-by-side benchmark against the Python peers: ``python benchmarks/momentsos_peers.py``.

Peers (installed only for this benchmark: ``pip install momentsos[peers]``):

* **pydrake** (the ``drake`` package): an SOS program ``max b s.t. f - b - sum_i lambda_i h_i`` SOS
  with free multipliers ``lambda_i``, built with ``MathematicalProgram`` and solved with Drake's own
  Clarabel or SCS interface. It returns a bound only: no minimizers, no flatness.
* **ncpol2sdpa**: the moment relaxation built from sympy expressions by ``SdpRelaxation`` and solved
  through cvxpy with the same solver.

Each measurement runs in a child process of this one (one process tree, one machine), so a peer
that hangs is stopped by ``--timeout`` and memory does not leak between runs; the table reports the
median over ``--repeats`` runs of build time (the peer's model construction; for momentsos the
sparse maps plus the solver's conic data: CLARABEL's own API is fed directly, other solvers through a
cvxpy compilation), solve time (the SDP solver), total (the whole ``minimize`` call, for momentsos
including flatness, extraction, the Newton polish of the atoms, the SOS certificate and the verified
bound where a box is known: what a user pays for it; pydrake's total is model plus solve), the bound,
and what was certified (momentsos: global optimum with minimizers, and a verified lower bound where a
box is known; the peers certify nothing beyond the numerical bound). ``momentsos-bound`` is
``momentsos-same`` with ``certify=False``: the bound alone, the work pydrake does, so its ratio to
pydrake compares like with like. Short runs are timed in steady state (see :func:`_worker`). The
tools take turns run by run; the time ratios to pydrake are printed twice: of the median totals, and
as the median (and range) of the ratios within each round, which compare runs seconds apart and so
stand the shared machine's changes of speed better.

Problems: six-hump camel (order 3), Rosenbrock ``n = 6`` (``sum 100 (x_{i+1} - x_i^2)^2 + (1 -
x_i)^2``, order 2), a dense random quartic on the unit sphere ``n = 8`` (orders 2 and 3), and the
chained Rosenbrock, chained Wood and Broyden tridiagonal functions of Waki, Kim, Kojima & Muramatsu
(2006) at ``n = 20, 40`` (order 2). The chained problems need sparsity: momentsos runs them with
``sparsity="auto"`` (``--sparsity`` overrides it for every problem);
the dense relaxation (10626 moments at ``n = 20``) is out of reach there and is not attempted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any, Callable

import numpy as np
import sympy as sp

from momentsos.basis import graded_lex_exponents
from momentsos.polynomial import Polynomial
from momentsos.problem import PolyProblem

__all__ = ["PROBLEMS", "main"]


def _sym(n: int) -> tuple[sp.Symbol, ...]:
    return sp.symbols(f"x1:{n + 1}")


def six_hump_camel() -> PolyProblem:
    x, y = sp.symbols("x y")
    f = 4 * x**2 - sp.Rational(21, 10) * x**4 + x**6 / 3 + x * y - 4 * y**2 + 4 * y**4
    return PolyProblem(f, variables=(x, y))


def rosenbrock(n: int) -> PolyProblem:
    x = _sym(n)
    f = sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(n - 1))
    return PolyProblem(f, variables=x)


def quartic_sphere(n: int, seed: int = 0) -> PolyProblem:
    """All monomials of degree <= 4 with N(0, 1) coefficients (seeded), on the unit sphere."""
    rng = np.random.default_rng(seed)
    exps = graded_lex_exponents(n, 4)
    f = Polynomial(exps, rng.standard_normal(len(exps)))
    h = Polynomial(np.vstack([np.zeros((1, n), dtype=np.int64), 2 * np.eye(n, dtype=np.int64)]),
                   np.concatenate([[-1.0], np.ones(n)]))
    return PolyProblem.from_polynomials(f, [], [h], _sym(n))


def chained_rosenbrock(n: int) -> PolyProblem:
    x = _sym(n)
    return PolyProblem(sum(100 * (x[i] - x[i - 1] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(1, n)), variables=x)


def chained_wood(n: int) -> PolyProblem:
    x = _sym(n)
    f = 1
    for i in range(0, n - 3, 2):
        f += (100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 + 90 * (x[i + 3] - x[i + 2] ** 2) ** 2
              + (1 - x[i + 2]) ** 2 + 10 * (x[i + 1] + x[i + 3] - 2) ** 2 + sp.Rational(1, 10) * (x[i + 1] - x[i + 3]) ** 2)
    return PolyProblem(f, variables=x)


def broyden_tridiagonal(n: int) -> PolyProblem:
    x = _sym(n)
    terms = []
    for i in range(n):
        left = x[i - 1] if i > 0 else 0
        right = x[i + 1] if i < n - 1 else 0
        terms.append(((3 - 2 * x[i]) * x[i] - left - 2 * right + 1) ** 2)
    return PolyProblem(sum(terms), variables=x)


# name -> (builder, order, needs sparsity)
PROBLEMS: dict[str, tuple[Callable[[], PolyProblem], int, bool]] = {
    "six_hump_camel_k3": (six_hump_camel, 3, False),
    "rosenbrock_n6_k2": (lambda: rosenbrock(6), 2, False),
    "quartic_sphere_n8_k2": (lambda: quartic_sphere(8), 2, False),
    "quartic_sphere_n8_k3": (lambda: quartic_sphere(8), 3, False),
    **{
        f"{name}_n{n}_k2": (lambda f=f, n=n: f(n), 2, True)
        for name, f in (("chained_rosenbrock", chained_rosenbrock), ("chained_wood", chained_wood),
                        ("broyden_tridiagonal", broyden_tridiagonal))
        for n in (20, 40)
    },
}

TOOLS = ("momentsos", "momentsos-same", "momentsos-bound", "pydrake", "ncpol2sdpa")


# -- one measurement per tool (run inside a worker process) ------------------------------------------
def _run_momentsos(problem: PolyProblem, order: int, sparse: bool, solver: str | None,
                   sparsity: str | None = None, certify: bool = True) -> dict[str, Any]:
    from momentsos import minimize  # noqa: PLC0415

    options: dict[str, Any] = {"certify": certify}
    if sparse:
        options["sparsity"] = "auto"
    if sparsity is not None:
        options["sparsity"] = sparsity
    start = time.perf_counter()
    res = minimize(problem, order=order, solver=solver, **options)
    total = time.perf_counter() - start
    s = res.solver
    return {
        "build": s.build_time + s.compile_time, "solve": s.solve_time, "total": total,
        "bound": res.lower_bound, "status": res.status.name, "solver": s.name,
        "verified": res.verified_lower_bound,
        "certified": res.status.name == "CERTIFIED",
    }


def _drake_polynomial(sym: Any, p: Polynomial, x: Any) -> Any:
    terms = {}
    for row, c in zip(p.exponents, p.coefficients):
        terms[sym.Monomial({x[i]: int(e) for i, e in enumerate(row) if e})] = sym.Expression(float(c))
    return sym.Polynomial(terms)


def _run_pydrake(problem: PolyProblem, order: int, solver: str) -> dict[str, Any]:
    try:
        import pydrake.symbolic as sym  # noqa: PLC0415
        from pydrake.solvers import ClarabelSolver, MathematicalProgram, ScsSolver  # noqa: PLC0415
    except ImportError as exc:
        return {"skipped": f"pydrake not installed ({exc}); pip install momentsos[peers]"}
    start = time.perf_counter()
    prog = MathematicalProgram()
    x = prog.NewIndeterminates(problem.nvars, "x")
    b = prog.NewContinuousVariables(1, "b")[0]
    residual = _drake_polynomial(sym, problem.objective, x) - sym.Polynomial(sym.Expression(b))
    variables = sym.Variables(x)
    for h in problem.equalities:
        lam = prog.NewFreePolynomial(variables, 2 * order - h.degree)
        residual -= lam * _drake_polynomial(sym, h, x)
    for g in problem.inequalities:
        sigma, _ = prog.NewSosPolynomial(variables, 2 * (order - (g.degree + 1) // 2))
        residual -= sigma * _drake_polynomial(sym, g, x)
    prog.AddSosConstraint(residual)
    prog.AddLinearCost(-b)
    build = time.perf_counter() - start
    engine = {"CLARABEL": ClarabelSolver, "SCS": ScsSolver}[solver]()
    t0 = time.perf_counter()
    result = engine.Solve(prog, None, None)
    solve = time.perf_counter() - t0
    ok = result.is_success()
    return {"build": build, "solve": solve, "total": build + solve,
            "bound": float(result.GetSolution(b)) if ok else None,
            "status": str(result.get_solution_result()).split(".")[-1], "solver": solver, "verified": None,
            "certified": False}


def _run_ncpol2sdpa(problem: PolyProblem, order: int, solver: str) -> dict[str, Any]:
    try:
        from ncpol2sdpa import SdpRelaxation  # noqa: PLC0415
    except ImportError as exc:
        return {"skipped": f"ncpol2sdpa not installed ({exc}); pip install momentsos[peers]"}
    from ncpol2sdpa import generate_variables  # noqa: PLC0415

    # ncpol2sdpa's own commutative symbols: with plain sympy symbols it answers "unbounded" here
    v = generate_variables("x", problem.nvars, commutative=True)
    start = time.perf_counter()
    objective = problem.objective.to_sympy(v)
    relaxation = SdpRelaxation(v, verbose=0)
    relaxation.get_relaxation(
        order, objective=objective,
        inequalities=[g.to_sympy(v) for g in problem.inequalities] or None,
        equalities=[h.to_sympy(v) for h in problem.equalities] or None,
    )
    build = time.perf_counter() - start
    t0 = time.perf_counter()
    relaxation.solve(solver="cvxpy", solverparameters={"solver": solver})
    solve = time.perf_counter() - t0
    bound = relaxation.primal if relaxation.status == "optimal" else None
    return {"build": build, "solve": solve, "total": build + solve, "bound": None if bound is None else float(bound),
            "status": str(relaxation.status), "solver": solver, "verified": None, "certified": False}


STEADY_RERUN_SECONDS = 1.0
"""A run shorter than this is repeated in its process (see :func:`_worker`)."""
STEADY_REPEATS = 5
"""How many times such a run is repeated; the median repeat is reported."""


def _worker(tool: str, name: str, solver: str, sparsity: str | None = None) -> dict[str, Any]:
    """One timed run of ``tool`` on problem ``name``, in steady state.

    Every tool is first warmed up on a tiny problem (imports and first-call set-up untimed). A run
    that still takes under :data:`STEADY_RERUN_SECONDS` is then repeated :data:`STEADY_REPEATS`
    times and the repeat of median total time is reported: at the millisecond level the first
    solves of a problem also pay one-time costs (the first calls of numpy/scipy routines on new
    shapes, lazy imports, cold caches: 1 to 2 ms on the camel for momentsos, 0.2 ms for pydrake)
    that a session solving many problems pays once. The same rule holds for every tool.
    """
    builder, order, sparse = PROBLEMS[name]
    problem = builder()
    x = sp.Symbol("x")
    warm = PolyProblem((x - 1) ** 2, inequalities=[4 - x**2], variables=(x,))
    same = None if tool == "momentsos" else solver

    def run(p: PolyProblem, k: int, warm_up: bool = False) -> dict[str, Any]:
        if tool.startswith("momentsos"):
            # the warm-up takes minimize's defaults: a sparsity option may not apply to it
            return _run_momentsos(p, k, sparse and not warm_up, same, None if warm_up else sparsity,
                                  certify=tool != "momentsos-bound")
        return _run_pydrake(p, k, solver) if tool == "pydrake" else _run_ncpol2sdpa(p, k, solver)

    if tool not in TOOLS:
        raise ValueError(f"Invalid tool {tool!r}; allowed: {', '.join(TOOLS)}")
    run(warm, 1, warm_up=True)
    result = run(problem, order)
    if "skipped" not in result and result["total"] < STEADY_RERUN_SECONDS:
        repeats = sorted((run(problem, order) for _ in range(STEADY_REPEATS)), key=lambda r: r["total"])
        result = repeats[len(repeats) // 2]
    return result


# -- the driver ------------------------------------------------------------------------------------
def _measure(tool: str, name: str, solver: str, timeout: float, sparsity: str | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", tool, name, "--solver", solver]
    if sparsity is not None:
        cmd += ["--sparsity", sparsity]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"skipped": f"timeout after {timeout:g} s"}
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return {"skipped": f"failed: {tail[:120]}"}
    return json.loads(lines[-1])


def _round_ratios(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> list[float]:
    """``total`` ratios of the runs taken in the same round (the tools take turns, so a round's runs
    are seconds apart): unlike the ratio of two medians, each compares runs that met the same state
    of the shared machine, whose speed changes by up to 1.7x from one process to the next."""
    return [a["total"] / b["total"] for a, b in zip(ours, theirs)
            if "skipped" not in a and "skipped" not in b and b["total"] > 0]


def _fmt(value: Any, spec: str = ".3f") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format(value, spec)
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/momentsos_peers.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--solver", default="CLARABEL", help="the solver shared by the peers and momentsos-same")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument("--only", default="", help="comma-separated problem names")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--sparsity", default=None,
                        help="momentsos' sparsity= option for every problem (default: 'auto' for the chained "
                             "problems, minimize's default for the others)")
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "PROBLEM"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        import warnings  # noqa: PLC0415

        warnings.simplefilter("ignore")
        print(json.dumps(_worker(args.worker[0], args.worker[1], args.solver, args.sparsity)))
        return 0
    names = [n for n in args.only.split(",") if n] or list(PROBLEMS)
    unknown = [n for n in names if n not in PROBLEMS]
    if unknown:
        parser.error(f"unknown problem(s) {unknown}; choose from {', '.join(PROBLEMS)}")
    tools = [t for t in args.tools.split(",") if t]
    header = (f"{'problem':28s} {'tool':15s} {'solver':9s} {'build s':>8s} {'solve s':>8s} {'total s':>8s} "
              f"{'bound':>14s} {'verified lb':>14s}  certified / status")
    print(f"median of {args.repeats} runs, each in a child process (after a warm-up; a run under "
          f"{STEADY_RERUN_SECONDS:g} s is repeated {STEADY_REPEATS} times there and the median repeat counts), "
          f"the tools taking turns run by run (a round: one run of each); shared solver {args.solver}"
          + (f"; momentsos sparsity={args.sparsity!r}" if args.sparsity is not None else ""))
    print(header)
    print("-" * len(header))
    for name in names:
        runs: dict[str, list[dict[str, Any]]] = {tool: [] for tool in tools}
        for _ in range(args.repeats):  # interleaved, so that a slow spell of the machine hits every tool
            for tool in tools:
                if not runs[tool] or "skipped" not in runs[tool][-1]:
                    runs[tool].append(_measure(tool, name, args.solver, args.timeout, args.sparsity))
        totals = {}
        for tool in tools:
            if "skipped" in runs[tool][-1]:
                print(f"{name:28s} {tool:15s} {'':9s} skipped: {runs[tool][-1]['skipped']}")
                continue
            med = {k: statistics.median(r[k] for r in runs[tool]) for k in ("build", "solve", "total")}
            totals[tool] = med["total"]
            last = runs[tool][-1]
            cert = ("certified optimum" if last["certified"] else "bound only") + f" ({last['status']})"
            print(f"{name:28s} {tool:15s} {last['solver']:9s} {med['build']:8.4f} {med['solve']:8.4f} "
                  f"{med['total']:8.4f} {_fmt(last['bound'], '.8f'):>14s} {_fmt(last['verified'], '.8f'):>14s}  {cert}")
        for tool in ("momentsos-same", "momentsos-bound"):
            if tool in totals and totals.get("pydrake"):
                rounds = _round_ratios(runs[tool], runs["pydrake"])
                print(f"{name:28s} total time ratio {tool} / pydrake: {totals[tool] / totals['pydrake']:.2f} "
                      f"(of the medians); by round: median {statistics.median(rounds):.2f}, "
                      f"{min(rounds):.2f} to {max(rounds):.2f} over {len(rounds)} rounds")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
