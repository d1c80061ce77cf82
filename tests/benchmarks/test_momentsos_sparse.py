"""The sparse-relaxation benchmark script prints one certified row per problem."""

from momentsos_sparse import main


def test_bench_sparse_prints_one_certified_row_per_problem(capsys):
    assert main(["--sizes", "4", "--repeats", "1", "--modes", "correlative"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.endswith("/ 70")]
    assert [r[0] for r in rows] == ["chained_rosenbrock_4", "chained_wood_4", "broyden_tridiagonal_4"]
    assert all(r[7] == "True" for r in rows)  # the certified column
