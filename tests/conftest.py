"""Session fixtures: the AWS provider bindings are imported once (lazily), and every stack is synthesized once."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from constructs_luneo.runtime import keep_policy_errors_for_the_report, lazy_provider, quiet_jsii  # noqa: E402

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
    from constructs_luneo.stacks import build_app

    outdir = tmp_path_factory.mktemp("cdktf.out")
    configs = load_environments(ROOT / "environments")
    build_app(configs, outdir=str(outdir), bootstrap=load_bootstrap(ROOT / "bootstrap.tfvars", configs)).synth()
    return outdir


@pytest.fixture(scope="session")
def all_stacks(synth_dir: Path) -> dict[str, dict]:
    """Stack name -> parsed cdk.tf.json, luneo-bootstrap included."""
    from scripts.terraform_cli import synthesized_stacks

    return synthesized_stacks(synth_dir)


@pytest.fixture(scope="session")
def stacks(all_stacks: dict[str, dict]) -> dict[str, dict]:
    """The environment stacks (luneo-prod, luneo-staging)."""
    return {name: stack for name, stack in all_stacks.items() if name != "luneo-bootstrap"}


@pytest.fixture(scope="session")
def terraform() -> str:
    """The terraform binary. Missing terraform fails the tests that need it, loudly: never a skip."""
    from scripts.terraform_cli import INSTALL_HINT

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
# It spends most of its minutes waiting on Terraform and the local AWS; started as soon as the
# tests are collected, it overlaps with the unit tests instead of following them.
DRILL = pytest.StashKey[tuple]()


def pytest_collection_finish(session: pytest.Session) -> None:
    if not any(item.path.name == "test_dr_drill.py" for item in session.items):
        return
    import subprocess
    import tempfile

    base = session.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    work = Path(tempfile.mkdtemp(prefix="dr-drill-", dir=base))
    log = (work / "drill.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.dr_drill", "luneo-staging", "--synth", "--work", str(work / "work"),
         "--json", str(work / "report.json")],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={k: v for k, v in os.environ.items()
                                                             if not k.startswith("TF_VAR_")})
    session.config.stash[DRILL] = (process, work)


def pytest_sessionfinish(session: pytest.Session) -> None:
    started = session.config.stash.get(DRILL, None)
    if started and started[0].poll() is None:
        started[0].terminate()
        started[0].wait(timeout=60)


@pytest.fixture(scope="session")
def dr_drill(request: pytest.FixtureRequest) -> tuple[int, Path]:
    """(exit code, work directory) of the background drill, once it has finished."""
    started = request.config.stash.get(DRILL, None)
    if started is None:
        pytest.fail("the DR drill was not started (tests/conftest.py starts it after collection)", pytrace=False)
    process, work = started
    return process.wait(timeout=1800), work
