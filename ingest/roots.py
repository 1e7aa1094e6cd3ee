"""Roots: which stored root each ingested path belongs to, so folders never collide.

A root is an ingested folder: a short name (its documents' ids are ``NAME/relative/path``) and its resolved
path, kept by the store. For each folder given to ingest (for a file: its parent folder):

- the path of a known root, or a folder inside one: that root (the innermost one). A subfolder is a partial
  sync of its root: ids ``NAME/sub/x.txt``, and only documents under ``sub/`` can be pruned.
- otherwise a new root named after the folder. When that name is held by a root whose folder no longer exists
  (the folder was moved), a folder ingest takes that root over: it moves to the new path and the sync prunes
  the files that are gone. When the name is held by a live folder elsewhere, the new root is ``NAME-2``,
  ``NAME-3``, ... A single file never takes a root over.
- a folder ingest absorbs the roots inside that folder (a child ingested before its parent): their documents
  are renamed into the outer root (``CHILD/x.txt`` becomes ``PARENT/child/x.txt``, re-embedded when next
  loaded) and the child root disappears, so nothing is stored twice.

Nothing of another root is ever overwritten: every document id carries its root's name. On a shared Chroma
server the registry's ``roots()`` are the roots this index folder owns; the names other folders own
(``reserved_roots()``) are never reused, and their roots are never moved, absorbed or pruned from here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from assistant.models import IngestReport, SkippedFile


class RootRegistry(Protocol):
    """The roots a store knows (part of the PassageSink)."""

    def roots(self) -> dict[str, str]:
        """Root name -> resolved folder path."""
        ...

    def add_root(self, name: str, path: str) -> None: ...

    def move_root(self, name: str, path: str) -> None: ...

    def absorb_root(self, name: str, into: str, prefix: str) -> int:
        """Rename root ``name``'s documents ``name/x`` to ``into/prefix/x`` and forget ``name``; returns how many."""
        ...


@dataclass
class Target:
    """One unit of an ingest: a folder (walked, synced) or a file, inside one root."""

    root: str
    root_path: Path
    path: Path  # the resolved folder to walk, or the file as given
    is_folder: bool

    @property
    def folder(self) -> Path:
        return self.path if self.is_folder else self.path.parent.resolve()

    def doc_id(self, rel: str) -> str:
        """The stored id of a document at ``rel`` (relative to the root folder)."""
        return f"{self.root}/{rel}"

    @property
    def scope(self) -> str:
        """Id prefix of everything a folder sync of this target may prune."""
        rel = self.folder.relative_to(self.root_path).as_posix()
        return f"{self.root}/" if rel == "." else f"{self.root}/{rel}/"


def plan(paths: Sequence[Path], registry: RootRegistry, report: IngestReport) -> list[Target]:
    """Targets for the given paths (roots created or moved in the registry); missing paths are reported."""
    folders: list[Path] = []
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            folders.append(path.resolve())
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            report.skipped.append(SkippedFile(path=str(path), reason="no such file or folder"))
    # a folder inside another folder of the same run is covered by it; outer folders first
    folders = sorted(set(folders), key=lambda p: (len(p.parts), str(p)))
    folders = [f for i, f in enumerate(folders) if not any(f.is_relative_to(o) for o in folders[:i])]
    targets = [_target(folder, True, registry, report) for folder in folders]
    targets += [_target(file, False, registry, report) for file in files]
    for target in targets:
        if target.root not in report.roots:
            report.roots.append(target.root)
    return targets


def _target(path: Path, is_folder: bool, registry: RootRegistry, report: IngestReport) -> Target:
    folder = path if is_folder else path.parent.resolve()
    roots = {name: Path(p) for name, p in registry.roots().items()}
    name = owner(folder, roots)
    if name is None:
        name = _new_root(folder, roots, is_folder, registry, report)
        roots[name] = folder
    if is_folder:
        for child, where in sorted(roots.items()):
            if child != name and where.is_relative_to(folder):
                prefix = where.relative_to(roots[name]).as_posix()
                n = registry.absorb_root(child, name, prefix)
                report.notes.append(f"root {child} ({where}) lies inside {folder}: its {n} documents now belong "
                                    f"to root {name} as {name}/{prefix}/...")
    return Target(root=name, root_path=roots[name], path=path, is_folder=is_folder)


def owner(folder: Path, roots: dict[str, Path]) -> str | None:
    """The root holding ``folder``: the innermost root whose path is ``folder`` or one of its parents."""
    holding = [(len(p.parts), name) for name, p in roots.items() if folder.is_relative_to(p)]
    return max(holding)[1] if holding else None


def _new_root(folder: Path, roots: dict[str, Path], may_move: bool, registry: RootRegistry,
              report: IngestReport) -> str:
    base = re.sub(r"[/#]+", "-", folder.name).strip("-") or "root"
    same = re.compile(re.escape(base) + r"(-\d+)?")
    if may_move:
        for name in sorted((n for n in roots if same.fullmatch(n)), key=lambda n: (len(n), n)):
            if not roots[name].exists():
                registry.move_root(name, str(folder))
                report.notes.append(f"root {name} moved from {roots[name]} (gone) to {folder}")
                return name
    reserved = getattr(registry, "reserved_roots", None)
    taken = set(roots) | (reserved() if reserved else set())
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    registry.add_root(name, str(folder))
    report.notes.append(f"new root {name}: {folder}")
    return name
