"""The release's data: which built tables are published, and the Frictionless tabular data package
(`datapackage.json`) that describes them.

Every CSV a stage writes is published, except that a stage reading private
client-work inputs publishes only its suppressed `published_*` tables. Each
resource carries its size and sha256, and a schema whose field types come from
pandas' reading of the whole CSV (integer, number, boolean, otherwise string).
Written by hand rather than with `frictionless.describe`, which infers types
from the data itself and so could change a release's metadata when a value
changes; the tests validate the written file with `frictionless`.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

from sosrap.pipeline import build as _build
from sosrap.pipeline.graph import load_stages
from sosrap.sources.snapshot import sha256_file

FILENAME = "datapackage.json"


def _is_private_stage(stage, run_dir: Path) -> bool:
    """Stages that read private client-work inputs publish only their `published_*` tables."""
    return "client_work" in stage.params or (run_dir / "protected_tables.json").is_file()


def published_tables(project: Path, build_dir: Path) -> dict[str, Path]:
    """Release path (tables/<stage>/<name>.csv) -> built CSV, for every published table."""
    layout = _build.Layout(build_dir)
    out: dict[str, Path] = {}
    for name, stage in load_stages(project).items():
        run = layout.run_dir(name)
        if not run.is_dir():
            continue
        private = _is_private_stage(stage, run)
        for csv_path in sorted(run.glob("*.csv")):
            if private and not csv_path.name.startswith("published_"):
                continue
            out[f"tables/{name}/{csv_path.name}"] = csv_path
    return out


def _field_type(dtype) -> str:
    kind = getattr(dtype, "kind", "O")
    return {"i": "integer", "u": "integer", "f": "number", "b": "boolean"}.get(kind, "string")


def datapackage(edition, resources: dict[str, Path], name: str) -> dict[str, Any]:
    """A Frictionless tabular data package describing the released CSV tables."""
    import pandas as pd
    meta = edition.meta
    lic_fi, lic_en, lic_url = edition.license_names()
    res = []
    for rel, path in sorted(resources.items()):
        df = pd.read_csv(path, low_memory=False)   # every row: a column empty at first is still typed right
        rname = re.sub(r"[^a-z0-9._-]+", "-", rel.removeprefix("tables/").removesuffix(".csv").lower()).strip("-")
        res.append({
            "name": rname, "path": rel, "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "bytes": path.stat().st_size,
            "hash": f"sha256:{sha256_file(path)}",
            "schema": {"fields": [{"name": str(c), "type": _field_type(df[c].dtype)} for c in df.columns]},
        })
    pkg: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": name,
        "title": edition.full_title,
        "version": edition.version,
        "created": f"{edition.date.isoformat()}T00:00:00Z",
        "licenses": [{"name": meta.license, "path": lic_url, "title": lic_en}],
        "contributors": [{"title": a.display, "role": "author"} for a in meta.authors]
                        + [{"title": meta.publisher, "role": "publisher"}],
        "keywords": list(meta.keywords),
        "description": meta.abstract.text(edition.params.language),
        "resources": res,
    }
    if meta.url:
        pkg["homepage"] = meta.url
    if meta.doi:
        pkg["id"] = f"https://doi.org/{meta.doi}"
    return pkg


def write(dest: Path, edition, tables: Iterable[str], name: str) -> Path:
    """Write `datapackage.json` in *dest* for the release paths *tables* (files already under *dest*)."""
    pkg = datapackage(edition, {k: dest / k for k in tables}, name)
    path = dest / FILENAME
    path.write_bytes((json.dumps(pkg, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return path
