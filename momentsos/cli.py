"""The command line, ``python -m momentsos``: solve a problem written as text, show a saved result,
or run the demo (the default without arguments).

Exit status: 0 when the answer is CERTIFIED, 1 for any other honest outcome (a bound only,
infeasible, unbounded, inaccurate, a solver failure), 2 for an error (bad input, a missing solver,
a file that cannot be read or written). Standard output carries the result only (its repr, or the
JSON document with ``--json``); ``-v`` adds progress and warnings on standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import sympy as sp

from .errors import InvalidProblemError, MomentSOSError
from .parsing import parse_constraint, parse_polynomial, parse_problem_file, parse_variables
from .result import PolyOptResult, Status

__all__ = ["main", "build_parser", "EXIT_CERTIFIED", "EXIT_NOT_CERTIFIED", "EXIT_ERROR"]

EXIT_CERTIFIED, EXIT_NOT_CERTIFIED, EXIT_ERROR = 0, 1, 2

PROG = "python -m momentsos"
logger = logging.getLogger(__name__)

_EXIT_TEXT = """exit status:
  0  the global minimum is certified (status CERTIFIED)
  1  not certified: a lower bound only, infeasible, unbounded, inaccurate or a solver failure
  2  an error: bad input, a missing solver, a file that cannot be read or written"""

_MAIN_EPILOG = f"""examples:
  {PROG}                                   the demo: three classic problems, certified
  {PROG} solve "x**4 + y**4 - x*y" --ineq "x**2 + y**2 <= 1"
  {PROG} solve --file problem.txt --json --save result.json
  {PROG} show result.json                  print a saved result and re-check its proof

{_EXIT_TEXT}
"""

_SOLVE_EPILOG = f"""expressions:
  Polynomials in Python syntax: numbers, variable names, + - * /, ** (or ^) with a non-negative
  integer exponent, parentheses. Decimals are exact (0.1 is 1/10). Division only by a nonzero
  number; functions (sin, exp, ...) and the names pi, E, I are refused. Variables are the names
  used, sorted by name unless --vars gives their order (the order of x in the output).

constraints:
  --ineq "g"  means g >= 0; "a >= b" and "a <= b" are accepted too (never < or >).
  --eq "h"    means h == 0; "a == b" is accepted too.

problem file (--file):
  The first line that is not blank or a comment is the objective, optionally after "minimize";
  every further line is one constraint with its relation (>=, <= or ==). "#" starts a comment, a
  "subject to" line is skipped, and "variables: x, y" fixes the variables' order. For example:

      # a quartic on the unit disc
      minimize x**4 + y**4 - x*y
      subject to
      x**2 + y**2 <= 1
      x + y == 1/2

examples:
  {PROG} solve "x**4 + y**4 - x*y" --ineq "1 - x**2 - y**2"
  {PROG} solve "x + y" --eq "x**2 + y**2 == 1" --order 2 --solver IPM
  {PROG} solve "-x**2 - y**2" --ineq "1 - x**2" --ineq "1 - y**2" --json
  {PROG} solve --file problem.txt --save result.json -v

{_EXIT_TEXT}
"""

_SHOW_EPILOG = f"""examples:
  {PROG} show result.json           the result's summary; a proof is re-checked in exact arithmetic
  {PROG} show result.json --json    the saved document itself

exit status: 0 certified (and its proof, if any, re-checks), 1 not certified or a proof that
fails, 2 a file that is not a saved result of a supported version.
"""


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m momentsos`` (subcommands solve, show, demo)."""
    from . import __version__  # noqa: PLC0415 - the package imports this module lazily

    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=formatter, epilog=_MAIN_EPILOG,
        description="Certified global polynomial optimization with the Moment-SOS hierarchy. Without a "
        "command, runs the demo.",
    )
    parser.add_argument("--version", action="version", version=f"momentsos {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="{solve,show,demo}")

    solve = commands.add_parser(
        "solve", formatter_class=formatter, epilog=_SOLVE_EPILOG,
        help="minimize a polynomial written as text, subject to polynomial constraints",
        description="Minimize a polynomial subject to g >= 0 and h == 0 and print the result: status, "
        "bounds, minimizers, ranks, solver statistics.",
    )
    solve.add_argument("objective", nargs="?", help="the polynomial to minimize (or give --file)")
    solve.add_argument("--ineq", action="append", default=[], metavar="G",
                       help="an inequality g >= 0 (repeat for several)")
    solve.add_argument("--eq", action="append", default=[], metavar="H",
                       help="an equality h == 0 (repeat for several)")
    solve.add_argument("--file", metavar="PATH", help="read the problem from a file (format below)")
    solve.add_argument("--vars", metavar="NAMES", help='the variables in order, e.g. "x, y, z"')
    solve.add_argument("--order", type=int, help="relaxation order (default: climb until certified)")
    solve.add_argument("--max-order", type=int, help="highest order of the climb (default: the minimal order + 2)")
    solve.add_argument("--solver", help="SDP solver: IPM, CLARABEL, SCS, MOSEK, ... (default: the first installed)")
    solve.add_argument("--gap-tol", type=float, help="relative gap allowed at a certified minimizer (default 1e-6)")
    solve.add_argument("--feas-tol", type=float, help="scaled constraint violation allowed (default 1e-6)")
    solve.add_argument("--sparsity", choices=["none", "auto", "correlative", "term", "both", "newton"],
                       help="sparsity to exploit (default none)")
    solve.add_argument("--box", type=float, metavar="R",
                       help="assume the minimizers lie in [-R, R]^n (for the verified bound)")
    solve.add_argument("--time-limit", type=float, metavar="SECONDS", help="time limit of the whole solve")
    solve.add_argument("--seed", type=int, help="seed of the extraction's random combination (default 0)")
    _add_output_options(solve, "result")

    show = commands.add_parser(
        "show", formatter_class=formatter, epilog=_SHOW_EPILOG,
        help="print a result saved with --save and re-check its proof",
        description="Load a result saved by `solve --save` (or PolyOptResult.save) and print it; an exact "
        "proof is re-checked with momentsos.check_proof.",
    )
    show.add_argument("path", help="a JSON file written by --save")
    show.add_argument("--json", action="store_true", help="print the saved JSON document instead of the summary")

    commands.add_parser("demo", help="solve three classic problems (the default without a command)",
                        description="Solve three classic problems and certify their global minima.")
    return parser


def _add_output_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=f"print the {what} as a JSON document instead of its summary")
    parser.add_argument("--save", metavar="PATH", help=f"write the {what} as JSON to PATH (load it with .load(PATH))")
    parser.add_argument("-v", "--progress", "--verbose", dest="verbose", action="count", default=0,
                        help="progress and warnings on standard error (-vv: the solver's own output too)")


@contextlib.contextmanager
def quiet_unless(verbose: int) -> Iterator[None]:
    """Progress (the INFO records of momentsos and nets) and warnings go to standard error with
    ``verbose``; without it, warnings are silenced. Everything is restored on exit, so that calling
    :func:`main` in a process leaves its logging as it was."""
    with warnings.catch_warnings():
        if not verbose:
            warnings.simplefilter("ignore")
            yield
            return
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        saved = [(lg, lg.level) for lg in map(logging.getLogger, ("momentsos", "nets", "py.warnings"))]
        for lg, _ in saved:
            lg.addHandler(handler)
            lg.setLevel(logging.INFO)
        logging.captureWarnings(True)
        try:
            yield
        finally:
            logging.captureWarnings(False)
            for lg, level in saved:
                lg.removeHandler(handler)
                lg.setLevel(level)


def error(prog: str, message: str) -> int:
    """Print ``message`` as the command's error and return the error status."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _problem(args: argparse.Namespace) -> tuple[sp.Expr, list[sp.Expr], list[sp.Expr], tuple[sp.Symbol, ...] | None]:
    if args.file is not None and args.objective is not None:
        raise InvalidProblemError("Invalid input: give the objective either as an argument or in --file, not both")
    if args.file is None and args.objective is None:
        raise InvalidProblemError("Invalid input: no objective; give it as an argument or with --file")
    symbols: dict[str, sp.Symbol] = {}
    inequalities: list[sp.Expr] = []
    equalities: list[sp.Expr] = []
    variables = None
    if args.file is not None:
        text = parse_problem_file(args.file, symbols)
        objective = text.objective
        inequalities += text.inequalities
        equalities += text.equalities
        variables = text.variables
    else:
        objective = parse_polynomial(args.objective, "the objective", symbols)
    for i, g in enumerate(args.ineq, start=1):
        inequalities.append(parse_constraint(g, "ineq", f"--ineq {i}", symbols)[1])
    for i, h in enumerate(args.eq, start=1):
        equalities.append(parse_constraint(h, "eq", f"--eq {i}", symbols)[1])
    if args.vars is not None:
        variables = parse_variables(args.vars, "--vars")
    return objective, inequalities, equalities, variables


def _options(args: argparse.Namespace) -> dict[str, Any]:
    names = {"order": "order", "max_order": "max_order", "solver": "solver", "gap_tol": "gap_tol",
             "feas_tol": "feas_tol", "sparsity": "sparsity", "box": "box", "time_limit": "time_limit", "seed": "seed"}
    options = {key: getattr(args, attr) for attr, key in names.items() if getattr(args, attr) is not None}
    if args.verbose >= 2:
        options["verbose"] = True
    return options


def _print_result(doc_or_result: Any, as_json: bool) -> None:
    from .serialization import format_document  # noqa: PLC0415

    if as_json:
        print(format_document(doc_or_result), end="")
    else:
        print(doc_or_result)


def _solve(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from .serialization import save_result  # noqa: PLC0415
    from .solve import minimize  # noqa: PLC0415

    objective, inequalities, equalities, variables = _problem(args)
    options = _options(args)
    logger.info("problem: minimize %s subject to %d inequalities and %d equalities", objective,
                len(inequalities), len(equalities))
    start = time.perf_counter()
    res = minimize(objective, inequalities, equalities, variables=variables, **options)
    logger.info("%s at order %d in %.3f s", res.status.name, res.order, time.perf_counter() - start)
    metadata = {
        "command": f"{PROG} solve",
        "arguments": list(argv),
        "problem": {"objective": str(objective), "inequalities": [f"{g} >= 0" for g in inequalities],
                    "equalities": [f"{h} == 0" for h in equalities]},
        "options": {k: v for k, v in options.items() if k != "verbose"},
    }
    if args.save is not None:
        save_result(res, args.save, metadata)
        logger.info("saved the result to %s", args.save)
    _print_result(res.to_dict(metadata) if args.json else res, args.json)
    return EXIT_CERTIFIED if res.status is Status.CERTIFIED else EXIT_NOT_CERTIFIED


def _show(args: argparse.Namespace) -> int:
    from .certify.proof import check_proof  # noqa: PLC0415
    from .serialization import load_result, read_document  # noqa: PLC0415

    res = load_result(args.path)
    valid = None if res.proof is None else check_proof(res.proof)
    if args.json:
        _print_result(read_document(args.path), True)
    else:
        print(res)
        if valid is not None:
            print("   re-check: the exact proof " + ("holds (check_proof)" if valid else "FAILS (check_proof)"))
    certified = res.status is Status.CERTIFIED and valid is not False
    return EXIT_CERTIFIED if certified else EXIT_NOT_CERTIFIED


def demo() -> int:
    """Three classic problems solved with the default rule (the order climbs until certified); each
    summary is the result's own repr. 0 when all three are certified, 1 otherwise."""
    from .solve import minimize  # noqa: PLC0415

    x, y = sp.symbols("x y")
    demos = [
        (
            "Six-hump camel (two global minimizers)",
            dict(objective=4 * x**2 - sp.Rational(21, 10) * x**4 + x**6 / 3 + x * y - 4 * y**2 + 4 * y**4),
        ),
        (
            "Linear objective on the unit circle (equality constraint)",
            dict(objective=x + y, equalities=[x**2 + y**2 - 1]),
        ),
        (
            "Concave quadratic on the box [-1, 1]^2 (four global minimizers at the corners)",
            dict(objective=-(x**2) - y**2, inequalities=[1 - x**2, 1 - y**2]),
        ),
    ]
    certified = 0
    start = time.perf_counter()
    for title, problem in demos:
        res: PolyOptResult = minimize(**problem)
        print(f"== {title}\n{res}\n")
        certified += res.status is Status.CERTIFIED
    print(f"{certified} of {len(demos)} certified global minima in {time.perf_counter() - start:.2f} s")
    return EXIT_CERTIFIED if certified == len(demos) else EXIT_NOT_CERTIFIED


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m momentsos`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        return demo()
    parser = build_parser()
    args = parser.parse_args(argv)  # argparse exits with status 2 on a usage error
    if args.command in (None, "demo"):
        return demo()
    prog = f"{PROG} {args.command}"
    with quiet_unless(getattr(args, "verbose", 0)):
        try:
            return _solve(args, argv) if args.command == "solve" else _show(args)
        except (MomentSOSError, ValueError, TypeError) as exc:
            return error(prog, str(exc))
        except OSError as exc:
            return error(prog, f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        except Exception:  # noqa: BLE001 - a bug, not the user's input: keep the status apart from "not certified"
            traceback.print_exc()
            return error(prog, "internal error (the traceback is above); please report it")
