"""Test layer: syntax -- the generated parser itself (exprgrad/syntax/parser.py + generated
exprgrad/syntax/_tables.py, from tools/gen_parser.py).

Checks: the generated module is current; the run-time parser is equivalent to Lark
itself (same builder calls, or same error kind/token/expected set) on random valid
and invalid text; deep nesting and huge inputs need no recursion; precedence; the generator on
other grammars.  The words of syntax errors (columns, carets, did-you-mean) are in test_syntax.py.

May import: exprgrad.syntax.parser, exprgrad.syntax._tables, exprgrad.syntax.reader, the standard
library, pytest, hypothesis, lark (a test dependency: the pyproject [test] extra; a missing lark
fails the import, nothing is skipped) and tools/gen_parser.py where a test needs it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import lark
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from exprgrad.syntax import _tables as tables  # noqa: E402
from exprgrad.syntax import parser  # noqa: E402

BUILDER_METHODS = "number var add sub mul div matmul pow neg pos call index args assign".split()


# --------------------------------------------------------------------------- stub builders


class Recorder:
    """Records every builder call; node values are ("n", call number)."""

    def __init__(self):
        self.calls = []

    def begin(self, text, toks):
        self.toks = toks

    def _rec(self, name, *args):
        self.calls.append((name, *args))
        return ("n", len(self.calls) - 1)


for _m in BUILDER_METHODS:
    setattr(Recorder, _m, lambda self, *args, _m=_m: self._rec(_m, *args))


class Tree:
    """Builds nested tuples with token strings, for readable precedence tests."""

    def begin(self, text, toks):
        self.toks = toks

    def number(self, k):
        return self.toks[k]

    var = number

    def neg(self, k, a):
        return ("neg", a)

    def pos(self, k, a):
        return ("pos", a)

    def call(self, name, lpar, *rest):
        args = rest[0] if len(rest) == 2 else ()
        return ("call", self.toks[name], *args)

    def args(self, *nodes):
        return nodes

    def assign(self, k, node):
        return ("=", self.toks[k], node)

    def index(self, a, k, args, k_end):
        return ("[]", a, *args)


for _m in "add sub mul div matmul pow".split():
    setattr(Tree, _m, lambda self, a, k, b, _m=_m: (_m, a, b))


def tree(text):
    return parser.parse(text, Tree())


def ours(text):
    """(result, calls) or ("error", kind, token_index, token, expected, calls)."""
    rec = Recorder()
    try:
        result = parser.parse(text, rec)
    except parser.ParseError as e:
        return ("error", e.reason, e.token_index, e.token, e.expected), rec.calls
    return result, rec.calls


# --------------------------------------------------------------------------- Lark reference


@pytest.fixture(scope="module")
def lark_parse():
    grammar = (ROOT / "grammar" / "exprgrad.lark").read_text(encoding="utf-8")

    class Adapter:
        """Inline Lark transformer forwarding to a Recorder; tokens -> token index."""

        def __init__(self):
            self.rec = None
            self.index_of = None

        def conv(self, child):
            if isinstance(child, lark.Token):
                return self.index_of[child.start_pos]
            return child

    for m in BUILDER_METHODS:
        setattr(
            Adapter,
            m,
            lambda self, children, _m=m: self.rec._rec(_m, *[self.conv(c) for c in children]),
        )
    adapter = Adapter()
    lark_obj = lark.Lark(grammar, parser="lalr", transformer=adapter)

    def run(text):
        offsets = parser.token_offsets(text)
        adapter.rec = rec = Recorder()
        adapter.index_of = {off: i for i, off in enumerate(offsets)}
        ntoks = len(offsets)
        try:
            result = lark_obj.parse(text)
        except lark.exceptions.UnexpectedCharacters as e:
            k = adapter.index_of[e.pos_in_stream]
            return (
                "error",
                "bad-character",
                k,
                text[e.pos_in_stream],
                sorted(e.allowed),
            ), rec.calls
        except lark.exceptions.UnexpectedToken as e:
            if e.token.type == "$END":
                return ("error", "unexpected-end", ntoks, None, sorted(e.expected)), rec.calls
            k = adapter.index_of[e.token.start_pos]
            return ("error", "unexpected-token", k, str(e.token), sorted(e.expected)), rec.calls
        return result, rec.calls

    return run


# --------------------------------------------------------------------------- generated file


@pytest.fixture(scope="module")
def gen():
    """tools/gen_parser.py as a module (needs lark)."""
    spec = importlib.util.spec_from_file_location("gen_parser", ROOT / "tools" / "gen_parser.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_file_is_current(gen):
    assert gen.main(["--check"]) == 0, "run: python tools/gen_parser.py"


def test_generated_hash_matches_grammar():
    import hashlib

    text = (ROOT / "grammar" / "exprgrad.lark").read_text(encoding="utf-8")
    assert tables.GRAMMAR_SHA256 == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_runtime_does_not_import_lark():
    code = (
        "import sys, exprgrad.syntax.parser; assert 'lark' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_expected_words_cover_all_terminals():
    for name in tables.TERMINALS:
        if name != "<bad character>":
            assert name in parser.EXPECTED_WORDS, name


# --------------------------------------------------------------------------- equivalence with Lark

NAMES = ["a", "b", "x1", "_t", "foo", "e", "E", "sin"]
NUMBERS = ["0", "1", "2.", "3.25", ".5", "1e3", "2E-2", "7.e+1", "10"]
BINOPS = ["+", "-", "*", "/", "@", "^", "**"]
SPACES = ["", " ", " ", "  ", "\t", "\n", "\r\n"]
JUNK = list("$#!?.;:[]{}'\"\\`~&|<>%=,()^*") + ["é", "∑", "\u00a0", "\ufeff", "1.2.3", "**", "e5"]


@st.composite
def expressions(draw, depth=4):
    sp = draw(st.sampled_from(SPACES))
    choice = draw(st.integers(0, 9 if depth > 0 else 1))
    if choice == 0:
        return draw(st.sampled_from(NAMES))
    if choice == 1:
        return draw(st.sampled_from(NUMBERS))
    if choice <= 4:
        op = draw(st.sampled_from(BINOPS))
        return draw(expressions(depth - 1)) + sp + op + sp + draw(expressions(depth - 1))
    if choice == 5:
        return "(" + sp + draw(expressions(depth - 1)) + sp + ")"
    if choice == 6:
        return draw(st.sampled_from(["-", "+"])) + sp + draw(expressions(depth - 1))
    if choice == 7:
        n = draw(st.integers(0, 3))
        args = [draw(expressions(depth - 2)) for _ in range(n)]
        return draw(st.sampled_from(NAMES)) + "(" + ("," + sp).join(args) + ")"
    if choice == 8:
        if draw(st.booleans()):  # indexing: p[k], X[i, j], f(x)[0], (a + b)[k][1]
            n = draw(st.integers(0, 3))
            args = [draw(expressions(depth - 2)) for _ in range(n)]
            return draw(expressions(depth - 1)) + sp + "[" + ("," + sp).join(args) + "]"
        return draw(st.sampled_from(NAMES)) + sp + "=" + sp + draw(expressions(depth - 1))
    return (
        draw(expressions(depth - 1))
        + draw(st.sampled_from(["^-", "^+", "**-", "*-", "/+"]))
        + draw(expressions(depth - 1))
    )


@st.composite
def mutated(draw):
    text = draw(expressions())
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.integers(0, 3))
        pos = draw(st.integers(0, len(text)))
        if op == 0:
            text = text[:pos]  # truncate
        elif op == 1:
            text = text[:pos] + draw(st.sampled_from(JUNK)) + text[pos:]
        elif op == 2:
            text = text[:pos] + text[pos + 1 :]
        else:
            junk = BINOPS + ["(", ")", ",", "=", "[", "]"]
            text = text[:pos] + draw(st.sampled_from(junk)) + text[pos:]
    return text


ALPHABET = "ab1.e+-*/^@()[],= \t\n$é"

SETTINGS = settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))


def _check_equivalent(lark_parse, text):
    if text.startswith("\ufeff"):
        text = " " + text  # a leading BOM is skipped by us, an error for Lark
    assert ours(text) == lark_parse(text), repr(text)


@SETTINGS
@given(text=expressions())
def test_equivalent_to_lark_on_expressions(lark_parse, text):
    _check_equivalent(lark_parse, text)


@SETTINGS
@given(text=mutated())
def test_equivalent_to_lark_on_mutated_expressions(lark_parse, text):
    _check_equivalent(lark_parse, text)


@SETTINGS
@given(text=st.text(alphabet=ALPHABET, max_size=25))
def test_equivalent_to_lark_on_random_text(lark_parse, text):
    _check_equivalent(lark_parse, text)


FIXED_CASES = [
    "",
    " ",
    "a",
    "1",
    "a b",
    "a )",
    "a +",
    "a $",
    "2a",
    "(a",
    "a)",
    "f(",
    "f()",
    "f(,)",
    "f(a,)",
    "f(a,b,c)",
    "f(a)(b)",
    "a = ",
    "= a",
    "a = b = c",
    "a = b",
    "(a) = b",
    "a ** ** b",
    "a ^ * b",
    "a***b",
    "a****b",
    "-2^2",
    "2^-1",
    "a^b^c",
    "a-b-c",
    "--a",
    "+-+a",
    "1.2.3",
    ".",
    "1e",
    "1e+",
    "e5",
    "x @ y @ z",
    "a,b",
    "é",
    "a é",
    "(é",
    "f(a é",
    "a\r\n+\tb",
    "p[k]",
    "p[0]",
    "p[]",
    "p[0, 1]",
    "p[0, 1, 2]",
    "p[k][j]",
    "-p[k]^2",
    "x^p[k]",
    "f(x)[0]",
    "(a + b)[k]",
    "p[k",
    "p]",
    "[1, 2]",
    "X = [1, 2]",
    "2[0]",
    "p [ 1 ]",
    "((((a))))",
    "((((a)))",
    "a +\n",
]


@pytest.mark.parametrize("text", FIXED_CASES)
def test_equivalent_to_lark_fixed(lark_parse, text):
    _check_equivalent(lark_parse, text)


# --------------------------------------------------------------------------- precedence & shape


def test_precedence():
    assert tree("-2^2") == ("neg", ("pow", "2", "2"))
    assert tree("2^-1") == ("pow", "2", ("neg", "1"))
    assert tree("a^b^c") == ("pow", "a", ("pow", "b", "c"))
    assert tree("a**b^c") == ("pow", "a", ("pow", "b", "c"))
    assert tree("a-b-c") == ("sub", ("sub", "a", "b"), "c")
    assert tree("a/b*c@d") == ("matmul", ("mul", ("div", "a", "b"), "c"), "d")
    assert tree("a+b*c") == ("add", "a", ("mul", "b", "c"))
    assert tree("-a*b") == ("mul", ("neg", "a"), "b")
    assert tree("(a+b)*c") == ("mul", ("add", "a", "b"), "c")
    assert tree("+a") == ("pos", "a")
    assert tree("y = f(x, 2, g())") == ("=", "y", ("call", "f", "x", "2", ("call", "g")))
    # indexing binds tightest: before ^, unary minus and calls' results
    assert tree("-p[k]^2") == ("neg", ("pow", ("[]", "p", "k"), "2"))
    assert tree("x^p[k]") == ("pow", "x", ("[]", "p", "k"))
    assert tree("X[i, j]") == ("[]", "X", "i", "j")
    assert tree("X[i][j]") == ("[]", ("[]", "X", "i"), "j")
    assert tree("f(x)[0] * 2") == ("mul", ("[]", ("call", "f", "x"), "0"), "2")
    assert tree("-(p[k] - log(sum(exp(p))))") == (
        "neg",
        ("sub", ("[]", "p", "k"), ("call", "log", ("call", "sum", ("call", "exp", "p")))),
    )


def test_builder_receives_token_indices():
    rec = Recorder()
    parser.parse("f(x) + 2", rec)
    assert rec.toks == ["f", "(", "x", ")", "+", "2"]
    assert rec.calls == [
        ("var", 2),
        ("args", ("n", 0)),
        ("call", 0, 1, ("n", 1), 3),
        ("number", 5),
        ("add", ("n", 2), 4, ("n", 3)),
    ]
    rec = Recorder()
    parser.parse("g()", rec)
    assert rec.calls == [("call", 0, 1, 2)]


def test_juxtaposition_is_a_syntax_error():
    with pytest.raises(parser.ParseError) as info:
        tree("2a")
    e = info.value
    assert (e.reason, e.token_index, e.token) == ("unexpected-token", 1, "a")
    assert "NAME" not in e.expected and "STAR" in e.expected


def test_error_kinds():
    with pytest.raises(parser.ParseError) as info:
        tree("a + ")
    assert (info.value.reason, info.value.token_index, info.value.token) == (
        "unexpected-end",
        2,
        None,
    )
    assert info.value.expected == ["LPAR", "MINUS", "NAME", "NUMBER", "PLUS"]
    with pytest.raises(parser.ParseError) as info:
        tree("a + $")
    assert (info.value.reason, info.value.token_index, info.value.token) == (
        "bad-character",
        2,
        "$",
    )


def test_builder_exceptions_propagate():
    class Boom(Exception):
        pass

    class B(Tree):
        def call(self, *args):
            raise Boom

    with pytest.raises(Boom):
        parser.parse("1 + f(2)", B())


def test_bom_crlf_and_offsets():
    text = "\ufeffa +\r\n  bb"
    assert parser.lex(text) == ["a", "+", "bb"]
    assert parser.token_offsets(text) == [1, 3, 8]
    from exprgrad.syntax.reader import column_of

    assert column_of(text, 2) == 8 + 1  # 1-based columns of the same offsets
    assert column_of(text, 3) == len(text) + 1  # end of input
    assert tree(text) == ("add", "a", "bb")


def test_token_offsets_align_with_lex():
    text = "f(x1, .5e3)**2 é\t- y"
    toks, offs = parser.lex(text), parser.token_offsets(text)
    assert len(toks) == len(offs)
    assert all(text.startswith(t, o) for t, o in zip(toks, offs))


# --------------------------------------------------------------------------- depth and size

DEEP_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    assert sys.getrecursionlimit() <= 1000
    from exprgrad.syntax import parser

    class Count:
        def begin(self, text, toks):
            self.n = 0
        def _node(self, *args):
            self.n += 1
            return self.n

    for m in "number var add sub mul div matmul pow neg pos call args assign".split():
        setattr(Count, m, Count._node)

    N = {n}
    cases = {{
        "parens": "(" * N + "a" + ")" * N,
        "neg": "-" * N + "a",
        "pos-neg": "+-" * (N // 2) + "a",
        "pow": "a^" * N + "a",
        "starstar": "a ** " * N + "a",
        "calls": "f(" * N + "a" + ")" * N,
        "args-nest": "f(a, " * N + "a" + ")" * N,
        "assign": "x = " + "(" * N + "a" + ")" * N,
    }}
    expect = {{
        "parens": 1, "neg": N + 1, "pos-neg": N + 1, "pow": 2 * N + 1, "starstar": 2 * N + 1,
        "calls": 2 * N + 1, "args-nest": 3 * N + 1, "assign": 2,
    }}
    for name, text in cases.items():
        b = Count()
        parser.parse(text, b)
        assert b.n == expect[name], (name, b.n)
    # unbalanced deep input: an error, not a crash
    try:
        parser.parse("(" * N + "a", Count())
    except parser.ParseError as e:
        assert e.reason == "unexpected-end" and e.expected == ["RPAR"], e
    else:
        raise AssertionError("no error")
    print("ok")
    """
)


def test_deep_nesting_without_recursion():
    script = DEEP_SCRIPT.format(root=str(ROOT), n=100_000)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_million_term_sum():
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from exprgrad.syntax import parser

        class Count:
            def begin(self, text, toks):
                self.leaves = self.ops = 0
            def var(self, k):
                self.leaves += 1
                return k
            def add(self, a, k, b):
                self.ops += 1
                return k
            sub = add

        b = Count()
        parser.parse(" + ".join("x%d" % (i % 97) for i in range(1_000_000)), b)
        assert (b.leaves, b.ops) == (1_000_000, 999_999), (b.leaves, b.ops)
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# ----------------------------------------------------------------- the generator, other grammars

# Exercises what exprgrad's grammar does not: an inlined `_rule` spliced mid-rule, `!rule`
# (keep all tokens), an empty rule, a `?rule` with one or two children, a plain `start`.
OTHER_GRAMMAR = r"""
start: list
list: "[" _items? "]"
_items: value ("," value)*
?value: atom | pair | list | neg | group
pair: NAME ":" value
!neg: "-" value
?group: "(" value value? ")"
atom: NUMBER | NAME | empty
empty:
NUMBER: /[0-9]+/
NAME: /[a-z]+/
WS: /[ \t]+/
%ignore WS
"""


class AnyRecorder(Recorder):
    """A Recorder with every lower-case method."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self._rec(name, *args)


@pytest.fixture(scope="module")
def other(gen):
    import types

    module = types.ModuleType("other_tables")
    exec(
        gen.emit(gen.analyze(lark.Lark(OTHER_GRAMMAR, parser="lalr")), OTHER_GRAMMAR), vars(module)
    )
    fail = parser._make_fail(module)

    def ours_other(text):
        toks = module.MASTER_RE.findall(text)
        rec = AnyRecorder()
        try:
            return module.parse_tokens(toks, rec, fail), rec.calls
        except parser.ParseError as e:
            return ("error", e.reason, e.token_index, e.token, e.expected), rec.calls

    class Adapter:
        rec = index_of = None

        def __getattr__(self, name):
            if name.startswith("_") or not name.islower():
                raise AttributeError(name)

            def method(children):
                conv = [
                    self.index_of[c.start_pos] if isinstance(c, lark.Token) else c for c in children
                ]
                return getattr(self.rec, name)(*conv)

            return method

    adapter = Adapter()
    lark_obj = lark.Lark(OTHER_GRAMMAR, parser="lalr", transformer=adapter)

    def lark_other(text):
        offsets = [m.start() for m in module.MASTER_RE.finditer(text)]
        adapter.rec = rec = AnyRecorder()
        adapter.index_of = {off: i for i, off in enumerate(offsets)}
        try:
            return lark_obj.parse(text), rec.calls
        except lark.exceptions.UnexpectedCharacters as e:
            k = adapter.index_of[e.pos_in_stream]
            return (
                "error",
                "bad-character",
                k,
                text[e.pos_in_stream],
                sorted(e.allowed),
            ), rec.calls
        except lark.exceptions.UnexpectedToken as e:
            if e.token.type == "$END":
                return (
                    "error",
                    "unexpected-end",
                    len(offsets),
                    None,
                    sorted(e.expected),
                ), rec.calls
            k = adapter.index_of[e.token.start_pos]
            return ("error", "unexpected-token", k, str(e.token), sorted(e.expected)), rec.calls

    return ours_other, lark_other


@st.composite
def other_texts(draw, depth=3):
    parts = ["["]
    for i in range(draw(st.integers(0, 3))):
        if i:
            parts.append(",")
        c = draw(st.integers(0, 5 if depth else 1))
        if c == 0:
            parts.append(draw(st.sampled_from(["a", "bc", "12", ""])))
        elif c == 1:
            parts.append("x:" + draw(st.sampled_from(["1", "y", ""])))
        elif c == 2:
            parts.append("-" + draw(st.sampled_from(["1", "z", "[]"])))
        elif c == 3:
            parts.append("(" + draw(st.sampled_from(["1", "a 2", "[] []", "-a"])) + ")")
        else:
            parts.append(draw(other_texts(depth - 1)))
    parts.append("]")
    text = " ".join(parts) if draw(st.booleans()) else "".join(parts)
    if draw(st.booleans()):  # damage it
        pos = draw(st.integers(0, len(text)))
        text = (
            text[:pos]
            + draw(st.sampled_from(["", "]", "[", ",", ":", "?", "-", "("]))
            + text[pos + 1 :]
        )
    return text


@SETTINGS
@given(text=st.one_of(other_texts(), st.text(alphabet="[],:-() ab1?", max_size=14)))
def test_generator_matches_lark_on_another_grammar(other, text):
    ours_other, lark_other = other
    assert ours_other(text) == lark_other(text), repr(text)


GUARDED = {
    "contextual": 'start: NAME STAR NAME | POW NAME\nPOW: "**"\nSTAR: "*"\nNAME: /[a-z]+/\n',
    "ignore": "start: NAME+\nNAME: /[a-z]+/\nC: /#[^\\n]*/\n%ignore C\n",
    "keyword": 'start: "let" NAME\nNAME: /[a-z]+/\nWS: /[ ]+/\n%ignore WS\n',
    "ignored-start": "start: X+\nX: / ?x/\nWS: /[ ]+/\n%ignore WS\n",
    "lookahead": "start: X+\nX: /x(?=y)|y/\n",
}


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_generator_refuses_what_it_cannot_reproduce(gen, name):
    with pytest.raises(gen.GenError):
        gen.analyze(lark.Lark(GUARDED[name], parser="lalr"))
