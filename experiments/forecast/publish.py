"""Writing a folder of outputs whole or not at all.

`atomic_folder(target)` gives a temporary folder beside `target`; when the block ends without an
error it replaces `target` in one rename (an older `target` is moved aside first and removed
after), and on an error it is removed and `target` is left as it was. (The hardening work brings
`experiments/outputs.py` for this; swap this one function for it when it lands.)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_folder(target: str | Path) -> Iterator[Path]:
    """A temporary folder that becomes `target` when the block succeeds (see the module text)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)             # mkdtemp makes it private; the result is an ordinary folder
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
