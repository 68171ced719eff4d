# The two commands a fresh machine needs: `make plan` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PLAN   := build/plan.json

.PHONY: plan test lint setup system-deps docs benchmark clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# PostgreSQL 15 server binaries and pgAudit for the database tests (Debian packages).
system-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb /usr/lib/postgresql/*/lib/pgaudit.so >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-15-pgaudit >/dev/null; \
	  else echo "PostgreSQL 15 server binaries are missing: install the postgresql-15 and postgresql-15-pgaudit packages" >&2; fi; \
	fi

setup: $(STAMP) system-deps

plan: setup
	mkdir -p build
	$(VENV)/bin/tenancy validate --env dev
	$(VENV)/bin/tenancy plan --env dev --json $(PLAN)

# Style, formatting, the layer contracts and types (pyproject.toml); `test` runs them first.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# pytest exits 5 when it collected no tests: that is a broken suite, not a pass.
test: setup lint
	@$(PY) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is broken" >&2; exit 1; fi; exit $$rc

docs: setup
	$(VENV)/bin/tenancy docs

benchmark: setup
	$(PY) benchmarks/pr_scale.py

clean:
	rm -rf build .pytest_cache
