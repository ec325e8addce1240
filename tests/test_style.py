"""ruff (pinned, ruff.toml): every Python file formatted, and no lint finding (`make fmt` fixes most)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_ruff_format_leaves_every_file_as_it_is():
    done = ruff("format", "--check")
    assert done.returncode == 0, f"run `make fmt`:\n{done.stdout}{done.stderr}"


def test_ruff_finds_nothing():
    done = ruff("check")
    assert done.returncode == 0, f"{done.stdout}{done.stderr}"


def test_ruff_is_pinned_and_configured():
    assert 'ruff = "==' in (ROOT / "Pipfile").read_text()
    assert "line-length = 120" in (ROOT / "ruff.toml").read_text()
