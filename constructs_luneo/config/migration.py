"""migrations/<stack>.json: the moved/removed blocks `make migrate-plan` proposes, once reviewed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..support.errors import ConfigError

ADDRESS = re.compile(r"^(module\.[A-Za-z0-9_-]+(\[[^\]]+\])?\.)*[a-z0-9_]+\.[A-Za-z0-9_-]+(\[[^\]]+\])?$")


@dataclass(frozen=True)
class Migration:
    source: str
    moved: tuple[tuple[str, str], ...]
    removed: tuple[str, ...]


def load_migration(path: str | Path, *, label: str | None = None) -> Migration:
    path = Path(path)
    label = label or str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{label}: cannot read the migration ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{label}: expected an object with `moved` and `removed` lists")
    moved, removed = [], []
    for i, item in enumerate(data.get("moved", [])):
        if not (
            isinstance(item, dict)
            and ADDRESS.match(str(item.get("from", "")))
            and ADDRESS.match(str(item.get("to", "")))
        ):
            raise ConfigError(f'{label}: moved[{i}]: expected {{"from": <address>, "to": <address>}}, got {item!r}')
        moved.append((item["from"], item["to"]))
    for i, item in enumerate(data.get("removed", [])):
        if not (
            isinstance(item, dict)
            and ADDRESS.match(str(item.get("from", "")))
            and "[" not in item["from"].split(".")[-1]
        ):
            raise ConfigError(
                f'{label}: removed[{i}]: expected {{"from": <resource address without index>}}, got {item!r}'
            )
        removed.append(item["from"])
    sources = [m[0] for m in moved] + removed
    duplicates = sorted({s for s in sources if sources.count(s) > 1})
    if duplicates:
        raise ConfigError(f"{label}: {duplicates[0]}: appears more than once")
    return Migration(source=label, moved=tuple(moved), removed=tuple(removed))
