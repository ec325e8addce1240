"""Reading one tfvars file against a table of variables: parse, refuse what is not a plain value,
check types and values, fill in defaults. Every problem is one ConfigError line naming
`<file>:<line>: <variable>: <what was expected>`. Cheap to import (no cdktf)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

from ..support.errors import ConfigError

# --- the registry of checks across variables ---
# The checks across variables, registered where they are written: docs/CONFIGURATION.md lists
# them from this registry (luneo_ops/docs.py), so the documented rules are the enforced ones.
#
#     @cross_check("`vpc_secondary_cidr` does not overlap `vpc_primary_cidr`.")
#     def _check_ranges(primary, secondary, where): ...
#
# tests/test_config.py fails when a function raises a cross-field ConfigError without being
# registered.

F = TypeVar("F", bound=Callable[..., object])

#: (the rule as documented, the function that enforces it), in the order they are defined.
CROSS_CHECKS: list[tuple[str, Callable[..., object]]] = []


def cross_check(rule: str) -> Callable[[F], F]:
    """Register the decorated function as the enforcement of `rule` (one sentence, Markdown)."""

    def register(function: F) -> F:
        CROSS_CHECKS.append((rule, function))
        return function

    return register


#: Names that look like credentials. They never belong in a file that is committed.
SECRET_NAME = re.compile(r"(password|passwd|secret|token|private_key|access_key|credential)", re.I)

Check = Callable[[Any], "str | None"]  # returns what was expected, or None if the value is fine
Where = Callable[[str], str]  # variable name -> "<file>:<line>" for error messages


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The default of a variable every environment file must set.
REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Variable:
    """One tfvars variable: its type, its default (the only place a default is written), its checks.

    kind: "int", "string", "bool", "list(string)" or "map(string)". default: None = optional,
    REQUIRED = must be set. section: the heading it is documented under (docs/CONFIGURATION.md).
    example: the value terraform.tfvars.example shows when it differs from the default."""

    name: str
    kind: str
    default: Any
    description: str
    check: Check | None = None
    section: str = ""
    example: Any = None


KIND_EXPECTED = {
    "int": "a whole number",
    "string": "a quoted string",
    "bool": "true or false",
    "list(string)": "a list of strings",
    "map(string)": "a map of strings",
}


def wrong_type(kind: str, value: Any) -> str | None:
    """None when `value` is of `kind`; else what it is, for the error message: `"three" (a string)`,
    `a list whose item 2 is 3 (a number)`, `a map whose 'Team' is a map`."""
    if kind == "list(string)" and isinstance(value, list):
        for i, item in enumerate(value, 1):
            if not isinstance(item, str):
                return f"a list whose item {i} is {describe_value(item)}"
        return None
    if kind == "map(string)" and isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not isinstance(item, str):
                return f"a map whose {key!r} is {describe_value(item)}"
        return None
    if kind not in KIND_EXPECTED:
        raise AssertionError(kind)
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "bool": isinstance(value, bool),
    }.get(kind, False)
    return None if ok else describe_value(value)


def describe_value(value: Any) -> str:
    """What an error message says a wrong value was: `"three" (a string)`, `a list`, ..."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a bool)"
    if isinstance(value, (int, float)):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        return f"{value!r} (a string)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a map"
    return type(value).__name__


def _is_expression(value: Any) -> bool:
    if isinstance(value, str):
        return "${" in value or "%{" in value
    if isinstance(value, list):
        return any(_is_expression(x) for x in value)
    if isinstance(value, dict):
        return any(_is_expression(x) for x in value.values())
    return False


def _token_line(tree: Any) -> int:
    """The line of the first token under a lark subtree."""
    for token in tree.scan_values(lambda _: True):
        if getattr(token, "line", None):
            return int(token.line)
    return 0


def _key_text(key_tree: Any) -> str:
    """`Team`, `"Team"` and `Team` spelled as an identifier or a string are the same map key."""
    return "".join(str(t) for t in key_tree.scan_values(lambda _: True)).strip().strip('"')


@cross_check("A variable, or a key inside one map, set twice is refused (the parser would keep the last one silently).")
def _duplicates(tree: Any, label: str) -> dict[str, list[int]]:
    """Line numbers of the top-level `name =` assignments; a ConfigError for any name set twice,
    at the top level or as a key inside one map (the parser would silently keep the last one)."""
    lines: dict[str, list[int]] = {}
    body = next(tree.find_data("body"), None)
    for child in body.children if body is not None else []:
        if getattr(child, "data", None) == "attribute":
            identifier = child.children[0]
            lines.setdefault(str(identifier.children[0] if hasattr(identifier, "children") else identifier), []).append(
                _token_line(child)
            )
    for name, numbers in lines.items():
        if len(numbers) > 1:
            raise ConfigError(f"{label}: {name}: set more than once (lines {', '.join(map(str, numbers))}); keep one")
    for attribute in body.children if body is not None else []:
        if getattr(attribute, "data", None) != "attribute":
            continue
        for obj in attribute.find_data("object"):
            seen: dict[str, int] = {}
            for element in obj.children:
                if getattr(element, "data", None) != "object_elem":
                    continue
                key, line = _key_text(element.children[0]), _token_line(element)
                if key in seen:
                    name = _key_text(attribute.children[0])
                    raise ConfigError(
                        f"{label}:{line}: {name}: key {key!r} is set more than once in one map "
                        f"(lines {seen[key]} and {line}); keep one"
                    )
                seen[key] = line
    return lines


def parse(path: Path, label: str) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The file's assignments as Python values, and the line numbers of each top-level name."""
    import hcl2  # python-hcl2; imported here so that callers that never parse stay fast
    from lark.exceptions import LarkError

    try:
        text = path.read_text(encoding="utf-8-sig")  # some editors start a file with a byte-order mark
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{label}: cannot read the file ({exc.__class__.__name__}: {exc})") from None
    options = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False, preserve_heredocs=False)
    try:
        tree = hcl2.parses_to_tree(text)
        lines = _duplicates(tree, label)
        data = hcl2.serialize(hcl2.transform(tree), serialization_options=options)
    except LarkError as exc:
        where = ""
        if getattr(exc, "line", None) not in (None, -1):
            where = f" at line {getattr(exc, 'line')}, column {getattr(exc, 'column', '?')}"
        raise ConfigError(f"{label}: syntax error{where}: expected `name = value` with a literal value") from None
    except ConfigError:
        raise
    except Exception as exc:  # python-hcl2 raises plain exceptions for some malformed input
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise ConfigError(f"{label}: syntax error: {first}") from None
    return data, lines


def _check_value(variable: Variable, value: Any, name: str, at: str) -> None:
    got = wrong_type(variable.kind, value)
    if got:
        raise ConfigError(f"{at}: {name}: expected {KIND_EXPECTED[variable.kind]}, got {got}")
    expected = variable.check(value) if variable.check else None
    if expected:
        raise ConfigError(f"{at}: {name}: expected {expected}, got {value!r}")


def _unknown(name: str, known: Mapping[str, Variable], at: str) -> ConfigError:
    if SECRET_NAME.search(name):
        return ConfigError(
            f"{at}: {name}: secrets must not be stored in an environment file; remove it and pass "
            f"TF_VAR_{name} (or use the generated password) at plan time"
        )
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else " (docs/CONFIGURATION.md lists the known variables)"
    return ConfigError(f"{at}: {name}: unknown variable{hint}")


def load_values(
    path: Path, label: str, variables: tuple[Variable, ...], removed: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], Where]:
    """Parse a tfvars file and check every value against `variables`; fill in defaults.
    Returns the values and `where(name)`, the `file:line` of a variable for error messages.
    `removed`: names that no longer exist -> what replaces them."""
    by_name = {v.name: v for v in variables}
    data, key_lines = parse(path, label)

    def where(name: str) -> str:
        numbers = key_lines.get(name)
        return f"{label}:{numbers[0]}" if numbers else label

    values: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict) and value[0].get("__is_block__"):
            raise ConfigError(f"{where(name)}: {name}: blocks are not allowed; expected `{name} = <value>`")
        variable = by_name.get(name)
        if variable is None and name in (removed or {}):
            raise ConfigError(f"{where(name)}: {name}: no longer exists; {(removed or {})[name]}")
        if variable is None:
            raise _unknown(name, by_name, where(name))
        if _is_expression(value):
            raise ConfigError(f"{where(name)}: {name}: expected a literal value, not an expression or interpolation")
        if value is None:
            if variable.default is REQUIRED:
                raise ConfigError(
                    f"{where(name)}: {name}: is required; expected {KIND_EXPECTED[variable.kind]}, got null"
                )
            continue
        _check_value(variable, value, name, where(name))
        values[name] = value

    for variable in variables:
        if variable.name in values:
            continue
        if variable.default is REQUIRED:
            raise ConfigError(
                f"{label}: {variable.name}: is required; expected {KIND_EXPECTED[variable.kind]} "
                f"({variable.description})"
            )
        values[variable.name] = variable.default
    return values, where
