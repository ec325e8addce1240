"""`cdktf synth` (the CLI, running cdktf.json's app) and `make synth` (main.py directly) write the
same bytes: operators and CI may use either."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT


def test_cdktf_synth_writes_what_main_py_writes(synth_dir, tmp_path):
    npx = shutil.which("npx")
    if npx is None:
        pytest.fail("npx is missing: install Node.js >= 20 (make setup needs it too)", pytrace=False)
    out = tmp_path / "cdktf.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_VAR_")}
    done = subprocess.run([npx, "--no-install", "cdktf", "synth", "--output", str(out)], cwd=ROOT, env={
        **env, "CI": "true", "PIPENV_VERBOSITY": "-1", "PIPENV_VENV_IN_PROJECT": "1"}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    ours = sorted(p.relative_to(synth_dir) for p in synth_dir.rglob("*.json"))
    assert sorted(p.relative_to(out) for p in out.rglob("*.json")) == ours
    for relative in ours:
        assert (out / relative).read_bytes() == (synth_dir / relative).read_bytes(), relative
