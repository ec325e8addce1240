"""`python -m luneo_ops <command> [arguments]`: the operations toolkit's one entry point (the
Makefile's targets call it). `python -m luneo_ops --help` lists the commands; `<command> --help`
describes one. Standard library only until a command is chosen."""

from __future__ import annotations

import importlib
import sys

from .commands import COMMANDS


def usage() -> str:
    width = max(map(len, COMMANDS))
    return "\n".join(
        ["usage: python -m luneo_ops <command> [arguments]", "", "commands:"]
        + [f"  {name:<{width}}  {help_}" for name, (_, _, help_) in COMMANDS.items()]
    )


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if argv else 2
    name, args = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"error: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module, function, _ = COMMANDS[name]
    command = getattr(importlib.import_module(f"luneo_ops.commands.{module}"), function)
    from constructs_luneo.support.errors import LuneoError

    try:
        return int(command(args))
    except LuneoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
