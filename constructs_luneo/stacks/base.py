"""The address policy every Luneo stack follows: Terraform addresses are the construct path.

Addresses are an interface (docs/OPERATIONS.md): the state is keyed by them, `moved` blocks and
imports are written against them, and tests/addresses/ pins them per stack.
"""

from __future__ import annotations

from cdktf import TerraformElement, TerraformLocal, TerraformStack, TerraformVariable
from constructs import Construct, Node

from ..support.errors import ConstructArgumentError

#: Terraform 1.11 is the first release with write-only arguments (password_wo), which keep the
#: database password out of the state.
REQUIRED_TERRAFORM = ">= 1.11.0"


class LuneoStack(TerraformStack):
    """A stack whose Terraform addresses are the construct path, without cdktf's hash suffix.

    `KmsKey(stack, "kms-secrets")` creates `aws_kms_key.kms-secrets_key`, not
    `aws_kms_key.kms-secrets_key_F42838D9`: operators read these names in every plan, the state is
    keyed by them, and `moved` blocks and imports are written against them. Two paths that would
    give the same name are an error rather than a silent suffix.
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self._logical_ids: dict[str, str] = {}
        self._path: str | None = None
        self._moves: list[tuple[str, str]] = []
        self._forgotten: list[str] = []

    def _allocate_logical_id(self, tf_element: TerraformElement | Node) -> str:
        """The construct path below the stack, joined with "_" (ids cannot contain "/"): one jsii round
        trip for the path instead of one per scope (docs/PERFORMANCE.md). A construct's `toString()` is
        its `node.path` (constructs 10.x) except for locals and variables, whose string is a token."""
        if isinstance(tf_element, Node):
            path = tf_element.path
        elif isinstance(tf_element, (TerraformLocal, TerraformVariable)):
            path = tf_element.node.path
        else:
            path = tf_element.to_string()
        if self._path is None:
            self._path = self.node.path
        logical_id = path[len(self._path) + 1 :].replace("/", "_")
        if self._logical_ids.setdefault(logical_id, path) != path:
            raise ConstructArgumentError(
                f"{path!r} and {self._logical_ids[logical_id]!r} would both be Terraform name {logical_id!r}; "
                "rename one construct id"
            )
        return logical_id

    def moved(self, pairs: list[tuple[str, str]]) -> None:
        """`moved` blocks (old address -> new address): the state keeps the object under its new name.
        Every call adds to the stack's one `moved` list (CHANGELOG.md names each)."""
        self._moves += pairs
        self.add_override("moved", [{"from": old, "to": new} for old, new in self._moves])

    def forget(self, addresses: list[str]) -> None:
        """`removed` blocks with destroy = false: Terraform forgets these objects instead of destroying
        them (CHANGELOG.md names each). Every call adds to the stack's one `removed` list."""
        self._forgotten += addresses
        self.add_override("removed", [{"from": a, "lifecycle": {"destroy": False}} for a in self._forgotten])
