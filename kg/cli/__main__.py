"""`python -m kg.cli ...` is `rolegraph ...`."""

from . import main

main(prog_name="rolegraph")
