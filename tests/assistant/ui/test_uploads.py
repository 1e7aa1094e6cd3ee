"""Upload staging: supported types only, size limits, safe names, nothing outside the folder, zip bombs."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from assistant.ui.uploads import UploadLimits, sanitize_name, stage

LIMITS = UploadLimits(max_file_bytes=10_000, max_zip_entries=5, max_total_bytes=50_000, max_ratio=50)


def _files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_sanitize_name() -> None:
    assert sanitize_name("../../etc/passwd") == "passwd"
    assert sanitize_name("..\\..\\win.ini") == "win.ini"
    assert sanitize_name(".hidden.txt") == "hidden.txt"
    assert sanitize_name("rapport d'été <b>.md") == "rapport d_ete _b_.md"
    assert sanitize_name("..") == "upload" and sanitize_name("") == "upload"
    long = sanitize_name("a" * 300 + ".txt")
    assert len(long) <= 120 and long.endswith(".txt")


def test_files_type_and_size(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    ok = src / "report one.txt"
    ok.write_text("Title: A\n\nText.")
    exe = src / "tool.exe"
    exe.write_bytes(b"MZ")
    big = src / "big.md"
    big.write_text("x" * 20_000)
    staged = stage([ok, exe, big], tmp_path / "uploads", "batch-1", LIMITS)
    assert [p.name for p in staged.saved] == ["report one.txt"]
    reasons = dict(staged.refused)
    assert "unsupported file type .exe" in reasons["tool.exe"]
    assert "limit per file" in reasons["big.md"]
    assert _files_under(tmp_path / "uploads") == {"batch-1/report one.txt"}


def test_same_name_twice_is_kept_twice(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
        (d / "r.txt").write_text(d.name)
    staged = stage([a / "r.txt", b / "r.txt"], tmp_path / "up", "b", LIMITS)
    assert [p.name for p in staged.saved] == ["r.txt", "r-2.txt"]


def test_batch_name_cannot_escape(tmp_path: Path) -> None:
    f = tmp_path / "r.txt"
    f.write_text("x")
    staged = stage([f], tmp_path / "up", "../../outside", LIMITS)
    assert staged.folder.resolve().is_relative_to((tmp_path / "up").resolve())
    assert not (tmp_path / "outside").exists()


def _zip(path: Path, entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def test_zip_extracts_supported_entries_inside_the_folder(tmp_path: Path) -> None:
    z = _zip(tmp_path / "reports.zip", {"a/one.txt": b"one", "two.md": b"two", "three.exe": b"MZ"})
    staged = stage([z], tmp_path / "up", "b", LIMITS)
    assert _files_under(tmp_path / "up") == {"b/reports/a/one.txt", "b/reports/two.md"}
    assert any("three.exe" in name for name, _ in staged.refused)


def test_zip_with_parent_or_absolute_entries_is_refused(tmp_path: Path) -> None:
    for i, bad in enumerate(["../evil.txt", "a/../../evil.txt", "/etc/evil.txt", "C:/evil.txt"]):
        z = _zip(tmp_path / f"bad{i}.zip", {"ok.txt": b"ok", bad: b"evil"})
        staged = stage([z], tmp_path / "up", f"b{i}", LIMITS)
        assert staged.saved == [] and "'../' path" in staged.refused[0][1], bad
    assert not list(tmp_path.rglob("evil.txt"))


def test_zip_symlink_entry_is_refused(tmp_path: Path) -> None:
    z = tmp_path / "link.zip"
    with zipfile.ZipFile(z, "w") as zf:
        info = zipfile.ZipInfo("link.txt")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    staged = stage([z], tmp_path / "up", "b", LIMITS)
    assert staged.saved == [] and "symbolic link" in staged.refused[0][1]


def test_zip_bombs_are_refused(tmp_path: Path) -> None:
    ratio = _zip(tmp_path / "ratio.zip", {"zeros.txt": b"0" * 9_000})  # small, but compresses > 50x
    staged = stage([ratio], tmp_path / "up", "b1", LIMITS)
    assert staged.saved == [] and "zip bomb" in staged.refused[0][1]
    total = _zip(tmp_path / "total.zip", {f"f{i}.txt": b"x" * 9_000 for i in range(5)} | {"g.txt": b""},
                 zipfile.ZIP_STORED)
    staged = stage([total], tmp_path / "up", "b2", LIMITS)
    assert staged.saved == [] and "entries" in staged.refused[0][1]
    many = _zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" * 9_000 for i in range(5)}, zipfile.ZIP_STORED)
    tight = UploadLimits(max_file_bytes=10_000, max_zip_entries=10, max_total_bytes=20_000, max_ratio=50)
    staged = stage([many], tmp_path / "up", "b3", tight)
    assert staged.saved == [] and "zip bomb" in staged.refused[0][1]


def test_zip_entry_larger_than_its_header_is_cut(tmp_path: Path) -> None:
    z = _zip(tmp_path / "liar.zip", {"big.txt": b"y" * 30_000}, zipfile.ZIP_STORED)
    # forge the central directory's uncompressed size so only the byte budget can catch it
    data = bytearray(z.read_bytes())
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (100).to_bytes(4, "little")
    z.write_bytes(bytes(data))
    staged = stage([z], tmp_path / "up", "b", LIMITS)
    assert staged.saved == []
    assert not _files_under(tmp_path / "up")


def test_not_a_zip(tmp_path: Path) -> None:
    z = tmp_path / "broken.zip"
    z.write_bytes(b"not a zip")
    staged = stage([z], tmp_path / "up", "b", LIMITS)
    assert staged.saved == [] and "cannot read" in staged.refused[0][1]
