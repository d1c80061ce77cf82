"""Saving a :class:`~momentsos.result.PolyOptResult` as JSON and loading it back.

The document is one JSON object::

    {"format": "momentsos.PolyOptResult", "version": 1,
     "status": "certified", "message": "...", "lower_bound": -0.125, ..., "proof": {...},
     "metadata": {...}}

Every field of the result is a key of the same name (a field that does not apply is ``null``), so
``json.load`` alone is enough to read the status, the bounds, the minimizers (``x``, ``atoms``),
the ranks (``flatness``), the solver's statistics (``solver``) and the problem (``problem``: its
polynomials, and the exact rational coefficients of the expressions it was written with). The
exact proof is :meth:`momentsos.Proof.to_json`'s object, so a loaded result's proof still passes
:func:`momentsos.check_proof`. ``metadata`` is free-form (the command line records its options
there) and ``success`` repeats ``status == "certified"`` for readers of the JSON; loading ignores both.

Conventions of the encoding, stated once here:

* floats are written with ``repr``, which round-trips exactly; ``inf``, ``-inf`` and ``nan`` (not
  JSON) are the strings ``"inf"``, ``"-inf"``, ``"nan"``, so the file is strict JSON;
* arrays are nested lists (an empty array of several dimensions is ``{"shape": [...], "data": []}``);
* enums are their values, sympy symbols their names (restored as plain ``sympy.Symbol``: assumptions
  such as ``real=True`` are not kept), tuples are lists;
* a field this module has no rule for (one added to the result later) is written in a tagged form
  that :func:`decode_value` restores with its Python type (``{"__ndarray__": ...}``, ``{"__enum__": ...}``,
  ``{"__tuple__": ...}``, ...); a field missing from the file takes its default, and a key that is no
  field is ignored, so files written by a neighbouring version load.

Loading checks ``format`` and ``version`` first; another name or version raises
:class:`~momentsos.errors.ResultFormatError` (a ValueError) naming the file, the version found and
the version this code reads. Version 1 is the first.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from .basis import MonomialBasis
from .certify.atoms import Atom
from .certify.extraction import ExtractionOutcome
from .certify.flatness import FlatnessReport
from .certify.proof import Proof
from .certify.sos import EqualityMultiplier, GramBlock, SOSCertificate
from .certify.verified import Box, VerifiedBound
from .errors import ResultFormatError
from .polynomial import Polynomial, sparse_terms
from .problem import PolyProblem
from .relax.maps import MomentMatrix
from .relax.report import SparsityReport
from .result import OrderRecord, PolyOptResult, SolverStats, Status

__all__ = [
    "FORMAT",
    "VERSION",
    "result_to_dict",
    "result_from_dict",
    "save_result",
    "load_result",
    "check_header",
    "format_document",
    "write_document",
    "read_document",
    "encode_float",
    "decode_float",
    "encode_array",
    "decode_array",
    "encode_value",
    "decode_value",
    "encode_fields",
    "decode_fields",
    "encode_metadata",
]

FORMAT = "momentsos.PolyOptResult"
VERSION = 1

Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]
"""An (encode, decode) pair: Python value <-> JSON-able value."""


# -- numbers and arrays ---------------------------------------------------------------------------
def encode_float(value: Any) -> float | str | None:
    """A float for JSON: itself when finite (``repr`` is exact), ``"inf"``/``"-inf"``/``"nan"`` else."""
    if value is None:
        return None
    x = float(value)
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def decode_float(value: Any) -> float | None:
    """The inverse of :func:`encode_float`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _nested(value: Any, leaf: Callable[[Any], Any]) -> Any:
    return [_nested(v, leaf) for v in value] if isinstance(value, list) else leaf(value)


def encode_array(value: Any) -> Any:
    """A float or int array as nested lists (non-finite floats as strings); None stays None."""
    if value is None:
        return None
    arr = np.asarray(value)
    if arr.dtype.kind in "iub":
        data = arr.astype(np.int64).tolist()
    else:
        data = _nested(arr.astype(np.float64).tolist(), encode_float)
    if arr.ndim > 1 and arr.size == 0:
        return {"shape": list(arr.shape), "data": data}
    return data


def decode_array(value: Any, dtype: Any = np.float64) -> Any:
    """The inverse of :func:`encode_array` (``dtype`` float64 or int64)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return np.asarray(value["data"], dtype=dtype).reshape(value["shape"])
    if np.dtype(dtype).kind == "f":
        return np.array(_nested(value, decode_float), dtype=np.float64)
    return np.array(value, dtype=dtype)


# -- the generic, tagged form (for fields without a rule) ------------------------------------------
_TRUSTED = ("momentsos", "nets")
"""Packages whose enums and dataclasses a tagged value may name; nothing else is imported on load."""


def _qualified(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _lookup(name: str, kind: type | None) -> Any:
    module, _, qualname = name.partition(":")
    if module.split(".")[0] not in _TRUSTED or not qualname:
        raise ValueError(f"the type {name!r} is outside {', '.join(_TRUSTED)}")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    ok = dataclasses.is_dataclass(obj) if kind is None else (isinstance(obj, type) and issubclass(obj, kind))
    if not ok:
        raise ValueError(f"{name!r} is not {'a dataclass' if kind is None else 'an enum'}")
    return obj


def encode_value(value: Any) -> Any:
    """Any value made of JSON scalars, floats, arrays, enums, tuples, lists, string-keyed dicts,
    sympy symbols and dataclasses of momentsos/nets, in a tagged form :func:`decode_value` inverts."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        x = encode_float(value)
        return x if isinstance(x, float) else {"__float__": x}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": encode_array(value), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, enum.Enum):
        return {"__enum__": _qualified(type(value)), "value": encode_value(value.value)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode_value(v) for v in value]}
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode_value(v) for k, v in value.items()}}
    if isinstance(value, sp.Symbol):
        return {"__symbol__": value.name}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__dataclass__": _qualified(type(value)),
                "fields": {f.name: encode_value(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"cannot write a {type(value).__name__} to JSON")


def decode_value(value: Any) -> Any:
    """The inverse of :func:`encode_value`."""
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__float__" in value:
        return float(value["__float__"])
    if "__ndarray__" in value:
        dtype = np.dtype(value["dtype"])
        if dtype.kind not in "biuf":
            raise ValueError(f"arrays of dtype {dtype} are not read")
        arr = decode_array(value["__ndarray__"], np.float64 if dtype.kind == "f" else np.int64)
        return np.asarray(arr).astype(dtype).reshape(value["shape"])
    if "__enum__" in value:
        return _lookup(value["__enum__"], enum.Enum)(decode_value(value["value"]))
    if "__tuple__" in value:
        return tuple(decode_value(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {k: decode_value(v) for k, v in value["__dict__"].items()}
    if "__symbol__" in value:
        return sp.Symbol(value["__symbol__"])
    if "__dataclass__" in value:
        cls = _lookup(value["__dataclass__"], None)
        return decode_fields(cls, value["fields"], {})
    raise ValueError(f"an untagged object {sorted(value)!r} where a tagged value was expected")


GENERIC: Codec = (encode_value, decode_value)


# -- dataclasses, field by field --------------------------------------------------------------------
def encode_fields(obj: Any, codecs: Mapping[str, Codec]) -> dict[str, Any]:
    """``{field: encoded value}`` over ``dataclasses.fields(obj)``; fields without a codec go through
    :func:`encode_value` (so a field added later is written too)."""
    out = {}
    for f in dataclasses.fields(obj):
        encode = codecs.get(f.name, GENERIC)[0]
        try:
            out[f.name] = encode(getattr(obj, f.name))
        except TypeError as exc:
            raise TypeError(f"{type(obj).__name__}.{f.name}: {exc}") from None
    return out


def decode_fields(cls: type, data: Mapping[str, Any], codecs: Mapping[str, Codec], **given: Any) -> Any:
    """``cls(**fields)`` from :func:`encode_fields`' dict: a missing field takes its default (and is an
    error without one); keys that are no field are ignored. ``given`` overrides decoded fields."""
    if not isinstance(data, Mapping):
        raise TypeError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in given:
            kwargs[f.name] = given[f.name]
        elif f.name in data:
            try:
                kwargs[f.name] = codecs.get(f.name, GENERIC)[1](data[f.name])
            except ResultFormatError:  # a nested document's own header error, already explicit
                raise
            except (KeyError, TypeError, ValueError, AttributeError, ImportError) as exc:
                raise ValueError(f"{cls.__name__}.{f.name}: {type(exc).__name__}: {exc}") from None
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ValueError(f"{cls.__name__}: the field {f.name!r} is missing")
    return cls(**kwargs)


def _optional(codec: Codec) -> Codec:
    return (lambda v: None if v is None else codec[0](v)), (lambda v: None if v is None else codec[1](v))


def _sequence(codec: Codec) -> Codec:
    return (lambda v: [codec[0](x) for x in v]), (lambda v: tuple(codec[1](x) for x in v))


def _dataclass(cls: type, codecs: Mapping[str, Codec]) -> Codec:
    return (lambda v: encode_fields(v, codecs)), (lambda v: decode_fields(cls, v, codecs))


def _enum(cls: type[enum.Enum]) -> Codec:
    return (lambda v: v.value), cls


def _plain(kind: type) -> Codec:
    def decode(v: Any) -> Any:
        if kind is not bool and isinstance(v, bool) or not isinstance(v, kind):
            raise TypeError(f"expected {kind.__name__}, got {v!r}")
        return v

    return (lambda v: kind(v)), decode


FLOAT: Codec = (encode_float, decode_float)
INT, STR, BOOL = _plain(int), _plain(str), _plain(bool)
ARRAY: Codec = (encode_array, decode_array)
INT_ARRAY: Codec = (encode_array, lambda v: decode_array(v, np.int64))
INTS = _sequence(INT)


# -- the momentsos types ----------------------------------------------------------------------------
def _encode_polynomial(p: Polynomial) -> dict[str, Any]:
    return {"nvars": p.nvars, "exponents": encode_array(p.exponents), "coefficients": encode_array(p.coefficients)}


def _decode_polynomial(d: Mapping[str, Any]) -> Polynomial:
    exps = np.asarray(decode_array(d["exponents"], np.int64), dtype=np.int64).reshape(-1, int(d["nvars"]))
    return Polynomial(exps, decode_array(d["coefficients"]).reshape(-1))


POLYNOMIAL: Codec = (_encode_polynomial, _decode_polynomial)
POLYNOMIALS = _sequence(POLYNOMIAL)
SYMBOLS: Codec = (lambda v: [str(s) for s in v]), (lambda v: tuple(sp.Symbol(_name(s)) for s in v))


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"a variable name must be a non-empty string; got {value!r}")
    return value


def _exact_terms(expr: sp.Expr, variables: tuple[sp.Symbol, ...]) -> list[list[Any]]:
    """``expr``'s terms ``[exponents, "p/q"]``, each Float read as the binary number it holds (as the
    proofs of :mod:`momentsos.certify.exact` read it)."""
    floats = {f: sp.Rational(*float(f).as_integer_ratio()) for f in sp.sympify(expr).atoms(sp.Float)}
    return [[list(a), str(sp.Rational(c))] for a, c in sparse_terms(sp.sympify(expr).xreplace(floats), variables)]


def _expression(terms: list[list[Any]], variables: tuple[sp.Symbol, ...]) -> sp.Expr:
    out = []
    for exps, coefficient in terms:
        if not isinstance(coefficient, str):
            raise TypeError(f"an exact coefficient must be a string 'p/q'; got {coefficient!r}")
        monomial = sp.Mul(*(v**int(e) for v, e in zip(variables, exps)))
        out.append(sp.Rational(coefficient) * monomial)
    return sp.Add(*out)


def _encode_problem(problem: PolyProblem) -> dict[str, Any]:
    v = problem.variables
    out: dict[str, Any] = {
        "variables": [str(s) for s in v],
        "objective": _encode_polynomial(problem.objective),
        "inequalities": [_encode_polynomial(g) for g in problem.inequalities],
        "equalities": [_encode_polynomial(h) for h in problem.equalities],
        "expressions": None,
    }
    exprs = problem.expressions
    if exprs:
        out["expressions"] = {
            "objective": _exact_terms(exprs["objective"], v),
            "inequalities": [_exact_terms(g, v) for g in exprs["inequalities"]],
            "equalities": [_exact_terms(h, v) for h in exprs["equalities"]],
        }
    return out


def _decode_problem(d: Mapping[str, Any]) -> PolyProblem:
    variables = SYMBOLS[1](d["variables"])
    problem = PolyProblem.from_polynomials(
        _decode_polynomial(d["objective"]),
        [_decode_polynomial(g) for g in d["inequalities"]],
        [_decode_polynomial(h) for h in d["equalities"]],
        variables=variables,
    )
    exact = d.get("expressions")
    if exact:
        # The float polynomials above are the data the solver saw; the expressions, rebuilt from exact
        # rationals, are what the user wrote (the exact proof reads them). Set them the way
        # PolyProblem's own constructors do, so both round-trip exactly.
        object.__setattr__(problem, "expressions", {
            "objective": _expression(exact["objective"], variables),
            "inequalities": tuple(_expression(g, variables) for g in exact["inequalities"]),
            "equalities": tuple(_expression(h, variables) for h in exact["equalities"]),
        })
    return problem


def _encode_moment_matrix(m: MomentMatrix) -> dict[str, Any]:
    return {"order": m.order, "nvars": m.basis.nvars, "degree": m.basis.degree, "values": encode_array(m.values)}


def _decode_moment_matrix(d: Mapping[str, Any]) -> MomentMatrix:
    return MomentMatrix(decode_array(d["values"]), MonomialBasis(int(d["nvars"]), int(d["degree"])), int(d["order"]))


_GRAM_BLOCK = {"gram": ARRAY, "basis": INT_ARRAY, "multiplier": POLYNOMIAL}
_EQUALITY_MULTIPLIER = {"equality": POLYNOMIAL, "multiplier": POLYNOMIAL}
_CERTIFICATE = {
    "objective": POLYNOMIAL,
    "bound": FLOAT,
    "blocks": _sequence(_dataclass(GramBlock, _GRAM_BLOCK)),
    "equalities": _sequence(_dataclass(EqualityMultiplier, _EQUALITY_MULTIPLIER)),
    "variables": SYMBOLS,
}


def _encode_certificate(c: SOSCertificate) -> dict[str, Any]:
    out = encode_fields(c, _CERTIFICATE)
    # a summary for readers of the JSON (recomputed from the fields on load, so not read back)
    out.update(residual_norm=encode_float(c.residual_norm), min_eigenvalue=encode_float(c.min_eigenvalue),
               block_sizes=[b.size for b in c.blocks])
    return out


def _decode_certificate(d: Mapping[str, Any]) -> SOSCertificate:
    return decode_fields(SOSCertificate, d, _CERTIFICATE)


def _encode_proof(p: Proof) -> dict[str, Any]:
    return dict(json.loads(p.to_json()))


def _decode_proof(d: Mapping[str, Any]) -> Proof:
    return Proof.from_json(json.dumps(d))


_FLATNESS = {"ranks": INTS, "doubts": _sequence(FLOAT), "singular_values": _sequence(ARRAY), "shift": INT,
             "flat_orders": INTS}
FLATNESS = _dataclass(FlatnessReport, _FLATNESS)


def _encode_sparsity(s: SparsityReport) -> dict[str, Any]:
    out = encode_fields(s, _SPARSITY)
    out["clique_ranks"] = None if s.clique_flatness is None else [list(f.ranks) for f in s.clique_flatness]
    return out


_SPARSITY = {
    "requested": STR, "used": STR, "reason": STR, "chordal_extension": STR,
    "cliques": _sequence(INTS), "term_step": _optional(INT), "fixed_point": _optional(BOOL),
    "moment_blocks": INTS, "localizing_blocks": INTS, "num_moments": INT, "dense_num_moments": INT,
    "clique_flatness": _optional(_sequence(FLATNESS)), "overlap_consistent": _optional(BOOL), "certified_by": STR,
}

_VERIFIED = {
    "lower_bound": FLOAT, "reason": STR,
    "box": _optional(_dataclass(Box, {"lower": ARRAY, "upper": ARRAY, "source": STR})),
    "certificate_bound": FLOAT, "residual_term": FLOAT, "psd_term": FLOAT,
}

_SOLVER = {
    "name": STR, "raw_status": STR, "num_iters": _optional(INT), "build_time": FLOAT, "compile_time": FLOAT,
    "solve_time": FLOAT, "extraction_time": FLOAT, "tried": _sequence(STR),
}

_ORDER_RECORD = {"order": INT, "status": _enum(Status), "lower_bound": FLOAT, "ranks": _optional(INTS),
                 "solve_time": FLOAT}

_ATOM = {"point": ARRAY, "weight": FLOAT, "objective": FLOAT, "violation": FLOAT}

RESULT_CODECS: dict[str, Codec] = {
    "status": _enum(Status),
    "message": STR,
    "lower_bound": FLOAT,
    "upper_bound": FLOAT,
    "gap": FLOAT,
    "x": ARRAY,
    "atoms": _sequence(_dataclass(Atom, _ATOM)),
    "order": INT,
    "variables": SYMBOLS,
    "flatness": _optional(FLATNESS),
    "extraction": _enum(ExtractionOutcome),
    "moment_matrix": _optional((_encode_moment_matrix, _decode_moment_matrix)),
    "solver": _dataclass(SolverStats, _SOLVER),
    "problem": (_encode_problem, _decode_problem),
    "hierarchy": _sequence(_dataclass(OrderRecord, _ORDER_RECORD)),
    "minimizers_complete": BOOL,
    "sparsity": _optional((_encode_sparsity, lambda d: decode_fields(SparsityReport, d, _SPARSITY))),
    "certificate": _optional((_encode_certificate, _decode_certificate)),
    "verified_lower_bound": FLOAT,
    "verification": _optional(_dataclass(VerifiedBound, _VERIFIED)),
    "proof": _optional((_encode_proof, _decode_proof)),
    "proof_note": STR,
}
"""How each field of :class:`PolyOptResult` is written; a field not listed goes through :func:`encode_value`."""


# -- documents --------------------------------------------------------------------------------------
def check_header(data: Any, fmt: str, version: int, source: str) -> None:
    """Raise :class:`ResultFormatError` unless ``data`` is a ``fmt`` document of ``version``."""
    if not isinstance(data, Mapping):
        raise ResultFormatError(f"{source}: expected a JSON object with \"format\": {fmt!r}; got {type(data).__name__}")
    found_fmt, found_version = data.get("format"), data.get("version")
    if found_fmt != fmt:
        raise ResultFormatError(
            f"{source}: the format is {found_fmt!r} (version {found_version!r}), not {fmt!r}; "
            f"this code reads {fmt!r} version {version}"
        )
    if found_version != version:
        raise ResultFormatError(
            f"{source}: {fmt} version {found_version!r} is not supported; this code reads version {version}"
        )


def result_to_dict(result: PolyOptResult, metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``result`` as a JSON-able dict (see the module notes); ``metadata`` is stored as given."""
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    out.update(encode_fields(result, RESULT_CODECS))
    out["success"] = result.success
    if metadata is not None:
        out["metadata"] = encode_metadata(metadata)
    return out


def encode_metadata(metadata: Mapping[str, Any]) -> Any:
    """``metadata`` as given when it is plain JSON already, else in :func:`encode_value`'s tagged form."""
    try:
        json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError):
        return encode_value(dict(metadata))
    return dict(metadata)


def result_from_dict(data: Mapping[str, Any], source: str = "the dict") -> PolyOptResult:
    """The :class:`PolyOptResult` written by :func:`result_to_dict`; ``source`` names it in errors."""
    check_header(data, FORMAT, VERSION, source)
    try:
        return decode_fields(PolyOptResult, data, RESULT_CODECS)
    except ResultFormatError:
        raise
    except (TypeError, ValueError) as exc:
        raise ResultFormatError(f"{source}: a malformed {FORMAT} version {VERSION} document ({exc})") from None


def format_document(data: Mapping[str, Any]) -> str:
    """``data`` as strict JSON text, one top-level key per line (arrays stay on their key's line)."""
    lines = [f"{json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in data.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write_document(data: Mapping[str, Any], path: str | Path) -> Path:
    """Write :func:`format_document` of ``data`` to ``path``; returns the path."""
    path = Path(path)
    path.write_text(format_document(data), encoding="utf-8")
    return path


def read_document(path: str | Path) -> Any:
    """The JSON value in ``path``; :class:`ResultFormatError` when it is not JSON (OSError as usual)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultFormatError(f"{path}: not a JSON document ({exc})") from None


def save_result(result: PolyOptResult, path: str | Path, metadata: Mapping[str, Any] | None = None) -> Path:
    """Write ``result`` to ``path`` as JSON (:func:`result_to_dict`); returns the path."""
    return write_document(result_to_dict(result, metadata), path)


def load_result(path: str | Path) -> PolyOptResult:
    """The result saved in ``path`` by :func:`save_result`."""
    return result_from_dict(read_document(path), source=str(path))
