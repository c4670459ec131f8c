"""The run manifest: what was trained, from what, with what, and how it scored.

``runs/<name>/manifest.json`` records the config, the hash of every local data file,
library versions, the seed, the git commit of this code and the metrics of each stage, so
a run can be reproduced and its stages compared (did stage 2 make PubMedQA worse?).
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from hera_core.atomic_files import atomic_write_json
from hera_train.config import RunConfig, config_to_dict

MANIFEST_FILE = "manifest.json"
ADAPTER_CHAINING = "continue"
_VERSIONED = ("hera", "torch", "transformers", "peft", "accelerate", "bitsandbytes", "datasets")


def file_sha256(path: Path) -> str:
    """Hash of a data file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def git_commit() -> str | None:
    """The commit of the code that trained (None outside a git checkout)."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def versions() -> dict[str, str | None]:
    """Installed versions of the libraries that shape a run."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


@dataclass
class RunManifest:
    """The manifest file of one run directory."""

    path: Path
    data: dict[str, Any]

    @classmethod
    def open(cls, run_dir: Path, config: RunConfig) -> RunManifest:
        """Load the run's manifest, or start one; the config must not change under a run."""
        path = run_dir / MANIFEST_FILE
        current = config_to_dict(config)
        if path.exists():
            data = json.loads(path.read_text())
            if data.get("config") != current:
                raise ValueError(
                    f"{run_dir} holds a run with a different config; use another "
                    "--output-dir or name, or delete the run directory to start over"
                )
            return cls(path, data)
        data = {
            "config": current,
            "seed": config.seed,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "git_commit": git_commit(),
            "versions": versions(),
            "adapter_chaining": ADAPTER_CHAINING,
            "stages": {},
        }
        manifest = cls(path, data)
        manifest.save()
        return manifest

    def record_stage(self, index: int, metrics: dict[str, Any]) -> None:
        self.data["stages"][str(index)] = metrics
        self.data["adapter"] = f"stage{index}/adapter"
        self.save()

    def record_forgetting(self, check: dict[str, Any]) -> None:
        """PubMedQA dev accuracy after each stage and whether a later stage undid an earlier."""
        self.data["forgetting"] = check
        self.save()

    def save(self) -> None:
        atomic_write_json(self.path, self.data)
