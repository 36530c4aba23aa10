# Sijin — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow test-all test-fast lint bench venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

run: venv
	$(PY) manage.py migrate --noinput
	$(VENV)/bin/sijin demo --if-empty
	$(VENV)/bin/sijin serve

# The suite over both cores of the CI machine (pytest-xdist); `pytest path` alone runs in one process.
# `make test` leaves out the real-Chromium tests (marker `browser`, about a minute and a half); `make test-all`
# and CI's PostgreSQL run take them too.
test: venv
	$(PY) -m pytest -n 2 -m "not browser and not slow"

# The tests left out of `make test` because each starts real processes or runs long (marker `slow`); CI runs them.
test-slow: venv
	$(PY) -m pytest -n 2 -m "slow and not browser"

test-all: venv
	$(PY) -m pytest -n 2

lint: venv
	$(VENV)/bin/ruff check sijin bench
	$(VENV)/bin/ruff format --check sijin bench
	$(VENV)/bin/mypy sijin

# A synthetic province (`sijin synth`) through the real views; writes bench/results.md. PROBLEMS=1000000 for the
# issue's scale; DATABASE_URL=postgres://… (an empty database) for PostgreSQL.
PROBLEMS ?= 100000
bench: venv
	$(PY) bench/run.py --problems $(PROBLEMS)

# Scale-out on one machine: nginx (Debian's) in front of two `sijin serve`, two `sijin worker`, one PostgreSQL;
# a bounded load of logged-in users, two sweeps at once, then checks for lost or doubled work. Writes
# bench/scaleout.md. DATABASE_URL names a PostgreSQL database it drops and creates again (default sijin_scaleout;
# one holding tables it did not make is refused, never dropped).
SCALEOUT_PROBLEMS ?= 20000
SCALEOUT_SECONDS ?= 60
.PHONY: scaleout
scaleout: venv
	$(PY) bench/scaleout.py --problems $(SCALEOUT_PROBLEMS) --seconds $(SCALEOUT_SECONDS)
