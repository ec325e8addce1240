"""Process set-up that must happen before cdktf (and so jsii's Node.js kernel) is imported."""

from __future__ import annotations

import os
import shutil
import subprocess


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
