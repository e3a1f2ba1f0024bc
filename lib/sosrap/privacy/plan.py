"""One disclosure-control plan per edition.

Every number a report publishes about small groups of people is a *cell* of
one plan: the cells and margins of each count table, the totals written in
the text ("151 ilmiöraporttia", "Kyselyyn vastasi 420"), and *latent*
quantities that are never published but are tied to what is (reports per
year, reports in more than one category). *Relations* are what an attacker
knows about them: margins, cells two tables share (`link`), and bounds such
as "a year's category total is at least its number of reports".

`solve` hides cells: small counts (primary), then complementary cells table
by table, cells linked to a hidden cell, and — as long as the exact attack of
`sosrap.privacy.attack` can still narrow a hidden cell, primary or
complementary, to less than the protection interval — further rectangles
through that cell. A complementary cell that hiding cannot help (the attack
pins it, or the text figures alone narrow it) is published instead, and as a
last resort the text figures that narrow a cell are hidden. `prove` runs the
attack once more over every hidden cell and fails naming the cells (piece,
row and column labels, never values). Hand-written on top of scipy for the reason given in
`sosrap.privacy.suppression`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import numpy as np
import pandas as pd

from sosrap.errors import SosrapError
from sosrap.privacy.attack import Relation, feasible_ranges
from sosrap.privacy.suppression import (DEFAULT_MARKER, TOTAL_LABEL, SuppressedTable, complete, counts_table,
                                        suppression_note, widen)

TEXT, LATENT = "@text", "@latent"
Key = tuple[str, Hashable, Hashable]


class DisclosureError(SosrapError):
    """A hidden cell can be worked out (to less than the protection interval) from what is published."""


@dataclass
class _Table:
    counts: pd.DataFrame
    primary: np.ndarray
    hidden: np.ndarray
    margins: bool
    series: bool


@dataclass(frozen=True)
class Exposure:
    """A hidden cell the attack narrows to [lo, hi], too narrow. `where` names it; the range is not for printing."""
    key: Key
    where: str
    lo: float
    hi: float


class Plan:
    """Cells, relations and suppression of every published count of a report."""

    def __init__(self, min_count: int, *, marker: str = DEFAULT_MARKER, protection: int | None = None):
        self.min_count = min_count
        self.marker = marker
        self.protection = protection if protection is not None else min_count
        self.tables: dict[str, _Table] = {}
        self.texts: dict[str, int] = {}
        self.latent: dict[str, int] = {}
        self.hidden_texts: set[str] = set()
        self.relations: list[Relation] = []
        self.links: list[tuple[Key, ...]] = []
        self._published: set[Key] = set()       # complementary cells published by `_settle_complements`

    # ---------------------------------------------------------------- building
    def add_table(self, name: str, table: pd.DataFrame | pd.Series, *, margins: bool = True,
                  hidden: np.ndarray | None = None) -> None:
        """A published count table (without margins; they are added when *margins*).
        *hidden* fixes which cells are hidden (to attack a table published elsewhere);
        by default `solve` decides."""
        full = counts_table(table, margins)
        vals = full.to_numpy()
        primary = (vals > 0) & (vals < self.min_count)
        self.tables[name] = _Table(full, primary, primary.copy() if hidden is None else hidden.copy(), margins,
                                   isinstance(table, pd.Series))
        if not margins:
            return
        R, C = vals.shape
        for i in range(R):
            self.relate({**{(name, i, j): 1.0 for j in range(C - 1)}, (name, i, C - 1): -1.0}, 0, 0)
        for j in range(C):
            self.relate({**{(name, i, j): 1.0 for i in range(R - 1)}, (name, R - 1, j): -1.0}, 0, 0)

    def add_suppressed(self, name: str, st: SuppressedTable) -> None:
        """A table already suppressed elsewhere, hidden cells as published."""
        body = st.counts.iloc[:-1, :-1] if st.margins else st.counts
        self.add_table(name, body, margins=st.margins, hidden=st.hidden.to_numpy())

    def cell(self, table: str, row: str, col: str) -> Key:
        """The key of a table cell by its labels."""
        t = self.tables[table].counts
        return (table, t.index.get_loc(row), t.columns.get_loc(col))

    def add_text(self, name: str, value: int, *, same_as: Key | None = None, hidden: bool = False) -> Key:
        """A count written in the report's text (or a figure's caption)."""
        self.texts[name] = int(value)
        if hidden:
            self.hidden_texts.add(name)
        key = (TEXT, name, "")
        if same_as is not None:
            self.link(key, same_as)
        return key

    def add_latent(self, name: str, value: int) -> Key:
        """A quantity never published but tied to published ones by relations."""
        self.latent[name] = int(value)
        return (LATENT, name, "")

    def relate(self, coefs: dict[Key, float], lo: float = -np.inf, hi: float = np.inf) -> None:
        self.relations.append(Relation(dict(coefs), lo, hi))

    def link(self, *keys: Key) -> None:
        """Cells that are the same number: one relation each, and hidden together."""
        for k in keys[1:]:
            self.relate({keys[0]: 1.0, k: -1.0}, 0, 0)
        self.links.append(tuple(keys))

    # ---------------------------------------------------------------- state
    def value(self, key: Key) -> int:
        kind, a, b = key
        if kind == TEXT:
            return self.texts[a]
        if kind == LATENT:
            return self.latent[a]
        return int(self.tables[kind].counts.iat[a, b])

    def is_hidden(self, key: Key) -> bool:
        kind, a, b = key
        if kind == TEXT:
            return a in self.hidden_texts
        if kind == LATENT:
            return True
        return bool(self.tables[kind].hidden[a, b])

    def _hide(self, key: Key) -> bool:
        if self.is_hidden(key) or key in self._published:
            return False
        kind, a, b = key
        if kind == TEXT:
            self.hidden_texts.add(a)
        else:
            self.tables[kind].hidden[a, b] = True
        return True

    def where(self, key: Key) -> str:
        """The cell's name for people: piece, row and column labels (never its value)."""
        kind, a, b = key
        if kind in (TEXT, LATENT):
            return f"text figure {a!r}" if kind == TEXT else f"latent {a!r}"
        t = self.tables[kind].counts
        return f"table {kind!r}, row {t.index[a]!s}, column {t.columns[b]!s}"

    def keys(self) -> list[Key]:
        out: list[Key] = [(TEXT, n, "") for n in self.texts] + [(LATENT, n, "") for n in self.latent]
        for name, t in self.tables.items():
            R, C = t.counts.shape
            out += [(name, i, j) for i in range(R) for j in range(C)]
        return out

    # ---------------------------------------------------------------- suppression
    def solve(self, max_rounds: int = 60) -> "Plan":
        """Hide cells until the attack finds nothing (or *max_rounds* pass; `prove` then fails):
        each round publishes the complementary cells hiding cannot help, or hides more table cells
        around the exposed ones, or, when no table cell is left to hide, the text figures that
        narrow them."""
        for name, v in self.texts.items():
            if 0 < v < self.min_count:
                self.hidden_texts.add(name)
        for _ in range(max_rounds):
            self._close()
            bad = self.exposures()
            if not bad or not (self._settle_complements(bad) or self._widen(bad)
                               or self._hide_texts_near({e.key for e in bad})):
                break
        return self

    def _settle_complements(self, bad: list[Exposure]) -> bool:
        """Exposed complementary cells that widening cannot help. One the attack pins to a single
        value is published: that is lossless (fixing a cell at the only value it can take leaves
        every other range as it was). One the text figures alone narrow (still too narrow with
        every table cell hidden) is published too, unless that exposes a small count it did not:
        then the text figures it shares a relation with are hidden instead."""
        comp = [e.key for e in bad if not self.is_primary(e.key)]
        pinned = {e.key for e in bad if e.key in comp and e.lo == e.hi}
        if pinned:
            return bool(self._publish(pinned))
        bound = self._bound_by_text(comp) if comp else set()
        done = self._publish(bound) if bound else set()
        if not done:
            return False
        before = {e.key for e in bad if self.is_primary(e.key)}
        if {e.key for e in self.exposures() if self.is_primary(e.key)} <= before:
            return True
        self._unpublish(done)
        return self._hide_texts_near(done)

    def _bound_by_text(self, keys: list[Key]) -> set[Key]:
        """Of *keys*, those whose range is narrower than the protection interval even with every
        table cell hidden: the text figures alone narrow them."""
        every = self.keys()
        values = {k: self.value(k) for k in every}
        unknown = [k for k in every if k[0] != TEXT or self.is_hidden(k)]
        ranges = feasible_ranges(values, unknown, self.relations, keys, upper=self._upper(values),
                                 need=self.protection)
        return {k for k, (lo, hi) in ranges.items() if hi - lo < self.protection}

    def _publish(self, keys: set[Key]) -> set[Key]:
        """Publish *keys* (a link group only as a whole); a published cell stays published."""
        keys = set(keys)
        for group in self.links:
            if keys & set(group) and any(self.is_hidden(k) and k not in keys for k in group):
                keys -= set(group)
        for kind, a, b in keys:
            if kind == TEXT:
                self.hidden_texts.discard(a)
            else:
                self.tables[kind].hidden[a, b] = False
        self._published |= keys
        return keys

    def _unpublish(self, keys: set[Key]) -> None:
        self._published -= keys
        for key in keys:
            self._hide(key)

    def _hide_texts_near(self, keys: set[Key]) -> bool:
        """Hide the published text figures that share a relation with any of *keys*, directly or
        through latent quantities ("151 ilmiöraporttia" bounds a year's total through the latent
        reports of that year): the last resort when no table cell is left to hide."""
        seen, todo, texts = set(keys), list(keys), set()
        while todo:
            key = todo.pop()
            for r in self.relations:
                if key not in r.coefs:
                    continue
                for k in r.coefs:
                    if k[0] == LATENT and k not in seen:
                        seen.add(k)
                        todo.append(k)
                    elif k[0] == TEXT and not self.is_hidden(k) and k not in self._published:
                        texts.add(k)
        return any([self._hide(k) for k in sorted(texts, key=str)])

    def _fixed(self, table: str) -> np.ndarray:
        """The cells of *table* that `_settle_complements` published: suppression must not hide them again."""
        out = np.zeros(self.tables[table].counts.shape, dtype=bool)
        for kind, a, b in self._published:
            if kind == table:
                out[a, b] = True
        return out

    def _close(self) -> None:
        """Linked cells share their status; each table's margins reveal no hidden cell."""
        changed = True
        while changed:
            changed = False
            for group in self.links:
                if any(self.is_hidden(k) for k in group):
                    for k in group:
                        changed |= self._hide(k)
            for name, t in self.tables.items():
                if t.margins:
                    new = complete(t.counts.to_numpy(), t.hidden, self.min_count, self._fixed(name))
                    if (new != t.hidden).any():
                        t.hidden, changed = new, True

    def _widen(self, bad: list[Exposure]) -> bool:
        """Hide more around the first exposed cell of each table (and each exposed text figure)."""
        done: set[str] = set()
        progressed = False
        for e in bad:
            kind, a, b = e.key
            if kind in self.tables and kind not in done and self.tables[kind].margins:
                t = self.tables[kind]
                new = widen(t.counts.to_numpy(), t.hidden, a, b, self.min_count, self._fixed(kind))
                progressed |= bool((new != t.hidden).any())
                t.hidden = new
                done.add(kind)
            elif kind == TEXT or kind in self.tables:
                progressed |= self._hide_related(e.key)
        return progressed

    def _hide_related(self, key: Key) -> bool:
        """Hide the largest published table cell that shares a relation with *key*."""
        near = {k for r in self.relations if key in r.coefs for k in r.coefs
                if k[0] in self.tables and not self.is_hidden(k) and k not in self._published}
        if not near:
            return False
        return self._hide(max(sorted(near, key=str), key=self.value))

    # ---------------------------------------------------------------- the attack
    def is_primary(self, key: Key) -> bool:
        kind, a, b = key
        if kind == LATENT:
            return False
        if kind == TEXT:
            return 0 < self.texts[a] < self.min_count
        return bool(self.tables[kind].primary[a, b])

    def is_suppressed(self, key: Key) -> bool:
        """A published cell (table cell or text figure) that the plan hides, primary or complementary.
        Latent quantities are unknowns too, but never published, so nothing is suppressed there."""
        return key[0] != LATENT and self.is_hidden(key)

    def _upper(self, values: dict) -> float:
        """The attack's bound on every unknown: well above anything the plan publishes."""
        return 2 * max([abs(v) for v in values.values()] + [self.protection]) + 10

    def exposures(self) -> list[Exposure]:
        """Suppressed cells whose feasible range is narrower than the protection interval: every
        hidden table cell and text figure, primary (small counts) and complementary alike. A
        complementary cell worked out exactly is a published number in all but name, and it
        narrows the primary cells it was hidden to protect."""
        keys = self.keys()
        values = {k: self.value(k) for k in keys}
        unknown = [k for k in keys if self.is_hidden(k)]
        targets = [k for k in unknown if self.is_suppressed(k)]
        ranges = feasible_ranges(values, unknown, self.relations, targets, upper=self._upper(values),
                                 need=self.protection)
        return [Exposure(k, self.where(k), lo, hi) for k, (lo, hi) in ranges.items() if hi - lo < self.protection]

    def prove(self) -> None:
        """Fail unless every hidden cell's feasible range is at least the protection interval."""
        bad = self.exposures()
        if bad:
            names = "; ".join(e.where for e in bad[:12]) + (f"; … {len(bad) - 12} more" if len(bad) > 12 else "")
            raise DisclosureError(
                f"disclosure control: {len(bad)} hidden cell(s) can be worked out to a range narrower than "
                f"{self.protection} from what the report publishes: {names}. Merge small categories or "
                "publish fewer cross-tabulations.")

    # ---------------------------------------------------------------- results
    def table(self, name: str) -> SuppressedTable:
        t = self.tables[name]
        idx, cols = t.counts.index, t.counts.columns
        return SuppressedTable(t.counts, pd.DataFrame(t.primary, index=idx, columns=cols),
                               pd.DataFrame(t.hidden & ~t.primary, index=idx, columns=cols),
                               self.min_count, self.marker, t.margins, t.series)

    def text_hidden(self, name: str) -> bool:
        return name in self.hidden_texts

    def hidden_count(self) -> int:
        return int(sum(t.hidden.sum() for t in self.tables.values()) + len(self.hidden_texts))

    def note(self, lang: str | None = None) -> str:
        return suppression_note(self.min_count, self.marker, lang)

    def log(self) -> dict:
        """Counts only: cells, hidden by which rule, the protection interval, the attack's verdict."""
        return {"tables": {n: self.table(n).log() for n in self.tables},
                "text_figures": len(self.texts), "text_hidden": len(self.hidden_texts),
                "relations": len(self.relations), "protection_interval": self.protection}


def text_or_marker(plan: Plan, name: str, shown: str) -> str:
    """*shown* for a published text figure, the marker for a hidden one."""
    return plan.marker if plan.text_hidden(name) else shown


__all__ = ["Plan", "DisclosureError", "Exposure", "TEXT", "LATENT", "text_or_marker", "TOTAL_LABEL"]
