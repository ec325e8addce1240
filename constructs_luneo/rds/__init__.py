"""RDS PostgreSQL (replaces `modules/rds`), one module per concern:

- instance.py: PostgresDatabase, the primary instance (the HCL module's interface);
- replica.py: PostgresReadReplica, the encrypted cross-region read replica;
- aurora.py: AuroraGlobalDatabase (and AuroraRegion), the other DR shape;
- restore.py: RestoreSource, a primary restored from a snapshot or to a point in time;
- credentials.py: DatabaseCredentials, the master password in a secret of ours, in both regions;
- _shared.py: the argument checks, parameter group, log groups and monitoring role they share.
"""

from ._shared import LOG_EXPORTS, PARAMETERS, PORT
from .aurora import AuroraGlobalDatabase, AuroraRegion
from .credentials import DatabaseCredentials
from .instance import PostgresDatabase
from .replica import PostgresReadReplica
from .restore import RestoreSource

__all__ = [
    "LOG_EXPORTS",
    "PARAMETERS",
    "PORT",
    "AuroraGlobalDatabase",
    "AuroraRegion",
    "DatabaseCredentials",
    "PostgresDatabase",
    "PostgresReadReplica",
    "RestoreSource",
]
