"""Finding the files of a folder: every problem reported, never silently dropped.

A folder that cannot be listed (permissions, I/O error) is reported and *protected*: the documents stored from
it are kept, because its files only look deleted. Names starting with ``.`` or ``_`` are skipped. Symbolic
links are followed only when they resolve inside the walked folder (``ingest.follow_external_links`` allows
the rest); a file reached twice (through a link and directly) is returned once, under its real path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from assistant.models import SkippedFile


@dataclass
class Walk:
    """What a walk found: files as (path, path relative to the root), problems, and protected relative paths."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    problems: list[SkippedFile] = field(default_factory=list)
    protected: set[str] = field(default_factory=set)

    def problem(self, path: Path, reason: str, rel: str | None = None) -> None:
        self.problems.append(SkippedFile(path=str(path), reason=reason))
        if rel is not None:
            self.protected.add(rel)


def hidden(name: str) -> bool:
    return name.startswith((".", "_"))


def outside_reason(folder: Path) -> str:
    return f"symbolic link to a path outside {folder}"


@dataclass(frozen=True)
class Link:
    """Where a symbolic link leads, or why it is not followed (``keep``: protect what it held before)."""

    target: Path | None
    reason: str = ""
    keep: bool = False


def follow_link(path: Path, folder: Path, follow_external: bool) -> Link:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop on older Pythons
        # the target may only be unavailable (an unmounted drive): keep what was stored from it
        return Link(None, f"broken symbolic link ({getattr(exc, 'strerror', None) or exc})", keep=True)
    if not follow_external and not target.is_relative_to(folder):
        return Link(None, outside_reason(folder))
    return Link(target)


def walk_folder(folder: Path, root: Path, follow_external: bool = False) -> Walk:
    """Every file under ``folder`` (resolved, inside the resolved ``root``), sorted by relative path."""
    walk = Walk()
    found: dict[Path, list[tuple[Path, str]]] = {}  # real path -> ways it was reached
    visited: set[Path] = set()

    def rel_of(path: Path) -> str:
        rel = path.relative_to(root).as_posix()
        return "" if rel == "." else rel

    def visit(directory: Path, real: Path) -> None:
        if real in visited:  # a link back to a folder already walked
            return
        visited.add(real)
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            walk.problem(directory, f"cannot read folder ({exc.strerror or exc}); its documents are kept",
                         rel_of(directory))
            return
        for entry in entries:
            if hidden(entry.name):
                continue
            path = directory / entry.name
            try:
                target = real / entry.name
                if entry.is_symlink():
                    link = follow_link(path, folder, follow_external)
                    if link.target is None:
                        walk.problem(path, link.reason, rel_of(path) if link.keep else None)
                        continue
                    target = link.target
                if entry.is_dir(follow_symlinks=True):
                    visit(path, target)
                elif entry.is_file(follow_symlinks=True):
                    found.setdefault(target, []).append((path, rel_of(path)))
            except OSError as exc:
                walk.problem(path, f"cannot read ({exc.strerror or exc})", rel_of(path))

    visit(folder, folder)
    for real_file, ways in found.items():
        direct = [w for w in ways if w[0] == real_file]
        walk.files.append(direct[0] if direct else min(ways, key=lambda w: w[1]))
    walk.files.sort(key=lambda w: w[1])
    return walk
