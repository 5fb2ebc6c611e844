# kichhoat: `make run` starts the app, `make test` runs the whole suite headless.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench docs dist clean lock lock-upgrade

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kichhoat cần Python 3.11 trở lên")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
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

# The exact pins (requirements.lock) from the ranges in pyproject.toml, for every platform
# the app runs on (Windows counters, Linux, the Python 3.11 of the bundle). `make lock` keeps
# every pin that still fits and adds what is new; `make lock-upgrade` takes the newest
# release within each range. Review the diff, then `make test`.
LOCK := $(VENV)/bin/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 --quiet -o requirements.lock
lock: $(STAMP)
	$(LOCK)

lock-upgrade: $(STAMP)
	$(LOCK) --upgrade

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
