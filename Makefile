# The two commands of the README:
#   make run    set up, then build the shipped cases, reason, answer the flagship
#               question with its evidence, and write the browser view
#   make test   set up (incl. browser and servers), then run the test suite
.PHONY: run test setup bench clean

VENV := .venv/bin
OUT := out

run:
	@scripts/setup.sh run
	$(VENV)/rolegraph validate cases/
	$(VENV)/rolegraph build cases/

test:
	@scripts/setup.sh test
	$(VENV)/python -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(OUT) tests/artifacts .pytest_cache
