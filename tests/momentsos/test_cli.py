"""``python -m momentsos``: problems as text (momentsos.parsing), the solve and show commands, exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

import momentsos as ms
from momentsos.cli import main
from momentsos.parsing import parse_constraint, parse_polynomial, parse_problem_text

ROOT = Path(__file__).resolve().parents[2]
x, y = sp.symbols("x y")
DISC = ["x**4 + y**4 - x*y", "--ineq", "x**2 + y**2 <= 1", "--solver", "IPM"]


# -- parsing --------------------------------------------------------------------------------------
def test_expressions_parse_exactly_with_python_precedence():
    assert parse_polynomial("x^2 - 0.1*x*y + 2/3 - -x**2") == 2 * x**2 - sp.Rational(1, 10) * x * y + sp.Rational(2, 3)
    assert parse_polynomial("-x**2 + (x + 1)**(2)") == -(x**2) + (x + 1) ** 2
    assert parse_polynomial("1.5e-3*x") == sp.Rational(3, 2000) * x


def test_constraints_are_normalised_to_the_package_convention():
    assert parse_constraint("x**2 + y**2 <= 1", "ineq", "--ineq 1") == ("ineq", 1 - x**2 - y**2)
    assert parse_constraint("x >= y", "ineq", "--ineq 1") == ("ineq", x - y)
    assert parse_constraint("1 - x", "ineq", "--ineq 1") == ("ineq", 1 - x)
    assert parse_constraint("x*y == 2", "eq", "--eq 1") == ("eq", x * y - 2)


@pytest.mark.parametrize("text, fragment", [
    ("sin(x)", "function call"),
    ("1/x", "division by `x`"),
    ("x/(1 - 1)", "division by zero"),
    ("x**0.5", "non-negative integer"),
    ("x**-1", "non-negative integer"),
    ("x**2**3", "chained powers"),
    ("2x + 1", "missing operator between `2` and `x`"),
    ("pi*x", "`pi`"),
    ("x.real", "unexpected character '.'"),
    ("__import__('os').system('true')", "unexpected character"),
    ("(x + 1", "missing `)`"),
    ("x + 1)", "unbalanced parenthesis"),
    ("x >= 1", "a relation `>=`"),
    ("", "empty"),
])
def test_what_is_not_a_polynomial_is_refused_with_the_argument_and_the_reason(text, fragment):
    with pytest.raises(ms.InvalidProblemError) as info:
        parse_polynomial(text, "--ineq 3")
    assert "--ineq 3" in str(info.value) and fragment in str(info.value)


@pytest.mark.parametrize("text, kind, fragment", [
    ("x > 1", "ineq", "strict inequality"),
    ("x == 1", "ineq", "pass it with --eq"),
    ("x >= 1", "eq", "pass it with --ineq"),
    ("x = 1", "eq", "write == for an equality"),
    ("x >= 0 >= y", "ineq", "more than one relation"),
    ("x >=", "ineq", "both sides"),
])
def test_bad_relations_are_refused(text, kind, fragment):
    with pytest.raises(ms.InvalidProblemError, match=fragment):
        parse_constraint(text, kind, "--x")


def test_problem_text_format():
    problem = parse_problem_text(
        "# a comment\n\nminimize: x**4 + y**4 - x*y   # the objective\nsubject to\n"
        "x**2 + y**2 <= 1\nx + y == 1/2\nvariables: y, x\n", "p.txt")
    assert problem.objective == x**4 + y**4 - x * y and problem.variables == (y, x)
    assert problem.inequalities == (1 - x**2 - y**2,) and problem.equalities == (x + y - sp.Rational(1, 2),)
    with pytest.raises(ms.InvalidProblemError, match="p.txt line 2: .*needs a relation"):
        parse_problem_text("x**2\nx + 1\n", "p.txt")
    with pytest.raises(ms.InvalidProblemError, match="only minimization"):
        parse_problem_text("maximize x\n", "p.txt")
    with pytest.raises(ms.InvalidProblemError, match="no objective"):
        parse_problem_text("# nothing\n", "p.txt")


# -- solve ----------------------------------------------------------------------------------------
def test_solve_prints_the_result_and_exits_0_when_certified(capsys):
    assert main(["solve", *DISC]) == 0
    out, err = capsys.readouterr()
    assert "status: CERTIFIED" in out and "lower_bound: -0.125" in out and err == ""


def test_json_and_save_write_the_loadable_document(tmp_path, capsys):
    path = tmp_path / "out.json"
    assert main(["solve", *DISC, "--json", "--save", str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["format"] == "momentsos.PolyOptResult" and printed["status"] == "certified"
    assert printed["metadata"]["problem"]["inequalities"] == ["-x**2 - y**2 + 1 >= 0"]
    assert printed["metadata"]["options"] == {"solver": "IPM"}
    res = ms.PolyOptResult.load(path)
    assert res.status is ms.Status.CERTIFIED and ms.check_proof(res.proof)
    assert res.lower_bound == printed["lower_bound"] and res.variables == (x, y)


@pytest.mark.parametrize("args, status", [
    (["(x**2 - 1)**2 + (y**2 - 1)**2", "--order", "2"], "BOUND_ONLY"),
    (["x**2", "--ineq", "x - 2", "--ineq", "1 - x"], "INFEASIBLE"),
    (["x**3", "--order", "2"], "UNBOUNDED"),
])
def test_honest_non_certified_answers_exit_1(capsys, args, status):
    assert main(["solve", *args, "--solver", "IPM"]) == 1
    assert f"status: {status}" in capsys.readouterr().out


@pytest.mark.parametrize("args, fragments", [
    (["sin(x) + y"], ["the objective", "sin(...)", "only polynomials"]),
    (["x**2", "--ineq", "1 - x", "--ineq", "1/y"], ["--ineq 2", "division by `y`"]),
    (["x**2", "--eq", "x >= 1"], ["--eq 1", "pass it with --ineq"]),
    (["x**2 + y", "--vars", "x"], ["y"]),
    (["x**2", "--solver", "NO_SUCH_SOLVER"], ["NO_SUCH_SOLVER"]),
    ([], ["no objective"]),
    (["x**2", "--file", "p.txt"], ["not both"]),
    (["--file", "/no/such/problem.txt"], ["/no/such/problem.txt"]),
])
def test_errors_exit_2_with_a_message_naming_the_argument(capsys, args, fragments):
    assert main(["solve", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("python -m momentsos solve: error: ")
    for fragment in fragments:
        assert fragment in err


def test_usage_errors_are_argparse_errors_with_status_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["solve", "x**2", "--order", "two"])
    assert info.value.code == 2 and "invalid int value" in capsys.readouterr().err


def test_problem_file_with_variable_order(tmp_path, capsys):
    path = tmp_path / "problem.txt"
    path.write_text("# unit disc\nminimize x**4 + y**4 - x*y\nsubject to\nx**2 + y**2 <= 1\nvariables: y, x\n")
    assert main(["solve", "--file", str(path), "--solver", "IPM", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["variables"] == ["y", "x"]
    path.write_text("x**2\nx + 1\n")
    assert main(["solve", "--file", str(path)]) == 2
    assert f"{path} line 2" in capsys.readouterr().err


def test_progress_goes_to_stderr_only_when_asked(capsys):
    assert main(["solve", *DISC, "-v"]) == 0
    out, err = capsys.readouterr()
    assert "status: CERTIFIED" in out and "CERTIFIED at order 2" in err and "problem: minimize" in err


# -- show -----------------------------------------------------------------------------------------
def test_show_reprints_and_rechecks_the_proof(tmp_path, capsys):
    path = tmp_path / "out.json"
    assert main(["solve", *DISC, "--save", str(path)]) == 0
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    assert "re-check: the exact proof holds" in capsys.readouterr().out
    doc = json.loads(path.read_text())
    doc["proof"]["bound"] = "0"  # a claimed bound above the minimum -0.125: the identity no longer holds
    path.write_text(json.dumps(doc))
    assert main(["show", str(path)]) == 1
    assert "FAILS" in capsys.readouterr().out
    doc["version"] = 2
    path.write_text(json.dumps(doc))
    assert main(["show", str(path)]) == 2
    assert "version 2 is not supported" in capsys.readouterr().err


# -- the entry point ------------------------------------------------------------------------------
def _run(*args):
    return subprocess.run([sys.executable, "-m", "momentsos", *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)


def test_entry_point_exit_status_and_json():
    out = _run("solve", *DISC, "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["status"] == "certified"
    bad = _run("solve", "exp(x)")
    assert bad.returncode == 2 and "exp(...)" in bad.stderr


@pytest.mark.parametrize("command", [[], ["solve"], ["show"]])
def test_help_has_examples(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    text = capsys.readouterr().out
    assert info.value.code == 0 and "examples:" in text and "python -m momentsos" in text
    if command == ["solve"]:
        assert "exit status:" in text and "--file" in text and "minimize x**4" in text
