"""Engines layer: numpy helpers for indexing, labels and the softmax family -- the functions the
numpy templates of exprgrad/core/ops.py name (``index``, ``pick``, ``logsumexp``, ``softmax``,
``log_softmax``, ``log_sigmoid`` and their vjps), and what every numpy helper shares: the
``_Problem`` a helper raises (exprgrad/engines/numpy.py turns it into a ``NodeError``), shapes in
words, axes.

Integers (an index, labels) are checked here, where the shape they index is known: whole numbers
(else a binding error), in range (else a shape error).  The softmax family shifts by the maximum
before ``exp``, so scores of ±1000 neither overflow nor underflow to a wrong answer.
Imports: numpy, exprgrad.errors, exprgrad.engines.scalar (number formatting).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArityError, BindingError, ExprgradError, ShapeError
from .scalar import fmt


class _Problem(Exception):
    """A shape/axis problem found inside a helper; ``forward`` turns it into a ``NodeError``."""

    def __init__(self, message: str, cls: type[ExprgradError] = ShapeError):
        super().__init__(message)
        self.message = message
        self.cls = cls


def _shape(a: Any) -> tuple[int, ...]:
    return tuple(np.shape(a))


def _axis(x, axis) -> int | None:
    if axis is None:
        return None
    a = float(axis)
    if not a.is_integer():
        raise _Problem(f"the axis must be an integer, got {fmt(a)}", ArityError)
    nd = np.ndim(x)
    if not -nd <= a < nd:  # shortest text, so sum(X, 1e300) says "axis 1e+300"
        raise _Problem(f"axis {fmt(a)} is out of range for shape {_shape(x)}")
    return int(a)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x): finite for every finite x."""
    return -np.logaddexp(0.0, np.negative(x))


# -- indexing and labels: integers, checked here (whole, in range); no gradient to them ------------


def _whole(k, what: str):
    """``k`` (a number or an array) as integers; a _Problem (binding) if one is not whole."""
    a = np.asarray(k)
    ok = np.isfinite(a) & (a == np.trunc(a))
    if not ok.all():
        bad = float(a[~ok].flat[0]) if a.ndim else float(a)
        raise _Problem(f"{what} must be a whole number, got {fmt(bad)}", BindingError)
    if a.ndim == 0:
        return int(a)
    return a.astype(np.intp)


def _rows(x) -> str:
    shape = _shape(x)
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    return f"a matrix of {shape[0]} row{'s' if shape[0] != 1 else ''} (shape {shape})"


def _index(x, k):
    """``k`` as an index into the first axis of ``x``, checked: whole, -n <= k < n."""
    if np.ndim(x) == 0:
        raise _Problem("only a vector or a matrix can be indexed; this value is a number")
    i = _whole(k, "an index")
    n = np.shape(x)[0]
    out = np.asarray(i)
    bad = (out < -n) | (out >= n)
    if bad.any():
        b = int(out[bad].flat[0]) if out.ndim else int(out)
        raise _Problem(
            f"index {b} is out of range for {_rows(x)} (0 to {n - 1}, or -{n} to -1 from the end)"
        )
    if out.ndim and out.ndim + np.ndim(x) - 1 > 2:
        raise _Problem(f"indexing {_rows(x)} by a matrix of indices gives more than 2 dimensions")
    return i


def index(x, k):
    """x[k]: element k of a vector, row k of a matrix (a copy: ops never share memory)."""
    out = x[_index(x, k)]
    return np.array(out) if np.ndim(out) else out


def index_vjp(g, x, k):
    """The gradient of x[k]: g at element (row) k, 0 elsewhere (summed where k repeats)."""
    out = np.zeros(np.shape(x))
    np.add.at(out, _index(x, k), g)
    return out


def _labels(x, y):
    """The (rows, labels) of pick(P, labels), checked: a matrix, one whole label per row, each
    label a column of P."""
    if np.ndim(x) != 2:
        raise _Problem(
            f"pick takes a matrix of scores (one row per example) and a vector of labels; "
            f"got {_rows(x) if np.ndim(x) else 'a number'} (pick(p, k) of a vector is p[k])"
        )
    n, c = x.shape
    lab = _whole(y, "a label")
    if np.ndim(lab) != 1 or np.shape(lab)[0] != n:
        got = f"{np.size(lab)} label{'s' if np.size(lab) != 1 else ''} (shape {_shape(y)})"
        raise _Problem(f"the matrix has {n} row{'s' if n != 1 else ''} but there are {got}")
    bad = (lab < 0) | (lab >= c)
    if bad.any():
        r = int(np.argmax(bad))
        raise _Problem(
            f"labels[{r}] = {int(lab[r])} is out of range for {c} column{'s' if c != 1 else ''}"
            f" (0 to {c - 1})"
        )
    return np.arange(n), lab


def pick(x, y):
    """P[i, labels[i]] for every row i; pick(p, k) of a vector is p[k]."""
    if np.ndim(x) == 1 and np.ndim(y) == 0:
        return index(x, y)
    return x[_labels(x, y)]


def pick_vjp(g, x, y):
    if np.ndim(x) == 1 and np.ndim(y) == 0:
        return index_vjp(g, x, y)
    out = np.zeros(np.shape(x))
    out[_labels(x, y)] = g
    return out


# -- the softmax family, stable at any scores: shift by the maximum before exp ------------------


def _shift(x, a):
    """The maximum along ``a`` (kept as an axis), 0 where it is not finite (all -inf, an inf or
    a nan: the arithmetic then gives the IEEE answer)."""
    m = np.max(x, axis=a, keepdims=True)
    return np.where(np.isfinite(m), m, 0.0)


def _keep(v, x, a):
    """``v`` reduced along axis ``a`` (None: all) of ``x``, shaped to broadcast against x."""
    return v if a is None else np.expand_dims(v, a)


def _soft_axis(x, axis, name: str) -> int | None:
    a = _axis(x, axis)
    if a is None and np.ndim(x) == 2:
        raise _Problem(
            f"{name} of a matrix needs an axis: {name}(P, 1) for each row, {name}(P, 0) for each "
            "column"
        )
    return a


def logsumexp(x, axis):
    a = _axis(x, axis)
    if np.size(x) == 0:
        raise _Problem(f"logsumexp of an empty array (shape {_shape(x)})")
    m = _shift(x, a)
    out = np.log(np.sum(np.exp(x - m), axis=a, keepdims=True)) + m
    return out.reshape(()) if a is None else np.squeeze(out, axis=a)


def logsumexp_vjp(g, ans, x, axis):
    """Each element gets g × its softmax weight exp(x - logsumexp(x))."""
    a = _axis(x, axis)
    return _keep(g, x, a) * np.exp(x - _keep(ans, x, a))


def softmax(x, axis):
    a = _soft_axis(x, axis, "softmax")
    e = np.exp(x - _shift(x, a))
    return e / np.sum(e, axis=a, keepdims=True)


def softmax_vjp(g, ans, x, axis):
    a = _soft_axis(x, axis, "softmax")
    return ans * (g - np.sum(g * ans, axis=a, keepdims=True))


def log_softmax(x, axis):
    a = _soft_axis(x, axis, "log_softmax")
    m = _shift(x, a)
    return x - (np.log(np.sum(np.exp(x - m), axis=a, keepdims=True)) + m)


def log_softmax_vjp(g, ans, x, axis):
    a = _soft_axis(x, axis, "log_softmax")
    return g - np.exp(ans) * np.sum(g, axis=a, keepdims=True)
