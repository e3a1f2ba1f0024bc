"""Client-work knowledge: phenomenon reports and resident surveys."""
from sosrap.clientwork.core import *  # noqa: F401,F403
