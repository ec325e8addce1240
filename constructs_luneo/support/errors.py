"""Errors a user can fix; main.py prints them as one line without a traceback. Cheap to import."""


class LuneoError(Exception):
    """Base class of user-facing errors."""


class ConfigError(LuneoError):
    """A configuration problem, phrased as one line: `<file>: <variable>: <what was expected>`."""


class ConstructArgumentError(LuneoError, ValueError):
    """An invalid construct argument, raised at synth time: `<Construct> '<path>': <arg>: <expected>`."""
