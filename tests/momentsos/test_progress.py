"""Progress of a climb: silent by default, one report per order when asked, the answer unchanged."""

from __future__ import annotations

import logging

import sympy as sp

import momentsos as ms

x, y = sp.symbols("x y")
CAMEL = 4 * x**2 - sp.Rational(21, 10) * x**4 + x**6 / 3 + x * y - 4 * y**2 + 4 * y**4


def test_a_library_call_prints_nothing_by_default(capsys):
    ms.minimize(CAMEL)
    assert capsys.readouterr() == ("", "")


def test_progress_reports_every_order_on_stderr_and_leaves_the_answer(capsys, monkeypatch):
    quiet = ms.minimize(CAMEL)
    capsys.readouterr()
    import momentsos.progress as progress

    # without tqdm the report is one line per order (the bar's text is terminal control codes)
    monkeypatch.setattr(progress, "_tqdm", lambda: None)
    shown = ms.minimize(CAMEL, progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert [line.split(":")[0] for line in err.splitlines()] == [f"order {r.order}" for r in shown.hierarchy]
    assert "CERTIFIED" in err.splitlines()[-1]
    assert shown.status is quiet.status and shown.lower_bound == quiet.lower_bound


def test_every_order_is_logged_at_info(caplog):
    with caplog.at_level(logging.INFO, logger="momentsos"):
        res = ms.minimize(CAMEL)
    assert [r.getMessage().split(":")[0] for r in caplog.records if r.name == "momentsos"] == [
        f"order {r.order}" for r in res.hierarchy
    ]


def test_progress_must_be_a_bool():
    try:
        ms.minimize(CAMEL, progress="yes")
    except ms.InvalidOptionError as exc:
        assert "progress='yes'" in str(exc)
    else:  # pragma: no cover - the assertion below reports it
        raise AssertionError("progress='yes' was accepted")
