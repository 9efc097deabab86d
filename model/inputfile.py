"""Reading a file a user names: a regular file of bounded size, or one line saying why not.

Every loader of user files (scenarios, sweep designs, exercises, snapshots, recorded points,
saved exercises) reads through `read_bytes`, so a folder, a missing path, a device that never
ends (`/dev/zero`), a named pipe that waits forever for a writer, or a file far larger than any
real one is refused before it is read, with the loader's own exception type (`error`) and a
message naming the file (`source`) and what was expected (`what`).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any


def regular_file(path: str | Path, source: str, what: str, max_bytes: int,
                 error: type[Exception] = ValueError) -> int:
    """The size in bytes of `path`, a regular file of at most `max_bytes`; else raises `error`
    naming `source` (no such file, a folder, a device or pipe, too large, unreadable)."""
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        raise error(f"{source}: no such file") from None
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


def parse_json(raw: bytes | str, source: str, what: str, error: type[Exception] = ValueError) -> Any:
    """JSON text (a manifest, a header, an upload) to plain data; anything json.loads would end in a
    traceback on is `error` naming `source`: not UTF-8, not JSON, nested too deeply (RecursionError)
    or a whole number of more than 4,300 digits (Python's int() limit: a plain ValueError)."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(f"{source}: not {what} ({str(exc).splitlines()[0]})") from None
    except RecursionError:
        raise error(f"{source}: nested too deeply to be {what}") from None
    except ValueError as exc:      # int() of too many digits
        raise error(f"{source}: not {what} ({str(exc).split(';')[0]})") from None
