"""The formula-KPI expression parser: examples, error positions and hypothesis properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi import expressions as ex
from kpi.expressions import Bin, Call, ExpressionError, Neg, Num, Var, dependencies, evaluate, parse

VALUES = {"likes": 400.0, "comments": 50.0, "shares": 30.0, "reach": 10_000.0,
          "revenue": 50_000.0, "orders": 5.0, "spend": 0.0}


def value(text: str, values: dict[str, float] = VALUES, custom: tuple[str, ...] = ()
          ) -> float | None:
    return evaluate(parse(text, custom), values)


def error(text: str, custom: tuple[str, ...] = ()) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        parse(text, custom)
    return caught.value


def test_issue_examples() -> None:
    assert value("(likes + comments*2 + shares*3) / reach * 100") == pytest.approx(5.9)
    assert value("revenue / orders") == 10_000
    assert dependencies(parse("(likes + comments*2 + shares*3) / reach * 100")) == (
        "likes", "comments", "shares", "reach")


def test_aliases_unicode_operators_and_decimal_comma() -> None:
    assert parse("(лайки + комментарии×2) ÷ охват · 100") == parse(
        "(likes + comments*2) / reach * 100")
    assert parse("выручка − бюджет") == Bin("-", Var("revenue"), Var("spend"))
    assert value("2,5 * orders") == 12.5
    assert value("1.5e3") == 1500
    assert parse("new followers - unfollows") == Bin("-", Var("new_followers"), Var("unfollows"))
    assert parse("новые подписчики / подписчики") == Bin(
        "/", Var("new_followers"), Var("followers"))
    assert parse("Calls * 2", custom=("calls",)) == Bin("*", Var("calls"), Num(2.0))


def test_precedence_unary_and_functions() -> None:
    assert value("2 + 3 * 4") == 14
    assert value("(2 + 3) * 4") == 20
    assert value("10 - 4 - 3") == 3
    assert value("100 / 10 / 5") == 2
    assert value("-2 * -3") == 6
    assert value("--4") == 4
    assert value("+orders") == 5
    assert value("min(likes, comments; shares)") == 30
    assert value("макс(likes; reach)") == 10_000
    assert parse("MIN(1, 2)") == Call("min", (Num(1.0), Num(2.0)))


def test_division_by_zero_and_missing_inputs_give_none() -> None:
    assert value("revenue / spend") is None
    assert value("revenue / (orders - 5)") is None
    assert value("clicks / reach") is None  # clicks not entered
    assert value("max(clicks; reach)") is None
    assert value("1e300 * 1e300") is None


@pytest.mark.parametrize(("text", "key", "position", "args"), [
    ("", "expr-empty", 0, {}),
    ("   ", "expr-empty", 0, {}),
    ("likes +", "expr-expected-end", 7, {"expected": "operand"}),
    ("likes + * 2", "expr-expected", 8, {"expected": "operand", "found": "*"}),
    ("likes reach", "expr-expected", 6, {"expected": "operator", "found": "reach"}),
    ("(likes + 2", "expr-unclosed-paren", 0, {}),
    ("likes + 2)", "expr-unopened-paren", 9, {}),
    ("likes ^ 2", "expr-bad-char", 6, {"char": "^"}),
    ("likes + foo", "expr-unknown-name", 8, {"name": "foo"}),
    ("min(2,5)", "expr-function-args", 3, {"func": "min"}),
    ("__import__('os')", "expr-unknown-name", 0, {"name": "__import__"}),
    ("1e999 + 1", "expr-bad-number", 0, {"text": "1e999"}),
    ("likes.real", "expr-bad-char", 5, {"char": "."}),
    ("(likes 2)", "expr-expected", 7, {"expected": "close-paren", "found": "2"}),
])
def test_errors_point_at_the_problem(text: str, key: str, position: int,
                                     args: dict[str, str]) -> None:
    caught = error(text)
    assert (caught.key, caught.position, caught.args_) == (key, position, args)


def test_limits() -> None:
    assert error("1+" * 200 + "1").key == "expr-too-long"
    assert error("(" * 40 + "1" + ")" * 40).key == "expr-too-deep"
    assert error("-" * 40 + "1").key == "expr-too-deep"


# --- properties ----------------------------------------------------------------------------------

KEYS = ("likes", "comments", "shares", "reach", "revenue", "orders", "spend", "new_followers")
numbers = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
leaves = st.one_of(numbers.map(Num), st.sampled_from(KEYS).map(Var))


def _extend(children: st.SearchStrategy[ex.Expr]) -> st.SearchStrategy[ex.Expr]:
    return st.one_of(
        children.map(Neg),
        st.builds(Bin, st.sampled_from("+-*/"), children, children),
        st.builds(Call, st.sampled_from(("min", "max")),
                  st.lists(children, min_size=2, max_size=3).map(tuple)),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)


@given(trees)
@settings(max_examples=300)
def test_render_parse_round_trip(tree: ex.Expr) -> None:
    assert parse(ex.render(tree)) == tree


@given(trees)
@settings(max_examples=200)
def test_round_trip_with_human_names_and_unicode(tree: ex.Expr) -> None:
    from kpi import catalogue

    text = ex.render(tree, names=lambda key: catalogue.get(key).name_ru)
    text = text.replace("*", "×").replace("/", "÷").replace(" - ", " − ")
    assert parse(text) == tree


def _reference(tree: ex.Expr, values: dict[str, float]) -> float | None:
    """Independent evaluation: exceptions of plain Python arithmetic mean 'no value'."""
    def go(node: ex.Expr) -> float:
        if isinstance(node, Num):
            return node.value
        if isinstance(node, Var):
            return values[node.key]
        if isinstance(node, Neg):
            return -go(node.operand)
        if isinstance(node, Call):
            results = [go(a) for a in node.args]
            return (min if node.func == "min" else max)(results)
        a, b = go(node.left), go(node.right)
        result = {"+": a + b, "-": a - b, "*": a * b}.get(node.op)
        if result is None:
            result = a / b
        if not math.isfinite(result):
            raise OverflowError
        return result
    try:
        result = go(tree)
    except (KeyError, ZeroDivisionError, OverflowError):
        return None
    return result if math.isfinite(result) else None


@given(trees, st.dictionaries(st.sampled_from(KEYS),
                              st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)))
@settings(max_examples=300)
def test_evaluation_matches_reference(tree: ex.Expr, values: dict[str, float]) -> None:
    assert evaluate(tree, values) == _reference(tree, values)
    assert set(dependencies(tree)) <= set(KEYS)


alphabet = st.sampled_from(list("likes reach+-−*×/÷:()0123456789,.;e ^_минмакс$%\n\t'\"[]{}"))


@given(st.one_of(st.text(max_size=80), st.text(alphabet, max_size=80)))
@settings(max_examples=500)
def test_arbitrary_text_parses_or_raises_expression_error(text: str) -> None:
    try:
        tree = parse(text)
    except ExpressionError as caught:
        assert 0 <= caught.position <= len(text)
        return
    evaluate(tree, VALUES)
    assert parse(ex.render(tree)) == tree
