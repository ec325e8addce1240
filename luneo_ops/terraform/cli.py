"""Finding and running Terraform for synthesized stacks, offline when the machine allows it.

Provider installation, in order:
1. `TF_PLUGIN_DIR`: an explicitly configured provider plugin directory (an error if it lacks the
   provider);
2. the `filesystem_mirror` path of the Terraform CLI configuration (`TF_CLI_CONFIG_FILE` or
   `~/.terraformrc`);
3. Terraform's implied local mirror directories (`~/.terraform.d/plugins`,
   `$XDG_DATA_DIRS/terraform/plugins`, ...) and `/opt/*` or `/opt/*/plugins` mirrors;
4. otherwise a normal `terraform init`, which downloads from the registry.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

PROVIDER = "registry.terraform.io/hashicorp/aws"
INSTALL_HINT = (
    "terraform (>= 1.11) was not found on PATH. Install it from your package manager or "
    "https://developer.hashicorp.com/terraform/install and make sure `terraform version` works."
)


class TerraformMissing(RuntimeError):
    pass


def terraform_binary() -> str:
    path = os.environ.get("TERRAFORM_BINARY") or shutil.which("terraform")
    if not path:
        raise TerraformMissing(INSTALL_HINT)
    return path


def provider_version(stack_json: dict) -> str:
    """The exact AWS provider version a synthesized stack pins (cdktf writes it from the bindings)."""
    return stack_json["terraform"]["required_providers"]["aws"]["version"]


def _has_provider(directory: Path, version: str) -> bool:
    return any((directory / PROVIDER / version).glob("*_*/terraform-provider-aws*"))


def _cli_config_mirrors() -> list[Path]:
    config = os.environ.get("TF_CLI_CONFIG_FILE") or str(Path.home() / ".terraformrc")
    try:
        text = Path(config).read_text()
    except OSError:
        return []
    return [Path(p) for p in re.findall(r'filesystem_mirror\s*\{[^}]*?path\s*=\s*"([^"]+)"', text, re.S)]


def _implied_mirrors() -> list[Path]:
    data_dirs = os.environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share").split(":")
    candidates = [Path.home() / ".terraform.d" / "plugins", Path.home() / ".local/share/terraform/plugins"]
    candidates += [Path(d) / "terraform" / "plugins" for d in data_dirs if d]
    opt = Path("/opt")
    if opt.is_dir():
        for child in sorted(opt.iterdir()):
            candidates += [child, child / "plugins"]
    return candidates


def find_plugin_dir(version: str) -> Path | None:
    """A directory holding `registry.terraform.io/hashicorp/aws/<version>`, or None (use the registry)."""
    configured = os.environ.get("TF_PLUGIN_DIR")
    if configured:
        if not _has_provider(Path(configured), version):
            raise FileNotFoundError(f"TF_PLUGIN_DIR={configured} has no {PROVIDER}/{version}/<os_arch>/ provider")
        return Path(configured)
    for candidate in _cli_config_mirrors() + _implied_mirrors():
        try:
            if _has_provider(candidate, version):
                return candidate
        except OSError:
            continue
    return None


def terraform_env() -> dict[str, str]:
    """The environment for Terraform subprocesses: no prompts, no colour, no warning about a
    `TF_CLI_CONFIG_FILE` that points at a missing file."""
    env = dict(os.environ, TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1")
    config = env.get("TF_CLI_CONFIG_FILE")
    if config and not Path(config).is_file():
        env.pop("TF_CLI_CONFIG_FILE")
    return env


@dataclass
class Result:
    ok: bool
    output: str  # stdout + stderr
    stdout: str = ""
    returncode: int = 0


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600) -> Result:
    proc = subprocess.run(
        [terraform_binary(), *args],
        cwd=cwd,
        env=env or terraform_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(proc.returncode == 0, proc.stdout + proc.stderr, proc.stdout, proc.returncode)


LOCK_FILE = ".terraform.lock.hcl"


def copy_stack(stack_file: Path, workdir: Path) -> Path:
    """A working directory holding the stack's JSON, unchanged, and its provider lock file (main.py
    puts the committed one next to every stack)."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(stack_file, workdir / "cdk.tf.json")
    if (stack_file.parent / LOCK_FILE).exists():
        shutil.copyfile(stack_file.parent / LOCK_FILE, workdir / LOCK_FILE)
    return workdir


def init_args(version: str, *, backend: bool = False, workdir: Path | None = None) -> list[str]:
    """`terraform init` offline where the machine has a mirror; with a lock file in `workdir`, the
    provider must match its hashes (`-lockfile=readonly`: init never rewrites it)."""
    args = ["init", "-input=false", "-no-color"]
    if not backend:
        args.append("-backend=false")
    if workdir is not None and (workdir / LOCK_FILE).exists():
        args.append("-lockfile=readonly")
    plugin_dir = find_plugin_dir(version)
    if plugin_dir is not None:
        args.append(f"-plugin-dir={plugin_dir}")
    return args
