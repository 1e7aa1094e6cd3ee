"""Uploaded files and zips staged into the upload folder, safely, before they are ingested.

Only supported report types are kept; each file is bounded by a size limit; names are reduced to a safe
alphabet; nothing is written outside the batch folder. A zip is read entry by entry: absolute paths, ``..``
parts, links, too many entries, too much uncompressed data and suspicious compression ratios (zip bombs) are
refused, and each entry is copied with a byte budget that does not trust the sizes its header claims.
"""

from __future__ import annotations

import re
import shutil
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ingest.loaders import LOADERS

SUPPORTED = frozenset(LOADERS)
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class UploadLimits:
    max_file_bytes: int
    max_zip_entries: int = 2000
    max_total_bytes: int = 500 * 1024 * 1024
    max_ratio: float = 200.0


@dataclass
class StagedUpload:
    """What one upload batch put on disk, and what it refused (name, reason)."""

    folder: Path
    saved: list[Path] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{len(self.saved)} file(s) accepted"]
        lines += [f"refused {name}: {reason}" for name, reason in self.refused]
        return "\n".join(lines)


class _Refused(Exception):
    pass


def sanitize_name(name: str, fallback: str = "upload") -> str:
    """A file name safe on every system: last path part, ASCII letters, digits, ``._ -``; no leading dot."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if dot and len(base) > 120:
        base = stem[: 119 - len(suffix)] + "." + suffix
    return base[:120] or fallback


def _unique(folder: Path, name: str) -> Path:
    path = folder / name
    n = 2
    while path.exists():
        stem, dot, suffix = name.rpartition(".")
        path = folder / (f"{stem}-{n}.{suffix}" if dot and stem else f"{name}-{n}")
        n += 1
    return path


def _inside(folder: Path, path: Path) -> Path:
    real = path.resolve()
    if not real.is_relative_to(folder.resolve()):
        raise _Refused("path leaves the upload folder")
    return real


def _check_type(name: str) -> None:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise _Refused(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(sorted(SUPPORTED))}")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def stage(files: list[Path], upload_dir: Path, batch: str, limits: UploadLimits) -> StagedUpload:
    """Copy uploads (files or zips) into ``upload_dir/batch``; returns what was saved and what was refused."""
    folder = upload_dir / sanitize_name(batch, "batch")
    folder.mkdir(parents=True, exist_ok=True)
    out = StagedUpload(folder=folder)
    for src in files:
        shown = sanitize_name(src.name)
        try:
            if src.suffix.lower() == ".zip":
                _stage_zip(src, folder, limits, out)
            else:
                _check_type(src.name)
                size = src.stat().st_size
                if size > limits.max_file_bytes:
                    raise _Refused(f"{_mb(size)} is over the {_mb(limits.max_file_bytes)} limit per file")
                dest = _inside(folder, _unique(folder, shown))
                shutil.copyfile(src, dest)
                out.saved.append(dest)
        except _Refused as exc:
            out.refused.append((shown, str(exc)))
        except (OSError, zipfile.BadZipFile) as exc:
            out.refused.append((shown, f"cannot read it ({type(exc).__name__})"))
    return out


def _entry_path(info: zipfile.ZipInfo) -> PurePosixPath:
    raw = info.filename.replace("\\", "/")
    path = PurePosixPath(raw)
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw) or ".." in path.parts:
        raise _Refused("absolute or '../' path")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise _Refused("symbolic link")
    return path


def _stage_zip(src: Path, folder: Path, limits: UploadLimits, out: StagedUpload) -> None:
    zip_name = sanitize_name(src.stem, "archive")
    with zipfile.ZipFile(src) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > limits.max_zip_entries:
            raise _Refused(f"{len(infos)} entries, more than {limits.max_zip_entries}")
        # refuse the whole archive when any entry tries to escape: it was made to attack, not to share reports
        for info in infos:
            try:
                _entry_path(info)
            except _Refused as exc:
                raise _Refused(f"entry {info.filename!r}: {exc}") from None
        claimed = sum(i.file_size for i in infos)
        if claimed > limits.max_total_bytes:
            raise _Refused(f"unpacks to {_mb(claimed)}, more than {_mb(limits.max_total_bytes)} (zip bomb?)")
        budget = limits.max_total_bytes
        for info in infos:
            path = _entry_path(info)
            name = "/".join(path.parts)
            try:
                _check_type(name)
                if info.file_size > limits.max_file_bytes:
                    raise _Refused(f"{_mb(info.file_size)} is over the {_mb(limits.max_file_bytes)} limit per file")
                if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
                    raise _Refused(f"compression ratio over {limits.max_ratio:.0f} (zip bomb?)")
                parts = [sanitize_name(p, "_") for p in path.parts]
                target_dir = _inside(folder, folder.joinpath(zip_name, *parts[:-1]))
                target_dir.mkdir(parents=True, exist_ok=True)
                dest = _inside(folder, _unique(target_dir, parts[-1]))
                budget -= _copy_capped(zf, info, dest, min(limits.max_file_bytes, budget))
                out.saved.append(dest)
            except _Refused as exc:
                out.refused.append((f"{src.name}:{name}", str(exc)))


def _copy_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, cap: int) -> int:
    """Copy one entry, stopping (and deleting the partial file) once it passes ``cap`` bytes."""
    written = 0
    try:
        with zf.open(info) as src, dest.open("wb") as fh:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > cap:
                    raise _Refused("unpacks to more than the limit (zip bomb?)")
                fh.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, _Refused) as exc:
        dest.unlink(missing_ok=True)
        if isinstance(exc, _Refused):
            raise
        raise _Refused(f"damaged entry ({exc})") from None
    return written
