"""Where an export lands: checked before any work, built beside it, swapped in at once.

An export takes minutes (merge, convert, quantize, parity) and writes gigabytes, so the
output folder is checked *first*: a read-only folder, a mount point or a folder of someone
else's files fails in a second, not after the work. The files are built in a staging folder
beside ``--out`` (the same filesystem by construction, so no "Invalid cross-device link"
at the end) and the finished folder replaces the previous export in one step (an atomic
exchange where the kernel offers it), so a reader sees the old export or the new one,
never a mix, and files of a previous export that this one did not write (a GGUF of
another type) do not linger. Staging folders that an interrupted export (``kill -9``)
left behind are recognised by their owner's process id and removed by the next export.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import tempfile
from pathlib import Path

from export.errors import ExportError

#: Written by every export; a folder with files but without it is not an export's folder.
REPORT_FILE = "export_report.json"
#: The process id of the export that owns a staging folder.
OWNER_FILE = ".hera-export-owner"


def _staging_prefix(out_dir: Path) -> str:
    return f".{out_dir.name}-staging-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _abandoned(folder: Path) -> bool:
    """A staging folder whose export is no longer running."""
    try:
        pid = int((folder / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return True  # killed before it could write its owner: nothing is running it
    return pid != os.getpid() and not _alive(pid)


def remove_abandoned_staging(out_dir: Path) -> int:
    """Delete staging folders of interrupted exports to ``out_dir``; returns bytes freed."""
    freed = 0
    parent = out_dir.parent
    if not parent.is_dir():
        return 0
    for folder in parent.glob(_staging_prefix(out_dir) + "*"):
        if folder.is_dir() and _abandoned(folder):
            freed += sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
            shutil.rmtree(folder, ignore_errors=True)
    return freed


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"--out {out_dir} is a file; give a folder for the export")
    if not out_dir.is_dir():
        return
    if os.path.ismount(out_dir):
        raise ExportError(
            f"--out {out_dir} is a mount point, which an export cannot replace in one step; "
            f"export into a folder inside it (e.g. {out_dir / 'hera'})"
        )
    if any(out_dir.iterdir()) and not (out_dir / REPORT_FILE).exists():
        raise ExportError(
            f"--out {out_dir} holds files that are not a HERA export, and an export replaces "
            "its folder whole; give a new or empty folder, or a previous export's folder"
        )
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise ExportError(f"--out {out_dir} is not writable; choose a folder you can write to")


def prepare_staging(out_dir: Path) -> Path:
    """Check ``out_dir`` and create the staging folder beside it (its future contents)."""
    out_dir = Path(os.path.abspath(out_dir))
    _check_out_dir(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(out_dir), dir=out_dir.parent))
        (staging / OWNER_FILE).write_text(str(os.getpid()))
    except OSError as exc:
        raise ExportError(
            f"cannot write beside --out {out_dir} ({exc.strerror or exc}); choose a writable "
            "folder"
        ) from None
    return staging


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system or filesystem does not offer it."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def publish(staging: Path, out_dir: Path) -> None:
    """Make the finished staging folder *be* ``out_dir``, replacing a previous export."""
    out_dir = Path(os.path.abspath(out_dir))
    (staging / OWNER_FILE).unlink(missing_ok=True)
    try:
        if not out_dir.exists():
            os.rename(staging, out_dir)
            return
        if not _exchange(staging, out_dir):
            old = Path(tempfile.mkdtemp(prefix=_staging_prefix(out_dir), dir=out_dir.parent))
            os.rename(out_dir, old / "previous")
            try:
                os.rename(staging, out_dir)
            except OSError:
                os.rename(old / "previous", out_dir)
                raise
            staging = old
    except OSError as exc:
        raise ExportError(f"cannot move the export into {out_dir}: {exc.strerror or exc}") from None
    # ``staging`` now holds the previous export.
    with contextlib.suppress(OSError):
        shutil.rmtree(staging)
