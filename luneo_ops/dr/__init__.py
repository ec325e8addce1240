"""Surviving the loss of the primary region: the failover commands (failover.py: the state's copy,
what is plannable without the primary) and the drill that rehearses them on the local AWS
(drill.py, with what it emulates in emulate.py and its report in report.py)."""
