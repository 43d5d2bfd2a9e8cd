"""`python -m kg.cli ...` is `rolegraph ...`."""

from . import main

if __name__ == "__main__":  # not when a spawned worker process imports this module again
    main(prog_name="rolegraph")
