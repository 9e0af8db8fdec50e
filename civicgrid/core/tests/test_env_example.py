"""`.env.example` lists every variable the product reads from the environment, with a comment."""

from __future__ import annotations

import re
from pathlib import Path

import civicgrid

PACKAGE = Path(civicgrid.__file__).resolve().parent
ENV_EXAMPLE = PACKAGE.parent / ".env.example"

# A read of one variable: settings.py's typed helpers, serve's own, and os.environ / getenv.
READ = re.compile(
    r"""(?:\benv(?:str|int|bool|list)|\b_env_int|os\.environ\.get|os\.getenv)\(\s*["']([A-Z0-9_]+)["']"""
    r"""|os\.environ\[["']([A-Z0-9_]+)["']\]"""
)
# Set by the programs themselves for Django, never by an operator.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE"}


def variables_read() -> dict[str, str]:
    """Each variable read by the product's code (tests and test settings left out) → a file."""
    found: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if "tests" in relative.parts or relative.name == "test_settings.py":
            continue
        for match in READ.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(1) or match.group(2), str(relative))
    return {name: where for name, where in found.items() if name not in NOT_SETTINGS}


def listed() -> dict[str, bool]:
    """Each variable of .env.example → whether a comment heads its group of lines."""
    out: dict[str, bool] = {}
    commented = False
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            commented = True
        elif not line.strip():
            commented = False
        else:
            out[line.split("=", 1)[0].strip()] = commented
    return out


def test_the_reader_finds_what_it_should():
    found = variables_read()
    # One of each kind of read, so that a broken pattern cannot pass the test below by
    # finding nothing.
    assert found["SECRET_KEY"] == "settings.py"
    assert found["CIVICGRID_VAR_DIR"] == "settings.py"
    assert found["WEB_THREADS"].endswith("serve.py")
    assert found["PG_BIN_DIR"].endswith("backup.py")


def test_every_variable_the_product_reads_is_in_env_example_with_a_comment():
    example = listed()
    missing = {name: where for name, where in variables_read().items() if name not in example}
    assert not missing, f"add to .env.example, with its default and a comment: {missing}"
    bare = sorted(name for name, commented in example.items() if not commented)
    assert not bare, f"explain these in .env.example with a comment above them: {bare}"


def test_env_example_lists_nothing_the_product_does_not_read():
    stale = sorted(set(listed()) - set(variables_read()))
    assert not stale, f"not read by the product any more: {stale}"
