"""`python -m constructs_luneo.config [DIR]`: validate every environment file, print a line each."""

from __future__ import annotations

import sys
from pathlib import Path

from . import ConfigError, load_environments


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else Path("environments")
    try:
        configs = load_environments(directory, base=Path.cwd())
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for config in configs:
        print(f"ok: {config.source} -> stack {config.stack_name}, state key {config.state.key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
