"""What a stage notebook needs at run time, in one call.

A notebook's `parameters` cell holds `edition`, `run_dir`, `params` and
`inputs`. The runner injects all four; opened by hand in JupyterLab they keep
their defaults and `context()` fills them in from `params/<edition>.yaml` and
`build/<edition>/`, so the notebook runs as-is. A hand run writes its results
to `build/<edition>/scratch/<stage>/`, never into the artifacts a report is
built from (only the runner writes those), and reads an upstream stage's
results from its own hand run when there is one, else from the build::

    ctx = sosrap.stage.context("trends", edition=edition, run_dir=run_dir,
                               params=params, inputs=inputs)
    table = ctx.load_table("indicators", "indicators")

Figures, tables and paragraphs that depend on the edition's indicator list are
recorded with `save_figure`, `save_report_table` and `report_text` (and still
shown in the notebook, the audit trail); the build writes them into the
generated `_indicators.qmd` (`sosrap.report.blocks`).

A stage that declares `language` writes in it (`sosrap.report.wording`): its key
figures, sentences, captions and table headings.

The notebook sees only the params keys its stage declares in
notebooks/stages.yaml: reading another key is an error that says so, because
an undeclared read would make the runner's skip decision wrong.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sosrap import params as _params, timing
from sosrap.errors import SosrapError
from sosrap.paths import KEYFIGURES, deep_merge, default_build_dir, project_root
from sosrap.sources.snapshot import Snapshot
from sosrap.pipeline.graph import load_stages
from sosrap.report import blocks as _blocks, wording as _wording



class ParamsView:
    """Read-only attribute access to the declared params (nested dicts become views)."""

    def __init__(self, data: dict, stage: str, prefix: str = ""):
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "_stage", stage)
        object.__setattr__(self, "_prefix", prefix)

    def _wrap(self, key: str, v: Any) -> Any:
        if isinstance(v, dict):
            return ParamsView(v, self._stage, f"{self._prefix}{key}.")
        if isinstance(v, list):
            return [ParamsView(x, self._stage, f"{self._prefix}{key}[].") if isinstance(x, dict) else x for x in v]
        return v

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        if key not in self._data:
            if not self._prefix:
                raise SosrapError(f"stage {self._stage!r} reads params key {key!r} but does not declare it: "
                                  f"add it to `params:` of stage {self._stage} in notebooks/stages.yaml")
            raise AttributeError(f"params {self._prefix}{key} is not set")
        return self._wrap(key, self._data[key])

    __getitem__ = __getattr__

    def get(self, key: str, default: Any = None) -> Any:
        return self._wrap(key, self._data[key]) if key in self._data else default

    def to_dict(self) -> dict:
        return json.loads(json.dumps(self._data))

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("params are read-only in a stage")

    def __repr__(self) -> str:
        return f"ParamsView({self._data!r})"


@dataclass
class StageContext:
    name: str
    edition: str
    params: ParamsView
    run_dir: Path
    inputs: dict[str, Path]
    root: Path
    _snapshot: Snapshot | None = field(default=None, repr=False)
    _blocks: dict[str, dict] = field(default_factory=dict, repr=False)

    def snapshot(self) -> Snapshot:
        """The edition's data snapshot (read-only)."""
        if self._snapshot is None:
            rel = self.params.snapshot
            self._snapshot = Snapshot.open(self.root / rel)
        return self._snapshot

    def save_table(self, df: pd.DataFrame, name: str, *, csv: bool = True) -> Path:
        """Write a result table as Parquet (typed, for later stages) and CSV (for people)."""
        path = self.run_dir / f"{name}.parquet"
        _parquet()
        with timing.phase("write"):
            df.to_parquet(path, index=False)
            if csv:
                df.to_csv(self.run_dir / f"{name}.csv", index=False, lineterminator="\n")
        return path

    def _input(self, stage: str, name: str) -> Path:
        """The file *name* an upstream stage this stage `needs` wrote."""
        if stage not in self.inputs:
            raise SosrapError(f"stage {self.name!r} reads from stage {stage!r} but does not list it in "
                              f"`needs:` in notebooks/stages.yaml")
        path = self.inputs[stage] / name
        if not path.is_file():
            raise SosrapError(f"{path} does not exist: run stage {stage!r} first "
                              f"(`sosrap build {self.edition}` runs everything in order)")
        return path

    def load_table(self, stage: str, name: str) -> pd.DataFrame:
        """A table written by an upstream stage this stage `needs`."""
        _parquet()
        return pd.read_parquet(self._input(stage, f"{name}.parquet"))

    def load_key_figures(self, stage: str) -> dict:
        """The key figures an upstream stage this stage `needs` wrote (`save_key_figures`), as
        saved: a later stage reuses them instead of computing them again."""
        return json.loads(self._input(stage, KEYFIGURES).read_text(encoding="utf-8"))

    def save_key_figures(self, figures: dict) -> Path:
        """Merge *figures* (nested dict of strings) into this stage's key figures.
        The build writes them all to the report's `_variables.yml` for `{{< var >}}`."""
        path = self.run_dir / KEYFIGURES
        with timing.phase("write"):
            current = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
            current = deep_merge(current, figures)
            path.write_text(json.dumps(current, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                            encoding="utf-8")
        return path

    # ------------------------------------------------------------------ report blocks

    def _record(self, block: dict) -> None:
        """Add (or, re-run by hand, replace) one block and rewrite the stage's block file."""
        self._blocks[block["id"]] = block
        path = self.run_dir / _blocks.BLOCKS
        with timing.phase("write"):
            path.write_text(json.dumps(list(self._blocks.values()), ensure_ascii=False, indent=1) + "\n",
                            encoding="utf-8")

    def report_text(self, section: str, title: str, order: int, text: str, *, id: str, note: bool = False) -> None:
        """A paragraph (or, *note*, a visible note) of the generated section *section*."""
        if text.strip():
            self._record({"id": id, "kind": "note" if note else "text", "section": section, "title": title,
                          "order": order, "text": text})

    def save_figure(self, fig, *, section: str, title: str, order: int, label: str, caption: str,
                    alt: str) -> Path:
        """Write *fig* as PNG with its label, caption and alt text for the report, and show it
        here (the same PNG: a figure is rendered once)."""
        from sosrap.report import theme
        path = self.run_dir / "figures" / f"{label}.png"
        with timing.phase("write"):
            path.parent.mkdir(parents=True, exist_ok=True)
            png = theme.png_bytes(fig)
            path.write_bytes(png)
            # the plotted data beside the PNG: the report offers it as the figure's CSV download
            data = theme.figure_data_csv(fig)
            path.with_suffix(".csv").write_text(data, encoding="utf-8")
            self._record({"id": label, "kind": "fig", "section": section, "title": title, "order": order,
                          "label": label, "caption": caption, "alt": alt, "file": f"figures/{label}.png",
                          "data": f"figures/{label}.csv"})
            theme.show(fig, alt, png=png, data=data)
        return path

    def save_report_table(self, df: pd.DataFrame, *, section: str, title: str, order: int, label: str,
                          caption: str) -> None:
        """Record *df* (formatted strings) as a captioned report table, and show it here."""
        with timing.phase("write"):
            self._report_table(df, section=section, title=title, order=order, label=label, caption=caption)

    def _report_table(self, df: pd.DataFrame, *, section: str, title: str, order: int, label: str,
                      caption: str) -> None:
        from sosrap.report import html_table
        cols = [str(c) for c in df.columns]
        rows = [[html_table.NA if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in r]
                for r in df.itertuples(index=False, name=None)]
        aligns = [html_table.column_alignment(df.iloc[:, i]) for i in range(len(cols))]
        self._record({"id": label, "kind": "tbl", "section": section, "title": title, "order": order,
                      "label": label, "caption": caption, "columns": cols, "rows": rows, "aligns": aligns})
        html_table.show(df)


def _parquet() -> None:
    """pandas reads and writes Parquet with these, and imports them on first use: imported here by
    name, so that a build's kernel fork server finds them in the stage's imports and imports them
    once, before it forks the stage's kernel (`sosrap.pipeline.imports.stage_modules`)."""
    import pyarrow.dataset  # noqa: F401
    import pyarrow.parquet  # noqa: F401


def scratch_dir(edition: str, stage: str, root: Path | None = None) -> Path:
    """Where a stage notebook run by hand (JupyterLab) writes: `build/<edition>/scratch/<stage>/`."""
    return default_build_dir(edition, root) / "scratch" / stage


def _hand_input(edition: str, need: str, root: Path) -> Path:
    """What a hand run reads of an upstream stage: your own hand run of it when
    there is one (you are iterating on it), else the build's results."""
    scratch = scratch_dir(edition, need, root)
    return scratch if scratch.is_dir() and any(scratch.iterdir()) else default_build_dir(edition, root) / "artifacts" / need


def context(stage: str, *, edition: str = "demo", run_dir: str | Path = "", params: dict | None = None,
            inputs: dict | None = None) -> StageContext:
    """Build the stage's context from injected parameters, or from defaults when run by hand."""
    timing.begin(stage)     # the notebook's imports are done (a no-op unless a benchmark asks: sosrap.timing)
    root = project_root()
    stages = load_stages(root)
    if stage not in stages:
        raise SosrapError(f"unknown stage {stage!r}; stages: {', '.join(stages)}")
    spec = stages[stage]
    if not params:
        from sosrap.pipeline.editions import for_area      # the area's names, as a build resolves them
        full = for_area(_params.load(edition, root), None, root).resolved()
        params = {k: full[k] for k in spec.params if k in full}
        missing = [k for k in spec.params if k not in full]
        if missing:
            raise SosrapError(f"stage {stage!r} declares params {missing} that edition {edition!r} does not have")
    build = default_build_dir(edition, root)
    # Run by hand (no run_dir injected): write to the scratch area, never into the
    # build's artifacts, which only the runner writes (a report is built from those alone).
    run = Path(run_dir) if run_dir else scratch_dir(edition, stage, root)
    run.mkdir(parents=True, exist_ok=True)
    ins = {k: Path(v) for k, v in (inputs or {}).items()} or {need: _hand_input(edition, need, root)
                                                              for need in spec.needs}
    # what the stage writes (sentences, captions, table headings) is in the edition's language
    _wording.use(str(params.get("language") or _wording.DEFAULT) if "language" in spec.params else _wording.DEFAULT)
    return StageContext(name=stage, edition=edition, params=ParamsView(dict(params), stage), run_dir=run,
                        inputs=ins, root=root)
