# The two commands of the README:
#   make run    set up, then build the shipped cases, reason, answer the flagship
#               question with its evidence, and write the browser view
#   make test   set up (incl. Debian's chromium and the triple-store servers), then ruff, mypy
#               and the tests
#   make fuzz   10^4 fuzzed case files (YAML, Turtle, TriG, JSON-LD), each must end cleanly
#   make bench  every speed figure beside its reference, one run, into bench/results/report.md
#               (about 20 minutes on 2 cores: 10^5 and 10^6 asserted triples); make bench-quick: the same report at
#               small sizes into out/bench-quick (minutes; it checks the report, not the goals)
.PHONY: run test lint bench bench-quick bench-reasoning fuzz clean messages

VENV := .venv/bin
OUT := out
# `make run` keeps its store inside the checkout; the CLI's default is ~/.local/share/rolegraph/store.
export ROLEGRAPH_STORE ?= $(CURDIR)/$(OUT)/store

run:
	@scripts/setup.sh run
	$(VENV)/rolegraph validate cases/
	$(VENV)/rolegraph build cases/
	$(VENV)/rolegraph reason
	$(VENV)/rolegraph query role-transfer --evidence
	$(VENV)/rolegraph viz --query role-transfer --out $(OUT)/rolegraph.html
	@echo "open $(OUT)/rolegraph.html in a browser (it works offline)"

test:
	@scripts/setup.sh test
	@$(MAKE) --no-print-directory lint
	$(VENV)/python -m pytest -q $(PYTEST_ARGS)

# The configured checks, before the tests: ruff (pyproject [tool.ruff]) and mypy --strict (pyproject [tool.mypy]).
lint:
	$(VENV)/ruff check .
	$(VENV)/mypy

bench:
	@scripts/setup.sh test
	$(VENV)/python bench/speed_report.py

bench-quick:
	@scripts/setup.sh test
	$(VENV)/python bench/speed_report.py --quick

# The reasoning engines side by side (rolegraph, owlrl, reasonable): bench/README.md
bench-reasoning:
	@scripts/setup.sh test
	$(VENV)/python bench/reasoning_bench.py

fuzz:
	@scripts/setup.sh test
	$(VENV)/python -m tests.fuzz --count $(or $(FUZZ_COUNT),10000) --seed $(or $(FUZZ_SEED),1) --save $(OUT)/fuzz-findings

clean:
	rm -rf $(OUT) tests/artifacts .pytest_cache

# Update the message catalogue after marking new strings with _("...") or N_("...") (help
# texts of commands and options, and click's own messages, are found without marks: babel.cfg):
# extract them, merge them into locale/da/LC_MESSAGES/rolegraph.po (translate the new
# entries there), and compile the .mo that gettext reads.
messages:
	$(VENV)/pybabel extract --no-location --omit-header -F babel.cfg -k _ -k N_ -o locale/rolegraph.pot kg
	$(VENV)/pybabel update --no-fuzzy-matching --ignore-pot-creation-date -i locale/rolegraph.pot -d locale -D rolegraph
	$(VENV)/pybabel compile -d locale -D rolegraph
