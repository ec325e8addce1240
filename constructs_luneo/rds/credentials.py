"""DatabaseCredentials: the master password of a database, in a secret of ours, in both regions.

RDS cannot keep the password of a database that has a read replica or is part of an Aurora global
database (rules LUNEO-AWS-1/2), so the stacks keep it themselves, without anyone typing it and
without it ever reaching the synthesized JSON, a plan file or the state:

- an ephemeral `aws_secretsmanager_random_password` draws a password (or the sensitive ephemeral
  variable `db_master_password` gives one);
- `aws_secretsmanager_secret_version.secret_string_wo` (write-only) stores it in a KMS-encrypted
  secret that Secrets Manager replicates to the secondary region, so a promoted database's
  credentials are readable there when the primary region is gone;
- the database takes it back from the secret (ephemeral `aws_secretsmanager_secret_version`) into
  `password_wo`: the database always gets exactly what the secret holds.

Write-only values are sent only when their version changes: bumping `version`
(`db_master_password_version`) rotates the password, once, in the secret and the database. cdktf
0.21 has no binding for ephemeral resources: they are written with the stack's escape hatch.
"""

from __future__ import annotations

from typing import Mapping

from cdktf import TerraformProvider, TerraformStack
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret, SecretsmanagerSecretReplica
from cdktf_cdktf_provider_aws.secretsmanager_secret_version import SecretsmanagerSecretVersion
from constructs import Construct

from ..support.common import construct_label, lifecycle, require
from ._shared import PORT, is_expression

#: RDS master passwords: "any printable ASCII character except /, ', ", @, or a space".
EXCLUDED_CHARACTERS = "/'\"@"


class DatabaseCredentials(Construct):
    """A KMS-encrypted secret with the master credentials (JSON: engine, username, password, port,
    dbname), replicated to a second region, and the password reference a database takes.

    Arguments:
      name: the secret's name, e.g. "luneo-prod-db-master" (required).
      username, database_name: what the JSON holds besides the password (required).
      kms_key_arn: the key of the secret's region (required).
      replica_region, replica_kms_key_arn: where Secrets Manager keeps a replica, and that region's key
        (default None: no replica).
      password: None (default) draws a random 32-character password; otherwise a reference to a
        sensitive ephemeral variable (never a literal).
      version: bump to rotate (a new draw, or the variable's new value). engine, port: for the JSON.
      recovery_window_in_days: a deleted secret can be restored this long (default 30).
      prevent_destroy, tags, provider.

    Attributes: secret, secret_arn, secret_name, password (an ephemeral reference, for write-only
    arguments only), version.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        username: str,
        database_name: str,
        kms_key_arn: str,
        replica_region: str | None = None,
        replica_kms_key_arn: str | None = None,
        password: str | None = None,
        version: int = 1,
        engine: str = "postgres",
        port: int = PORT,
        recovery_window_in_days: int = 30,
        prevent_destroy: bool = False,
        tags: Mapping[str, str] | None = None,
        provider: TerraformProvider | None = None,
    ) -> None:
        _check(
            construct_label(DatabaseCredentials, scope, id),
            password,
            version,
            replica_region,
            replica_kms_key_arn,
            recovery_window_in_days,
        )
        super().__init__(scope, id)
        stack = TerraformStack.of(self)
        self._logical = "_".join(self.node.path.split("/")[1:])
        self._provider = {"provider": provider.fqn} if provider is not None else {}
        self.version = version

        self.secret = SecretsmanagerSecret(
            self,
            "secret",
            name=name,
            description=f"Master credentials of {database_name} ({engine})",
            kms_key_id=kms_key_arn,
            recovery_window_in_days=recovery_window_in_days,
            replica=[SecretsmanagerSecretReplica(region=replica_region, kms_key_id=replica_kms_key_arn)]
            if replica_region
            else None,
            tags=dict(tags or {}) or None,
            lifecycle=lifecycle(prevent_destroy),
            provider=provider,
        )
        if password is None:
            password = self._draw_password(stack)
        self._write(password, engine, username, database_name, port, version, provider)
        self.password: str = self._read_back(stack)
        self.secret_arn: str = self.secret.arn
        self.secret_name: str = self.secret.name

    def _draw_password(self, stack: TerraformStack) -> str:
        """An ephemeral random password (never in the JSON, a plan or the state); its reference."""
        stack.add_override(
            f"ephemeral.aws_secretsmanager_random_password.{self._logical}_password",
            {
                "password_length": 32,
                "exclude_characters": EXCLUDED_CHARACTERS,
                "include_space": False,
                "require_each_included_type": True,
                **self._provider,
            },
        )
        return f"${{ephemeral.aws_secretsmanager_random_password.{self._logical}_password.random_password}}"

    def _write(
        self,
        password: str,
        engine: str,
        username: str,
        database_name: str,
        port: int,
        version: int,
        provider: TerraformProvider | None,
    ) -> None:
        """The credentials JSON, written (write-only, once per version) into the secret."""
        # Written as one expression: Fn.jsonencode would quote the ephemeral reference as a literal.
        document = (
            f'{{engine = "{engine}", username = "{username}", password = {password[2:-1]}, port = {port}, '
            f'dbname = "{database_name}"}}'
        )
        self.secret_version = SecretsmanagerSecretVersion(
            self,
            "version",
            secret_id=self.secret.id,
            secret_string_wo_version=version,
            provider=provider,
            secret_string_wo=f"${{jsonencode({document})}}",
        )

    def _read_back(self, stack: TerraformStack) -> str:
        """The password reference a database's write-only argument takes: an ephemeral read of the secret."""
        # The database reads the password back from the secret, after it is written.
        written = f"aws_secretsmanager_secret_version.{self.secret_version.friendly_unique_id}"
        stack.add_override(
            f"ephemeral.aws_secretsmanager_secret_version.{self._logical}_current",
            {"secret_id": self.secret.id, "depends_on": [written], **self._provider},
        )
        return (
            f"${{jsondecode(ephemeral.aws_secretsmanager_secret_version.{self._logical}_current"
            f".secret_string).password}}"
        )


def _check(
    who: str,
    password: str | None,
    version: int,
    replica_region: str | None,
    replica_kms_key_arn: str | None,
    recovery_window_in_days: int,
) -> None:
    require(isinstance(version, int) and version >= 1, who, "version", "a whole number >= 1", version)
    require(
        password is None or is_expression(password),
        who,
        "password",
        'a reference such as "${var.db_master_password}" to a sensitive ephemeral variable, never a '
        "literal; or None for a generated password",
    )
    require(
        (replica_region is None) == (replica_kms_key_arn is None),
        who,
        "replica_kms_key_arn",
        "given with replica_region (a key of that region: KMS keys are regional)",
        replica_kms_key_arn,
    )
    require(7 <= recovery_window_in_days <= 30, who, "recovery_window_in_days", "7-30 days", recovery_window_in_days)
