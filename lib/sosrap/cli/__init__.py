"""The sosrap command."""
from sosrap.cli.app import app, main  # noqa: F401
