"""sosrap: a reproducible research workbench for Finnish social reports.

The package holds everything a stage notebook or the build needs, so that
notebooks stay thin (load, call helpers, show) and every piece of logic is
tested once. See DESIGN.md / docs/architecture.md for the shape.
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
