"""Channel hygiene: what may leave the private area about private inputs.

- A digest of a private input is a keyed HMAC-SHA256 whose key stays in
  ``data/private/`` (created on first use, mode 0600): a release can tell
  changed data from changed code (``sosrap verify``), yet nobody can test a
  guess of the content against it (a plain sha256 of a short names file was
  recovered in 9 guesses).
- Private outputs (ingested Parquet, rejects) are written only under
  ``data/private/``.
- Error messages show a redacted form of an input value, never the value.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sosrap.errors import SosrapError

PRIVATE_DIR = Path("data") / "private"
KEY_FILE = PRIVATE_DIR / ".hmac-key"


def _key(root: Path) -> bytes:
    path = root / KEY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    return path.read_bytes()


def private_digest(path: Path, root: Path) -> str:
    """``hmac-sha256:<hex>`` of a private file, keyed with the project's private key."""
    mac = hmac.new(_key(root), digestmod=hashlib.sha256)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            mac.update(block)
    return "hmac-sha256:" + mac.hexdigest()


def require_private(path: Path, root: Path, what: str = "output") -> Path:
    """*path* if it is inside ``data/private/`` of the project *root*, else an error."""
    private = (root / PRIVATE_DIR).resolve()
    resolved = (path if path.is_absolute() else root / path).resolve()
    if resolved != private and private not in resolved.parents:
        raise SosrapError(f"the {what} holds client data and is written only under {PRIVATE_DIR}/ "
                          f"(git-ignored); choose a folder there")
    return resolved


def redacted(value: object) -> str:
    """A redacted form of an input value for messages: its length and the
    kinds of characters, never the characters (``<12 chars: letters, digits>``)."""
    s = "" if value is None else str(value)
    kinds = [k for k, test in (("letters", str.isalpha), ("digits", str.isdigit), ("spaces", str.isspace))
             if any(test(c) for c in s)]
    if any(not (c.isalnum() or c.isspace()) for c in s):
        kinds.append("punctuation")
    return f"<{len(s)} chars: {', '.join(kinds) or 'empty'}>"
