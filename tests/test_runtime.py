"""The lazy provider loader (constructs_luneo/support/runtime.py, lazy_require.js; docs/PERFORMANCE.md).

It leans on internals of jsii and of the prebuilt package, so these guards check each one against
the installed packages, and that anything unexpected means an eager load, never a wrong JSON.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from constructs_luneo.support import runtime
from tests.conftest import ROOT

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def provider_dir() -> Path:
    import cdktf_cdktf_provider_aws

    return Path(str(cdktf_cdktf_provider_aws.__file__)).parent


def loaded_submodules() -> set[str]:
    return {m for m in sys.modules if re.fullmatch(rf"{runtime.PROVIDER}\.[a-z0-9]\w*", m)}


def run_python(code: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env={**ENV, **env}, capture_output=True, text=True, timeout=600
    )


def assembly_submodules() -> list[str]:
    """The `submodules` of the `.jsii` in the package's tarball: the assembly's own list."""
    [tarball] = (provider_dir() / "_jsii").glob("*.jsii.tgz")
    with tarfile.open(tarball, "r:gz") as tar:
        member = tar.extractfile("package/.jsii")
        assert member, f"{tarball} has no package/.jsii"
        spec = member.read().decode()
    # The file is JSON.stringify(assembly, null, 2): a key indented by two spaces is top-level.
    # Decoding just that value takes a second, the whole 120 MB file seven.
    at = spec.find('\n  "submodules": ')
    if at < 0:
        return list(json.loads(spec)["submodules"])
    value, _ = json.JSONDecoder().raw_decode(spec, at + len('\n  "submodules": '))
    return list(value)


def generated_fqns() -> dict[str, str]:
    """Python submodule -> the submodule FQN its generated classes declare (`jsii_type=`)."""
    found = {}
    for init in sorted(provider_dir().glob("*/__init__.py")):
        if init.parent.name.startswith("_"):
            continue
        match = re.search(r'jsii_type="(@cdktf/provider-aws\.\w+)\.', init.read_text(encoding="utf-8"))
        assert match, f"{init} declares no jsii type"
        found[f"{runtime.PROVIDER}.{init.parent.name}"] = match.group(1)
    return found


# --- this test process -------------------------------------------------------------------------


def test_the_test_session_itself_loads_the_provider_lazily():
    """A jsii or package upgrade outside what these guards passed with fails here first: run this
    file, then widen runtime.TESTED_JSII."""
    import cdktf_cdktf_provider_aws

    assert runtime.jsii_problem() is None
    assert type(cdktf_cdktf_provider_aws.__spec__.loader).__name__ == "_LazyProviderLoader"
    assert f'--require "{runtime.PRELOAD}"' in os.environ["NODE_OPTIONS"]
    assert len(loaded_submodules()) < len(cdktf_cdktf_provider_aws.__all__) / 4


def test_the_fqn_map_is_the_assemblys_submodule_list():
    """(a) jsii's lazy-type hook gets exactly the assembly's submodules, each mapped to the Python
    module whose classes declare that FQN."""
    import cdktf_cdktf_provider_aws
    from jsii import _reference_map

    ours = {
        fqn: module
        for fqn, module in _reference_map._submodule_fqn_map.items()
        if fqn.startswith(f"{runtime.ASSEMBLY}.")
    }
    assert sorted(ours) == sorted(assembly_submodules())
    assert {module: fqn for fqn, module in ours.items()} == generated_fqns()
    assert sorted(cdktf_cdktf_provider_aws.__all__) == sorted(m.rsplit(".", 1)[1] for m in ours.values())


def test_submodules_load_on_attribute_access():
    import cdktf_cdktf_provider_aws

    assert f"{runtime.PROVIDER}.xray_group" not in sys.modules
    assert cdktf_cdktf_provider_aws.xray_group.XrayGroup.__jsii_type__ == "@cdktf/provider-aws.xrayGroup.XrayGroup"
    assert "xray_group" in dir(cdktf_cdktf_provider_aws)
    with pytest.raises(AttributeError, match="no attribute 'not_a_resource'"):
        cdktf_cdktf_provider_aws.not_a_resource


def test_node_options_are_set_once_and_removed_in_eager_mode(monkeypatch):
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.setenv("NODE_OPTIONS", "--max-http-header-size=1000")
    runtime.lazy_provider()
    runtime.lazy_provider()
    assert os.environ["NODE_OPTIONS"] == f'--max-http-header-size=1000 --require "{runtime.PRELOAD}"'
    assert sum(isinstance(f, runtime.LazyProviderFinder) for f in sys.meta_path) == 1
    monkeypatch.setenv("LUNEO_EAGER_PROVIDER", "1")
    runtime.lazy_provider()
    assert os.environ["NODE_OPTIONS"] == "--max-http-header-size=1000"
    assert not any(isinstance(f, runtime.LazyProviderFinder) for f in sys.meta_path)


# --- objects made on the JavaScript side ---------------------------------------------------------

JS_SIDE = """
import json, sys
from constructs_luneo.support.runtime import lazy_provider, quiet_jsii
quiet_jsii(); lazy_provider()
import jsii
from jsii import _reference_map
from jsii._kernel.types import CreateRequest
from cdktf import App, TerraformStack
import cdktf_cdktf_provider_aws

if sys.argv[1] == "without-the-map":
    _reference_map._submodule_fqn_map.clear()
stack = TerraformStack(App(outdir=sys.argv[2]), "js-side")
# Created by kernel requests alone: Python never made these objects nor imported their modules.
for fqn, config in [("provider.AwsProvider", {"region": "eu-west-1"}), ("s3Bucket.S3Bucket", {"bucket": "b"}),
                    ("dataAwsCallerIdentity.DataAwsCallerIdentity", None)]:
    args = [stack.__jsii_ref__, fqn.split(".")[0]] + ([config] if config else [])
    jsii.kernel.provider.create(CreateRequest(fqn=f"@cdktf/provider-aws.{fqn}", args=args))
before = sorted(m for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.") and "_jsii" not in m)
children = stack.node.children  # the construct tree, read back from the kernel
bucket = children[1]
print(json.dumps({"before": before, "classes": [f"{type(c).__module__}.{type(c).__name__}" for c in children],
                  "versioning": type(bucket.versioning).__name__, "type": bucket.terraform_resource_type}))
"""


def test_provider_objects_made_in_javascript_come_back_with_their_classes(tmp_path):
    """(b) Constructs created by the kernel from never-imported submodules: a resource, a data
    source and the provider, and a nested output type, each gets its generated class."""
    proc = run_python(JS_SIDE, "intact", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["before"] == []
    assert seen["classes"] == [
        "cdktf_cdktf_provider_aws.provider.AwsProvider",
        "cdktf_cdktf_provider_aws.s3_bucket.S3Bucket",
        "cdktf_cdktf_provider_aws.data_aws_caller_identity.DataAwsCallerIdentity",
    ]
    assert seen["versioning"] == "S3BucketVersioningOutputReference"
    assert seen["type"] == "aws_s3_bucket"


def test_without_the_fqn_map_the_same_objects_do_not_resolve(tmp_path):
    """The control for the test above: what makes it pass is the map the loader fills."""
    proc = run_python(JS_SIDE, "without-the-map", str(tmp_path))
    assert proc.returncode != 0
    assert "ValueError: Unknown type: @cdktf/provider-aws.provider.AwsProvider" in proc.stderr


# --- lazy and eager synthesis through main.py ----------------------------------------------------

RUN_MAIN = """
import json, runpy, sys
try:
    runpy.run_path(sys.argv[1], run_name="__main__")
finally:
    print(sum(1 for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.") and m.count(".") == 1
              and not m.split(".")[1].startswith("_")))
"""


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_lazy_and_eager_synthesis_write_the_same_bytes(tmp_path):
    """(c) Every stack and the manifest, from two fresh main.py processes; each process is checked
    to have really been lazy or eager, on both sides of jsii."""

    def synth(mode: str, **env: str) -> tuple[subprocess.CompletedProcess, Path, Path]:
        outdir, report = tmp_path / mode / "cdktf.out", tmp_path / mode / "node.jsonl"
        outdir.parent.mkdir()
        proc = run_python(
            RUN_MAIN, str(ROOT / "main.py"), CDKTF_OUTDIR=str(outdir), LUNEO_LAZY_REQUIRE_REPORT=str(report), **env
        )
        return proc, outdir, report

    with ThreadPoolExecutor(2) as pool:
        lazy = pool.submit(synth, "lazy", LUNEO_EAGER_PROVIDER="")
        eager = pool.submit(synth, "eager", LUNEO_EAGER_PROVIDER="1")
    (lazy_proc, lazy_out, lazy_report), (eager_proc, eager_out, eager_report) = lazy.result(), eager.result()
    assert lazy_proc.returncode == 0, lazy_proc.stderr
    assert eager_proc.returncode == 0, eager_proc.stderr
    assert "warning" not in lazy_proc.stderr + eager_proc.stderr

    total = len(generated_fqns())
    assert 0 < int(lazy_proc.stdout) < total / 10 and int(eager_proc.stdout) == total
    [node] = [json.loads(line) for line in lazy_report.read_text().splitlines()]
    assert node["mode"] == "lazy" and node["submodules"] == total and 0 < node["loaded"] < total / 10
    assert not eager_report.exists(), "the eager kernel must not have the preload"

    lazy_files, eager_files = tree(lazy_out), tree(eager_out)
    assert "manifest.json" in lazy_files and len(lazy_files) >= 4
    assert sorted(lazy_files) == sorted(eager_files)
    assert [name for name in lazy_files if lazy_files[name] != eager_files[name]] == []


# --- when jsii's internals change shape ----------------------------------------------------------

CHANGED = """
import json, sys
from constructs_luneo.support.runtime import lazy_provider, quiet_jsii
quiet_jsii(); lazy_provider()
import jsii
from jsii import _reference_map

class Forgetful(dict):
    def __setitem__(self, key, value):
        pass

change = sys.argv[1]
if change == "no fqn map":
    del _reference_map._submodule_fqn_map
elif change == "assemblies not registered":
    _reference_map._assembly_to_module = Forgetful()
from cdktf import Testing, TerraformStack
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy

stack = TerraformStack(Testing.app(), "changed")
AwsProvider(stack, "aws", region="eu-west-1")
bucket = S3Bucket(stack, "bucket", bucket="luneo-changed")
document = DataAwsIamPolicyDocument(stack, "tls", statement=[{
    "effect": "Deny", "actions": ["s3:*"], "resources": [bucket.arn, f"{bucket.arn}/*"],
    "principals": [{"type": "*", "identifiers": ["*"]}],
    "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]}])
S3BucketPolicy(stack, "policy", bucket=bucket.id, policy=document.json)
submodules = sum(1 for m in sys.modules if m.startswith("cdktf_cdktf_provider_aws.") and m.count(".") == 1
                 and not m.split(".")[1].startswith("_"))
print(json.dumps({"submodules": submodules, "json": Testing.synth(stack)}))
"""
CHANGES = {  # checked before the package loads, and after its assembly has loaded
    "no fqn map": "jsii._reference_map._submodule_fqn_map is missing",
    "assemblies not registered": "jsii did not register @cdktf/provider-aws",
}


@pytest.fixture(scope="module")
def changed_runs() -> dict[str, subprocess.CompletedProcess]:
    """The same small stack synthesized with jsii as installed and with each change, in parallel."""
    with ThreadPoolExecutor(2) as pool:
        runs = {change: pool.submit(run_python, CHANGED, change) for change in ["none", *CHANGES]}
    return {change: run.result() for change, run in runs.items()}


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_jsii_means_a_warning_and_an_eager_load_with_the_same_json(changed_runs, change):
    """(d) Simulated by patching jsii in a fresh process before the provider is imported."""
    baseline, proc = changed_runs["none"], changed_runs[change]
    assert baseline.returncode == 0, baseline.stderr
    assert proc.returncode == 0, proc.stderr
    assert f"warning: loading cdktf_cdktf_provider_aws eagerly (slower, same output): {CHANGES[change]}" in proc.stderr
    lazy, eager = json.loads(baseline.stdout), json.loads(proc.stdout)
    assert "warning" not in baseline.stderr and lazy["submodules"] < 20
    assert eager["submodules"] == len(generated_fqns())
    assert eager["json"] == lazy["json"] and "aws_s3_bucket" in lazy["json"]


@pytest.mark.parametrize(
    "version, problem",
    [
        ("1.142.0", None),
        ("1.142.7", None),
        ("1.143.0", "jsii 1.143.0 is outside the versions the loader was tested with (1.142 to before 1.143)"),
        ("1.141.9", "jsii 1.141.9 is outside the versions the loader was tested with (1.142 to before 1.143)"),
        ("dev", "jsii's version 'dev' is unreadable"),
    ],
)
def test_only_the_tested_jsii_versions_are_trusted(monkeypatch, version, problem):
    import jsii

    monkeypatch.setattr(jsii, "__version__", version)
    assert runtime.jsii_problem() == problem


# --- the Node.js preload, on a package of the provider's shape -----------------------------------

INDEX = """"use strict";
/**
 * Copyright (c) HashiCorp, Inc.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.bC = exports.a = void 0;
// generated by cdktf get
exports.a = require("./a");
exports.bC = require("./b-c");
//# sourceMappingURL=data:application/json;base64,e30=
"""
DRIVER = """
const p = require(process.argv[1]);
const before = [...(globalThis.loaded || [])];
const keys = Object.keys(p);
const value = p.a.value;
console.log(JSON.stringify({ before, keys, value, after: globalThis.loaded }));
"""


def node_require(tmp_path: Path, index: str, name: str = "@cdktf/provider-aws", **env: str) -> tuple[dict, str]:
    package = tmp_path / "node_modules" / name
    for sub in ("a", "b-c"):
        (package / "lib" / sub).mkdir(parents=True, exist_ok=True)
        (package / "lib" / sub / "index.js").write_text(
            f'globalThis.loaded = [...(globalThis.loaded || []), "{sub}"];\nexports.value = "{sub}";\n'
        )
    (package / "lib" / "index.js").write_text(index)
    (package / "package.json").write_text(json.dumps({"name": name, "main": "lib/index.js"}))
    proc = subprocess.run(
        ["node", "--require", str(runtime.PRELOAD), "-e", DRIVER, str(package)],
        cwd=tmp_path,
        env={**ENV, "NODE_OPTIONS": "", "LUNEO_EAGER_PROVIDER": "", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def test_the_preload_defers_each_submodule_until_it_is_read(tmp_path):
    seen, stderr = node_require(tmp_path, INDEX)
    assert seen == {"before": [], "keys": ["a", "bC"], "value": "a", "after": ["a"]}
    assert stderr == ""


OTHER_SHAPES = {
    "another statement": (INDEX.replace("// generated", "exports.extra = 1;\n// generated"), {}),
    "a non-literal require": (INDEX.replace('require("./b-c")', 'require("./b-" + "c")'), {}),
    "LUNEO_EAGER_PROVIDER=1": (INDEX, {"LUNEO_EAGER_PROVIDER": "1"}),
}


@pytest.mark.parametrize("case", OTHER_SHAPES)
def test_the_preload_leaves_any_other_shape_to_nodes_loader(tmp_path, case):
    index, env = OTHER_SHAPES[case]
    seen, stderr = node_require(tmp_path, index, **env)
    assert seen["before"] == ["a", "b-c"], case
    assert ("unexpected shape" in stderr) == (case != "LUNEO_EAGER_PROVIDER=1")


def test_the_preload_touches_no_other_package(tmp_path):
    seen, stderr = node_require(tmp_path, INDEX, name="@cdktf/provider-google")
    assert seen["before"] == ["a", "b-c"] and stderr == ""
