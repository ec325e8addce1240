"""Session fixtures: the AWS provider bindings are imported once (lazily), and every stack is synthesized once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from constructs_luneo.support.runtime import keep_policy_errors_for_the_report, lazy_provider, quiet_jsii  # noqa: E402
from luneo_ops.paths import ROOT  # noqa: E402  (pytest puts the repository on sys.path: tests/ is a package)

quiet_jsii()
keep_policy_errors_for_the_report()
lazy_provider()  # before any test module imports cdktf (docs/PERFORMANCE.md)

# A value no synthesized file may ever contain: if the password leaked from the environment into
# the JSON, the stacks tests would find it.
PASSWORD_CANARY = "canary-Pa55word-never-in-json-0123456789"
os.environ["TF_VAR_db_master_password"] = PASSWORD_CANARY


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every environment in environments/ synthesized by the real app, into a temporary cdktf.out."""
    from constructs_luneo.config import load_bootstrap, load_environments
    from constructs_luneo.config.policies import load_delivery_policies
    from constructs_luneo.stacks import build_app

    outdir = tmp_path_factory.mktemp("cdktf.out")
    configs = load_environments(ROOT / "environments")
    policies, _ = load_delivery_policies(ROOT / "iam", [c.stack_name for c in configs])
    bootstrap = load_bootstrap(ROOT / "bootstrap.tfvars", configs)
    build_app(configs, outdir=str(outdir), bootstrap=bootstrap, policies=policies).synth()
    return outdir


@pytest.fixture(scope="session")
def all_stacks(synth_dir: Path) -> dict[str, dict]:
    """Stack name -> parsed cdk.tf.json, luneo-bootstrap included."""
    from luneo_ops.paths import stack_documents

    return stack_documents(synth_dir)


@pytest.fixture(scope="session")
def stacks(all_stacks: dict[str, dict]) -> dict[str, dict]:
    """The environment stacks (luneo-prod, luneo-staging)."""
    return {name: stack for name, stack in all_stacks.items() if name != "luneo-bootstrap"}


@pytest.fixture(scope="session")
def terraform() -> str:
    """The terraform binary. Missing terraform fails the tests that need it, loudly: never a skip."""
    from luneo_ops.terraform.cli import INSTALL_HINT

    path = os.environ.get("TERRAFORM_BINARY") or shutil.which("terraform")
    if not path:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return path


@pytest.fixture(scope="session")
def dr_synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/fixtures/dr.tfvars (Aurora Global Database, Route53 record, alarm e-mails) synthesized."""
    from constructs_luneo.config import load_environment
    from constructs_luneo.stacks import build_app

    outdir = tmp_path_factory.mktemp("cdktf-dr.out")
    build_app([load_environment(ROOT / "tests" / "fixtures" / "dr.tfvars")], outdir=str(outdir)).synth()
    return outdir


@pytest.fixture(scope="session")
def dr_stack(dr_synth_dir: Path) -> dict:
    return json.loads((dr_synth_dir / "stacks" / "luneo-dr" / "cdk.tf.json").read_text())


# --- the DR drill runs in the background (tests/test_dr_drill.py) --------------------------------
# It spends most of its minutes waiting on Terraform and the local AWS. The main pytest process
# (the xdist controller, or the only process) starts it before any test runs, when the run
# includes tests/test_dr_drill.py; the test that reads its report (in whichever worker) waits for
# the exit code file. Its work directory is passed to the workers in LUNEO_DR_DRILL_DIR.
DRILL = pytest.StashKey[subprocess.Popen]()
DRILL_DIR = "LUNEO_DR_DRILL_DIR"


def _runs_the_drill(config: pytest.Config) -> bool:
    drill = ROOT / "tests" / "test_dr_drill.py"
    for arg in config.args or [str(ROOT / p) for p in config.getini("testpaths")]:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path == drill or (path.is_dir() and drill.is_relative_to(path)):
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or not _runs_the_drill(config) or config.option.collectonly:
        return
    work = Path(tempfile.mkdtemp(prefix="luneo-dr-drill-"))
    os.environ[DRILL_DIR] = str(work)  # the xdist workers start after this and inherit it
    command = (
        f"{sys.executable} -m luneo_ops dr-drill luneo-staging --synth --work {work / 'work'} "
        f"--json {work / 'report.json'} > {work / 'drill.log'} 2>&1; "
        f"echo $? > {work / 'exit-code.tmp'}; mv {work / 'exit-code.tmp'} {work / 'exit-code'}"
    )
    config.stash[DRILL] = subprocess.Popen(
        ["/bin/sh", "-c", command],
        cwd=ROOT,
        start_new_session=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("TF_VAR_")},
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    process = config.stash.get(DRILL, None)
    if process is None:
        return
    if process.poll() is None:  # the run ended early: stop the drill and its servers
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    for initialized in Path(os.environ[DRILL_DIR]).rglob(".terraform"):  # the provider copies: 600+ MB
        shutil.rmtree(initialized, ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The drill's tests last, so that every other test runs while it does."""
    items.sort(key=lambda item: item.path.name == "test_dr_drill.py")


@pytest.fixture(scope="session")
def dr_drill() -> tuple[int, Path]:
    """(exit code, work directory) of the background drill, once it has finished."""
    if DRILL_DIR not in os.environ:
        pytest.fail(
            "the DR drill was not started (tests/conftest.py starts it when the run includes tests/test_dr_drill.py)",
            pytrace=False,
        )
    work = Path(os.environ[DRILL_DIR])
    deadline = time.monotonic() + 1800
    while not (work / "exit-code").exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the DR drill did not finish in 30 minutes (log: {work / 'drill.log'})", pytrace=False)
        time.sleep(2)
    return int((work / "exit-code").read_text().strip() or 1), work
