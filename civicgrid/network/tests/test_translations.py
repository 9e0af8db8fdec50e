"""Every string has a Simplified Chinese translation, and none is left fuzzy.

The .po file is parsed with plain Python: entries are blocks separated by blank lines, each
with `#,` flag comments and quoted msgid/msgstr lines (continuation lines are quoted too).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
PO_FILE = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")$')


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    parts: dict[str, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def msgid(self) -> str:
        return self.parts.get("msgid", "")

    @property
    def translations(self) -> list[str]:
        return [value for key, value in self.parts.items() if key.startswith("msgstr")]


def _unquote(quoted: str) -> str:
    # A .po string is a C string literal; Python's literal syntax reads it the same way.
    return ast.literal_eval(quoted)


def parse_po(text: str) -> list[Entry]:
    entries: list[Entry] = []
    entry: Entry | None = None
    key = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, key = None, ""
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#~"):
            entry.obsolete = True
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := KEYWORD.match(line):
            key = match.group(1)
            entry.parts[key] = _unquote(match.group(2))
        elif line.startswith('"') and key:
            entry.parts[key] += _unquote(line)
        else:
            raise AssertionError(f"{PO_FILE.name}:{number}: cannot read {raw!r}")
    return [e for e in entries if "msgid" in e.parts and not e.obsolete]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


def test_the_catalogue_is_not_empty(entries):
    assert len(entries) > 50


def test_the_header_declares_chinese_and_utf8(entries):
    header = next(e for e in entries if e.msgid == "")
    assert "Language: zh_Hans" in header.parts["msgstr"]
    assert "charset=UTF-8" in header.parts["msgstr"]


def test_every_string_is_translated(entries):
    empty = [f"line {e.line}: {e.msgid!r}" for e in entries if e.msgid and not all(e.translations)]
    assert not empty, "untranslated strings:\n" + "\n".join(empty)


def test_no_translation_is_fuzzy(entries):
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, "fuzzy translations (check them, then drop the flag):\n" + "\n".join(fuzzy)


def test_placeholders_survive_translation(entries):
    placeholder = re.compile(r"%\(\w+\)[sdr]|\{\w*\}")
    broken = [
        f"line {e.line}: {e.msgid!r}"
        for e in entries
        if e.msgid
        for text in e.translations
        if sorted(set(placeholder.findall(text)))
        != sorted(set(placeholder.findall(e.msgid + e.parts.get("msgid_plural", ""))))
    ]
    assert not broken, "placeholders differ from the English:\n" + "\n".join(broken)


def test_the_compiled_catalogue_is_there():
    compiled = PO_FILE.with_suffix(".mo")
    assert compiled.exists(), "run `manage.py compilemessages` and commit the .mo file"
