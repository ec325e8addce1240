"""The EKS cluster's argument checks (one clear error naming the construct and the argument)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ..support.common import is_token, require
from ..support.patterns import INSTANCE_TYPE, ROLE_ARN, ROLE_NAME

NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,99}$")
VERSION = re.compile(r"^1\.\d{2}$")


def check_shape(
    who: str, name: Any, subnet_ids: Any, desired_size: Any, min_size: Any, max_size: Any, kubernetes_version: Any
) -> None:
    require(
        isinstance(name, str) and bool(NAME.match(name)),
        who,
        "name",
        "1-100 letters, digits or hyphens, starting with a letter",
        name,
    )
    require(
        not isinstance(subnet_ids, str) and (is_token(subnet_ids) or len(list(subnet_ids)) >= 2),
        who,
        "subnet_ids",
        "a list of at least two private subnet ids",
        subnet_ids,
    )
    for label, value in (("min_size", min_size), ("desired_size", desired_size), ("max_size", max_size)):
        require(
            isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100,
            who,
            label,
            "a whole number from 0 to 100",
            value,
        )
    require(
        max_size >= 1 and min_size <= desired_size <= max_size,
        who,
        "desired_size",
        f"min_size ({min_size}) <= desired_size <= max_size ({max_size}), max_size >= 1",
        desired_size,
    )
    require(
        isinstance(kubernetes_version, str) and bool(VERSION.match(kubernetes_version)),
        who,
        "kubernetes_version",
        'a Kubernetes minor version such as "1.35"',
        kubernetes_version,
    )


def check_nodes(who: str, spot_instance_types: Any, system_instance_type: Any, system_node_count: Any) -> None:
    require(
        not isinstance(spot_instance_types, str)
        and len(list(spot_instance_types)) >= 2
        and all(isinstance(t, str) and INSTANCE_TYPE.match(t) for t in spot_instance_types),
        who,
        "spot_instance_types",
        "two or more EC2 instance types (diversity lowers SPOT interruptions)",
        spot_instance_types,
    )
    require(
        isinstance(system_instance_type, str) and bool(INSTANCE_TYPE.match(system_instance_type)),
        who,
        "system_instance_type",
        "an EC2 instance type",
        system_instance_type,
    )
    require(
        isinstance(system_node_count, int) and 1 <= system_node_count <= 10,
        who,
        "system_node_count",
        "a whole number from 1 to 10",
        system_node_count,
    )


def check_access(
    who: str, public_access_cidrs: Any, api_ingress_cidrs: Any, admin_roles: Any, admin_role_arns: Any
) -> None:
    for argument, cidrs in (("public_access_cidrs", public_access_cidrs), ("api_ingress_cidrs", api_ingress_cidrs)):
        require(not isinstance(cidrs, str), who, argument, "a list of CIDR blocks", cidrs)
        for cidr in cidrs:
            try:
                network = ipaddress.ip_network(cidr)
            except (ValueError, TypeError):
                network = None
            require(
                network is not None and network.prefixlen > 0,
                who,
                argument,
                "specific CIDR blocks, never 0.0.0.0/0",
                cidr,
            )
    require(
        not isinstance(admin_roles, str) and all(isinstance(r, str) and ROLE_NAME.match(r) for r in admin_roles),
        who,
        "admin_roles",
        "IAM role names such as luneo-break-glass or platform/admins",
        admin_roles,
    )
    require(
        not isinstance(admin_role_arns, str)
        and all(isinstance(a, str) and (is_token(a) or ROLE_ARN.match(a)) for a in admin_role_arns),
        who,
        "admin_role_arns",
        "IAM role ARNs such as arn:aws:iam::123456789012:role/admins",
        admin_role_arns,
    )


def check_support(who: str, support_type: Any) -> None:
    require(support_type in ("STANDARD", "EXTENDED"), who, "support_type", '"STANDARD" or "EXTENDED"', support_type)
