"""Reading a file a user names: a regular file of bounded size, or one line saying why not.

Every loader of user files (scenarios, sweep designs, exercises, snapshots, recorded points,
saved exercises) reads through `read_bytes`, so a folder, a missing path, a device that never
ends (`/dev/zero`), a named pipe that waits forever for a writer, or a file far larger than any
real one is refused before it is read, with the loader's own exception type (`error`) and a
message naming the file (`source`) and what was expected (`what`).
"""

from __future__ import annotations

import codecs
import json
import stat
from pathlib import Path
from typing import Any


def windows_path(text: str) -> str:
    """What to write for a path written the way Windows writes paths (`C:\\data\\r.csv`, `D:/out`,
    `runs\\a`), which names no file here (a backslash is part of a name; `D:` a folder of the working
    folder); '' for any other path."""
    if len(text) > 2 and text[0].isascii() and text[0].isalpha() and text[1] == ":" and text[2] in "\\/":
        return f"a Windows path (drive {text[:2]}); give a path on this machine, folders separated by /"
    return f"folders are separated by / here: {text.replace(chr(92), '/')}" if "\\" in text else ""


def regular_file(path: str | Path, source: str, what: str, max_bytes: int,
                 error: type[Exception] = ValueError) -> int:
    """The size in bytes of `path`, a regular file of at most `max_bytes`; else raises `error`
    naming `source` (no such file, a folder, a device or pipe, too large, unreadable)."""
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        hint = windows_path(str(path))
        raise error(f"{source}: no such file" + (f" ({hint})" if hint else "")) from None
    except OSError as exc:
        raise error(f"{source}: cannot be read ({exc.strerror})") from None
    except ValueError:        # os.stat refuses a NUL character in a name
        raise error(f"{source}: not a file name (it holds a NUL character)") from None
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{source}: is a folder, not {what}")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{source}: is not a regular file (a device or a pipe); give {what}")
    if st.st_size > max_bytes:
        raise error(f"{source}: {st.st_size:,} bytes; {what} is at most {max_bytes:,} bytes")
    return st.st_size


def read_bytes(path: str | Path, source: str, what: str, max_bytes: int,
               error: type[Exception] = ValueError) -> bytes:
    """The bytes of `path`, checked by `regular_file` (and read no further than `max_bytes`, in
    case the file grows while it is read)."""
    regular_file(path, source, what, max_bytes, error)
    try:
        with open(path, "rb") as f:
            raw = f.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{source}: cannot be read ({exc.strerror})") from None
    if len(raw) > max_bytes:
        raise error(f"{source}: more than {max_bytes:,} bytes; {what} is at most that")
    return raw


# binary files a planner may pick by mistake, by their first bytes
_BINARY = ((b"PK\x03\x04", "a ZIP archive (a noodplan snapshot, or a spreadsheet or document: .xlsx, .docx?)"),
           (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Office document (.xls, .doc?)"),
           (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\x1f\x8b", "a gzip archive"),
           (b"\x89HDF\r\n\x1a\n", "a NetCDF/HDF5 file (a run's daily.nc?)"), (b"CDF\x01", "a NetCDF file"),
           (b"CDF\x02", "a NetCDF file"), (b"PAR1", "a Parquet table (a sweep store's?)"))


def decode(raw: bytes, source: str, error: type[Exception] = ValueError) -> str:
    """A user's file's bytes to text: UTF-8, with or without a byte-order mark; anything else (UTF-16
    or UTF-32, NUL bytes, Latin-1) is `error` naming `source`."""
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                      (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if raw.startswith(bom):
            raise error(f"{source}: is {name} text; save it as UTF-8")
    for magic, what in _BINARY:
        if raw.startswith(magic):       # (its NUL bytes would be blamed on UTF-16 without a byte-order mark)
            raise error(f"{source}: is {what}, not a text file")
    raw = raw.removeprefix(codecs.BOM_UTF8)
    if b"\x00" in raw:
        raise error(f"{source}: holds NUL bytes: not a text file (UTF-16 without a byte-order mark?); "
                    f"save it as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{source}: is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start}); "
                    f"save it as UTF-8") from None


class _Twice(ValueError):
    """A key given twice in one JSON object (json.loads would keep the last one silently)."""


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Twice(key)
        out[key] = value
    return out


def parse_json(raw: bytes | str, source: str, what: str, error: type[Exception] = ValueError) -> Any:
    """JSON text (a manifest, a header, an upload) to plain data; anything json.loads would end in a
    traceback on is `error` naming `source`: not UTF-8 (json.loads would also read UTF-16 and UTF-32
    bytes), not JSON, nested too deeply (RecursionError) or a whole number of more than 4,300 digits
    (Python's int() limit: a plain ValueError). A key given twice in one object is refused too: the
    last would win silently, as YAML's would (`docs/input-contract.md`)."""
    text = decode(raw, source, error) if isinstance(raw, bytes | bytearray) else raw
    try:
        return json.loads(text, object_pairs_hook=_once)
    except json.JSONDecodeError as exc:
        raise error(f"{source}: not {what} ({str(exc).splitlines()[0]})") from None
    except _Twice as exc:
        raise error(f"{source}: not {what} (the key {exc.args[0]!r} is given twice in one object)") from None
    except RecursionError:
        raise error(f"{source}: nested too deeply to be {what}") from None
    except ValueError as exc:      # int() of too many digits
        raise error(f"{source}: not {what} ({str(exc).split(';')[0]})") from None
