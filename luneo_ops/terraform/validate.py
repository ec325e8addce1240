"""`terraform init -backend=false` + `terraform validate` of synthesized stacks (the end of
`make synth`), remembered per stack for the same bytes, Terraform binary and provider version."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..paths import BUILD
from .cli import LOCK_FILE, Result, copy_stack, init_args, provider_version, run, terraform_binary


def validate_stack(stack_file: Path, workdir: Path) -> Result:
    """`terraform init -backend=false` + `terraform validate` of one cdk.tf.json, in `workdir`
    (a copy, so the stack's own directory stays ready for an init with the real backend).

    A success is remembered in `workdir/validated` as the digest of the stack's bytes, the
    Terraform binary and the provider version: the same bytes with the same tools validate the
    same way, so a warm `make synth` that changed nothing skips both commands."""
    data = stack_file.read_bytes()
    stack_json = json.loads(data)
    version = provider_version(stack_json)
    binary = Path(terraform_binary())
    lock = stack_file.parent / LOCK_FILE
    lock_bytes = lock.read_bytes() if lock.exists() else b""
    key = hashlib.sha256(
        data + lock_bytes + f"\0{binary.resolve()}\0{binary.stat().st_mtime_ns}\0{version}".encode()
    ).hexdigest()
    marker = workdir / "validated"
    if marker.exists() and marker.read_text() == key:
        return Result(True, "valid (these bytes were validated with this Terraform and provider)")
    marker.unlink(missing_ok=True)
    workdir.mkdir(parents=True, exist_ok=True)
    copy_stack(stack_file, workdir)
    init = run(init_args(version, workdir=workdir), workdir)
    if not init.ok:
        return Result(False, "terraform init failed:\n" + init.output)
    validate = run(["validate", "-no-color"], workdir)
    if validate.ok:
        marker.write_text(key)
    return Result(validate.ok, validate.output)


def validate_all(stacks: dict[str, Path], workdir: Path = BUILD / "validate") -> dict[str, Result]:
    """Stack name -> its validation, all stacks side by side (each in `workdir/<stack>`)."""
    with ThreadPoolExecutor(max_workers=max(1, len(stacks))) as pool:
        return dict(zip(stacks, pool.map(lambda item: validate_stack(item[1], workdir / item[0]), stacks.items())))


def summary_rows(stacks: dict[str, Path], results: dict[str, Result]) -> list[tuple[str, str, str, str]]:
    """The table `make synth` ends with: stack, resources, backend key, validity."""
    rows = [("stack", "resources", "backend key", "terraform validate")]
    for name, path in stacks.items():
        data = json.loads(path.read_text())
        backend = data["terraform"]["backend"]
        where = (
            f"s3://{backend['s3']['bucket']}/{backend['s3']['key']}"
            if "s3" in backend
            else f"local: {backend['local']['path']}"
        )
        count = sum(len(v) for v in data.get("resource", {}).values())
        rows.append((name, str(count), where, "valid" if results[name].ok else "INVALID"))
    return rows
