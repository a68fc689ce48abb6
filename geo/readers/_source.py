"""Input sources: files, folders and zip members, opened as UTF-8 byte streams.

* Folders are searched recursively; zips yield their CSV members (data.police.uk downloads: only
  the ``*-street.csv`` ones).  Two members with the same name are both read, labelled
  ``file.zip!name.csv`` and ``file.zip!name.csv#2``.
* A stream is UTF-8 after opening: a UTF-8 byte-order mark is dropped, UTF-16 (with a BOM, or
  recognisable by its zero bytes) is transcoded.  Binary junk is refused as a whole file.
* A file whose first line ends in a bare carriage return (old Mac line ends) has every line end,
  CR LF or a lone CR, read as LF.
* A corrupt zip member (bad CRC, broken deflate data) is one clear :class:`FileFormatError`.
"""

from __future__ import annotations

import codecs
import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from geo.readers._common import FileFormatError

INPUT_SUFFIXES = (".csv", ".zip")


class ByteStream(Protocol):
    """What the readers need of an open input: ``read(n)`` bytes until empty, and ``close()``."""

    def read(self, n: int = -1, /) -> bytes:
        """Up to ``n`` bytes (all that is left when ``n`` is -1); empty at the end."""
        ...

    def close(self) -> None:
        """Release the file (and the zip it belongs to)."""
        ...


@dataclass(frozen=True)
class Source:
    """One input: a file, or a member of a zip file."""

    path: Path
    member: zipfile.ZipInfo | None = None
    label: str = ""

    @property
    def name(self) -> str:
        """The file name (the member's, for a zip member)."""
        return Path(self.member.filename).name if self.member else self.path.name

    @property
    def size(self) -> int:
        """Uncompressed size in bytes."""
        return self.member.file_size if self.member else self.path.stat().st_size


def _zip_members(p: Path, max_members: int | None) -> list[Source]:
    try:
        with zipfile.ZipFile(p) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir() and i.filename.lower().endswith(".csv")]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FileFormatError(f"{p.name}: not a readable zip file ({exc})") from None
    # A data.police.uk download also holds outcomes and stop-and-search files: not incidents.
    street = [i for i in infos if "-street" in Path(i.filename).name.lower()]
    chosen = sorted(street or infos, key=lambda i: i.filename)
    if not chosen:
        raise FileFormatError(f"{p.name}: the zip holds no CSV files")
    if max_members is not None and len(chosen) > max_members:
        raise FileFormatError(
            f"{p.name}: the zip holds {len(chosen):,} CSV files, more than the limit of {max_members:,}"
        )
    seen: dict[str, int] = {}
    out = []
    for info in chosen:
        seen[info.filename] = seen.get(info.filename, 0) + 1
        label = f"{p.name}!{info.filename}" + (f"#{seen[info.filename]}" if seen[info.filename] > 1 else "")
        out.append(Source(p, info, label))
    return out


def expand_sources(paths: list, vector_suffixes: tuple[str, ...], max_members: int | None = None) -> list[Source]:
    """Expand folders and zips into :class:`Source` objects, in a stable order.

    Raises
    ------
    FileNotFoundError
        Naming the first path that does not exist.
    FileFormatError
        For an unreadable zip, or a folder or zip without input files.
    """
    out: list[Source] = []
    for p in map(Path, paths):
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file or folder")
        if p.is_dir():
            files = sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in {*INPUT_SUFFIXES, *vector_suffixes}
            )
            if not files:
                raise FileFormatError(f"{p}: the folder holds no CSV, zip or vector files")
            out += expand_sources(files, vector_suffixes, max_members)
        elif p.suffix.lower() == ".zip":
            out += _zip_members(p, max_members)
        else:
            out.append(Source(p, None, p.name))
    return out


class _Guarded(io.RawIOBase):
    """A zip member stream whose decompression errors become one clear FileFormatError."""

    def __init__(self, zf: zipfile.ZipFile, inner: ByteStream, label: str) -> None:
        self.zf, self.inner, self.label = zf, inner, label

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        try:
            return self.inner.read(n)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise FileFormatError(f"{self.label}: the zip member is corrupt and cannot be read ({exc})") from None

    def close(self) -> None:
        self.inner.close()
        self.zf.close()
        super().close()


class _Utf16ToUtf8(io.RawIOBase):
    """Transcode a UTF-16 byte stream to UTF-8, incrementally."""

    def __init__(self, inner: ByteStream, encoding: str, head: bytes) -> None:
        self.inner = inner
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.head = head

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.head + self.inner.read(n)
        self.head = b""
        return self.decoder.decode(data, final=not data).encode("utf-8")

    def close(self) -> None:
        self.inner.close()
        super().close()


def _open_raw(src: Source) -> ByteStream:
    if src.member is None:
        try:
            return open(src.path, "rb")  # noqa: SIM115 - closed by the caller
        except OSError as exc:
            raise FileFormatError(f"{src.label}: cannot be read ({exc.strerror})") from None
    zf = zipfile.ZipFile(src.path)
    try:
        return _Guarded(zf, zf.open(src.member), src.label)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as exc:
        zf.close()
        raise FileFormatError(f"{src.label}: the zip member cannot be opened ({exc})") from None


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when half the bytes are zeros in alternate positions."""
    even, odd = head[0::2], head[1::2]
    if len(head) < 8:
        return None
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def open_utf8(src: Source) -> tuple[ByteStream, str | None]:
    """Open a source as a UTF-8 byte stream; returns (stream, note about the encoding or None).

    Raises
    ------
    FileFormatError
        For an empty file or binary content.
    """
    raw = _open_raw(src)
    head = raw.read(4096)
    if not head.strip():
        raw.close()
        raise FileFormatError(f"{src.label}: the file is empty")
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return _Utf16ToUtf8(raw, enc, head[2:]), f"{src.label}: read as UTF-16"
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    if b"\x00" in head:
        guessed = _utf16_without_bom(head)
        if guessed:
            return _Utf16ToUtf8(raw, guessed, head), f"{src.label}: read as UTF-16 (no byte-order mark)"
        raw.close()
        raise FileFormatError(f"{src.label}: this is not a text CSV file (binary content)")
    control = sum(head.count(bytes([c])) for c in (*range(1, 9), 11, 12, *range(14, 27), *range(28, 32)))
    if control > max(4, len(head) // 100):
        raw.close()
        raise FileFormatError(f"{src.label}: this is not a text CSV file (undecodable content)")
    if _bare_cr_line_ends(head):
        note = f"{src.label}: the lines end in bare carriage returns (old Mac format): read as line ends"
        return _BareCrToLf(_Prefixed(raw, head)), note
    return _Prefixed(raw, head), None


def _bare_cr_line_ends(head: bytes) -> bool:
    """Whether the first line ends in a carriage return alone (old Mac files), not in LF or CR LF."""
    cr, lf = head.find(b"\r"), head.find(b"\n")
    return 0 <= cr < len(head) - 1 and (lf < 0 or cr < lf) and head[cr + 1] != 10


class _BareCrToLf(io.RawIOBase):
    """Turn every line end (CR LF or a lone CR) into LF, so old Mac files read line by line."""

    def __init__(self, inner: ByteStream) -> None:
        self.inner = inner
        self.held = b""  # a \r at the end of one read may be the first half of a \r\n

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        while True:
            more = self.inner.read(n)
            data, self.held = self.held + more, b""
            if more and data.endswith(b"\r"):
                data, self.held = data[:-1], b"\r"
            if data or not more:
                return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    def close(self) -> None:
        self.inner.close()
        super().close()


class _Prefixed(io.RawIOBase):
    """A stream with bytes already read put back in front."""

    def __init__(self, inner: ByteStream, head: bytes) -> None:
        self.inner, self.head = inner, head

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.head:
            out, self.head = self.head, b""
            return out + (self.inner.read(max(0, n - len(out))) if n and n > len(out) else b"")
        return self.inner.read(n)

    def close(self) -> None:
        self.inner.close()
        super().close()
