"""Environment files: parsing, defaults, and one clear line for every kind of bad input."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from constructs_luneo.config import (
    LEGACY_PROD_STATE_KEY,
    REQUIRED,
    VARIABLES,
    ConfigError,
    NodeGroupScaling,
    StateSettings,
    load_environment,
    load_environments,
)
from tests.conftest import ROOT  # noqa: E402

MINIMAL = (
    'db_primary_instance_class = "db.t3.medium"\nredis_node_type = "cache.t3.micro"\n'
    'alarm_emails = ["oncall@luneo.app"]\n'
)


def write(tmp_path: Path, text: str, name: str = "staging.tfvars") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str, name: str = "staging.tfvars") -> str:
    with pytest.raises(ConfigError) as caught:
        load_environment(write(tmp_path, text, name))
    message = str(caught.value)
    assert "\n" not in message, "a config error is one line"
    assert message.startswith(str(tmp_path / name)), "a config error names the file first"
    return message


def test_the_committed_environments_load():
    configs = load_environments(ROOT / "environments")
    assert [c.stack_name for c in configs] == ["luneo-prod", "luneo-staging"]
    prod, staging = configs
    assert prod.state.key == LEGACY_PROD_STATE_KEY
    assert staging.state.key == "staging/multi-region/terraform.tfstate"
    assert prod.database.primary_instance_class == "db.r6g.large"
    assert isinstance(prod.eks.primary.desired_size, int)


def test_defaults_fill_what_a_file_leaves_out(tmp_path):
    config = load_environment(write(tmp_path, MINIMAL))
    assert config.database.backup_retention_period == 7
    assert config.database.backup_window == "04:00-05:00"
    assert config.database.replica_instance_class == "db.t3.medium", "the replica defaults to the primary's class"
    assert config.assets.logging_bucket is None and config.assets.aliases == ()
    assert config.state == StateSettings(
        bucket="luneo-terraform-state",
        key="staging/multi-region/terraform.tfstate",
        region="eu-west-1",
        lock_table="luneo-terraform-locks",
    )
    assert config.database.master_password_source == "generated"
    assert config.database.master_password_version == 1


def test_prod_defaults_to_the_state_key_that_exists_today(tmp_path):
    prod = write(tmp_path, MINIMAL, "prod.tfvars")
    assert load_environment(prod).state.key == LEGACY_PROD_STATE_KEY


def test_backend_settings_are_overridable(tmp_path):
    config = load_environment(
        write(
            tmp_path,
            MINIMAL + 'state_key = "x/y.tfstate"\nstate_bucket = "other-state"\nstate_lock_table = "other-locks"\n',
        )
    )
    assert (config.state.key, config.state.bucket, config.state.lock_table) == (
        "x/y.tfstate",
        "other-state",
        "other-locks",
    )


def test_syntax_error_names_file_and_line(tmp_path):
    message = error_of(tmp_path, MINIMAL + "redis_num_cache_clusters = \n")
    assert "syntax error at line" in message


def test_unterminated_string(tmp_path):
    assert "syntax error" in error_of(tmp_path, 'redis_node_type = "cache.t3.micro\n')


def test_unknown_variable_suggests_the_right_name(tmp_path):
    message = error_of(tmp_path, MINIMAL + 'redis_nod_type = "cache.t3.micro"\n')
    assert "staging.tfvars:4: redis_nod_type: unknown variable (did you mean redis_node_type?)" in message


@pytest.mark.parametrize(
    "line, expected",
    [
        ('eks_primary_desired_size = "three"', "eks_primary_desired_size: expected a whole number, got 'three'"),
        ("eks_primary_desired_size = 2.5", "eks_primary_desired_size: expected a whole number, got 2.5"),
        ("redis_num_cache_clusters = true", "redis_num_cache_clusters: expected a whole number, got true"),
        ('db_multi_az = "no"', "db_multi_az: expected true or false"),
        ('tags = ["a"]', "tags: expected a map of strings, got a list"),
        (
            'alarm_https_endpoints = ["https://chat.luneo.app/hook", 3]',
            "alarm_https_endpoints: expected a list of strings, got a list whose item 2 is 3 (a number)",
        ),
        ('tags = { Team = { a = "b" } }', "tags: expected a map of strings, got a map whose 'Team' is a map"),
        ("backup_window = 4", "backup_window: expected a quoted string, got 4"),
    ],
)
def test_wrong_type(tmp_path, line, expected):
    assert expected in error_of(tmp_path, MINIMAL + line + "\n")


@pytest.mark.parametrize(
    "line, expected",
    [
        ("redis_num_cache_clusters = -1", "redis_num_cache_clusters: expected a whole number from 1 to 6, got -1"),
        ("redis_num_cache_clusters = 7", "redis_num_cache_clusters: expected a whole number from 1 to 6, got 7"),
        ("eks_primary_min_size = -2", "eks_primary_min_size: expected a whole number from 0 to 100, got -2"),
        ("backup_retention_period = 0", "backup_retention_period: expected a whole number from 1 to 35"),
        ('backup_window = "4am"', 'backup_window: expected a UTC window "hh:mm-hh:mm"'),
        ('backup_window = "04:00-04:10"', "backup_window: expected a window of at least 30 minutes"),
        ('db_primary_instance_class = "r6g.large"', "db_primary_instance_class: expected an RDS instance class"),
        ('redis_node_type = "r6g.large"', "redis_node_type: expected an ElastiCache node type"),
        ('primary_ingress_hostname = "not a host"', "primary_ingress_hostname: expected a DNS hostname"),
        ('state_key = "state.json"', 'state_key: expected an S3 key ending in ".tfstate"'),
        ('secondary_region = "eu-west-1"', "secondary_region: expected a region other than primary_region"),
        (
            'primary_region = "eu-west-9"',
            'primary_region: expected an AWS region such as "eu-west-1" (no AWS region has that code',
        ),
        ('state_region = "eu-wset-1"', 'state_region: expected an AWS region such as "eu-west-1" (no AWS region has'),
        ('tags = { Environment = "x" }', "tags: expected extra tags only; Environment come from"),
    ],
)
def test_value_out_of_range(tmp_path, line, expected):
    name = line.split()[0]
    text = "".join(x for x in MINIMAL.splitlines(keepends=True) if not x.startswith(name + " "))
    assert expected in error_of(tmp_path, text + line + "\n")


def test_desired_size_above_max(tmp_path):
    message = error_of(tmp_path, MINIMAL + "eks_primary_desired_size = 12\neks_primary_max_size = 10\n")
    assert (
        "eks_primary_desired_size: expected a value between eks_primary_min_size (2) and "
        "eks_primary_max_size (10), got 12"
    ) in message
    assert ":4:" in message, "points at the desired-size line"


def test_desired_size_below_min_in_the_secondary_region(tmp_path):
    message = error_of(tmp_path, MINIMAL + "eks_secondary_min_size = 3\neks_secondary_desired_size = 2\n")
    assert "eks_secondary_desired_size: expected a value between" in message


@pytest.mark.parametrize("name", ["db_master_password", "db_password", "redis_auth_token", "api_secret"])
def test_a_secret_in_an_environment_file_is_refused(tmp_path, name):
    message = error_of(tmp_path, MINIMAL + f'{name} = "correct-horse-battery-staple"\n')
    assert f"{name}: secrets must not be stored in an environment file" in message
    assert f"TF_VAR_{name}" in message
    assert "correct-horse" not in message, "the error never echoes the secret"


def test_a_missing_required_variable(tmp_path):
    message = error_of(tmp_path, 'redis_node_type = "cache.t3.micro"\nalarm_emails = ["oncall@luneo.app"]\n')
    assert "db_primary_instance_class: is required" in message


def test_a_variable_set_twice(tmp_path):
    message = error_of(tmp_path, MINIMAL + "redis_num_cache_clusters = 2\nredis_num_cache_clusters = 3\n")
    assert "redis_num_cache_clusters: set more than once (lines 4, 5)" in message


def test_a_key_set_twice_inside_a_map(tmp_path):
    """python-hcl2 keeps the last of two equal keys silently; the operator meant one of them."""
    message = error_of(tmp_path, MINIMAL + 'tags = {\n  Team = "a"\n  Team = "b"\n}\n')
    assert "tags: key 'Team' is set more than once in one map (lines 5 and 6)" in message
    one_line = error_of(tmp_path, MINIMAL + 'tags = { Team = "a", "Team" = "b" }\n')
    assert ":4: tags: key 'Team' is set more than once" in one_line


def test_sections_are_typed_and_frozen(tmp_path):
    import dataclasses

    config = load_environment(write(tmp_path, MINIMAL + "eks_primary_desired_size = 4\n"))
    assert config.eks.scaling("primary") == NodeGroupScaling(desired_size=4, min_size=2, max_size=10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.eks.kubernetes_version = "1.34"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.tags["Team"] = "x"  # type: ignore[index]
    assert not hasattr(type(config), "__getattr__"), "no flat bag: the stacks read the typed sections"


def test_expressions_are_not_values(tmp_path):
    assert "expected a literal value" in error_of(tmp_path, MINIMAL + "logging_bucket = var.bucket\n")


def test_blocks_are_not_values(tmp_path):
    assert "blocks are not allowed" in error_of(tmp_path, MINIMAL + "tags {\n}\n")


def test_environment_file_name(tmp_path):
    with pytest.raises(ConfigError, match="lowercase environment name"):
        load_environment(write(tmp_path, MINIMAL, "Prod Env.tfvars"))
    with pytest.raises(ConfigError, match="2 to 21 characters: a letter, then letters, digits, '-'\\), got 'x'"):
        load_environment(write(tmp_path, MINIMAL, "x.tfvars"))


def test_two_environments_cannot_share_a_state_key(tmp_path):
    write(tmp_path, MINIMAL + 'state_key = "same.tfstate"\n', "a1.tfvars")
    write(tmp_path, MINIMAL + 'state_key = "same.tfstate"\n', "b1.tfvars")
    with pytest.raises(ConfigError, match="state_key: expected a key of its own"):
        load_environments(tmp_path)


# --- terraform.tfvars.example documents every variable, and is itself a valid environment ---


def test_example_documents_every_variable_with_a_comment():
    text = (ROOT / "terraform.tfvars.example").read_text()
    for variable in VARIABLES:
        assert re.search(rf"^# {variable.name}: \S.*$", text, re.M), f"no one-line comment for {variable.name}"
        assert re.search(rf"^(# )?{variable.name} = ", text, re.M), f"no example value for {variable.name}"


def test_example_is_a_valid_environment(tmp_path):
    path = write(tmp_path, (ROOT / "terraform.tfvars.example").read_text(), "example.tfvars")
    config = load_environment(path)
    required = [v.name for v in VARIABLES if v.default is REQUIRED]
    assert all(config.values[name] is not None for name in required)


def test_generated_reference_and_example_are_current():
    """docs/CONFIGURATION.md and terraform.tfvars.example are generated from VARIABLES (make docs):
    every name, type, default and description written once."""
    from constructs_luneo.config import reference
    from luneo_ops import docs

    assert not [p for p in docs.stale(docs.outputs()) if p.suffix != ".md" or p.name == "CONFIGURATION.md"], (
        "run `make docs`"
    )
    text = (ROOT / "docs" / "CONFIGURATION.md").read_text()
    for variable in VARIABLES:
        assert f"| `{variable.name}` | {variable.kind} | {reference._default_cell(variable)} |" in text


def test_example_shows_each_default_value_by_value():
    from constructs_luneo.config.reference import hcl

    text = (ROOT / "terraform.tfvars.example").read_text()
    for variable in VARIABLES:
        if variable.default not in (REQUIRED, None) and (variable.example is None or variable.default):
            assert f"# {variable.name} = {hcl(variable.default)}\n" in text, variable.name


# --- the command line: one line, exit code 2, no traceback, previous output untouched ---


def tree_digest(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def previous_output(tmp_path: Path) -> Path:
    outdir = tmp_path / "cdktf.out"
    (outdir / "stacks" / "luneo-staging" / ".terraform").mkdir(parents=True)
    (outdir / "stacks" / "luneo-staging" / "cdk.tf.json").write_text('{"previous": true}')
    (outdir / "stacks" / "luneo-staging" / ".terraform" / "terraform.tfstate").write_text("{}")
    (outdir / "manifest.json").write_text("{}")
    return outdir


@pytest.mark.parametrize(
    "bad",
    [
        "redis_num_cache_clusters = \n",
        'redis_nod_type = "cache.t3.micro"\n',
        'eks_primary_desired_size = "three"\n',
        "eks_primary_desired_size = 50\neks_primary_max_size = 10\n",
        "redis_num_cache_clusters = -1\n",
        'db_master_password = "hunter2hunter2hunter2"\n',
    ],
)
def test_main_reports_bad_config_in_one_line_and_leaves_output_untouched(tmp_path, previous_output, bad):
    envs = tmp_path / "environments"
    envs.mkdir()
    (envs / "prod.tfvars").write_text((ROOT / "environments" / "prod.tfvars").read_text())
    (envs / "staging.tfvars").write_text(MINIMAL + bad)
    before = tree_digest(previous_output)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(os.environ, LUNEO_ENVIRONMENTS_DIR=str(envs), CDKTF_OUTDIR=str(previous_output)),
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: environments/staging.tfvars"), proc.stderr
    assert "Traceback" not in proc.stderr
    assert "hunter2" not in proc.stderr
    assert tree_digest(previous_output) == before
    assert not list(tmp_path.glob(".synth-*")), "no staging directory is left behind"


def test_config_check_command(tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "constructs_luneo.config", str(ROOT / "environments")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert "luneo-prod" in ok.stdout and "global/multi-region/terraform.tfstate" in ok.stdout
    write(tmp_path, MINIMAL + "redis_num_cache_clusters = 0\n")
    bad = subprocess.run(
        [sys.executable, "-m", "constructs_luneo.config", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "redis_num_cache_clusters: expected a whole number from 1 to 6" in bad.stderr


def test_a_cross_field_error_points_at_the_line_that_is_set(tmp_path):
    """assets_aliases without its certificate: the line of the alias, and the variable that is missing."""
    message = error_of(tmp_path, MINIMAL + 'assets_aliases = ["cdn.luneo.app"]\n')
    assert message.startswith(
        f"{tmp_path / 'staging.tfvars'}:4: assets_certificate_arn: expected assets_aliases and "
        "assets_certificate_arn together, got only assets_aliases"
    ), message


def test_every_check_across_variables_is_registered_and_documented():
    """docs/CONFIGURATION.md lists the checks from their registry (config/tfvars.py): a ConfigError
    raised by a section's own code, outside a registered check, would be a rule the docs do not
    state. Only the per-file checks (the file name) live outside the registry."""
    import ast

    from constructs_luneo.config.tfvars import CROSS_CHECKS

    registered = {function.__name__ for _, function in CROSS_CHECKS}
    unregistered = []
    for module in ("environment.py", "bootstrap.py"):
        tree = ast.parse((ROOT / "constructs_luneo" / "config" / module).read_text())
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            raises = [n for n in ast.walk(function) if isinstance(n, ast.Raise) and "ConfigError" in ast.unparse(n)]
            if raises and function.name not in registered | {"load_environment", "load_environments"}:
                unregistered.append(f"{module}: {function.name}")
    assert unregistered == []
    text = (ROOT / "docs" / "CONFIGURATION.md").read_text()
    assert all(f"- {rule}" in text for rule, _ in CROSS_CHECKS)


# --- values AWS refuses, refused at synth: one line naming file and variable, exit 2, output untouched ---

STAGING = (ROOT / "environments" / "staging.tfvars").read_text()


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            ('"db.t3.medium"', '"db.t3.mediun"'),
            "db_primary_instance_class: 'db.t3.mediun' is not a db class offered in eu-west-1 per "
            "constructs_luneo/dated/prices.csv (2026-11). Fix: one of the nearest, db.t3.medium",
        ),
        (('"cache.t3.micro"', '"cache.t3.mirco"'), "redis_node_type: 'cache.t3.mirco' is not a cache class offered"),
        (
            (
                "single_nat_gateway = true",
                'single_nat_gateway = true\neks_spot_instance_types = ["m6i.large", "m6i.lrage"]',
            ),
            "eks_spot_instance_types: 'm6i.lrage' is not a ec2 class offered in eu-west-1",
        ),
        (
            ("single_nat_gateway = true", 'single_nat_gateway = true\neks_kubernetes_version = "1.19"'),
            "eks_kubernetes_version: Kubernetes 1.19 is not on the EKS calendar",
        ),
        (
            ("single_nat_gateway = true", 'single_nat_gateway = true\neks_kubernetes_version = "1.33"'),
            "eks_kubernetes_version: Kubernetes 1.33 left standard support on 2026-07-29",
        ),
        (
            ("single_nat_gateway = true", f'single_nat_gateway = true\ntags = {{ Team = "{"x" * 257}" }}'),
            "tags: expected tags AWS accepts (tag Team: expected a value of 0-256",
        ),
        (
            (
                "single_nat_gateway = true",
                "single_nat_gateway = true\ntags = {" + ", ".join(f'T{i} = "v"' for i in range(43)) + "}",
            ),
            "tags: expected at most 42 extra tags",
        ),
        (
            ("single_nat_gateway = true", 'single_nat_gateway = true\nprimary_zone_ids = ["euw1-az1", "use1-az2"]'),
            "primary_zone_ids: expected 2-4 distinct zone IDs of eu-west-1 (euw1-az<n>): 'use1-az2' is not a zone",
        ),
        (
            ("single_nat_gateway = true", 'single_nat_gateway = true\nsecondary_zone_ids = ["use1-az1", "use1-az3"]'),
            "secondary_zone_ids: expected 2-4 distinct zone IDs of us-east-1 (use1-az<n>): use1-az3 runs neither",
        ),
        (
            ("single_nat_gateway = true", "single_nat_gateway = true\neks_admin_roles = []"),
            "eks_admin_roles: expected at least one IAM role",
        ),
        (
            ('alarm_emails = ["platform@luneo.app"]', "alarm_emails = []"),
            "alarm_emails: expected at least one e-mail address",
        ),
    ],
)
def test_values_aws_refuses_are_refused_at_synth(tmp_path, previous_output, change, expected):
    """Tried as a new user would: each synthesized silently and failed at apply (round 3 of the review)."""
    envs = tmp_path / "environments"
    envs.mkdir()
    (envs / "prod.tfvars").write_text((ROOT / "environments" / "prod.tfvars").read_text())
    assert change[0] in STAGING
    (envs / "staging.tfvars").write_text(STAGING.replace(change[0], change[1], 1))
    before = tree_digest(previous_output)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(
            os.environ, LUNEO_ENVIRONMENTS_DIR=str(envs), CDKTF_OUTDIR=str(previous_output), LUNEO_TODAY="2026-12-05"
        ),
        timeout=120,
    )
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: environments/staging.tfvars:") and expected in lines[0], lines[0]
    assert tree_digest(previous_output) == before


def test_a_file_that_starts_with_a_byte_order_mark_loads(tmp_path):
    """Defect: some editors write a UTF-8 byte-order mark; it was a syntax error at column 1."""
    plain = load_environment(write(tmp_path, STAGING))
    marked = load_environment(write(tmp_path, "\ufeff" + STAGING))
    assert marked.values == plain.values


def test_an_output_directory_that_is_a_file_is_one_line(tmp_path):
    """Defect: CDKTF_OUTDIR pointing at a file ended in a traceback."""
    target = tmp_path / "out"
    target.write_text("not a directory")
    for outdir in (target, target / "below"):
        proc = subprocess.run(
            [sys.executable, str(ROOT / "main.py")],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=dict(os.environ, CDKTF_OUTDIR=str(outdir)),
            timeout=120,
        )
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert proc.stderr.strip().splitlines() == [
            "error: CDKTF_OUTDIR: expected a directory (or a path where one can be made), got "
            f"{outdir.relative_to(tmp_path)} (out is a file)"
        ]
        assert target.read_text() == "not a directory"


def test_the_kubernetes_version_may_stay_on_extended_support_by_choice(tmp_path, monkeypatch):
    monkeypatch.setenv("LUNEO_TODAY", "2026-12-05")
    text = STAGING + 'eks_kubernetes_version = "1.34"\n'
    with pytest.raises(ConfigError, match="Kubernetes 1.34 left standard support on 2026-12-02"):
        load_environment(write(tmp_path, text))
    chosen = load_environment(write(tmp_path, text + 'eks_support_type = "EXTENDED"\n'))
    assert (chosen.eks.kubernetes_version, chosen.eks.support_type) == ("1.34", "EXTENDED")


@pytest.mark.parametrize(
    "line, expected",
    [
        ('workloads = { "Worker" = "luneo/worker" }', "workloads: expected workload names of 2-30 lowercase"),
        ('workloads = { "worker" = "luneo" }', 'workloads: expected "<namespace>/<service account>" for each workload'),
        ('workloads = { "worker" = "Luneo/worker" }', 'workloads: expected "<namespace>/<service account>"'),
    ],
)
def test_workloads_name_their_namespace_and_service_account(tmp_path, line, expected):
    assert expected in error_of(tmp_path, MINIMAL + line + "\n")


def test_workloads_default_to_the_two_images_we_build(tmp_path):
    config = load_environment(write(tmp_path, MINIMAL))
    assert config.eks.workloads == (
        ("luneo-usdz-converter", "luneo", "luneo-usdz-converter"),
        ("luneo-worker-ia", "luneo", "luneo-worker-ia"),
    )
