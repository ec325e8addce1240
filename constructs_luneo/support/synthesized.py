"""The one reader of a synthesized stack (`cdk.tf.json`): its resources, data sources, regions,
references between them, dependencies and dependents.

Plain JSON in, no cdktf: the policy rules read a stack through it at synth (constructs_luneo/rules),
and so does every tool that reads `cdktf.out` (luneo_ops: cost, diff, failover, the DR drill, the
local AWS, migrate-plan, checkov). One definition of what a reference is, so that they cannot
disagree on an edge case:

    a reference is `<type>.<name>.<attribute>` (or `data.<type>.<name>.<attribute>`) of an AWS
    resource type, anywhere inside a `${...}` expression: alone (`${aws_kms_key.s3_key.arn}`), in
    a function call (`${element(aws_subnet.a.id, 0)}`) or in a `jsonencode` document.

`ephemeral.`, `var.` and `local.` values are not references to resources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

#: `[data.]aws_<type>.<name>.<attribute>`, not preceded by a name character (so not `ephemeral.aws_...`).
REFERENCE = re.compile(r"(?<![\w.-])(data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([A-Za-z_][A-Za-z0-9_]*)")
#: The blocks of a resource that are not its arguments.
META = ("//",)


@dataclass(frozen=True)
class Reference:
    """One reference found in an expression."""

    data: bool
    type: str
    name: str
    attribute: str

    @property
    def address(self) -> str:
        """`aws_x.name`, or `data.aws_x.name` for a data source."""
        return f"{'data.' if self.data else ''}{self.type}.{self.name}"


def references(value: Any) -> Iterator[Reference]:
    """Every reference in a value (a string, or a document of lists and objects), in order."""
    if isinstance(value, str):
        if "${" in value:
            for match in REFERENCE.finditer(value):
                yield Reference(bool(match.group(1)), match.group(2), match.group(3), match.group(4))
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in META:
                yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def truthy(value: Any) -> bool:
    """A boolean argument as cdktf writes it: true, or the string "true"."""
    return value is True or value == "true"


def blocks(value: Any) -> list[dict[str, Any]]:
    """A nested block as cdktf writes it: an object for a single block, a list for repeated ones."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


class SynthesizedStack:
    """One stack's Terraform JSON, read-only. `name` is the stack's name (`luneo-prod`)."""

    def __init__(self, document: dict[str, Any], name: str = "") -> None:
        self.document = document
        self.name = name
        self.resources: dict[str, dict[str, dict[str, Any]]] = document.get("resource", {})
        self.data: dict[str, dict[str, dict[str, Any]]] = document.get("data", {})
        self.provider_regions: dict[str, str] = {
            f"aws.{p['alias']}" if p.get("alias") else "aws": p.get("region", "")
            for p in document.get("provider", {}).get("aws", [])
        }
        self._dependencies: dict[str, set[str]] | None = None

    # --- what is in it ---

    @property
    def default_region(self) -> str | None:
        """The default (unaliased) provider's region: the primary region of an environment."""
        return self.provider_regions.get("aws")

    @property
    def regions(self) -> list[str]:
        return sorted({r for r in self.provider_regions.values() if r})

    def region(self, body: dict[str, Any], unknown: str = "") -> str:
        """The region a resource is created in: its provider's (`unknown` if not found)."""
        return self.provider_regions.get(str(body.get("provider") or "aws")) or unknown

    def each(self, resource_type: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(address, construct path, body) of every resource of a type."""
        for name, body in self.resources.get(resource_type, {}).items():
            yield f"{resource_type}.{name}", construct_path(body), body

    def items(self, *, data: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
        """(address, body) of every resource, then every data source."""
        kinds = (("resource", ""), ("data", "data.")) if data else (("resource", ""),)
        for kind, prefix in kinds:
            for resource_type, items in self.document.get(kind, {}).items():
                for name, body in items.items():
                    yield f"{prefix}{resource_type}.{name}", body

    def addresses(self, *, data: bool = True) -> list[str]:
        return [address for address, _ in self.items(data=data)]

    def body(self, address: str | None) -> dict[str, Any] | None:
        if not address:
            return None
        data = address.startswith("data.")
        resource_type, _, name = address.removeprefix("data.").partition(".")
        return (self.data if data else self.resources).get(resource_type, {}).get(name)

    @property
    def backend(self) -> dict[str, Any]:
        """The backend block: `{"s3": {...}}` or `{"local": {...}}`."""
        return self.document.get("terraform", {}).get("backend", {})

    @property
    def s3_backend(self) -> dict[str, Any] | None:
        return self.backend.get("s3")

    def environment(self) -> str | None:
        """The Environment default tag of the providers."""
        for provider in self.document.get("provider", {}).get("aws", []):
            for block in provider.get("default_tags", []):
                if "Environment" in block.get("tags", {}):
                    return str(block["tags"]["Environment"])
        return None

    # --- references ---

    def referenced(self, value: Any, resource_type: str | None = None) -> str | None:
        """The address of the first resource `value` refers to (of `resource_type` if given; a data
        source's address starts with `data.` and is never of a resource type)."""
        for reference in references(value):
            if resource_type is None or (reference.type == resource_type and not reference.data):
                return reference.address
        return None

    def target(self, value: Any, resource_type: str | None = None) -> tuple[str, dict[str, Any]] | None:
        """(name, body) of the resource of this stack that `value` refers to, if any."""
        address = self.referenced(value, resource_type)
        body = self.body(address)
        return (address.rsplit(".", 1)[1], body) if address and body is not None else None

    @staticmethod
    def refers(value: Any, address: str) -> bool:
        """`value` is an expression that starts with a reference to `address`."""
        return isinstance(value, str) and f"${{{address}." in value

    # --- the graph ---

    def dependencies(self) -> dict[str, set[str]]:
        """Address -> the addresses (resources and data sources of this stack) it refers to, through
        its arguments or `depends_on`."""
        if self._dependencies is None:
            graph: dict[str, set[str]] = {}
            for address, body in self.items():
                refs = {r.address for r in references(body)} | set(body.get("depends_on", []))
                graph[address] = refs - {address}
            for address in graph:
                graph[address] &= set(graph)
            self._dependencies = graph
        return self._dependencies

    def with_dependents(self, seeds: Iterable[str]) -> set[str]:
        """`seeds` and every address that depends on one of them, directly or through others."""
        found = set(seeds)
        graph = self.dependencies()
        changed = True
        while changed:
            changed = False
            for address, refs in graph.items():
                if address not in found and refs & found:
                    found.add(address)
                    changed = True
        return found


def decode_document(expression: str) -> Any:
    """The document inside a synthesized `${jsonencode({...})}` expression (policies are written
    that way), as Python data; references stay as `${...}` strings. Needs python-hcl2."""
    import hcl2

    match = re.fullmatch(r"\$\{jsonencode\((.*)\)\}", expression, re.S)
    if not match:
        raise ValueError(f"not a jsonencode expression: {expression[:80]}")
    options = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False, explicit_blocks=False)
    return hcl2.loads("x = " + match.group(1), serialization_options=options)["x"]


def construct_path(body: dict[str, Any]) -> str:
    """The construct path cdktf records in a resource's metadata (`luneo-prod/kms-secrets/key`)."""
    return str(body.get("//", {}).get("metadata", {}).get("path", ""))
