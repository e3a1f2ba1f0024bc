"""Exception types that carry the facts a user needs to fix a problem."""
from __future__ import annotations


class SosrapError(Exception):
    """Base class: the message is shown to the user as is (no traceback)."""


class ParamsError(SosrapError):
    """An edition's params file is invalid; the message names file and key."""


class SnapshotError(SosrapError):
    """A data snapshot is missing, incomplete or does not match its manifest."""


class FetchError(SosrapError):
    """Fetching from a data source failed for good (after any retries).

    The message names the URL and what was being fetched (indicator, table),
    so the person re-running `sosrap fetch` knows where it broke."""

    def __init__(self, message: str, *, url: str | None = None, what: str | None = None,
                 status: int | None = None):
        self.url = url
        self.what = what
        self.status = status
        super().__init__(message)


class StageError(SosrapError):
    """A stage notebook failed; carries stage, cell and exception details."""

    def __init__(self, stage: str, notebook: str, message: str, *, cell: int | None = None,
                 ename: str | None = None, evalue: str | None = None, executed: str | None = None):
        self.stage = stage
        self.notebook = notebook
        self.cell = cell
        self.ename = ename
        self.evalue = evalue
        self.executed = executed
        super().__init__(message)
