"""Saving a :class:`~nets.polynet.result.NetFitResult` as JSON and loading it back.

The document is one JSON object::

    {"format": "nets.NetFitResult", "version": 1,
     "net": {"widths": [...], "degrees": [...], "normalize": true, "weights": [...], "biases": null},
     "loss": "linf-mean", "coefficients": [[...], ...], "minimizers": [...], "certified": true, ...,
     "result": {"format": "momentsos.PolyOptResult", "version": 1, ...}}

Every field of the fit is a key of the same name; ``result`` is the whole document of
:mod:`momentsos.serialization` (whose notes state the encoding of floats, arrays and enums; floats
round-trip exactly, so a loaded fit predicts exactly what the saved one did). The network is
written as its weights (``W_l`` of shape ``(m_l, m_{l-1})`` as nested lists), its degrees, its
``normalize`` flag and its biases (``null`` when all are zero); ``widths`` is for readers and is
checked against the weights on load.

Fields are written over ``dataclasses.fields(NetFitResult)``: a field added to the class later is
written in the tagged generic form of :func:`momentsos.serialization.encode_value` and restored
with its type, a field missing from the file takes its default, and a key that is no field is
ignored. Another ``format`` or ``version`` raises :class:`momentsos.ResultFormatError` (a ValueError)
naming the file, the version found and the version supported.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from momentsos.errors import ResultFormatError
from momentsos.serialization import (
    Codec,
    check_header,
    decode_array,
    decode_fields,
    decode_float,
    encode_array,
    encode_fields,
    encode_float,
    encode_metadata,
    read_document,
    result_from_dict,
    result_to_dict,
    write_document,
)
from nets.polynet.losses import Loss
from nets.polynet.model import PolyNet
from nets.polynet.result import NetFitResult

__all__ = ["FORMAT", "VERSION", "fit_to_dict", "fit_from_dict", "save_fit", "load_fit"]

FORMAT = "nets.NetFitResult"
VERSION = 1


def _encode_net(net: PolyNet) -> dict[str, Any]:
    biased = any(np.any(b != 0) for b in net.biases)
    return {
        "widths": list(net.widths),
        "degrees": list(net.degrees),
        "normalize": net.normalize,
        "weights": [encode_array(w) for w in net.weights],
        "biases": [encode_array(b) for b in net.biases] if biased else None,
    }


def _decode_net(d: Mapping[str, Any]) -> PolyNet:
    biases = d.get("biases")
    net = PolyNet(
        [decode_array(w) for w in d["weights"]],
        [int(k) for k in d["degrees"]],
        biases=None if biases is None else [decode_array(b) for b in biases],
        normalize=bool(d.get("normalize", True)),
    )
    if "widths" in d and list(d["widths"]) != list(net.widths):
        raise ValueError(f"the widths {d['widths']} disagree with the weights' shapes {list(net.widths)}")
    return net


def _encode_layers(coefficients: Any) -> Any:
    return None if coefficients is None else [encode_array(c) for c in coefficients]


def _decode_layers(data: Any) -> Any:
    return None if data is None else [decode_array(c) for c in data]


def _decode_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


def _decode_str(value: Any) -> Any:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"expected a string or null, got {value!r}")
    return value


def _codecs(source: str) -> dict[str, Codec]:
    return {
        "net": (_encode_net, _decode_net),
        "loss": (lambda v: v.value, Loss),
        "coefficients": (_encode_layers, _decode_layers),
        "minimizers": (lambda v: [_encode_layers(m) for m in v], lambda v: tuple(_decode_layers(m) for m in v)),
        "certified": (bool, _decode_bool),
        "lower_bound": (encode_float, decode_float),
        "loss_value": (encode_float, decode_float),
        "result": (result_to_dict, lambda d: result_from_dict(d, source=f"{source}, field 'result'")),
        "loss_scale": (encode_float, decode_float),
        "build_time": (encode_float, decode_float),
        "solve_time": (encode_float, decode_float),
        "proof": (lambda v: v, _decode_str),
        "radius": (encode_float, decode_float),
        "gap_tol": (encode_float, decode_float),
    }
"""How each field of :class:`NetFitResult` is written; any other field goes through ``encode_value``."""


def fit_to_dict(fit: NetFitResult, metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``fit`` as a JSON-able dict (see the module notes); ``metadata`` is stored as given."""
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    out.update(encode_fields(fit, _codecs("")))
    if metadata is not None:
        out["metadata"] = encode_metadata(metadata)
    return out


def fit_from_dict(data: Mapping[str, Any], source: str = "the dict") -> NetFitResult:
    """The :class:`NetFitResult` written by :func:`fit_to_dict`; ``source`` names it in errors."""
    check_header(data, FORMAT, VERSION, source)
    try:
        return decode_fields(NetFitResult, data, _codecs(source))
    except ResultFormatError:
        raise
    except (TypeError, ValueError) as exc:
        raise ResultFormatError(f"{source}: a malformed {FORMAT} version {VERSION} document ({exc})") from None


def save_fit(fit: NetFitResult, path: str | Path, metadata: Mapping[str, Any] | None = None) -> Path:
    """Write ``fit`` to ``path`` as JSON (:func:`fit_to_dict`); returns the path."""
    return write_document(fit_to_dict(fit, metadata), path)


def load_fit(path: str | Path) -> NetFitResult:
    """The fit saved in ``path`` by :func:`save_fit`."""
    return fit_from_dict(read_document(path), source=str(path))
