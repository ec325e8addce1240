"""`python -m constructs_luneo.rules <cdk.tf.json>...`: every rule on synthesized stacks, one line
per finding (`<level>: <rule>: <path>: <message>`); exit 1 when an error-level rule fires."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import View, evaluate


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m constructs_luneo.rules <cdk.tf.json>...", file=sys.stderr)
        return 2
    errors = 0
    for name in argv:
        tf = json.loads(Path(name).read_text())
        stack = tf.get("//", {}).get("metadata", {}).get("stackName", name)
        for checked, finding in evaluate(View(tf, stack)):
            level = finding.level or checked.level
            errors += level == "error"
            print(f"{level}: {checked.id}: {finding.path or stack}: {finding.message}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
