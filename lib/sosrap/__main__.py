from sosrap.cli import run

run()
