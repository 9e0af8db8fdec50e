# The two commands in the README, and a few helpers for developers.
.PHONY: demo test lint messages fuzz lock

# Install what the app needs and serve the demo region on http://127.0.0.1:8000 (SQLite).
demo:
	scripts/install.sh
	.venv/bin/civicgrid demo

# Install everything the tests need (PostgreSQL and Chromium from Debian included) and run
# the whole suite on SQLite and on PostgreSQL.
test:
	scripts/test.sh

# The API's schemathesis test with more examples per operation (the suite runs 15); set
# DATABASE_URL to fuzz PostgreSQL. About 16 minutes on PostgreSQL with 300 (docs/api.md).
FUZZ_EXAMPLES ?= 300
fuzz:
	CIVICGRID_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) DJANGO_ALLOW_ASYNC_UNSAFE=true \
		.venv/bin/pytest -q -p no:cacheprovider civicgrid/api/tests/test_schema_fuzz.py

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy civicgrid

# Refresh the Chinese and Mongolian catalogues after changing strings, then translate and compile them.
messages:
	CIVICGRID_DEMO=1 .venv/bin/python manage.py makemessages -l zh_Hans -l mn_Mong --ignore=.venv --ignore=node_modules --no-obsolete
	CIVICGRID_DEMO=1 .venv/bin/python manage.py compilemessages -l zh_Hans -l mn_Mong

# Regenerate requirements/*.lock from pyproject.toml after changing a dependency. pip-compile
# keeps every version already pinned unless the change needs another (UPGRADE="--upgrade" to
# move them all); indexes and wheel folders come from pip's own configuration and are not
# written into the files, which stay portable.
LOCK_FLAGS = --quiet --no-header --strip-extras --no-emit-index-url --no-emit-find-links $(UPGRADE)
lock:
	.venv/bin/pip-compile $(LOCK_FLAGS) -o requirements/base.lock pyproject.toml
	.venv/bin/pip-compile $(LOCK_FLAGS) --extra dev -o requirements/dev.lock pyproject.toml
