"""CEL expressions as cel-go sees them: cel-python's parse tree turned into cel-go's AST.

kube-apiserver type-checks every rule and estimates its cost over cel-go's AST, where macros
(`has`, `all`, `exists`, `exists_one`, `map`, `filter`) are already expanded into selections and
comprehensions. cel-python only parses; this module rebuilds that AST (with the offset of each
node, for cel-go's error positions) so that cel_check.py and cel_cost.py can follow cel-go.
"""

from __future__ import annotations

import ast as pyast
from dataclasses import dataclass, field
from typing import Any

import lark

ACCUMULATOR = "@result"


class CELSyntaxUnsupported(NotImplementedError):
    """A construct kube accepts that kubesim cannot type-check or estimate; refused loudly."""


@dataclass(eq=False)
class Expr:
    offset: int


@dataclass(eq=False)
class Literal(Expr):
    kind: str  # int, uint, double, string, bytes, bool, null
    value: Any


@dataclass(eq=False)
class Ident(Expr):
    name: str


@dataclass(eq=False)
class Select(Expr):
    operand: Expr
    field: str
    test_only: bool = False


@dataclass(eq=False)
class Call(Expr):
    function: str
    args: list[Expr]
    target: Expr | None = None


@dataclass(eq=False)
class ListExpr(Expr):
    elements: list[Expr]


@dataclass(eq=False)
class MapExpr(Expr):
    entries: list[tuple[Expr, Expr]]


@dataclass(eq=False)
class Comprehension(Expr):
    iter_range: Expr
    iter_var: str
    accu_var: str
    accu_init: Expr
    loop_condition: Expr
    loop_step: Expr
    result: Expr


@dataclass
class ParseError:
    """A macro misuse cel-go reports at parse time, e.g. `all` without an identifier."""

    offset: int
    message: str


@dataclass
class Parsed:
    root: Expr
    errors: list[ParseError] = field(default_factory=list)


_BINARY = {
    "conditionalor": "_||_", "conditionaland": "_&&_",
    "relation_lt": "_<_", "relation_le": "_<=_", "relation_gt": "_>_", "relation_ge": "_>=_",
    "relation_eq": "_==_", "relation_ne": "_!=_", "relation_in": "@in",
    "addition_add": "_+_", "addition_sub": "_-_",
    "multiplication_mul": "_*_", "multiplication_div": "_/_", "multiplication_mod": "_%_",
}
_OPERATOR_TEXT = {
    "_||_": "||", "_&&_": "&&", "_<_": "<", "_<=_": "<=", "_>_": ">", "_>=_": ">=",
    "_==_": "==", "_!=_": "!=", "@in": "in", "_+_": "+", "_-_": "-", "_*_": "*", "_/_": "/",
    "_%_": "%",
}


def from_tree(tree: lark.Tree, text: str) -> Parsed:
    """cel-go's AST of a cel-python parse tree of `text`."""
    builder = _Builder(text)
    return Parsed(builder.expr(tree), builder.errors)


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.errors: list[ParseError] = []

    def start(self, node: lark.Tree | lark.Token) -> int:
        if isinstance(node, lark.Token):
            return node.start_pos or 0
        return node.meta.start_pos if not node.meta.empty else 0

    def end(self, node: lark.Tree | lark.Token) -> int:
        if isinstance(node, lark.Token):
            return node.end_pos or 0
        return node.meta.end_pos if not node.meta.empty else 0

    def between(self, left: Any, right: Any, token: str) -> int:
        """Where an operator that the parse tree drops stands, between its operands."""
        lo, hi = self.end(left), self.start(right)
        found = self.text.find(token, lo, hi)
        return found if found >= 0 else lo

    def before(self, node: Any, token: str) -> int:
        found = self.text.rfind(token, 0, self.start(node))
        return found if found >= 0 else self.start(node)

    def expr(self, tree: lark.Tree) -> Expr:
        kind = tree.data
        kids = tree.children
        if kind == "expr":
            if len(kids) == 1:
                return self.expr(kids[0])
            cond, yes, no = (self.expr(k) for k in kids)
            return Call(self.between(kids[0], kids[1], "?"), "_?_:_", [cond, yes, no])
        if kind in ("conditionalor", "conditionaland", "addition", "multiplication"):
            if len(kids) == 1:
                return self.expr(kids[0])
            left, right = kids
            op_tree = left
            if kind in ("addition", "multiplication"):
                op_name = _BINARY[left.data]
                left = left.children[0]
            else:
                op_name = _BINARY[kind]
            offset = self.between(op_tree, right, _OPERATOR_TEXT[op_name])
            return Call(offset, op_name, [self.expr(left), self.expr(right)])
        if kind == "relation":
            if len(kids) == 1:
                return self.expr(kids[0])
            op_tree, right = kids
            op_name = _BINARY[op_tree.data]
            left = op_tree.children[0]
            offset = self.between(left, right, _OPERATOR_TEXT[op_name])
            return Call(offset, op_name, [self.expr(left), self.expr(right)])
        if kind == "unary":
            if len(kids) == 1:
                return self.expr(kids[0])
            op, operand = kids
            name = "!_" if op.data == "unary_not" else "-_"
            return Call(self.start(op), name, [self.expr(operand)])
        if kind in ("member", "primary", "paren_expr"):
            return self.expr(kids[0])
        if kind == "member_dot":
            operand, name = kids
            return Select(self.before(name, "."), self.expr(operand), str(name))
        if kind == "member_dot_arg":
            operand, name = kids[0], kids[1]
            args = self.exprlist(kids[2] if len(kids) > 2 else None)
            return self.member_call(self.after(name, "("), str(name), operand, args)
        if kind == "member_index":
            operand, index = kids
            return Call(self.between(operand, index, "["), "_[_]",
                        [self.expr(operand), self.expr(index)])
        if kind == "member_object":
            raise CELSyntaxUnsupported("message construction (Type{field: value})")
        if kind == "ident":
            return Ident(self.start(kids[0]), str(kids[0]))
        if kind == "dot_ident":
            return Ident(self.start(kids[0]), str(kids[0]))
        if kind in ("ident_arg", "dot_ident_arg"):
            name = kids[0]
            args = self.exprlist(kids[1] if len(kids) > 1 else None)
            return self.global_call(self.after(name, "("), str(name), args, kids)
        if kind == "list_lit":
            elements = [self.expr(e) for e in kids[0].children] if kids else []
            return ListExpr(self.start(tree), elements)
        if kind == "map_lit":
            entries = []
            if kids:
                flat = kids[0].children
                entries = [(self.expr(flat[i]), self.expr(flat[i + 1]))
                           for i in range(0, len(flat), 2)]
            return MapExpr(self.start(tree), entries)
        if kind == "literal":
            return self.literal(kids[0])
        raise CELSyntaxUnsupported(f"the CEL construct {kind!r}")

    def after(self, token: lark.Token, text: str) -> int:
        found = self.text.find(text, self.end(token))
        return found if found >= 0 else self.end(token)

    def exprlist(self, tree: lark.Tree | None) -> list[lark.Tree]:
        return list(tree.children) if tree is not None else []

    def global_call(self, offset: int, name: str, args: list[lark.Tree],
                    kids: list[Any]) -> Expr:
        if name == "has" and len(args) == 1:
            arg = self.expr(args[0])
            if not isinstance(arg, Select):
                self.errors.append(ParseError(offset, "invalid argument to has() macro"))
                return arg
            arg.test_only = True
            arg.offset = offset
            return arg
        return Call(offset, name, [self.expr(a) for a in args])

    def member_call(self, offset: int, name: str, operand: lark.Tree,
                    args: list[lark.Tree]) -> Expr:
        if name in ("all", "exists", "exists_one", "filter") and len(args) == 2 \
                or name == "map" and len(args) in (2, 3):
            return self.macro(offset, name, self.expr(operand), args)
        return Call(offset, name, [self.expr(a) for a in args], target=self.expr(operand))

    def macro(self, offset: int, name: str, target: Expr, args: list[lark.Tree]) -> Expr:
        var = self.expr(args[0])
        if not isinstance(var, Ident):
            self.errors.append(ParseError(var.offset, "argument must be a simple name"))
            return target
        rest = [self.expr(a) for a in args[1:]]

        def accu() -> Ident:
            return Ident(offset, ACCUMULATOR)

        if name == "all":
            init: Expr = Literal(offset, "bool", True)
            cond: Expr = Call(offset, "@not_strictly_false", [accu()])
            step: Expr = Call(offset, "_&&_", [accu(), rest[0]])
            result: Expr = accu()
        elif name == "exists":
            init = Literal(offset, "bool", False)
            cond = Call(offset, "@not_strictly_false", [Call(offset, "!_", [accu()])])
            step = Call(offset, "_||_", [accu(), rest[0]])
            result = accu()
        elif name == "exists_one":
            init = Literal(offset, "int", 0)
            cond = Literal(offset, "bool", True)
            step = Call(offset, "_?_:_", [rest[0], Call(offset, "_+_", [
                accu(), Literal(offset, "int", 1)]), accu()])
            result = Call(offset, "_==_", [accu(), Literal(offset, "int", 1)])
        elif name == "map":
            init = ListExpr(offset, [])
            cond = Literal(offset, "bool", True)
            step = Call(offset, "_+_", [accu(), ListExpr(offset, [rest[-1]])])
            if len(rest) == 2:
                step = Call(offset, "_?_:_", [rest[0], step, accu()])
            result = accu()
        else:  # filter
            init = ListExpr(offset, [])
            cond = Literal(offset, "bool", True)
            step = Call(offset, "_?_:_", [rest[0], Call(offset, "_+_", [
                accu(), ListExpr(offset, [Ident(var.offset, var.name)])]), accu()])
            result = accu()
        return Comprehension(offset, target, var.name, ACCUMULATOR, init, cond, step, result)

    def literal(self, token: lark.Token) -> Literal:
        raw = str(token)
        offset = self.start(token)
        kind = token.type
        if kind == "BOOL_LIT":
            return Literal(offset, "bool", raw == "true")
        if kind == "NULL_LIT":
            return Literal(offset, "null", None)
        if kind == "UINT_LIT":
            return Literal(offset, "uint", int(raw[:-1], 0))
        if kind == "INT_LIT":
            return Literal(offset, "int", int(raw, 0))
        if kind == "FLOAT_LIT":
            return Literal(offset, "double", float(raw))
        if kind in ("STRING_LIT", "MLSTRING_LIT"):
            return Literal(offset, "string", _string_value(raw))
        if kind == "BYTES_LIT":
            return Literal(offset, "bytes", _string_value(raw[1:]).encode())
        raise CELSyntaxUnsupported(f"the CEL literal {raw!r}")


def _string_value(raw: str) -> str:
    """The value of a CEL string literal (close enough to CEL's escapes for sizes)."""
    if raw[:1] in "rR":
        body = raw[1:]
        quote = 3 if body[:3] in ('"""', "'''") else 1
        return body[quote:-quote]
    try:
        return str(pyast.literal_eval(raw))
    except (ValueError, SyntaxError):
        quote = 3 if raw[:3] in ('"""', "'''") else 1
        return raw[quote:-quote]
