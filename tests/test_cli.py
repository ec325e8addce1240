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
    done = subprocess.run(
        [npx, "--no-install", "cdktf", "synth", "--output", str(out)],
        cwd=ROOT,
        env={**env, "CI": "true", "PIPENV_VERBOSITY": "-1", "PIPENV_VENV_IN_PROJECT": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ours = sorted(p.relative_to(synth_dir) for p in synth_dir.rglob("*.json"))
    assert sorted(p.relative_to(out) for p in out.rglob("*.json")) == ours
    for relative in ours:
        assert (out / relative).read_bytes() == (synth_dir / relative).read_bytes(), relative


def _outdir_with_a_local_state(root) -> None:
    """A cdktf.out as a bootstrap apply leaves it: its local state and backup, its working directory."""
    stack = root / "cdktf.out" / "stacks" / "luneo-bootstrap"
    (stack / ".terraform" / "providers").mkdir(parents=True)
    (stack / "terraform.tfstate").write_text("state")
    (stack / "terraform.tfstate.backup").write_text("backup")
    (stack / "cdk.tf.json").write_text("{}")
    (root / "cdktf.out" / "stacks" / "luneo-prod" / ".terraform").mkdir(parents=True)
    (root / "cdktf.out" / "stacks" / "luneo-prod" / ".terraform" / "terraform.tfstate").write_text("backend")
    (root / "cdktf.out" / "manifest.json").write_text("{}")


def test_make_clean_keeps_the_local_state(tmp_path):
    """`make clean` deletes what a synth or an init made, never the bootstrap's only state."""
    _outdir_with_a_local_state(tmp_path)
    done = subprocess.run(
        ["make", "-s", "-f", str(ROOT / "Makefile"), "clean"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == [
        "cdktf.out/stacks/luneo-bootstrap/terraform.tfstate",
        "cdktf.out/stacks/luneo-bootstrap/terraform.tfstate.backup",
    ]
    assert "kept cdktf.out/stacks/luneo-bootstrap/terraform.tfstate:" in done.stdout


def test_a_stack_no_longer_synthesized_is_removed_unless_it_holds_a_local_state(tmp_path, capsys):
    from main import publish

    _outdir_with_a_local_state(tmp_path)
    staging = tmp_path / "staging"
    (staging / "stacks" / "luneo-staging").mkdir(parents=True)
    (staging / "stacks" / "luneo-staging" / "cdk.tf.json").write_text("{}")
    publish(staging, tmp_path / "cdktf.out")
    stacks = tmp_path / "cdktf.out" / "stacks"
    assert sorted(p.name for p in stacks.iterdir()) == ["luneo-bootstrap", "luneo-staging"]  # luneo-prod removed
    assert (stacks / "luneo-bootstrap" / "terraform.tfstate").read_text() == "state"
    assert "luneo-bootstrap/terraform.tfstate: kept" in capsys.readouterr().err
