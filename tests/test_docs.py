"""Reference documents generated from the code stay in step with it, and the type checker passes."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_constructs_reference_is_current():
    from scripts.docs import CONSTRUCTS_MD, constructs_markdown

    assert CONSTRUCTS_MD.read_text() == constructs_markdown(), "docs/CONSTRUCTS.md is stale: run `make docs`"


def test_policy_rules_reference_is_current():
    from scripts.docs import RULES_MD, rules_markdown

    assert RULES_MD.read_text() == rules_markdown(), "docs/POLICY_RULES.md is stale: run `make docs`"


def test_constructs_reference_shows_the_defaults_in_force():
    """A construct default that mirrors a tfvars variable comes from the configuration table."""
    from constructs_luneo.config import default
    from constructs_luneo.eks import EksCluster
    from scripts.docs import signature

    assert f"kubernetes_version={default('eks_kubernetes_version')!r}" in signature(EksCluster)
    assert "spot_instance_types=['m6i.large', 'm6a.large', 'm5.large', 'm5a.large']" in signature(EksCluster)


def test_mypy_passes_on_constructs_luneo():
    """mypy.ini: the code is checked against the jsii bindings' own annotations."""
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_function_in_constructs_luneo_is_over_60_lines():
    """The refactor's bar (issue 9): constructs read as lists of small named steps."""
    import ast

    long = []
    for path in sorted((ROOT / "constructs_luneo").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines")
    assert not long, "\n".join(long)
