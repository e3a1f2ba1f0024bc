"""The base of every params model: unknown keys forbidden, values frozen."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _At(ValueError):
    """A model validator's error with the location it is about (pydantic reports
    a model validator's error at the model itself, e.g. "(top level)")."""

    def __init__(self, loc: tuple, msg: str):
        super().__init__(msg)
        self.loc = loc
        self.msg = msg


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
