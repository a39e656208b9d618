"""A small safe expression language for the user's own KPIs ("formula KPIs").

Grammar (nothing else — no attribute access, no calls but min/max, never `eval`):

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | atom
    atom    := number | name | func "(" expr (sep expr)* ")" | "(" expr ")"
    func    := min | max | мин | макс
    sep     := "," | ";"

Operators accept their ASCII and typographic forms: `−` `–` for minus, `×` `·` `∙` for times,
`÷` `:` for division. Numbers are `12`, `12.5` or `12,5` (a comma between two digits is a
decimal comma, so separate min/max arguments with `, ` or `;`), optionally with an exponent
(`1e3`). A name is one or more words (letters, digits, `_`) resolved like a metric name in a
message: canonical keys, ru/en aliases and the project's custom metrics (longest match wins,
so `new followers` is one metric).

Errors are `ExpressionError(key, position, **args)`: a message key for the i18n layer, the
0-based character offset of the problem in the text, and the message's arguments — so this
module stays free of any language.

Evaluation never raises: a missing input, a division by zero or a non-finite intermediate
result gives None ("—").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from kpi import catalogue

MAX_LENGTH = 300
MAX_DEPTH = 30

MINUS = frozenset("-−–")
PLUS = frozenset("+")
TIMES = frozenset("*×·∙")
DIVIDE = frozenset("/÷:")
SEPARATORS = frozenset(",;")
FUNCTIONS: dict[str, str] = {"min": "min", "max": "max", "мин": "min", "макс": "max"}

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[^\W\d]\w*|\d+[^\W\d]\w*")
_SPACE = re.compile(r"\s*")


class ExpressionError(ValueError):
    """A formula that does not parse. `key` is an i18n message id, `position` a 0-based offset."""

    def __init__(self, key: str, position: int, **args: str | int) -> None:
        super().__init__(f"{key} at {position}: {args}")
        self.key = key
        self.position = position
        self.args_ = dict(args)


# --- the tree ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Var:
    key: str  # canonical metric key or a custom metric's name


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Expr


@dataclass(frozen=True, slots=True)
class Bin:
    op: str  # one of "+", "-", "*", "/"
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Call:
    func: str  # "min" or "max"
    args: tuple[Expr, ...]


Expr = Num | Var | Neg | Bin | Call

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


# --- tokens --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "num", "word", "op", "(", ")", "sep", "end", "bad-char", "bad-number"
    text: str
    pos: int
    value: float | str | None = None


def _tokens(text: str) -> Iterator[_Token]:
    pos = _SPACE.match(text, 0).end()
    while pos < len(text):
        char = text[pos]
        number = _NUMBER.match(text, pos)
        word = _WORD.match(text, pos)
        if word and (not number or word.end() > number.end()):
            yield _Token("word", word.group(), pos)
            pos = word.end()
        elif number:
            raw = number.group()
            value = float(raw.replace(",", "."))
            kind = "num" if math.isfinite(value) else "bad-number"
            yield _Token(kind, raw, pos, value)
            pos = number.end()
        elif char in PLUS:
            yield _Token("op", char, pos, "+")
            pos += 1
        elif char in MINUS:
            yield _Token("op", char, pos, "-")
            pos += 1
        elif char in TIMES:
            yield _Token("op", char, pos, "*")
            pos += 1
        elif char in DIVIDE:
            yield _Token("op", char, pos, "/")
            pos += 1
        elif char in "()":
            yield _Token(char, char, pos)
            pos += 1
        elif char in SEPARATORS:
            yield _Token("sep", char, pos)
            pos += 1
        else:
            yield _Token("bad-char", char, pos)
            pos += 1
        pos = _SPACE.match(text, pos).end()
    yield _Token("end", "", len(text))


# --- parsing -------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, custom: Sequence[str]) -> None:
        self.text = text
        self.custom = tuple(custom)
        self.tokens = list(_tokens(text))
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expected(self, what: str) -> ExpressionError:
        token = self.token
        if token.kind == "bad-char":
            return ExpressionError("expr-bad-char", token.pos, char=token.text)
        if token.kind == "bad-number":
            return ExpressionError("expr-bad-number", token.pos, text=token.text)
        if token.kind == "end":
            return ExpressionError("expr-expected-end", token.pos, expected=what)
        return ExpressionError("expr-expected", token.pos, expected=what, found=token.text)

    def parse(self) -> Expr:
        tree = self.expr()
        if self.token.kind != "end":
            if self.token.kind == ")":
                raise ExpressionError("expr-unopened-paren", self.token.pos)
            raise self.expected("operator")
        return tree

    def nested(self, parse: Callable[[], Expr]) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("expr-too-deep", self.token.pos, limit=MAX_DEPTH)
        try:
            return parse()
        finally:
            self.depth -= 1

    def expr(self) -> Expr:
        left = self.term()
        while self.token.kind == "op" and self.token.value in ("+", "-"):
            op = str(self.advance().value)
            left = Bin(op, left, self.term())
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.token.kind == "op" and self.token.value in ("*", "/"):
            op = str(self.advance().value)
            left = Bin(op, left, self.unary())
        return left

    def unary(self) -> Expr:
        token = self.token
        if token.kind == "op" and token.value in ("+", "-"):
            self.advance()
            operand = self.nested(self.unary)
            return operand if token.value == "+" else Neg(operand)
        return self.atom()

    def atom(self) -> Expr:
        token = self.token
        if token.kind == "num":
            self.advance()
            assert isinstance(token.value, float)
            return Num(token.value)
        if token.kind == "(":
            self.advance()
            inner = self.nested(self.expr)
            self.close(token)
            return inner
        if token.kind == "word":
            func = FUNCTIONS.get(token.text.casefold())
            if func and self.tokens[self.index + 1].kind == "(":
                return self.call(func)
            return self.name()
        raise self.expected("operand")

    def close(self, opening: _Token) -> None:
        if self.token.kind != ")":
            if self.token.kind == "end":
                raise ExpressionError("expr-unclosed-paren", opening.pos)
            raise self.expected("close-paren")
        self.advance()

    def call(self, func: str) -> Expr:
        self.advance()
        opening = self.advance()
        args = [self.nested(self.expr)]
        while self.token.kind == "sep":
            self.advance()
            args.append(self.nested(self.expr))
        self.close(opening)
        if len(args) < 2:
            raise ExpressionError("expr-function-args", opening.pos, func=func)
        return Call(func, tuple(args))

    def name(self) -> Expr:
        """The longest run of words (as typed, spaces between) that names a metric."""
        start = self.index
        end = start
        while self.tokens[end].kind == "word":
            end += 1
        for stop in range(end, start, -1):
            first, last = self.tokens[start], self.tokens[stop - 1]
            phrase = self.text[first.pos:last.pos + len(last.text)]
            key = catalogue.resolve(phrase, self.custom)
            if key is not None:
                self.index = stop
                return Var(key)
        raise ExpressionError("expr-unknown-name", self.tokens[start].pos,
                              name=self.tokens[start].text)


def parse(text: str, custom: Sequence[str] = ()) -> Expr:
    """The tree of a formula, or ExpressionError saying where and what was expected."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError("expr-too-long", MAX_LENGTH, limit=MAX_LENGTH)
    if not text.strip():
        raise ExpressionError("expr-empty", 0)
    return _Parser(text, custom).parse()


# --- using a tree --------------------------------------------------------------------------------


def dependencies(tree: Expr) -> tuple[str, ...]:
    """The metrics a formula reads, each once, in order of first appearance."""
    seen: dict[str, None] = {}

    def walk(node: Expr) -> None:
        match node:
            case Var(key):
                seen.setdefault(key, None)
            case Neg(operand):
                walk(operand)
            case Bin(_, left, right):
                walk(left)
                walk(right)
            case Call(_, args):
                for arg in args:
                    walk(arg)

    walk(tree)
    return tuple(seen)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def evaluate(tree: Expr, values: Mapping[str, float]) -> float | None:
    """The formula's value, None when an input is missing, a divisor is 0 or a result overflows."""
    match tree:
        case Num(value):
            return value
        case Var(key):
            found = values.get(key)
            return None if found is None else _finite(float(found))
        case Neg(operand):
            inner = evaluate(operand, values)
            return None if inner is None else -inner
        case Bin(op, left, right):
            a, b = evaluate(left, values), evaluate(right, values)
            if a is None or b is None:
                return None
            if op == "+":
                return _finite(a + b)
            if op == "-":
                return _finite(a - b)
            if op == "*":
                return _finite(a * b)
            return None if b == 0 else _finite(a / b)
        case Call(func, args):
            results = [evaluate(arg, values) for arg in args]
            if any(r is None for r in results):
                return None
            present = [r for r in results if r is not None]
            return min(present) if func == "min" else max(present)
    raise TypeError(f"not an expression: {tree!r}")


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def render(tree: Expr, names: Callable[[str], str] | None = None) -> str:
    """Canonical text of a tree (ASCII operators, only the parentheses it needs).

    `names` maps a key to the text to show (default: the key itself); parse(render(t)) == t
    when the names resolve back to the same keys.
    """
    show = names or (lambda key: key)

    def go(node: Expr, parent: int = 0, right: bool = False) -> str:
        match node:
            case Num(value):
                return _number(value)
            case Var(key):
                return show(key)
            case Neg(operand):
                return "-" + go(operand, 3)
            case Call(func, args):
                return f"{func}(" + "; ".join(go(a) for a in args) + ")"
            case Bin(op, left, right_node):
                own = _PRECEDENCE[op]
                text = f"{go(left, own)} {op} {go(right_node, own, True)}"
                needs = own < parent or (right and own == parent)
                return f"({text})" if needs else text
        raise TypeError(f"not an expression: {node!r}")

    return go(tree)
