# kichhoat: `make run` starts the app, `make test` runs the whole suite headless.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench docs dist clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kichhoat cần Python 3.11 trở lên")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) main.py

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

# Province scale: 600,000 synthetic cases, every figure against its limit (a few minutes).
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m bench.run

# The user guide's screenshots (docs/guide/img/*.png), made from the app itself, offscreen,
# on a throw-away database with invented people (docs/make_screenshots.py; about 20 s).
docs: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m docs.make_screenshots

# The one-folder bundle for the counter PC (build.spec): dist/kichhoat/kichhoat, or
# dist\kichhoat\kichhoat.exe when built on Windows (README: "Building the bundle").
# The guide's pictures are made again first, so the bundle shows the screens it ships.
dist: $(STAMP) docs
	rm -rf build/kichhoat dist/kichhoat
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN build.spec
	@du -sh dist/kichhoat

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
