"""luneo_ops.cost: the monthly cost of the synthesized stacks, from constructs_luneo/dated/prices.csv and
pricing/usage.toml."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from luneo_ops import cost
from tests.conftest import ROOT

PRICES = cost.PriceTable.load()
USAGE = cost.Usage.load()

#: Prices copied by hand from the AWS pricing pages (USD; the same numbers as constructs_luneo/dated/prices.csv on
#: purpose: a row edited to a wrong unit, a monthly price typed as hourly, breaks these sums).
#: If you update a row in prices.csv, update it here too after checking the page.
BY_HAND = {
    ("eks:cluster", "eu-west-1"): 0.10,  # per cluster-hour
    ("ec2:m6i.large", "eu-west-1"): 0.107,  # per instance-hour
    ("ec2:m6i.large", "us-east-1"): 0.096,
    ("rds-postgres:db.r6g.large", "eu-west-1"): 0.250,
    ("rds-postgres:db.r6g.large", "us-east-1"): 0.225,
    ("rds:gp3-storage", "eu-west-1"): 0.127,  # per GB-month
    ("rds:gp3-storage", "us-east-1"): 0.115,
    ("elasticache-redis:cache.r6g.large", "eu-west-1"): 0.228,
    ("vpc:nat-gateway", "eu-west-1"): 0.048,
    ("vpc:public-ipv4", "us-east-1"): 0.005,
    ("ebs:gp3", "eu-west-1"): 0.088,
}


def estimate(stack: dict, name: str = "luneo-test") -> cost.StackCost:
    return cost.estimate(name, stack, PRICES, USAGE)


def lines(result: cost.StackCost, address: str) -> list[cost.Line]:
    return next(r for r in result.resources if r.address == address).lines


def mini(resources: dict[str, dict], *, secondary: str = "us-east-1", default: str = "eu-west-1") -> dict:
    """A synthesized-stack document with the given `type.name: body` resources and two providers."""
    grouped: dict = {}
    for address, body in resources.items():
        kind, name = address.split(".", 1)
        grouped.setdefault(kind, {})[name] = body
    return {
        "provider": {"aws": [{"region": default}, {"alias": "secondary", "region": secondary}]},
        "resource": grouped,
    }


# --- every resource is priced or has a written reason -------------------------------------------


def test_every_resource_of_every_stack_is_priced_or_free(all_stacks):
    assert set(all_stacks) == {"luneo-prod", "luneo-staging", "luneo-bootstrap"}
    for name, stack in all_stacks.items():
        result = estimate(stack, name)
        assert result.not_priced == [], (
            f"{name}: add a price row (constructs_luneo/dated/prices.csv), a pricer, or a FREE reason "
            "(luneo_ops/cost) for: "
            f"{result.not_priced}"
        )
        assert result.total > 0


def test_the_aurora_global_variant_is_priced_too(dr_stack):
    result = estimate(dr_stack, "luneo-dr")
    assert result.not_priced == []
    components = result.by_component()
    instances = [r for r in result.resources if r.type == "aws_rds_cluster_instance"]
    assert len(instances) == 3 and components["RDS PostgreSQL"]["total"] > 3 * 730 * 0.25
    secondary = next(r for r in result.resources if r.address == "aws_rds_cluster.aurora_secondary_cluster")
    assert any("replicated write I/O" in line.what for line in secondary.lines)
    assert "aws_route53_record" not in result.free  # failover CNAMEs: their queries are priced


def test_a_type_with_no_price_and_no_reason_is_not_priced_never_zero():
    result = estimate(mini({"aws_lambda_function.worker": {"function_name": "w"}, "aws_iam_role.role": {"name": "r"}}))
    assert result.not_priced == [
        ("aws_lambda_function.worker", "type neither priced nor known to be free (luneo_ops/cost)")
    ]
    assert "aws_iam_role" in result.free
    text = cost.render(result, PRICES)
    assert "NOT PRICED (1)" in text and "aws_lambda_function.worker" in text


def test_an_argument_without_a_price_row_is_not_priced():
    result = estimate(
        mini(
            {
                "aws_db_instance.db": {
                    "engine": "postgres",
                    "instance_class": "db.x2g.16xlarge",
                    "allocated_storage": 20,
                    "storage_type": "gp3",
                }
            }
        )
    )
    assert [address for address, _ in result.not_priced] == ["aws_db_instance.db"]
    assert "no price for rds-postgres:db.x2g.16xlarge in eu-west-1" in result.not_priced[0][1]


# --- prices by hand arithmetic ----------------------------------------------------------------


def test_prod_prices_by_hand(stacks):
    prod = stacks["luneo-prod"]
    result = estimate(prod, "luneo-prod")
    db = prod["resource"]["aws_db_instance"]["postgres_instance"]
    klass, storage = db["instance_class"], db["allocated_storage"]
    assert db["multi_az"] is True
    primary = lines(result, "aws_db_instance.postgres_instance")
    # Multi-AZ: two instances and two copies of the storage.
    assert primary[0].monthly == pytest.approx(2 * 730 * BY_HAND[(f"rds-postgres:{klass}", "eu-west-1")])
    assert primary[1].monthly == pytest.approx(2 * storage * BY_HAND[("rds:gp3-storage", "eu-west-1")])
    # The us-east-1 read replica: one instance, the source's storage, priced in us-east-1 (provider alias).
    replica = lines(result, "aws_db_instance.postgres-replica_instance")
    assert replica[0].monthly == pytest.approx(730 * BY_HAND[(f"rds-postgres:{klass}", "us-east-1")])
    assert replica[1].monthly == pytest.approx(storage * BY_HAND[("rds:gp3-storage", "us-east-1")])
    assert lines(result, "aws_eks_cluster.eks-primary_cluster")[0].monthly == pytest.approx(73.00)  # 0.10 x 730
    system = lines(result, "aws_eks_node_group.eks-primary_system-nodes")
    assert system[0].monthly == pytest.approx(2 * 730 * BY_HAND[("ec2:m6i.large", "eu-west-1")])  # 156.22
    assert system[1].monthly == pytest.approx(2 * 50 * BY_HAND[("ebs:gp3", "eu-west-1")])  # the 50 GiB root volumes
    redis = lines(result, "aws_elasticache_replication_group.redis_replication-group")
    assert redis[0].monthly == pytest.approx(2 * 730 * BY_HAND[("elasticache-redis:cache.r6g.large", "eu-west-1")])
    nat = lines(result, "aws_nat_gateway.network-primary_nat-0")
    assert nat[0].monthly == pytest.approx(730 * BY_HAND[("vpc:nat-gateway", "eu-west-1")])  # 35.04
    assert lines(result, "aws_eip.network-secondary_nat-0-eip")[0].monthly == pytest.approx(3.65)  # 730 x 0.005
    health = lines(result, "aws_route53_health_check.dns_primary-health-check")
    assert [line.monthly for line in health] == pytest.approx([0.50, 2 * 1.00])  # HTTPS + latency measurement


def test_spot_node_groups_use_the_first_type_at_the_stated_discount():
    group = {
        "capacity_type": "SPOT",
        "instance_types": ["m6i.large", "m5a.large"],
        "scaling_config": {"desired_size": 4, "min_size": 1, "max_size": 5},
    }
    first = lines(estimate(mini({"aws_eks_node_group.spot": group})), "aws_eks_node_group.spot")[0]
    discount = USAGE.value("luneo-test", "spot_discount")
    assert 0 < discount < 1
    assert first.monthly == pytest.approx(4 * 730 * BY_HAND[("ec2:m6i.large", "eu-west-1")] * (1 - discount))
    assert "first of 2 types" in first.what


def test_multi_az_doubles_instance_and_storage():
    def db(multi_az: bool) -> list[cost.Line]:
        body = {
            "engine": "postgres",
            "instance_class": "db.r6g.large",
            "allocated_storage": 100,
            "storage_type": "gp3",
            "multi_az": multi_az,
        }
        return lines(estimate(mini({"aws_db_instance.db": body})), "aws_db_instance.db")

    single, double = db(False), db(True)
    assert double[0].monthly == pytest.approx(2 * single[0].monthly)
    assert double[1].monthly == pytest.approx(2 * single[1].monthly)


def test_the_provider_alias_decides_the_region():
    nat = {"aws_nat_gateway.a": {}, "aws_nat_gateway.b": {"provider": "aws.secondary"}}
    swapped = estimate(mini(nat, default="us-east-1", secondary="eu-west-1"))
    assert {r.address: r.region for r in swapped.resources} == {
        "aws_nat_gateway.a": "us-east-1",
        "aws_nat_gateway.b": "eu-west-1",
    }
    assert lines(swapped, "aws_nat_gateway.b")[0].monthly == pytest.approx(730 * 0.048)


def test_gateway_endpoints_are_free_and_interface_endpoints_are_not(stacks):
    prod = estimate(stacks["luneo-prod"], "luneo-prod")
    gateway = [k for k in prod.free if k.startswith("aws_vpc_endpoint")]
    assert gateway and "no charge" in prod.free_reasons[gateway[0]] and len(prod.free[gateway[0]]) == 4
    interface = estimate(
        mini({"aws_vpc_endpoint.ecr": {"vpc_endpoint_type": "Interface", "subnet_ids": ["a", "b", "c"]}})
    )
    assert lines(interface, "aws_vpc_endpoint.ecr")[0].monthly == pytest.approx(3 * 730 * 0.011)


def test_interface_endpoints_take_their_traffic_off_the_nat_gateways():
    """Issue 21: make cost prices the endpoints and what they save under the usage assumptions (the NAT
    processes nat_gb_processed less vpce_gb_processed per endpoint of its region)."""
    endpoints = {
        f"aws_vpc_endpoint.{n}": {"vpc_endpoint_type": "Interface", "subnet_ids": ["a", "b", "c"]}
        for n in ("ecr", "sts")
    }
    result = estimate(mini({"aws_nat_gateway.nat": {}, **endpoints}))
    [hours, data] = lines(result, "aws_nat_gateway.nat")
    assert data.quantity == 300 - 2 * 10 and "less 20 GB through its interface endpoints" in data.what
    assert "$0.48 less NAT processing" in lines(result, "aws_vpc_endpoint.ecr")[1].what
    alone = estimate(mini({"aws_nat_gateway.nat": {}}))
    assert lines(alone, "aws_nat_gateway.nat")[1].quantity == 300


def test_health_check_options_are_priced():
    check = {"type": "HTTPS_STR_MATCH", "request_interval": 10, "measure_latency": True}
    result = estimate(mini({"aws_route53_health_check.h": check}))
    assert [line.monthly for line in lines(result, "aws_route53_health_check.h")] == pytest.approx([0.50, 4 * 1.00])


# --- the table and the usage file -------------------------------------------------------------


def test_every_price_row_has_a_unit_a_date_and_its_pricing_page():
    units = {"hour", "month", "GB", "GB-month", "1K requests", "10K requests", "1M requests", "100K notifications"}
    keys: dict[str, set[str]] = {}
    for (key, region), price in PRICES.rows.items():
        assert price.unit in units, (key, price.unit)
        assert re.fullmatch(r"20\d\d-\d\d", price.as_of) and price.source.startswith("https://aws.amazon.com/")
        assert 0 < price.usd < 50, (key, region, price.usd)
        keys.setdefault(key, set()).add(region)
    for key, regions in keys.items():
        assert regions in ({"eu-west-1", "us-east-1"}, {"global"}), f"{key}: priced in {sorted(regions)}"
    assert PRICES.as_of == "2026-11"


def test_extended_support_is_priced_from_the_calendar(monkeypatch):
    """Round 3, defect 3: a cluster on extended support costs $0.60 per hour, not $0.10 (the EKS calendar,
    constructs_luneo/dated/kubernetes.csv, on the day of the estimate)."""
    monkeypatch.setenv("LUNEO_TODAY", "2026-12-05")
    clusters = {
        "aws_eks_cluster.standard": {"version": "1.35", "upgrade_policy": {"support_type": "STANDARD"}},
        "aws_eks_cluster.extended": {"version": "1.34", "upgrade_policy": {"support_type": "EXTENDED"}},
        "aws_eks_cluster.not-yet": {"version": "1.35", "upgrade_policy": {"support_type": "EXTENDED"}},
    }
    result = estimate(mini(clusters))
    monthly = {
        name: sum(line.monthly for line in lines(result, f"aws_eks_cluster.{name}"))
        for name in ("standard", "extended", "not-yet")
    }
    assert monthly == {
        "standard": pytest.approx(73.0),
        "extended": pytest.approx(438.0),
        "not-yet": pytest.approx(73.0),
    }
    assert "extended support" in lines(result, "aws_eks_cluster.extended")[0].what


def test_a_unit_mismatch_is_refused():
    table = cost.PriceTable(
        [cost.Price("eks:cluster", "eu-west-1", 73.0, "month", "2026-11", "https://aws.amazon.com/eks/pricing/")]
    )
    with pytest.raises(cost.CostError, match="priced per 'month'; the code bills it per 'hour'"):
        cost.estimate("s", mini({"aws_eks_cluster.c": {}}), table, USAGE)


def test_usage_overrides_per_stack_and_patterns():
    assert USAGE.value("luneo-staging", "nat_gb_processed") < USAGE.value("luneo-prod", "nat_gb_processed")
    assert USAGE.value("luneo-prod", "log_ingestion_gb", "/aws/eks/luneo-prod-eks-primary/cluster") == 15
    assert USAGE.value("luneo-prod", "log_ingestion_gb", "/something/else") == 0.1
    assert USAGE.value("luneo-staging", "s3_get_requests_thousands", "luneo-staging-assets-replica") == 0


@pytest.mark.parametrize(
    "text, message",
    [
        ("[defaults]\nnat_gb_procesed = 1\n", "nat_gb_procesed: unknown usage key"),
        ('[defaults.log_ingestion_gb]\n"/aws/*" = 1\n', 'needs a "*" pattern'),
        ("[defaults]\nspot_discount = 0.6\n", "missing (every usage key needs a default)"),
    ],
)
def test_a_broken_usage_file_is_one_clear_error(text, message):
    import tomllib

    with pytest.raises(cost.CostError, match=re.escape(message)):
        cost.Usage(tomllib.loads(text))


# --- the command ------------------------------------------------------------------------------


def test_make_cost_prints_each_stack_by_component(synth_dir):
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "luneo_ops", "cost", "--outdir", str(synth_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    print(f"\nluneo_ops cost, three stacks: {time.perf_counter() - started:.2f} s (process start included)")
    assert proc.returncode == 0, proc.stderr
    for name in ("luneo-prod", "luneo-staging", "luneo-bootstrap"):
        assert re.search(rf"^{name}: \$[\d,]+\.\d\d/month", proc.stdout, re.M)
    assert re.search(r"^EKS control planes\s+2\s+\$73\.00\s+\$73\.00\s+-\s+\$146\.00$", proc.stdout, re.M)
    assert "not priced: none" in proc.stdout and "NOT PRICED" not in proc.stdout
    one = subprocess.run(
        [sys.executable, "-m", "luneo_ops", "cost", "--outdir", str(synth_dir), "--stack", "luneo-staging"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert one.returncode == 0 and "luneo-staging:" in one.stdout and "luneo-prod:" not in one.stdout


def test_make_cost_reads_json_only():
    """No cdktf, jsii or provider bindings (nor a construct module, which would import them): the
    command must answer in well under 2 s after a synth."""
    probe = (
        "import sys, luneo_ops.commands.cost; heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('cdktf', 'jsii', 'constructs', 'cdktf_cdktf_provider_aws')); print(heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_no_synthesized_stacks_is_one_clear_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "luneo_ops", "cost", "--outdir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "run `make synth` first" in proc.stderr


def test_the_makefile_has_a_cost_target():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\.PHONY:.*\bcost\b", makefile, re.M)
    assert re.search(r"^cost: setup\n\t@\$\(PYTHON\) -m luneo_ops cost \$\(if \$\(STACK\),--stack", makefile, re.M)


# --- docs/COST.md shows what make cost computes ------------------------------------------------


def _documented_cost(text: str, name: str) -> tuple[str, list[list[str]]]:
    """The headline of `name` in docs/COST.md and the cells of its component table."""
    headline = re.search(rf"^\*\*{name}: (\$[\d,.]+) a month\*\* \(([^)]*)\)$", text, re.M)
    assert headline, f"docs/COST.md has no headline for {name}"
    table = text[headline.end() :].split("\n\n", 2)[1]
    rows = [[cell.strip().strip("*") for cell in line.strip("|").split("|")] for line in table.splitlines()[2:]]
    return f"{headline.group(1)} ({headline.group(2)})", rows


@pytest.mark.parametrize("name", ["luneo-prod", "luneo-staging"])
def test_cost_md_shows_the_computed_numbers(all_stacks, name):
    """The numbers in docs/COST.md are `make cost`'s for the committed stacks: a change that moves
    the cost (a new alarm, a new key) fails here until the document is updated."""
    result = estimate(all_stacks[name], name)
    computed = cost.component_rows(result)
    total = computed[-1]
    expected_headline = f"{total[-1]} ({', '.join(f'{r} {v}' for r, v in zip(result.regions, total[2:-1]))})"
    headline, rows = _documented_cost((ROOT / "docs" / "COST.md").read_text(), name)
    assert headline == expected_headline, f"docs/COST.md: {name}'s headline; `make cost STACK={name}` says"
    assert len(rows) == len(computed), f"docs/COST.md: {name}'s table has {len(rows)} rows, make cost {len(computed)}"
    for documented, row in zip(rows, computed):
        # the document may explain a component after its name: "NAT gateways (3 per region)"
        assert documented[0].startswith(row[0]) and documented[1:] == row[1:], (documented, row)
