"""The pinned price table (constructs_luneo/dated/prices.csv): USD per unit, per region, each row dated and with
its AWS pricing page."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from constructs_luneo.dated import PRICE_TABLE

#: The price table is also the catalog of classes synth checks (constructs_luneo/dated/).
PRICES_FILE = PRICE_TABLE
HOURS_PER_MONTH = 730
GLOBAL = "global"  # CloudFront and Route53 are priced once, whatever the provider's region


class CostError(Exception):
    """A broken price table or usage file: one line naming the file and what is wrong."""


@dataclass(frozen=True)
class Price:
    key: str
    region: str
    usd: float
    unit: str
    as_of: str
    source: str


class PriceTable:
    def __init__(self, rows: Iterable[Price], *, label: str = "prices"):
        self.label = label
        self.rows: dict[tuple[str, str], Price] = {}
        for row in rows:
            if (row.key, row.region) in self.rows:
                raise CostError(f"{label}: {row.key} in {row.region} is listed twice")
            self.rows[(row.key, row.region)] = row

    @classmethod
    def load(cls, path: Path = PRICES_FILE) -> "PriceTable":
        lines = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
        rows = []
        for number, record in enumerate(csv.DictReader(lines), start=2):
            try:
                usd = float(record["usd"])
            except (TypeError, ValueError):
                raise CostError(f"{path}: row {number}: usd must be a number, got {record.get('usd')!r}") from None
            if not re.fullmatch(r"\d{4}-\d{2}", record.get("as_of") or "") or not (
                record.get("source") or ""
            ).startswith("https://aws.amazon.com/"):
                raise CostError(
                    f"{path}: row {number} ({record['key']}): needs as_of YYYY-MM and an AWS pricing page URL"
                )
            rows.append(Price(record["key"], record["region"], usd, record["unit"], record["as_of"], record["source"]))
        return cls(rows, label=str(path))

    @property
    def as_of(self) -> str:
        """The oldest row's month: the table is no fresher than that."""
        return min(price.as_of for price in self.rows.values())

    def get(self, key: str, region: str, unit: str) -> Price | None:
        price = self.rows.get((key, region))
        if price is not None and price.unit != unit:
            # A unit mix-up (a monthly price read as hourly) is off by 730x: refuse it.
            raise CostError(
                f"{self.label}: {key} in {region} is priced per {price.unit!r}; the code bills it per {unit!r}"
            )
        return price
