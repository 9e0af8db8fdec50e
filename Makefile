# The two commands in the README, and a few helpers for developers.
.PHONY: demo test lint messages

# Install what the app needs and serve the demo region on http://127.0.0.1:8000 (SQLite).
demo:
	scripts/install.sh
	.venv/bin/civicgrid demo

# Install everything the tests need (PostgreSQL and Chromium from Debian included) and run
# the whole suite on SQLite and on PostgreSQL.
test:
	scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy civicgrid

# Refresh the Chinese catalogue after changing strings, then translate and compile it.
messages:
	CIVICGRID_DEMO=1 .venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --no-obsolete
	CIVICGRID_DEMO=1 .venv/bin/python manage.py compilemessages -l zh_Hans
