"""The small GPT of the [KK25] artefact: its corpus, causality, and that every variant learns."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from paper_repro.kk25_gpt import QUICK, VARIANTS, CharGPT, _batch, _train, corpus


def test_corpus_is_python_source_of_the_requested_size():
    text = corpus(50_000)
    assert len(text) == 50_000
    assert b"def " in text and b"import " in text


def test_outputs_at_a_position_do_not_depend_on_later_tokens():
    torch.manual_seed(0)
    model = CharGPT(QUICK, VARIANTS["hermite3"]).eval()
    index = torch.randint(0, 256, (2, 16))
    changed = index.clone()
    changed[:, 10:] = torch.randint(0, 256, (2, 6))
    with torch.no_grad():
        a, b = model(index), model(changed)
    assert a.shape == (2, 16, 256)
    torch.testing.assert_close(a[:, :10], b[:, :10])
    assert not torch.allclose(a[:, 10:], b[:, 10:])


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_learns_bytes(name, one_thread):
    config = dataclasses.replace(QUICK, layers=1, width=32, heads=2, context=32, steps=60, eval_every=60, eval_batches=2)
    data = torch.frombuffer(bytearray(corpus(60_000)), dtype=torch.uint8)
    generator = torch.Generator().manual_seed(1)
    validation = [_batch(data[50_000:], config, generator) for _ in range(config.eval_batches)]
    result = _train(name, config, data[:50_000], validation, seed=0)
    assert not result["diverged"]
    # from ln 256 = 5.55 nats: the byte frequencies of source code alone are worth more than 1.5 nats
    assert result["final_validation_loss"] < result["initial_validation_loss"] - 1.5


def test_the_artefact_writes_its_table_report_and_plot(tmp_path, monkeypatch, one_thread):
    """The quick artefact on a smaller model (the full quick run is in the all-artefacts test)."""
    import csv

    from paper_repro import kk25_gpt

    tiny = dataclasses.replace(QUICK, layers=1, width=32, heads=2, context=32, steps=20, eval_every=10, eval_batches=1)
    monkeypatch.setattr(kk25_gpt, "QUICK", tiny)
    rows = kk25_gpt.run(tmp_path, quick=True, seed=0)
    assert [row["variant"] for row in rows] == list(VARIANTS)
    for suffix in (".csv", ".md", ".png"):
        assert (tmp_path / f"gpt{suffix}").stat().st_size > 0
    with (tmp_path / "gpt.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == len(rows)
    report = (tmp_path / "gpt.md").read_text()
    assert "[KK25]" in report and "arXiv:2502.01247" in report and "paper" in report
