# Every target sets itself up on a fresh machine: a local .venv for Python,
# a local node_modules for Microsoft's SARIF multitool (used by the tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MULTITOOL := tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool

.PHONY: setup demo test lint bench bench-quick bench-real bench-history bench-profile bench-gates fuzz clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,fast,dev,aws]'
	touch $(STAMP)

# The multitool ships a self-contained binary inside its npm package; npm no
# longer runs the package's install script that marks it executable.
$(MULTITOOL): tools/package.json
	cd tools && npm install --no-audit --no-fund --loglevel=error
	chmod u+x $(MULTITOOL)
	touch $(MULTITOOL)

# Exit code 1 means "findings", which is what the demo is for; 2 or 3 fail it.
demo: $(STAMP)
	@echo "== nhiguard scan examples/ =="
	@$(BIN)/nhiguard scan examples --no-progress --format sarif --output nhiguard.sarif --format text; \
	  code=$$?; [ $$code -le 1 ] || exit $$code
	@echo "== SARIF written to nhiguard.sarif =="

test: $(STAMP) $(MULTITOOL)
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The property tests (no secret in any report, no view or rule raising) with
# many more generated examples than `make test` runs.
FUZZ_EXAMPLES ?= 1000
fuzz: $(STAMP)
	NHIGUARD_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_redaction.py tests/test_fuzz.py

lint: $(STAMP)
	$(BIN)/ruff check scanner rules tests benchmarks
	$(BIN)/mypy scanner rules

# Benchmarks (see benchmarks/README.md): the generated tree plus real code. The real
# corpus and the history repository are fetched once into a cache outside the repository.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --corpus generated,real,history

bench-quick: $(STAMP)
	$(BIN)/python benchmarks/run.py --quick --corpus generated,real,history

bench-real: $(STAMP)
	$(BIN)/python benchmarks/run.py --corpus real

bench-history: $(STAMP)
	$(BIN)/python benchmarks/run.py --corpus history

bench-profile: $(STAMP)
	$(BIN)/python benchmarks/profile_scan.py --real

# The rules' text gates never change a finding on real code: the corpus scanned
# with them as shipped and forced open must give the same findings.
bench-gates: $(STAMP)
	$(BIN)/python benchmarks/gates_check.py --real

clean:
	rm -rf $(VENV) tools/node_modules nhiguard.sarif .pytest_cache
