"""The privacy gate: screening free text, small-count suppression, protected tables, the audit."""
from sosrap.privacy.core import *  # noqa: F401,F403
