"""EKS (one cluster per region): cluster.py, the cluster with its node groups, log group, access
entries and OIDC provider; network.py, its security groups and their rules."""

from .cluster import LOG_TYPES, EksCluster
from .network import CONTROL_PLANE_TO_NODE_PORTS

__all__ = ["CONTROL_PLANE_TO_NODE_PORTS", "LOG_TYPES", "EksCluster"]
