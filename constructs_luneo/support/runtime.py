"""Process set-up that must happen before cdktf (and so jsii's Node.js kernel) is imported."""

from __future__ import annotations

import importlib
import importlib.abc
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from collections.abc import MutableMapping
from pathlib import Path
from types import ModuleType
from typing import Any


def keep_policy_errors_for_the_report() -> None:
    """Let a synth with policy error annotations finish (into a staging directory), so that main.py
    reports every violation at once, one line each, instead of cdktf's exception. The cdktf CLI
    sets the same variable."""
    os.environ.setdefault("CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS", "true")


def quiet_jsii() -> None:
    """Silence jsii's Node.js support banners, which users would otherwise see on every synth.

    The end-of-life banner is silenced only for the Node.js major version actually running;
    the README says which Node.js versions are supported.
    """
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    if "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION" in os.environ:
        return
    node = os.environ.get("JSII_NODE") or shutil.which("node")
    if not node:
        return  # jsii will itself explain that Node.js is missing
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return
    major = version.strip().lstrip("v").split(".")[0]
    if major.isdigit():
        os.environ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = major


# Lazy loading of the AWS provider bindings (docs/PERFORMANCE.md). Both halves lean on internals
# of jsii and of the prebuilt package, so each checks the shape it expects and otherwise loads
# eagerly, as without it: slower, never a different output.
EAGER_ENV = "LUNEO_EAGER_PROVIDER"
PROVIDER = "cdktf_cdktf_provider_aws"
ASSEMBLY = "@cdktf/provider-aws"
PRELOAD = Path(__file__).resolve().with_name("lazy_require.js")
TESTED_JSII = ((1, 142), (1, 143))  # [from, to): the jsii versions tests/test_runtime.py passed with
_SUBMODULE = re.compile(r"^from \. import (\w+)$", re.M)
_ALL_ENTRY = re.compile(r'^    "(\w+)",$', re.M)


def eager_provider() -> bool:
    """LUNEO_EAGER_PROVIDER=1 (any value but empty or 0) turns lazy loading off, for debugging."""
    return os.environ.get(EAGER_ENV, "") not in ("", "0")


def lazy_provider() -> None:
    """Load the AWS provider's ~2,100 submodules on first use, on both sides of jsii.

    Python: a meta-path finder imports `cdktf_cdktf_provider_aws` without running its
    `__init__` (which imports every submodule). Node.js: a preload in NODE_OPTIONS makes the
    kernel's require of the provider lazy. Call it before cdktf is first imported (the kernel
    reads NODE_OPTIONS when it starts; later, it is harmless but has no effect). Idempotent;
    with LUNEO_EAGER_PROVIDER=1 it undoes both.
    """
    preload = f'--require "{_node_quote(str(PRELOAD))}"'
    options = os.environ.get("NODE_OPTIONS", "").replace(preload, "").strip()
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, LazyProviderFinder)]
    if eager_provider():
        _set_node_options(options)
        return
    _set_node_options(f"{options} {preload}".strip())
    sys.meta_path.insert(0, LazyProviderFinder())


def _node_quote(path: str) -> str:
    return path.replace("\\", "\\\\").replace('"', '\\"')


def _set_node_options(options: str) -> None:
    if options:
        os.environ["NODE_OPTIONS"] = options
    else:
        os.environ.pop("NODE_OPTIONS", None)


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def submodule_fqn(python_name: str) -> str:
    """`s3_bucket` -> `@cdktf/provider-aws.s3Bucket`: jsii-pacmak snake-cases submodule names."""
    head, *rest = python_name.split("_")
    return f"{ASSEMBLY}.{head}{''.join(part[:1].upper() + part[1:] for part in rest)}"


def jsii_problem() -> str | None:
    """Why jsii's lazy-type hook cannot be trusted (version out of the tested range, or a changed
    shape), or None."""
    import jsii
    from jsii import _reference_map

    try:
        version = tuple(int(part) for part in jsii.__version__.split(".")[:2])
    except (AttributeError, ValueError):
        return f"jsii's version {getattr(jsii, '__version__', None)!r} is unreadable"
    low, high = TESTED_JSII
    if not low <= version < high:
        return (
            f"jsii {jsii.__version__} is outside the versions the loader was tested with "
            f"({'.'.join(map(str, low))} to before {'.'.join(map(str, high))})"
        )
    for name in ("_submodule_fqn_map", "_assembly_to_module"):
        if not isinstance(getattr(_reference_map, name, None), MutableMapping):
            return f"jsii._reference_map.{name} is missing or no longer a mapping"
    if not callable(getattr(_reference_map, "_try_import_type_module", None)):
        return "jsii._reference_map._try_import_type_module is missing"
    return None


def provider_submodules(init_source: str) -> list[str] | None:
    """The provider's `__all__`, the submodules its `__init__` imports, or None if that file has an
    unexpected shape."""
    names = _ALL_ENTRY.findall(init_source)
    imported = _SUBMODULE.findall(init_source)
    expected = (
        "from ._jsii import *" in init_source
        and "\npublication.publish()\n" in init_source
        and len(set(names)) == len(names) == len(imported) > 0
        and set(names) == set(imported)
    )
    return names if expected else None


class LazyProviderFinder(importlib.abc.MetaPathFinder):
    """Finds `cdktf_cdktf_provider_aws` with the other finders and swaps in a lazy loader."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != PROVIDER:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and spec.origin and spec.submodule_search_locations is not None:
                    spec.loader = _LazyProviderLoader(spec.loader, Path(spec.origin))
                return spec
        return None


class _LazyProviderLoader(importlib.abc.Loader):
    """Runs what the package's `__init__` does except importing every submodule: the submodules
    come on attribute access (PEP 562), or when jsii meets one of their types (its FQN map)."""

    def __init__(self, real: Any, init: Path) -> None:
        self._real = real
        self._init = init

    def __getattr__(self, name: str) -> Any:  # resource readers and the like: the real loader's
        return getattr(self._real, name)

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        names = provider_submodules(self._init.read_text(encoding="utf-8"))
        problem = jsii_problem() if names else f"{self._init} has an unexpected shape"
        if problem or not names:
            _warn(f"loading {PROVIDER} eagerly (slower, same output): {problem}")
            self._real.exec_module(module)
            return
        from jsii import _reference_map

        everything = set(names)
        vars(module).update(
            __path__=pkgutil.extend_path(module.__path__, module.__name__),
            __all__=names,
            __getattr__=_submodule_getter(module.__name__, frozenset(names)),
            __dir__=lambda: sorted(everything | set(vars(module))),
        )
        importlib.import_module(f"{module.__name__}._jsii")  # loads the assembly into the kernel
        _reference_map._submodule_fqn_map.update({submodule_fqn(n): f"{module.__name__}.{n}" for n in names})
        if _reference_map._assembly_to_module.get(ASSEMBLY) != module.__name__:
            _warn(f"loading {PROVIDER} eagerly (slower, same output): jsii did not register {ASSEMBLY}")
            for name in names:
                importlib.import_module(f"{module.__name__}.{name}")


def _submodule_getter(package: str, names: frozenset[str]) -> Any:
    def __getattr__(name: str) -> ModuleType:
        if name in names:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
