"""Hypothesis profiles for the detector property tests: a modest number of
examples on CI (``HYPOTHESIS_PROFILE=ci``, the default), many with ``=thorough``."""
import os

from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
