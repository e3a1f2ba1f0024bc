"""The stage notebooks' code run as plain Python, all in one process: the
reference `bench_pipeline.py` measures `sosrap build` against.

Each applicable stage runs in dependency order with the parameters the
runner would inject (`edition`, `run_dir`, `params`, `inputs`) into the same
artifact folders, from the notebooks folder as working directory (as
Papermill runs them). No kernel, no Papermill, no executed notebook and no
report render: only the notebooks' own code. Every figure is still rendered
to PNG once: `save_figure` writes it, and a figure a notebook only shows
(`theme.show`) is rendered as a kernel's display would, into memory.

    PYTHONPATH=lib .venv/bin/python benchmarks/plain_runner.py PROJECT [EDITION] [--profile FILE]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import time
from pathlib import Path


def _code_cells(path: Path) -> list[tuple[list[str], str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c.get("metadata", {}).get("tags", []), "".join(c.get("source", "")))
            for c in nb["cells"] if c.get("cell_type") == "code"]


def _magic_free(src: str) -> str:
    """IPython magics and shell escapes are not Python (the notebooks have none; be safe)."""
    return "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))


def _shown_as_png() -> None:
    """`theme.show` outside a kernel only closes the figure; make it render the PNG and the
    CSV a kernel's display publishes, unless the figure was rendered already (a figure the
    stage saved): each figure is rendered once, as the pipeline's kernels do."""
    from sosrap.indicators import figures
    from sosrap.report import theme

    original_png, original_show = theme.png_bytes, theme.show
    rendered: set[int] = set()

    def png_bytes(fig):
        rendered.add(id(fig))
        return original_png(fig)

    def show(fig, alt="", **kw):
        if id(fig) not in rendered and kw.get("png") is None:
            original_png(fig)
            theme.figure_data_csv(fig)
        rendered.discard(id(fig))
        original_show(fig, alt, **kw)

    theme.png_bytes = figures.png_bytes = png_bytes
    theme.show = figures.show = show


def run_stage(notebook: Path, parameters: dict, cwd: Path) -> float:
    """Execute one notebook's code cells in a fresh namespace; its seconds."""
    t0 = time.perf_counter()
    ns: dict = {"__name__": "__main__"}
    old = os.getcwd()
    os.chdir(cwd)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            for tags, src in _code_cells(notebook):
                exec(compile(_magic_free(src), f"{notebook.name}", "exec"), ns)
                if "parameters" in tags:      # Papermill's injected cell follows the parameters cell
                    ns.update(json.loads(json.dumps(parameters)))
    finally:
        os.chdir(old)
    import matplotlib.pyplot as plt
    plt.close("all")
    return time.perf_counter() - t0


def run_plain(project: Path, edition: str = "demo", build_root: Path | None = None) -> dict[str, dict]:
    """Run every applicable stage as plain Python; per stage its start (epoch) and seconds."""
    from sosrap.paths import Layout
    from sosrap.pipeline.build import load_params
    from sosrap.pipeline.editions import applicable
    from sosrap.pipeline.fingerprint import stage_params
    from sosrap.pipeline.graph import load_stages

    os.environ["SOSRAP_ROOT"] = str(project)
    params = load_params(edition, project)
    layout = Layout(build_root or project / "build" / edition)
    _shown_as_png()
    seconds = {}
    for name, st in applicable(load_stages(project), params).items():
        run_dir = layout.run_dir(name)
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True)
        parameters = {"edition": params.edition, "run_dir": str(run_dir), "params": stage_params(st, params),
                      "inputs": {n: str(layout.run_dir(n)) for n in st.needs}}
        start = time.time()
        seconds[name] = {"start_at": start,
                         "seconds": run_stage(project / "notebooks" / st.notebook, parameters, project / "notebooks")}
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", type=Path)
    ap.add_argument("edition", nargs="?", default="demo")
    ap.add_argument("--build", type=Path, default=None, help="build folder (default PROJECT/build/EDITION)")
    ap.add_argument("--profile", type=Path, default=None, help="write cProfile stats of the whole run here")
    ap.add_argument("--json", type=Path, default=None, help="write the per-stage times here as JSON")
    a = ap.parse_args()
    if a.profile:
        import cProfile
        prof = cProfile.Profile()
        seconds = prof.runcall(run_plain, a.project.resolve(), a.edition, a.build)
        prof.dump_stats(str(a.profile))
    else:
        seconds = run_plain(a.project.resolve(), a.edition, a.build)
    if a.json:
        a.json.write_text(json.dumps(seconds), encoding="utf-8")
    for k, v in seconds.items():
        print(f"{k:<14} {v['seconds']:6.2f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
