# sjia-explore: the two commands a newcomer needs are `make app` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8866
# Kernels kept ready for viewers arriving together (about 165 MB each); e.g. make app VIEWERS=30 before a class.
VIEWERS ?= 1
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

.PHONY: app test install install-test check-chromium data bench clean

# A local virtual environment with the package (editable) and what the app needs.
# The page template is copied where Voila looks for templates (share/jupyter), editable installs too:
# installed again when it changes.
$(VENV)/.installed-app: pyproject.toml $(shell find sjia_explore/_voila -type f 2>/dev/null)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

# ...plus everything the tests need.
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-app
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed-app
install-test: $(VENV)/.installed-test

## make app: serve the dashboard with Voila on http://127.0.0.1:$(PORT)/ (this computer only)
app: install
	$(VENV)/bin/sjia-explore app --port $(PORT) --viewers $(VIEWERS)

## make test: install everything, check the code with ruff, then run every test (unit, notebooks, browser)
test: install-test check-chromium
	$(PY) -m ruff check .
	$(PY) -m pytest --nbmake --doctest-modules sjia_explore tests notebooks app.ipynb

check-chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "Chromium was not found at $(CHROMIUM); the browser tests need it."; \
	  echo "Install it with:  sudo apt-get update && sudo apt-get install -y chromium"; \
	  echo "or point CHROMIUM at another Chromium binary: make test CHROMIUM=/path/to/chromium"; \
	  exit 1; \
	fi

## make data: re-create data/ from the seeded reconstruction script
data: install
	$(PY) scripts/reconstruct.py

## make bench: performance figures as ratios against baselines measured in the same run
bench: install-test check-chromium
	$(PY) benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist test-artifacts .pytest_cache
