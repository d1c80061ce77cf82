"""The command line, ``python -m nets``: fit a polynomial-activation network to a CSV file globally
(:func:`nets.solve_global`), show a saved fit, predict with it.

Exit status: 0 when the fit is certified (``fit`` and ``show``; ``predict`` when it wrote the
predictions), 1 for any other honest outcome (not certified), 2 for an error (bad data or columns,
bad weights, a missing solver, a file that cannot be read or written). Standard output carries the
result only; ``-v`` adds progress and warnings on standard error.

numpy, sympy and momentsos only: nothing here imports torch (``python -m nets`` imports the package
:mod:`nets` first, which loads torch's parts when torch is installed).
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import re
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from momentsos.cli import EXIT_CERTIFIED, EXIT_NOT_CERTIFIED, error, quiet_unless
from momentsos.errors import MomentSOSError
from momentsos.options import SPARSITY_MODES
from nets.polynet.losses import LEARN_MODES
from nets.polynet.model import PolyNet

__all__ = ["main", "build_parser", "read_table", "select_columns", "load_weights"]

PROG = "python -m nets"
logger = logging.getLogger(__name__)


class CommandLineError(ValueError):
    """Input of the command line (data, columns, weights) that cannot be used; the message says why."""


_EXIT_TEXT = """exit status:
  0  certified: the activations are a global minimizer of the loss (flat truncation)
  1  not certified (a lower bound, possibly a minimizer by a matching bound, but no certificate)
  2  an error: bad data, columns or weights, a missing solver, a file that cannot be read or written"""

_MAIN_EPILOG = f"""examples:
  {PROG} fit data.csv --inputs x1,x2,x3 --outputs y1,y2 --degrees 2,1 --seed 0 --save fit.json
  {PROG} show fit.json
  {PROG} predict fit.json new.csv > predictions.csv

{_EXIT_TEXT}
"""

_FIT_EPILOG = f"""the model:
  f(x) = W_(D+1) p_D(W_D ... p_1(W_1 x + b_1) ... + b_D) + b_(D+1), with fixed weights and one learnable
  polynomial p_l per hidden layer (degrees --degrees, one per hidden layer). The weights come from
  --weights, or are drawn at random with --seed (W_l ~ N(0, 1/m_(l-1)), the default seed 0). The
  hidden widths are --widths, by default the number of inputs.

data:
  A CSV file of numbers, one sample per row, with or without a header row (a first row that is not
  all numbers is the header); "#" lines are skipped. Columns are given by header name or 0-based
  index, separated by commas, with ranges a:b (a to b-1): --inputs 0:4 --outputs 4,5 or
  --inputs x1,x2 --outputs y. Without --inputs, every column that is not an output is an input.

weights (--weights):
  an .npz file with W1, W2, ..., W(D+1) of shapes (m_l, m_(l-1)) and optional biases b1, ...,
  b(D+1) (np.savez(path, W1=..., W2=...)), or the arrays in order (np.savez(path, W1, W2));
  or a fit saved with --save (its network, to refit on new data).

examples:
  {PROG} fit data.csv --outputs y --degrees 2 --seed 3
  {PROG} fit data.csv --inputs 0:3 --outputs 3,4 --degrees 2,1 --widths 4,4 --loss l2 --json
  {PROG} fit data.csv --inputs x1,x2 --outputs y --degrees 2 --weights W.npz --save fit.json -v
  {PROG} fit data.csv --inputs x1,x2 --outputs y --degrees 2 --widths 1 --learn all --loss l2

{_EXIT_TEXT}
"""


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m nets`` (subcommands fit, show, predict)."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=formatter, epilog=_MAIN_EPILOG,
        description="Polynomial-activation networks trained globally, with a certificate (Moment-SOS).",
    )
    commands = parser.add_subparsers(dest="command", metavar="{fit,show,predict}", required=True)

    fit = commands.add_parser(
        "fit", formatter_class=formatter, epilog=_FIT_EPILOG,
        help="learn the activations of a network from a CSV file, globally, with a certificate",
        description="Learn the activation polynomials of a network with fixed weights from the data, as the "
        "global minimum of the loss (nets.solve_global); print the fit and its certificate.",
    )
    fit.add_argument("data", help="CSV file of samples")
    fit.add_argument("--outputs", required=True, metavar="COLS", help="the target columns (names or indices)")
    fit.add_argument("--inputs", metavar="COLS", help="the input columns (default: every other column)")
    fit.add_argument("--degrees", required=True, metavar="D1,D2,...", help="activation degree of each hidden layer")
    fit.add_argument("--widths", metavar="M1,M2,...", help="hidden widths (default: the number of inputs each)")
    source = fit.add_mutually_exclusive_group()
    source.add_argument("--weights", metavar="PATH", help="the weights: .npz, or a saved fit (.json)")
    source.add_argument("--seed", type=int, help="seed of the random weights (default 0)")
    fit.add_argument("--loss", choices=["linf-mean", "l2"], default="linf-mean",
                     help="the paper's loss (default) or least squares")
    fit.add_argument("--order", type=int, help="relaxation order (default: climb until certified)")
    fit.add_argument("--max-order", type=int, help="highest order of the climb")
    fit.add_argument("--solver", help="SDP solver: IPM, CLARABEL, SCS, MOSEK, ... (default: the first installed)")
    fit.add_argument("--radius", type=float, help="search the coefficients in the ball ||c||_2 <= R")
    fit.add_argument("--learn", choices=LEARN_MODES, default="activations",
                     help="what is learned: the activations (the weights fixed; default) or the weights, biases and "
                     "activations together (tiny networks; use --loss l2)")
    fit.add_argument("--sparsity", choices=SPARSITY_MODES,
                     help="sparsity of the relaxation (momentsos.minimize; default: correlative for --learn all "
                     "--loss l2 with several outputs, else none)")
    fit.add_argument("--gap-tol", type=float, help="relative gap of the certificate (default 1e-6)")
    fit.add_argument("--no-polish", dest="polish", action="store_false", help="do not refine the minimizers locally")
    fit.add_argument("--delimiter", help="the CSV delimiter (default: , or tab for .tsv)")
    fit.add_argument("--json", action="store_true", help="print the fit as a JSON document instead of its summary")
    fit.add_argument("--save", metavar="PATH", help="write the fit as JSON to PATH (nets.NetFitResult.load(PATH))")
    _add_verbose(fit)

    show = commands.add_parser("show", formatter_class=formatter, help="print a fit saved with --save",
                               description="Load a fit saved by `fit --save` and print its summary.",
                               epilog=f"example:\n  {PROG} show fit.json\n\nexit status: 0 certified, 1 not, 2 error")
    show.add_argument("path", help="a JSON file written by --save")
    show.add_argument("--json", action="store_true", help="print the saved JSON document")

    predict = commands.add_parser(
        "predict", formatter_class=formatter, help="the outputs of a saved fit on new inputs, as CSV",
        description="Evaluate a fit saved by `fit --save` on the rows of a CSV file; writes CSV with one "
        "column per output.",
        epilog=f"examples:\n  {PROG} predict fit.json new.csv > predictions.csv\n"
        f"  {PROG} predict fit.json new.csv --inputs 0:3 --out predictions.csv\n\n"
        "Without --inputs, the input columns are found by the names the fit was made with.\n"
        "exit status: 0 written, 2 error",
    )
    predict.add_argument("path", help="a JSON file written by fit --save")
    predict.add_argument("data", help="CSV file of inputs")
    predict.add_argument("--inputs", metavar="COLS", help="the input columns (default: the fit's input names)")
    predict.add_argument("--delimiter", help="the CSV delimiter (default: , or tab for .tsv)")
    predict.add_argument("--out", metavar="PATH", help="write the CSV to PATH instead of standard output")
    _add_verbose(predict)
    return parser


def _add_verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--progress", "--verbose", dest="verbose", action="count", default=0,
                        help="progress and warnings on standard error (-vv: the solver's own output too)")


# -- data -----------------------------------------------------------------------------------------
def _delimiter(path: str, delimiter: str | None) -> str:
    if delimiter is not None:
        return "\t" if delimiter in ("\\t", "tab") else delimiter
    return "\t" if path.lower().endswith(".tsv") else ","


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def read_table(path: str, delimiter: str | None = None) -> tuple[list[str] | None, NDArray[np.float64]]:
    """The header (None without one) and the numbers of a CSV file; :class:`CommandLineError` names the
    row and column of a cell that is not a finite number."""
    text = Path(path).read_text(encoding="utf-8")
    rows = [
        (number, [c.strip() for c in row])
        for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=_delimiter(path, delimiter)), start=1)
        if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        raise CommandLineError(f"{path}: no data rows")
    header = None
    if not all(_is_number(c) for c in rows[0][1]):
        header = rows[0][1]
        rows = rows[1:]
        if len(set(header)) != len(header):
            raise CommandLineError(f"{path}: the header names a column twice: {header}")
    if not rows:
        raise CommandLineError(f"{path}: a header but no data rows")
    width = len(header) if header is not None else len(rows[0][1])
    values = np.empty((len(rows), width))
    for i, (number, row) in enumerate(rows):
        if len(row) != width:
            raise CommandLineError(f"{path} line {number}: {len(row)} columns, but {width} are expected")
        for j, cell in enumerate(row):
            try:
                values[i, j] = float(cell)
            except ValueError:
                name = header[j] if header is not None else str(j)
                raise CommandLineError(f"{path} line {number}, column {name!r}: {cell!r} is not a number") from None
            if not np.isfinite(values[i, j]):
                name = header[j] if header is not None else str(j)
                raise CommandLineError(f"{path} line {number}, column {name!r}: {cell!r} is not finite")
    return header, values


def select_columns(spec: str, header: list[str] | None, ncols: int, what: str) -> list[int]:
    """Column indices from ``"a,b,2,4:6"``: header names, 0-based indices and ranges ``a:b`` (b excluded)."""
    out: list[int] = []
    for item in (s.strip() for s in spec.split(",")):
        if header is not None and item in header:
            out.append(header.index(item))
        elif re.fullmatch(r"\d+", item):
            out.append(int(item))
        elif (m := re.fullmatch(r"(\d*):(\d*)", item)) is not None:
            stop = int(m.group(2)) if m.group(2) else ncols
            out.extend(range(int(m.group(1) or 0), stop))
        else:
            names = f"; the header has {', '.join(header)}" if header is not None else "; the file has no header"
            raise CommandLineError(f"{what}: {item!r} is neither a column name nor a 0-based index{names}")
    bad = [j for j in out if j >= ncols]
    if bad:
        raise CommandLineError(f"{what}: column index {bad[0]} is out of range; the file has {ncols} columns (0..{ncols - 1})")
    if not out:
        raise CommandLineError(f"{what}: no columns in {spec!r}")
    if len(set(out)) != len(out):
        raise CommandLineError(f"{what}: a column is listed twice in {spec!r}")
    return out


def _ints(text: str, what: str) -> list[int]:
    try:
        values = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise CommandLineError(f"{what}: expected integers separated by commas, e.g. 2,1; got {text!r}") from None
    if not values:
        raise CommandLineError(f"{what}: no values in {text!r}")
    return values


# -- the network ----------------------------------------------------------------------------------
def load_weights(path: str) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64] | None] | None, bool]:
    """Weights, biases (or None) and ``normalize`` from an .npz file or a saved fit (see ``fit --help``)."""
    if path.lower().endswith(".json"):
        from nets.polynet.serialization import load_fit  # noqa: PLC0415

        net = load_fit(path).net
        return list(net.weights), list(net.biases), net.normalize
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    if not arrays:
        raise CommandLineError(f"{path}: no arrays")
    if all(re.fullmatch(r"arr_\d+", k) for k in arrays):
        return [arrays[f"arr_{i}"] for i in range(len(arrays))], None, True
    weights = {int(k[1:]): v for k, v in arrays.items() if re.fullmatch(r"W\d+", k)}
    biases = {int(k[1:]): v for k, v in arrays.items() if re.fullmatch(r"b\d+", k)}
    other = sorted(set(arrays) - {f"W{i}" for i in weights} - {f"b{i}" for i in biases})
    count = len(weights)
    if other or sorted(weights) != list(range(1, count + 1)) or any(i > count for i in biases):
        raise CommandLineError(
            f"{path}: expected arrays W1..W(D+1) and optional b1..b(D+1) (or unnamed arrays in order); "
            f"found {', '.join(sorted(arrays))}"
        )
    bias_list = [biases.get(i) for i in range(1, count + 1)] if biases else None
    return [weights[i] for i in range(1, count + 1)], bias_list, True


def _network(args: argparse.Namespace, n_in: int, n_out: int) -> PolyNet:
    degrees = _ints(args.degrees, "--degrees")
    if args.weights is not None:
        weights, biases, normalize = load_weights(args.weights)
        net = PolyNet(weights, degrees, biases=biases, normalize=normalize)
        if args.widths is not None and _ints(args.widths, "--widths") != list(net.widths[1:-1]):
            raise CommandLineError(f"--widths {args.widths} disagrees with the hidden widths {list(net.widths[1:-1])} "
                                   f"of the weights in {args.weights}")
    else:
        hidden = [n_in] * len(degrees) if args.widths is None else _ints(args.widths, "--widths")
        if len(hidden) != len(degrees):
            raise CommandLineError(f"--widths gives {len(hidden)} hidden widths and --degrees {len(degrees)} degrees; "
                                   "one of each per hidden layer is required")
        net = PolyNet.random([n_in, *hidden, n_out], degrees, seed=0 if args.seed is None else args.seed)
    if net.widths[0] != n_in or net.widths[-1] != n_out:
        raise CommandLineError(
            f"the network maps {net.widths[0]} inputs to {net.widths[-1]} outputs, but the data have {n_in} input "
            f"and {n_out} output columns (--inputs, --outputs)"
        )
    return net


def _names(header: list[str] | None, columns: list[int]) -> list[str]:
    return [header[j] if header is not None else str(j) for j in columns]


# -- the commands ---------------------------------------------------------------------------------
def _print(fit_or_doc: Any, as_json: bool) -> None:
    from momentsos.serialization import format_document  # noqa: PLC0415

    if as_json:
        print(format_document(fit_or_doc), end="")
    else:
        print(fit_or_doc)


def _fit(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from nets.polynet.global_fit import solve_global  # noqa: PLC0415
    from nets.polynet.serialization import fit_to_dict, save_fit  # noqa: PLC0415

    header, table = read_table(args.data, args.delimiter)
    outputs = select_columns(args.outputs, header, table.shape[1], "--outputs")
    if args.inputs is None:
        inputs = [j for j in range(table.shape[1]) if j not in outputs]
        if not inputs:
            raise CommandLineError("--outputs takes every column; name the inputs with --inputs")
    else:
        inputs = select_columns(args.inputs, header, table.shape[1], "--inputs")
    both = sorted(set(inputs) & set(outputs))
    if both:
        raise CommandLineError(f"column {_names(header, both)[0]!r} is both an input and an output")
    X, Y = table[:, inputs], table[:, outputs]
    net = _network(args, len(inputs), len(outputs))
    logger.info("data: %d samples, inputs %s, outputs %s; %r", X.shape[0], _names(header, inputs),
                _names(header, outputs), net)
    options: dict[str, Any] = {k: v for k, v in (("max_order", args.max_order), ("gap_tol", args.gap_tol)) if v is not None}
    if args.verbose >= 2:
        options["verbose"] = True
    start = time.perf_counter()
    fit = solve_global(net, (X, Y), order=args.order, loss=args.loss, solver=args.solver, polish=args.polish,
                       radius=args.radius, learn=args.learn, sparsity=args.sparsity, **options)
    logger.info("%s at order %d in %.3f s", "certified" if fit.certified else fit.status.name, fit.order,
                time.perf_counter() - start)
    metadata = {
        "command": f"{PROG} fit", "arguments": list(argv), "data": args.data,
        "inputs": _names(header, inputs), "outputs": _names(header, outputs),
        "weights": args.weights, "seed": None if args.weights is not None else (0 if args.seed is None else args.seed),
        "options": {"order": args.order, "loss": args.loss, "solver": args.solver, "radius": args.radius,
                    "learn": args.learn, "sparsity": args.sparsity,
                    "polish": args.polish, **{k: v for k, v in options.items() if k != "verbose"}},
    }
    if args.save is not None:
        save_fit(fit, args.save, metadata)
        logger.info("saved the fit to %s", args.save)
    _print(fit_to_dict(fit, metadata) if args.json else fit, args.json)
    return EXIT_CERTIFIED if fit.certified else EXIT_NOT_CERTIFIED


def _show(args: argparse.Namespace) -> int:
    from momentsos.serialization import read_document  # noqa: PLC0415
    from nets.polynet.serialization import load_fit  # noqa: PLC0415

    fit = load_fit(args.path)
    _print(read_document(args.path) if args.json else fit, args.json)
    return EXIT_CERTIFIED if fit.certified else EXIT_NOT_CERTIFIED


def _predict(args: argparse.Namespace) -> int:
    from momentsos.serialization import read_document  # noqa: PLC0415
    from nets.polynet.serialization import fit_from_dict  # noqa: PLC0415

    doc = read_document(args.path)
    fit = fit_from_dict(doc, source=args.path)
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    header, table = read_table(args.data, args.delimiter)
    if args.inputs is not None:
        inputs = select_columns(args.inputs, header, table.shape[1], "--inputs")
    elif header is not None and meta.get("inputs") and all(n in header for n in meta["inputs"]):
        inputs = [header.index(n) for n in meta["inputs"]]
    elif table.shape[1] == fit.net.widths[0]:
        inputs = list(range(table.shape[1]))
    else:
        raise CommandLineError(
            f"{args.data}: name the {fit.net.widths[0]} input columns with --inputs (the file's columns are not "
            f"the fit's inputs {meta.get('inputs')})"
        )
    Y = fit.predict(table[:, inputs])
    names = meta.get("outputs") or [f"y{j}" for j in range(Y.shape[1])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([[repr(float(v)) for v in row] for row in Y])
    if args.out is None:
        print(out.getvalue(), end="")
    else:
        Path(args.out).write_text(out.getvalue(), encoding="utf-8")
        logger.info("wrote %d predictions to %s", Y.shape[0], args.out)
    return EXIT_CERTIFIED


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m nets`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)  # argparse exits with status 2 on a usage error
    prog = f"{PROG} {args.command}"
    run = {"fit": lambda: _fit(args, argv), "show": lambda: _show(args), "predict": lambda: _predict(args)}
    with quiet_unless(getattr(args, "verbose", 0)):
        try:
            return run[args.command]()
        except (MomentSOSError, ValueError, TypeError) as exc:
            return error(prog, str(exc))
        except OSError as exc:
            return error(prog, f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        except Exception:  # noqa: BLE001 - a bug, not the user's input: keep the status apart from "not certified"
            traceback.print_exc()
            return error(prog, "internal error (the traceback is above); please report it")
