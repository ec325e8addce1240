"""The dated tables synth checks against (facts expire: each table says when it was checked and
where from, and synth warns before a date passes rather than after):

- the Amazon EKS Kubernetes calendar (kubernetes.csv): which versions EKS runs, until when on
  standard support, until when on extended support;
- the catalog of instance classes and node types per region: the price table (prices.csv, which
  `make cost` prices with), since a class that cannot be priced cannot be planned either.

Both live here, beside their reader.

Standard library only (main.py's config checks and the rules both read it, before cdktf loads)."""

from __future__ import annotations

import csv
import difflib
import os
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Mapping

from ..support.errors import LuneoError

HERE = Path(__file__).resolve().parent
KUBERNETES_CALENDAR = HERE / "kubernetes.csv"
PRICE_TABLE = HERE / "prices.csv"
#: How long before a date passes synth starts warning.
WARN_DAYS = 60
SUPPORT_TYPES = ("STANDARD", "EXTENDED")
#: What a class is called in the price table, per kind of resource.
CATALOG_PREFIX = {"db": "rds-postgres:", "aurora": "aurora-postgres:", "cache": "elasticache-redis:", "ec2": "ec2:"}


class FactsError(LuneoError):
    """A dated table that cannot be read: one line naming the file and the row."""


def today() -> date:
    """The day the checks run: LUNEO_TODAY (YYYY-MM-DD) when set (rehearsing a date), else today."""
    value = os.environ.get("LUNEO_TODAY")
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FactsError(f"LUNEO_TODAY: expected a date such as 2027-01-31, got {value!r}") from None


#: The EKS managed add-ons every cluster runs, in the calendar's column order.
ADDONS = ("vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent", "aws-ebs-csi-driver")
ADDON_VERSION = re.compile(r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")


@dataclass(frozen=True)
class KubernetesRelease:
    version: str
    eks_release: date
    end_of_standard: date
    end_of_extended: date
    checked: date
    source: str
    #: add-on -> its pinned version for this Kubernetes version (None: EKS's default, not pinned).
    addons: Mapping[str, str | None] = field(default_factory=dict)


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    except OSError as exc:
        raise FactsError(f"{path}: cannot be read ({exc.strerror})") from None
    return list(csv.DictReader(lines))


@cache
def kubernetes_calendar(path: Path = KUBERNETES_CALENDAR) -> dict[str, KubernetesRelease]:
    releases = {}
    for number, row in enumerate(_rows(path), start=2):
        try:
            dates = [
                date.fromisoformat(row[k]) for k in ("eks_release", "end_of_standard", "end_of_extended", "checked")
            ]
        except (KeyError, TypeError, ValueError):
            raise FactsError(f"{path}: row {number}: expected dates as YYYY-MM-DD, got {row}") from None
        if not row.get("source", "").startswith("https://docs.aws.amazon.com/"):
            raise FactsError(f"{path}: row {number} ({row.get('version')}): needs its AWS documentation page")
        releases[row["version"]] = KubernetesRelease(
            version=row["version"],
            eks_release=dates[0],
            end_of_standard=dates[1],
            end_of_extended=dates[2],
            checked=dates[3],
            source=row["source"],
            addons=_addons(path, number, row),
        )
    return releases


def _addons(path: Path, number: int, row: dict[str, str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for addon in ADDONS:
        value = (row.get(addon) or "").strip()
        if value and not ADDON_VERSION.match(value):
            raise FactsError(
                f"{path}: row {number} ({row.get('version')}): {addon}: expected vX.Y.Z-eksbuild.N, got {value!r}"
            )
        found[addon] = value or None
    return found


def addon_versions(kubernetes_version: str) -> dict[str, str | None]:
    """add-on -> its pinned version for a Kubernetes version (None: not pinned; every add-on when the
    version is not on the calendar, which LUNEO-AWS-18 refuses anyway)."""
    release = kubernetes_calendar().get(kubernetes_version)
    return dict(release.addons) if release else {addon: None for addon in ADDONS}


def kubernetes_support(version: str, support_type: str, on: date | None = None) -> tuple[str, str] | None:
    """("error" | "warning", why) for a cluster of `version` with `support_type` on a given day, None
    when all is well. Errors: a version EKS never had or no longer runs, STANDARD after the end of
    standard support (AWS upgrades such a cluster itself). Warnings: WARN_DAYS before either date."""
    on = on or today()
    calendar = kubernetes_calendar()
    release = calendar.get(version)
    known = ", ".join(calendar)
    if release is None:
        return "error", (
            f"Kubernetes {version} is not on the EKS calendar (constructs_luneo/dated/kubernetes.csv: {known}; "
            "an older version "
            "is past extended support, a newer one needs its row and dates from the source)"
        )
    if on >= release.end_of_extended:
        return "error", (
            f"Kubernetes {version} left extended support on {release.end_of_extended}: EKS no longer runs it. "
            f"Fix: upgrade one minor version at a time ({_supported(on)})"
        )
    if on >= release.end_of_standard and support_type != "EXTENDED":
        return "error", (
            f"Kubernetes {version} left standard support on {release.end_of_standard}: with support_type "
            f"STANDARD, AWS upgrades the cluster itself. Fix: upgrade one minor version at a time "
            f'({_supported(on)}), or eks_support_type = "EXTENDED" ($0.60 per cluster-hour instead of $0.10)'
        )
    deadline = release.end_of_extended if on >= release.end_of_standard else release.end_of_standard
    if on + timedelta(days=WARN_DAYS) >= deadline:
        what = "extended" if on >= release.end_of_standard else "standard"
        return "warning", (
            f"Kubernetes {version} leaves {what} support on {deadline} ({(deadline - on).days} days): "
            f"plan the upgrade, one minor version at a time ({_supported(on)})"
        )
    return None


def in_extended_support(version: str, on: date | None = None) -> bool:
    release = kubernetes_calendar().get(version)
    return release is not None and (on or today()) >= release.end_of_standard


def _supported(on: date) -> str:
    standard = [v for v, r in kubernetes_calendar().items() if r.eks_release <= on < r.end_of_standard]
    listed = ", ".join(standard) or "none listed: update constructs_luneo/dated/kubernetes.csv"
    return f"on standard support today: {listed}"


@dataclass(frozen=True)
class Catalog:
    """Classes by kind ("db", "aurora", "cache", "ec2") and region, with the table's month."""

    offered: dict[tuple[str, str], frozenset[str]]
    as_of: str

    def check(self, kind: str, region: str, name: str) -> str | None:
        """Why `name` cannot be planned in `region` (None when it is in the catalog)."""
        names = self.offered.get((kind, region), frozenset())
        if name in names:
            return None
        nearest = difflib.get_close_matches(name, sorted(names), n=3, cutoff=0.6) or sorted(names)[:3]
        return (
            f"{name!r} is not a {kind} class offered in {region} per constructs_luneo/dated/prices.csv "
            f"({self.as_of}). Fix: one of the nearest, {', '.join(nearest)}; a class AWS offers there but the "
            "table lacks: add its price row"
        )


@cache
def catalog(path: Path = PRICE_TABLE) -> Catalog:
    offered: dict[tuple[str, str], set[str]] = {}
    months = set()
    for row in _rows(path):
        for kind, prefix in CATALOG_PREFIX.items():
            key = row.get("key") or ""
            if key.startswith(prefix) and re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+(\.[a-z0-9-]+)?", key[len(prefix) :]):
                offered.setdefault((kind, row["region"]), set()).add(key[len(prefix) :])
                months.add(row.get("as_of") or "")
    return Catalog({k: frozenset(v) for k, v in offered.items()}, as_of=max(months, default="undated"))
