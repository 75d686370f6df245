"""Where benchmark results go (<data dir>/bench/*.json) and the facts each one records."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shlex
from pathlib import Path
from typing import Any

from settings import Settings

DATASET_FILE = "dataset.json"


def results_dir(settings: Settings) -> Path:
    return settings.data_dir / "bench"


def timestamped(settings: Settings, kind: str) -> Path:
    """A fresh result path such as <data dir>/bench/feed-20261121T160000Z.json."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return results_dir(settings) / f"{kind}-{stamp}.json"


def write(path: Path, payload: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def read_dataset(settings: Settings) -> dict[str, Any] | None:
    """The summary the last `shutter seed --users ...` wrote, if any."""
    path = results_dir(settings) / DATASET_FILE
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def stack_env(data_dir: Path) -> dict[str, str]:
    """The SHUTTER_* variables `shutter dev` wrote to <data dir>/stack.env (empty when absent)."""
    try:
        lines = (data_dir / "stack.env").read_text().splitlines()
    except OSError:
        return {}
    found: dict[str, str] = {}
    for line in lines:
        key, sep, value = line.partition("=")
        if sep and key.startswith("SHUTTER_"):
            words = shlex.split(value)
            found[key] = words[0] if words else ""
    return found
