"""Value checks for tfvars variables: each returns what was expected, or None when the value is fine."""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping

from ..support.patterns import INSTANCE_TYPE, TIME_WINDOW
from .tfvars import Check

TAG_KEY = re.compile(r"^[\w .:/=+@-]{1,128}$")
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[\w-]+$")


def pattern(regex: re.Pattern[str], expected: str) -> Check:
    return lambda v: None if regex.match(v) else expected


def int_range(lo: int, hi: int | None = None) -> Check:
    def check(v: int) -> str | None:
        if v < lo or (hi is not None and v > hi):
            return f"a whole number from {lo} to {hi}" if hi is not None else f"a whole number >= {lo}"
        return None

    return check


def optional(check: Check) -> Check:
    return lambda v: None if v is None else check(v)


def one_of(*choices: str) -> Check:
    expected = " or ".join(f'"{c}"' for c in choices)
    return lambda v: None if v in choices else expected


def each(check: Check) -> Check:
    def check_each(values: list[Any]) -> str | None:
        for value in values:
            expected = check(value)
            if expected:
                return f"{expected} (got {value!r})"
        return None

    return check_each


def tags(v: Mapping[str, str]) -> str | None:
    reserved = {"Environment", "Project", "ManagedBy"} & set(v)
    if reserved:
        return f"extra tags only; {', '.join(sorted(reserved))} come from the provider's default_tags"
    bad = [k for k in v if not TAG_KEY.match(k) or k.lower().startswith("aws:")]
    return f"tag keys of 1-128 characters not starting with 'aws:' (got {bad[0]!r})" if bad else None


def instance_types(v: list[str]) -> str | None:
    if len(v) < 2:
        return "two or more instance types (diversity lowers SPOT interruptions)"
    return each(pattern(INSTANCE_TYPE, "EC2 instance types such as m6i.large"))(v)


def public_cidrs(v: list[str]) -> str | None:
    for cidr in v:
        try:
            network = ipaddress.ip_network(cidr)
        except ValueError:
            return f"CIDR blocks such as 203.0.113.0/24 (got {cidr!r})"
        if network.prefixlen == 0:
            return "specific CIDR blocks, never 0.0.0.0/0"
    return None


def existing_encryption(v: Mapping[str, str]) -> str | None:
    unknown = sorted(set(v) - {"db", "redis", "ecr"})
    if unknown:
        return f"keys db, redis or ecr (got {unknown[0]!r})"
    for key, value in v.items():
        if value != "default" and not KMS_KEY_ARN.match(value):
            return f'a KMS key ARN or "default" for {key} (got {value!r})'
    return None


def vpc_cidr(v: str) -> str | None:
    try:
        network = ipaddress.IPv4Network(v)
    except ValueError:
        return 'an IPv4 network such as "10.0.0.0/16"'
    if not network.is_private or not 16 <= network.prefixlen <= 20:
        return "a private IPv4 network from /16 to /20"
    return None


def window(v: str) -> str | None:
    if not TIME_WINDOW.match(v):
        return 'a UTC window "hh:mm-hh:mm", e.g. "04:00-05:00"'
    start, end = ([int(x) for x in part.split(":")] for part in v.split("-"))
    minutes = (end[0] * 60 + end[1] - start[0] * 60 - start[1]) % (24 * 60)
    return None if minutes >= 30 else "a window of at least 30 minutes (an RDS requirement)"
