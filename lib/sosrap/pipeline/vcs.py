"""The project's git commit as a build records it (a module of its own so that the no-op
rebuild, `pipeline.stamp`, can ask without importing the manifest's dependencies)."""
from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["git_commit"]


def git_commit(project: Path) -> str:
    """HEAD's commit, with "+uncommitted" when tracked files differ; "uncommitted" outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True,
                              timeout=10)
        if head.returncode != 0:
            return "uncommitted"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=project,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head.stdout.strip() + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "uncommitted"
