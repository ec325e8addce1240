"""Reference documents generated from the code stay in step with it, and the type checker passes."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_constructs_reference_is_current():
    from luneo_ops.docs import CONSTRUCTS_MD, constructs_markdown

    assert CONSTRUCTS_MD.read_text() == constructs_markdown(), "docs/CONSTRUCTS.md is stale: run `make docs`"


def test_policy_rules_reference_is_current():
    from luneo_ops.docs import RULES_MD, rules_markdown

    assert RULES_MD.read_text() == rules_markdown(), "docs/POLICY_RULES.md is stale: run `make docs`"


def test_constructs_reference_shows_the_defaults_in_force():
    """A construct default that mirrors a tfvars variable comes from the configuration table."""
    from constructs_luneo.config import default
    from constructs_luneo.eks import EksCluster
    from luneo_ops.docs import signature

    assert f"kubernetes_version={default('eks_kubernetes_version')!r}" in signature(EksCluster)
    assert "spot_instance_types=['m6i.large', 'm6a.large', 'm5.large', 'm5a.large']" in signature(EksCluster)


def test_every_construct_is_in_the_constructs_reference():
    """Found independently of the generator (which walks the modules): every Construct subclass the
    package defines, outside the stacks, has its section. The hand-kept list this replaced missed
    DatabaseCredentials and RedisGlobalDatastore."""
    import importlib
    import pkgutil

    from cdktf import TerraformStack
    from constructs import Construct

    import constructs_luneo

    for module in pkgutil.walk_packages(constructs_luneo.__path__, "constructs_luneo."):
        importlib.import_module(module.name)

    def subclasses(cls: type) -> set[type]:
        return {c for sub in cls.__subclasses__() for c in {sub, *subclasses(sub)}}

    ours = {
        c.__name__
        for c in subclasses(Construct)
        if c.__module__.startswith("constructs_luneo.")
        and not issubclass(c, TerraformStack)
        and not c.__name__.startswith("_")
    }
    assert {"DatabaseCredentials", "RedisGlobalDatastore", "KmsKey"} <= ours
    documented = set(re.findall(r"^### (\w+)$", (ROOT / "docs" / "CONSTRUCTS.md").read_text(), re.M))
    assert sorted(ours - documented) == []


PRODUCT = ["main.py", "constructs_luneo", "luneo_ops"]


def product_files() -> list[Path]:
    return sorted(
        p for name in PRODUCT for p in ([ROOT / name] if name.endswith(".py") else (ROOT / name).rglob("*.py"))
    )


def test_mypy_passes_on_every_product_package():
    """mypy.ini: main.py, constructs_luneo/ and luneo_ops/, checked against the jsii bindings' own annotations."""
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "main.py, constructs_luneo, luneo_ops" in (ROOT / "mypy.ini").read_text()


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """A function's length: its body, from the first statement after the docstring to its end. The
    signature is a declaration: `ruff format` puts one parameter per line when they do not fit in 120
    columns, so a construct taking the HCL module's twenty arguments has a twenty-line signature."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return (node.end_lineno or node.lineno) - body[0].lineno + 1 if body else 0


def test_no_function_is_over_60_lines_and_no_module_over_450():
    """The bars of issues 9 and 18, on the formatted code: constructors read as lists of small named
    steps, modules hold one concern."""
    long = []
    for path in product_files():
        text = path.read_text()
        if len(text.splitlines()) > 450:
            long.append(f"{path.relative_to(ROOT)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and body_lines(node) > 60:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {body_lines(node)} lines")
    assert not long, "\n".join(long)


def test_the_length_measure_counts_the_body():
    short, long_ = ('def f(\n    a,\n    b,\n):\n    """Doc."""\n' + "    x = 1\n" * n for n in (60, 61))
    assert [body_lines(ast.parse(code).body[0]) for code in (short, long_)] == [60, 61]  # type: ignore[arg-type]


def test_no_folder_holds_more_than_12_modules():
    crowded = {
        str(d.relative_to(ROOT)): n
        for d in {p.parent for p in product_files()}
        if (n := len([p for p in d.glob("*.py") if p.name != "__init__.py"])) > 12
    }
    assert crowded == {}


def test_one_place_computes_the_repository_root():
    """luneo_ops/paths.py; everything else asks it (a file's own folder, e.g. runtime.py's
    lazy_require.js, is not the root)."""
    pattern = re.compile(r"__file__\)\.resolve\(\)\.(parents\[\d\]|parent\.parent)")
    found = [
        str(p.relative_to(ROOT))
        for p in product_files() + sorted((ROOT / "tests").glob("*.py"))
        if pattern.search(p.read_text())
    ]
    assert found == ["luneo_ops/paths.py"]
