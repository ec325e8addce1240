"""One pricer per billable resource type, grouped by kind of service; importing this package
registers them all (model.PRICERS)."""

from . import compute, databases, edge, observability, storage  # noqa: F401  (registers the pricers)
