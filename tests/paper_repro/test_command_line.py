"""``python -m paper_repro --help`` describes every artefact in one line; bad flags are refused."""

from __future__ import annotations

import pytest

from paper_repro.__main__ import main
from paper_repro.registry import ARTEFACTS, DESCRIPTIONS


def test_every_artefact_has_a_one_line_plain_description():
    assert set(DESCRIPTIONS) == set(ARTEFACTS)
    for name, text in DESCRIPTIONS.items():
        assert text and "\n" not in text and "`" not in text, name


def test_help_lists_every_artefact_with_its_description(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for name in ARTEFACTS:
        assert any(line.split()[:1] == [name] and DESCRIPTIONS[name] in line for line in out.splitlines()), name
    assert "--scheduler" in out and "--workers" in out and "`" not in out


@pytest.mark.parametrize("argv", [["table1", "--out", "x", "--workers", "0"],
                                  ["table1", "--out", "x", "--workers", "2", "--scheduler", "tcp://a:1"],
                                  ["tabel1", "--out", "x"]])  # fmt: skip
def test_bad_command_lines_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "error" in err
    if argv[0] == "tabel1":
        assert "did you mean 'table1'" in err
