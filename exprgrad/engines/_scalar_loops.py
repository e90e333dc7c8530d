"""Engines layer: the GENERATED scalar loops (tools/gen_engine.py); do not edit.

The scalar forward and reverse loops; see exprgrad/engines/codegen.py for how and why.
"""

# ruff: noqa
import math

from . import ieee

exp, log, sqrt = math.exp, math.log, math.sqrt
sin, cos, tan = math.sin, math.cos, math.tan
tanh, _pow = math.tanh, math.pow
sigmoid, softplus, log_sigmoid = ieee.sigmoid, ieee.softplus, ieee.log_sigmoid
nan, inf = math.nan, math.inf


def _unknown(code):
    return RuntimeError(f'the scalar engine cannot run op {code}')


def _safe_tables():
    from .ieee import cos, exp, log, log_sigmoid, sigmoid, sin, softplus, sqrt, tan
    from .ieee import div as _div, pow as _pow

    fwd = [
        None,  # var
        None,  # const
        lambda x, y: x + y,  # add
        lambda x, y: x * y,  # mul
        lambda x, y: x - y,  # sub
        lambda x, y: tanh(x),  # tanh
        lambda x, y: _div(x, y),  # div
        lambda x, y: exp(x),  # exp
        lambda x, y: log(x),  # log
        lambda x, y: _pow(x, y),  # powc
        lambda x, y: _pow(x, y),  # pow
        lambda x, y: -x,  # neg
        lambda x, y: x,  # pos
        lambda x, y: sigmoid(x),  # sigmoid
        lambda x, y: 0.0 if x <= 0.0 else x,  # relu
        lambda x, y: abs(x),  # abs
        lambda x, y: x if x >= y else y if x < y else nan,  # max
        lambda x, y: x if x <= y else y if x > y else nan,  # min
        lambda x, y: sqrt(x),  # sqrt
        lambda x, y: sin(x),  # sin
        lambda x, y: cos(x),  # cos
        lambda x, y: tan(x),  # tan
        lambda x, y: softplus(x),  # softplus
        lambda x, y: log_sigmoid(x),  # log_sigmoid
        None,  # matmul
        None,  # sum
        None,  # mean
        None,  # transpose
        None,  # index
        None,  # pick
        None,  # logsumexp
        None,  # softmax
        None,  # log_softmax
    ]
    vjp = [
        None,  # var
        None,  # const
        lambda g, ans, x, y: (g, g),  # add
        lambda g, ans, x, y: (g * y, g * x),  # mul
        lambda g, ans, x, y: (g, -g),  # sub
        lambda g, ans, x, y: (g * (1.0 - ans * ans), None),  # tanh
        lambda g, ans, x, y: (g * _div(1.0, y), g * _div(-ans, y)),  # div
        lambda g, ans, x, y: (g * ans, None),  # exp
        lambda g, ans, x, y: (g * _div(1.0, x), None),  # log
        lambda g, ans, x, y: (g * (0.0 if y == 0.0 else y * _pow(x, y - 1.0)), None),  # powc
        lambda g, ans, x, y: (g * (0.0 if y == 0.0 else y * _pow(x, y - 1.0)), g * (nan if x < 0.0 else 0.0 if x == 0.0 and ans == 0.0 else ans * log(x))),  # pow
        lambda g, ans, x, y: (-g, None),  # neg
        lambda g, ans, x, y: (g, None),  # pos
        lambda g, ans, x, y: (g * (ans * (1.0 - ans)), None),  # sigmoid
        lambda g, ans, x, y: (g * (1.0 if x > 0.0 else 0.0 if x <= 0.0 else nan), None),  # relu
        lambda g, ans, x, y: (g * (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else nan), None),  # abs
        lambda g, ans, x, y: (g * (1.0 if x > y else 0.0 if x < y else 0.5 if x == y else nan), g * (0.0 if x > y else 1.0 if x < y else 0.5 if x == y else nan)),  # max
        lambda g, ans, x, y: (g * (1.0 if x < y else 0.0 if x > y else 0.5 if x == y else nan), g * (0.0 if x < y else 1.0 if x > y else 0.5 if x == y else nan)),  # min
        lambda g, ans, x, y: (g * _div(0.5, ans), None),  # sqrt
        lambda g, ans, x, y: (g * cos(x), None),  # sin
        lambda g, ans, x, y: (g * -sin(x), None),  # cos
        lambda g, ans, x, y: (g * (1.0 + ans * ans), None),  # tan
        lambda g, ans, x, y: (g * sigmoid(x), None),  # softplus
        lambda g, ans, x, y: (g * sigmoid(-x), None),  # log_sigmoid
        None,  # matmul
        None,  # sum
        None,  # mean
        None,  # transpose
        None,  # index
        None,  # pick
        None,  # logsumexp
        None,  # softmax
        None,  # log_softmax
    ]
    local = [
        None,  # var
        None,  # const
        lambda ans, x, y: (1.0, 1.0),  # add
        lambda ans, x, y: (y, x),  # mul
        lambda ans, x, y: (1.0, -1.0),  # sub
        lambda ans, x, y: (1.0 - ans * ans, None),  # tanh
        lambda ans, x, y: (_div(1.0, y), _div(-ans, y)),  # div
        lambda ans, x, y: (ans, None),  # exp
        lambda ans, x, y: (_div(1.0, x), None),  # log
        lambda ans, x, y: (0.0 if y == 0.0 else y * _pow(x, y - 1.0), None),  # powc
        lambda ans, x, y: (0.0 if y == 0.0 else y * _pow(x, y - 1.0), nan if x < 0.0 else 0.0 if x == 0.0 and ans == 0.0 else ans * log(x)),  # pow
        lambda ans, x, y: (-1.0, None),  # neg
        lambda ans, x, y: (1.0, None),  # pos
        lambda ans, x, y: (ans * (1.0 - ans), None),  # sigmoid
        lambda ans, x, y: (1.0 if x > 0.0 else 0.0 if x <= 0.0 else nan, None),  # relu
        lambda ans, x, y: (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else nan, None),  # abs
        lambda ans, x, y: (1.0 if x > y else 0.0 if x < y else 0.5 if x == y else nan, 0.0 if x > y else 1.0 if x < y else 0.5 if x == y else nan),  # max
        lambda ans, x, y: (1.0 if x < y else 0.0 if x > y else 0.5 if x == y else nan, 0.0 if x < y else 1.0 if x > y else 0.5 if x == y else nan),  # min
        lambda ans, x, y: (_div(0.5, ans), None),  # sqrt
        lambda ans, x, y: (cos(x), None),  # sin
        lambda ans, x, y: (-sin(x), None),  # cos
        lambda ans, x, y: (1.0 + ans * ans, None),  # tan
        lambda ans, x, y: (sigmoid(x), None),  # softplus
        lambda ans, x, y: (sigmoid(-x), None),  # log_sigmoid
        None,  # matmul
        None,  # sum
        None,  # mean
        None,  # transpose
        None,  # index
        None,  # pick
        None,  # logsumexp
        None,  # softmax
        None,  # log_softmax
    ]
    kink = [
        None,  # var
        None,  # const
        None,  # add
        None,  # mul
        None,  # sub
        None,  # tanh
        None,  # div
        None,  # exp
        None,  # log
        None,  # powc
        None,  # pow
        None,  # neg
        None,  # pos
        None,  # sigmoid
        lambda x, y: x,  # relu
        lambda x, y: x,  # abs
        lambda x, y: x - y,  # max
        lambda x, y: x - y,  # min
        None,  # sqrt
        None,  # sin
        None,  # cos
        None,  # tan
        None,  # softplus
        None,  # log_sigmoid
        None,  # matmul
        None,  # sum
        None,  # mean
        None,  # transpose
        None,  # index
        None,  # pick
        None,  # logsumexp
        None,  # softmax
        None,  # log_softmax
    ]
    edge = [
        None,  # var
        None,  # const
        None,  # add
        None,  # mul
        None,  # sub
        None,  # tanh
        lambda x, y: y,  # div
        None,  # exp
        lambda x, y: x,  # log
        None,  # powc
        lambda x, y: x,  # pow
        None,  # neg
        None,  # pos
        None,  # sigmoid
        None,  # relu
        None,  # abs
        None,  # max
        None,  # min
        lambda x, y: x,  # sqrt
        None,  # sin
        None,  # cos
        lambda x, y: cos(x),  # tan
        None,  # softplus
        None,  # log_sigmoid
        None,  # matmul
        None,  # sum
        None,  # mean
        None,  # transpose
        None,  # index
        None,  # pick
        None,  # logsumexp
        None,  # softmax
        None,  # log_softmax
    ]
    return fwd, vjp, local, kink, edge


_safe_fwd, _safe_vjp, SAFE_LOCAL, SAFE_KINK, SAFE_EDGE = _safe_tables()
SAFE_FWD, SAFE_VJP = _safe_fwd, _safe_vjp

def forward(v, oi, oo, ox, oy):
    it = zip(oi, oo, ox, oy)
    while True:
        try:
            for i, o, x, y in it:
                if o == 2:  # add
                    v[i] = v[x] + v[y]
                elif o == 3:  # mul
                    v[i] = v[x] * v[y]
                elif o == 4:  # sub
                    v[i] = v[x] - v[y]
                elif o == 5:  # tanh
                    v[i] = tanh(v[x])
                elif o == 6:  # div
                    v[i] = v[x] / v[y]
                elif o == 7:  # exp
                    v[i] = exp(v[x])
                elif o == 8:  # log
                    v[i] = log(v[x])
                elif o == 9:  # powc
                    v[i] = _pow(v[x], v[y])
                elif o == 10:  # pow
                    v[i] = _pow(v[x], v[y])
                elif o == 11:  # neg
                    v[i] = -v[x]
                elif o == 12:  # pos
                    v[i] = v[x]
                elif o == 13:  # sigmoid
                    v[i] = sigmoid(v[x])
                elif o == 14:  # relu
                    v[i] = 0.0 if v[x] <= 0.0 else v[x]
                elif o == 15:  # abs
                    v[i] = abs(v[x])
                elif o == 16:  # max
                    v[i] = v[x] if v[x] >= v[y] else v[y] if v[x] < v[y] else nan
                elif o == 17:  # min
                    v[i] = v[x] if v[x] <= v[y] else v[y] if v[x] > v[y] else nan
                elif o == 18:  # sqrt
                    v[i] = sqrt(v[x])
                elif o == 19:  # sin
                    v[i] = sin(v[x])
                elif o == 20:  # cos
                    v[i] = cos(v[x])
                elif o == 21:  # tan
                    v[i] = tan(v[x])
                elif o == 22:  # softplus
                    v[i] = softplus(v[x])
                elif o == 23:  # log_sigmoid
                    v[i] = log_sigmoid(v[x])
                else:
                    raise _unknown(o)
            return
        except (ArithmeticError, ValueError):
            v[i] = _safe_fwd[o](v[x], v[y])


def backward(v, g, oi, oo, ox, oy):
    it = zip(reversed(oi), reversed(oo), reversed(ox), reversed(oy))
    while True:
        try:
            for i, o, x, y in it:
                gi = g[i]
                if o == 2:  # add
                    g[x] += gi
                    g[y] += gi
                elif o == 3:  # mul
                    g[x] += gi * v[y]
                    g[y] += gi * v[x]
                elif o == 4:  # sub
                    g[x] += gi
                    g[y] -= gi
                elif o == 5:  # tanh
                    g[x] += gi * (1.0 - v[i] * v[i])
                elif o == 6:  # div
                    d0 = gi * (1.0 / v[y])
                    d1 = gi * (-v[i] / v[y])
                    g[x] += d0
                    g[y] += d1
                elif o == 7:  # exp
                    g[x] += gi * v[i]
                elif o == 8:  # log
                    g[x] += gi * (1.0 / v[x])
                elif o == 9:  # powc
                    g[x] += gi * (0.0 if v[y] == 0.0 else v[y] * _pow(v[x], v[y] - 1.0))
                elif o == 10:  # pow
                    d0 = gi * (0.0 if v[y] == 0.0 else v[y] * _pow(v[x], v[y] - 1.0))
                    d1 = gi * (nan if v[x] < 0.0 else 0.0 if v[x] == 0.0 and v[i] == 0.0 else v[i] * log(v[x]))
                    g[x] += d0
                    g[y] += d1
                elif o == 11:  # neg
                    g[x] -= gi
                elif o == 12:  # pos
                    g[x] += gi
                elif o == 13:  # sigmoid
                    g[x] += gi * (v[i] * (1.0 - v[i]))
                elif o == 14:  # relu
                    g[x] += gi * (1.0 if v[x] > 0.0 else 0.0 if v[x] <= 0.0 else nan)
                elif o == 15:  # abs
                    g[x] += gi * (1.0 if v[x] > 0.0 else -1.0 if v[x] < 0.0 else 0.0 if v[x] == 0.0 else nan)
                elif o == 16:  # max
                    g[x] += gi * (1.0 if v[x] > v[y] else 0.0 if v[x] < v[y] else 0.5 if v[x] == v[y] else nan)
                    g[y] += gi * (0.0 if v[x] > v[y] else 1.0 if v[x] < v[y] else 0.5 if v[x] == v[y] else nan)
                elif o == 17:  # min
                    g[x] += gi * (1.0 if v[x] < v[y] else 0.0 if v[x] > v[y] else 0.5 if v[x] == v[y] else nan)
                    g[y] += gi * (0.0 if v[x] < v[y] else 1.0 if v[x] > v[y] else 0.5 if v[x] == v[y] else nan)
                elif o == 18:  # sqrt
                    g[x] += gi * (0.5 / v[i])
                elif o == 19:  # sin
                    g[x] += gi * cos(v[x])
                elif o == 20:  # cos
                    g[x] += gi * -sin(v[x])
                elif o == 21:  # tan
                    g[x] += gi * (1.0 + v[i] * v[i])
                elif o == 22:  # softplus
                    g[x] += gi * sigmoid(v[x])
                elif o == 23:  # log_sigmoid
                    g[x] += gi * sigmoid(-v[x])
                else:
                    raise _unknown(o)
            return
        except (ArithmeticError, ValueError):
            d = _safe_vjp[o](gi, v[i], v[x], v[y])
            g[x] += d[0]
            if d[1] is not None:
                g[y] += d[1]
