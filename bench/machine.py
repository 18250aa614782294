"""Facts about the machine and the software a report was measured on."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

PACKAGES = ("textual", "scipy", "numpy", "httpx", "pydantic")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _usable_cores() -> int | None:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return None


def machine_facts() -> list[tuple[str, str]]:
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    usable = _usable_cores()
    cores = f"{os.cpu_count()}" + (f" ({usable} usable)" if usable is not None else "")
    return [
        ("CPU", _cpu_model()),
        ("Cores", cores),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_implementation()} {sys.version.split()[0]}"),
        ("Libraries", ", ".join(versions)),
    ]
