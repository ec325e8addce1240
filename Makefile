# luneo-infra: `make synth` (set up + synthesize + validate) and `make test` (set up + all tests).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := synth

PIPENV_VERSION := 2026.10.3
# The Python env lives in ./.venv; the index comes from the environment (no host is committed):
# PIP_INDEX_URL if set, else pip's own default index, looked up only where pipenv runs (asking pip
# costs 0.2 s, which every make target would otherwise pay).
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_VERBOSITY := -1
export PIPENV_NOSPIN := 1
PIP_DEFAULT_INDEX = $(shell python3 -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')
# No telemetry or version checks from Terraform or the cdktf CLI.
export CHECKPOINT_DISABLE := 1
# A TF_CLI_CONFIG_FILE that points at a missing file only produces warnings; drop it.
ifneq ($(TF_CLI_CONFIG_FILE),)
ifeq ($(wildcard $(TF_CLI_CONFIG_FILE)),)
unexport TF_CLI_CONFIG_FILE
endif
endif

PYTHON := .venv/bin/python

.PHONY: setup checkov-setup synth test fmt provider-lock checkov local migrate-plan zone-ids drift restore-plan diff digests docs iam-policy pin-addresses bench cost clean dr-drill failover-backend failover-targets failover-check failback-backend

setup: .venv/.synced node_modules/.synced
checkov-setup: .venv-checkov/.synced

.venv/.synced: Pipfile.lock
	@python3 -m pipenv --version >/dev/null 2>&1 || python3 -m pip install --quiet "pipenv==$(PIPENV_VERSION)"
	PIP_INDEX_URL="$${PIP_INDEX_URL:-$(PIP_DEFAULT_INDEX)}" python3 -m pipenv sync --dev
	@touch $@

# Checkov lives in its own venv: its bc-python-hcl2 installs the same `hcl2` module as python-hcl2.
.venv-checkov/.synced: requirements-checkov.txt
	python3 -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

node_modules/.synced: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# main.py validates the environment files before it imports cdktf: a bad value is one line, and
# cdktf.out stays untouched. It is cdktf.json's app: `cdktf synth` runs it too and writes the same
# bytes (tests/test_cli.py), 6 s later (the CLI's Node.js start and pipenv).
synth: setup
	@$(PYTHON) main.py
	@$(PYTHON) -m luneo_ops validate

# pytest.ini prints the 20 slowest tests at the end.
# The three environments (pipenv, npm, checkov's venv) install side by side: on a fresh clone that
# halves the set-up of `make test` (network and disk, mostly).
test:
	@$(MAKE) --no-print-directory -j3 setup checkov-setup
	$(PYTHON) -m pytest

# Format and fix what ruff can (ruff.toml); make test fails on what is left (tests/test_style.py).
fmt: setup
	$(PYTHON) -m ruff format --no-cache .
	$(PYTHON) -m ruff check --no-cache --fix .

checkov: synth checkov-setup
	@$(PYTHON) -m luneo_ops checkov

# The whole path on a local AWS (moto): bootstrap, init on the S3 backend, plan, apply, plan again.
local: synth
	@$(PYTHON) -m luneo_ops local $(STACK)

# The loss of eu-west-1 rehearsed on the local AWS (docs/DISASTER_RECOVERY.md): make dr-drill [STACK=luneo-staging]
dr-drill: synth
	@$(PYTHON) -m luneo_ops dr-drill $(or $(STACK),luneo-staging)

# During an outage of the primary region (docs/DISASTER_RECOVERY.md): the init command of the state's copy in
# the replica region, whether that copy is current (failover-check: AWS credentials), the -target flags of
# what is plannable without the primary region, and the way back.
failover-backend failover-targets failover-check failback-backend: setup
	@test -n "$(STACK)" || { echo "usage: make $@ STACK=luneo-prod" >&2; exit 2; }
	@$(PYTHON) -m luneo_ops failover $(patsubst failover-%,%,$(patsubst failback-backend,back,$@)) $(STACK)

# What drifted in AWS from a stack's state: a refresh-only plan with the caller's (plan role's) credentials.
# Exit 0 clean, 2 drift, 1 error. The nightly workflow (.github/workflows/drift.yml) runs it per stack.
drift: synth
	@test -n "$(STACK)" || { echo "usage: make drift STACK=luneo-<env>" >&2; exit 2; }
	@$(PYTHON) -m luneo_ops drift "$(STACK)"

# What the database restore in environments/<env>.tfvars (db_restore_from) will do, before anything is applied.
restore-plan: synth
	@test -n "$(STACK)" || { echo "usage: make restore-plan STACK=luneo-<env>" >&2; exit 2; }
	@$(PYTHON) -m luneo_ops restore-plan "$(STACK)"

# The zone IDs a running network's subnets are in, as the tfvars lines that keep them (CHANGELOG.md).
zone-ids: setup
	@test -n "$(STATE)" || { echo "usage: make zone-ids STATE=<state file or s3://bucket/key> [STACK=luneo-prod]" >&2; exit 2; }
	@$(PYTHON) -m luneo_ops zone-ids "$(STATE)" --stack "$(or $(STACK),luneo-prod)"

# Propose moved/removed blocks from an existing HCL state: make migrate-plan STATE=<file or s3://bucket/key> [STACK=luneo-prod]
migrate-plan: synth
	@test -n "$(STATE)" || { echo "usage: make migrate-plan STATE=<state file or s3://bucket/key> [STACK=luneo-prod]" >&2; exit 2; }
	@$(PYTHON) -m luneo_ops migrate-plan "$(STATE)" --stack "$(or $(STACK),luneo-prod)"

# Offline diff of every stack against a git revision: make diff BASE=origin/main [ARGS=--fail-on-destroy]
diff: setup
	@test -n "$(BASE)" || { echo "usage: make diff BASE=<git revision> [ARGS=--fail-on-destroy]" >&2; exit 2; }
	@$(PYTHON) -m luneo_ops diff "$(BASE)" $(ARGS)

# SHA-256 of every synthesized stack (and the dr fixture); with BASE, compared with that revision (exit 1 if any differs).
digests: setup
	@$(PYTHON) -m luneo_ops digests $(BASE)

# docs/CONFIGURATION.md, docs/CONSTRUCTS.md, docs/POLICY_RULES.md and terraform.tfvars.example, from the code that is their source.
docs: setup
	@$(PYTHON) -m luneo_ops docs

# The Terraform execution role's policies, generated from the synthesized stacks (docs/IAM_POLICIES.md).
iam-policy: synth
	@$(PYTHON) -m luneo_ops iam-policy

# Re-pin each stack's Terraform addresses after a deliberate change (review the diff!).
pin-addresses: setup
	@$(PYTHON) -m luneo_ops pin-addresses

# Rewrite the committed provider lock file (.terraform.lock.hcl): make provider-lock [PLATFORMS="linux_amd64 darwin_arm64"]
# (platforms the machine's mirror lacks need registry access).
provider-lock: synth
	@$(PYTHON) -m luneo_ops provider-lock $(PLATFORMS)

bench: setup
	@$(PYTHON) -m luneo_ops bench

# Monthly cost of the synthesized stacks (run make synth first), from constructs_luneo/dated/prices.csv and pricing/usage.toml.
cost: setup
	@$(PYTHON) -m luneo_ops cost $(if $(STACK),--stack "$(STACK)") $(ARGS)

# Everything generated, but not a stack's local state (luneo-bootstrap's: docs/OPERATIONS.md).
clean:
	@if [ -d cdktf.out ]; then \
	  find cdktf.out -mindepth 1 ! -type d -regextype posix-extended \
	    ! -regex 'cdktf\.out/stacks/[^/]+/terraform\.tfstate(\.backup)?' -delete; \
	  find cdktf.out -mindepth 1 -depth -type d -empty -delete; \
	  rmdir cdktf.out 2>/dev/null || find cdktf.out -type f -printf 'kept %p: a local state (docs/OPERATIONS.md)\n'; \
	fi
	rm -rf .build .pytest_cache .mypy_cache .venv-checkov
