"""Strip outputs from notebooks: a git clean filter and a command.

Committed notebooks carry no outputs (they may hold client data and make
diffs unreadable). `make setup` registers this as the git filter
`sosrap-nbstrip` for `notebooks/*.ipynb` (see .gitattributes), so whatever a
person runs in JupyterLab, git stores the notebook clean; the working copy
keeps its outputs. `python -m sosrap.nbstrip FILE…` strips files in place.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def strip(nb: dict) -> dict:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        md = cell.get("metadata", {})
        for key in ("execution", "collapsed", "scrolled", "papermill"):
            md.pop(key, None)
    meta = nb.get("metadata", {})
    meta.pop("papermill", None)
    meta.pop("widgets", None)
    return nb


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:  # git clean filter: notebook on stdin, clean notebook on stdout
        sys.stdout.write(dumps(strip(json.load(sys.stdin))))
        return 0
    for name in args:
        path = Path(name)
        path.write_text(dumps(strip(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
