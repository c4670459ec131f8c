"""The chat-only install has no training stack: nothing it imports may pull torch in.

The chat install is ``hera_core`` (the torch-free core) and ``hera_tui`` (the chat app, the
benchmark, the emergency check and the ``hera`` command). Every module of both is imported
in a fresh interpreter, so an import moved to the top of any file is caught here, not by
the person who installed HERA without torch.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHAT_INSTALL = ("hera_core", "hera_tui")
TRAINING_STACK = ("torch", "transformers", "peft", "accelerate", "datasets", "bitsandbytes")

IMPORT_ALL = """
import importlib, json, pkgutil, sys
imported = []
for package in sys.argv[1].split(","):
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        importlib.import_module(info.name)
        imported.append(info.name)
print(json.dumps({"imported": imported,
                  "training": [m for m in sys.argv[2].split(",") if m in sys.modules]}))
"""


def test_every_module_of_the_chat_install_imports_without_the_training_stack() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, ",".join(CHAT_INSTALL), ",".join(TRAINING_STACK)],
        capture_output=True, text=True, cwd=REPO, check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["training"] == [], f"the chat install imported {report['training']}"
    # the walk really covered both packages, down to their subpackages
    imported = set(report["imported"])
    assert {"hera_core.formats", "hera_core.sources.retrieve", "hera_core.encoder.minilm",
            "hera_tui.command", "hera_tui.app.chat_app", "hera_tui.safety.detector"} <= imported
