"""The catalogues: every string has a Simplified Chinese translation; every string a resident
can meet has a traditional Mongolian one, written in the Mongolian script; none is left fuzzy,
and placeholders survive.

The .po files are parsed with plain Python: entries are blocks separated by blank lines, each
with `#:` location and `#,` flag comments and quoted msgid/msgstr lines (continuation lines are
quoted too).
"""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
PO_FILE = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
MN_PO_FILE = LOCALE_DIR / "mn_Mong" / "LC_MESSAGES" / "django.po"
KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")$')


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    parts: dict[str, str] = field(default_factory=dict)
    obsolete: bool = False
    locations: list[str] = field(default_factory=list)

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
        elif line.startswith("#:"):
            entry.locations += [where.rsplit(":", 1)[0] for where in line[2:].split()]
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


# Django's own form messages are listed in core/django_messages.py only so that the Mongolian
# catalogue holds them; in Chinese Django's own translation is the one to use, so ours stays empty.
DJANGO_MESSAGES = "civicgrid/core/django_messages.py"


def djangos_only(entry: Entry) -> bool:
    return bool(entry.locations) and all(where == DJANGO_MESSAGES for where in entry.locations)


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mn_entries() -> list[Entry]:
    return parse_po(MN_PO_FILE.read_text(encoding="utf-8"))


def test_the_catalogue_is_not_empty(entries):
    assert len(entries) > 50


def test_the_header_declares_chinese_and_utf8(entries):
    header = next(e for e in entries if e.msgid == "")
    assert "Language: zh_Hans" in header.parts["msgstr"]
    assert "charset=UTF-8" in header.parts["msgstr"]


def test_every_string_is_translated(entries):
    empty = [
        f"line {e.line}: {e.msgid!r}"
        for e in entries
        if e.msgid and not all(e.translations) and not djangos_only(e)
    ]
    assert not empty, "untranslated strings:\n" + "\n".join(empty)


def test_djangos_own_messages_are_left_to_djangos_chinese(entries):
    ours = [
        f"line {e.line}: {e.msgid!r}" for e in entries if djangos_only(e) and any(e.translations)
    ]
    assert not ours, "leave these empty, Django translates them:\n" + "\n".join(ours)


@pytest.mark.parametrize("catalogue", ["entries", "mn_entries"])
def test_no_translation_is_fuzzy(catalogue, request):
    fuzzy = [
        f"line {e.line}: {e.msgid!r}"
        for e in request.getfixturevalue(catalogue)
        if "fuzzy" in e.flags and e.msgid
    ]
    assert not fuzzy, "fuzzy translations (check them, then drop the flag):\n" + "\n".join(fuzzy)


PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|\{\w*\}")
TAG = re.compile(r"</?(?:strong|em|b|i|a|br|span|code|abbr)\b[^>]*>")


@pytest.mark.parametrize("catalogue", ["entries", "mn_entries"])
def test_placeholders_and_tags_survive_translation(catalogue, request):
    broken = [
        f"line {e.line}: {e.msgid!r}"
        for e in request.getfixturevalue(catalogue)
        if e.msgid
        for text in e.translations
        if text
        for pattern in (PLACEHOLDER, TAG)
        if sorted(set(pattern.findall(text)))
        != sorted(set(pattern.findall(e.msgid + e.parts.get("msgid_plural", ""))))
    ]
    assert not broken, "placeholders or tags differ from the English:\n" + "\n".join(broken)


@pytest.mark.parametrize("po_file", [PO_FILE, MN_PO_FILE], ids=["zh_Hans", "mn_Mong"])
def test_the_compiled_catalogue_is_there(po_file):
    compiled = po_file.with_suffix(".mo")
    assert compiled.exists(), "run `make messages` and commit the .mo file"
    assert compiled.stat().st_mtime >= 0


# --- Traditional Mongolian ------------------------------------------------------------------

# Where the strings of the pages a resident sees live: the resident pages, the posters, the
# error pages, the resident forms and views, and Django's form messages.
RESIDENT_SOURCES = (
    "civicgrid/templates/resident_base.html",
    "civicgrid/needs/templates/needs/resident/",
    "civicgrid/needs/templates/needs/posters/",
    "civicgrid/core/templates/core/error.html",
    "civicgrid/core/templates/core/bad_request.html",
    "civicgrid/core/templates/core/too_many_requests.html",
    "civicgrid/core/views.py",
    "civicgrid/needs/forms_resident.py",
    "civicgrid/needs/views/resident.py",
    "civicgrid/needs/views/posters.py",
    "civicgrid/needs/tracking.py",
    "civicgrid/needs/words.py",
    "civicgrid/needs/services.py",  # what the intake refuses, and why
    "civicgrid/outreach/texts.py",  # the messages residents are sent
    "civicgrid/insights/templates/insights/public.html",  # the public figures
    "civicgrid/insights/templates/insights/_public_figures.html",
    "civicgrid/insights/templates/insights/_rate_card.html",
    # People who serve: the public activities, the wishes wall, the member's phone pages.
    "civicgrid/volunteers/templates/volunteers/activities/public/",
    "civicgrid/volunteers/templates/volunteers/members/home.html",
    "civicgrid/volunteers/templates/volunteers/members/report.html",
    "civicgrid/volunteers/templates/volunteers/registrations/register.html",
    "civicgrid/volunteers/templates/volunteers/registrations/_found.html",
    "civicgrid/volunteers/templates/volunteers/wishes/wall.html",
    "civicgrid/volunteers/templates/volunteers/wishes/_card.html",
    "civicgrid/volunteers/templates/volunteers/wishes/mine.html",
    "civicgrid/volunteers/templates/volunteers/wishes/confirm.html",
    # Joint committees: the meeting's check-in page and its poster (a gacha's people).
    "civicgrid/committees/templates/committees/meetings/checkin.html",
    "civicgrid/committees/templates/committees/meetings/poster.html",
    # Services close to home: what is near me, booking and its page, stations, public rooms,
    # and the words those pages and the texts to residents take from the domain.
    "civicgrid/services/templates/services/resident/",
    "civicgrid/services/templates/services/nearby/",
    "civicgrid/services/templates/services/rota/public_station.html",
    "civicgrid/services/templates/services/rota/poster.html",
    "civicgrid/services/templates/services/rota/_poster_words.html",
    "civicgrid/services/views/resident.py",
    "civicgrid/services/views/nearby.py",
    "civicgrid/services/views/rota.py",
    "civicgrid/services/views/rooms.py",
    "civicgrid/services/bookings.py",
    "civicgrid/services/catalogue.py",
    "civicgrid/services/nearby.py",
    "civicgrid/services/models.py",
    "civicgrid/services/rooms.py",
    "civicgrid/services/rota.py",
    "civicgrid/services/slots.py",
    # Care: a meal point's page and today's menu to share, the order page a family holds, the
    # page a scanned assistance card opens, and the words those pages take from the domain.
    "civicgrid/care/templates/care/resident/meals_point.html",
    "civicgrid/care/templates/care/resident/meals_share.html",
    "civicgrid/care/templates/care/resident/orders_find.html",
    "civicgrid/care/templates/care/resident/orders_page.html",
    "civicgrid/care/templates/care/resident/cards_card.html",
    "civicgrid/care/share.py",
    "civicgrid/care/orders.py",
    "civicgrid/care/views/orders.py",
    "civicgrid/care/views/meals.py",
    # Representatives and what residents reach through them: the public profiles and
    # stations, the message page a poster opens and its tracking page, the livelihood mailbox,
    # department reviews, and the page where an enterprise raises a matter.
    "civicgrid/representatives/templates/representatives/public/",
    "civicgrid/representatives/views/public.py",
    "civicgrid/representatives/models.py",
    "civicgrid/representatives/publication.py",
    "civicgrid/representatives/timetable.py",
    "civicgrid/liaison/templates/liaison/resident/",
    "civicgrid/liaison/templates/liaison/console/poster.html",
    "civicgrid/liaison/templates/liaison/console/_poster_words.html",
    "civicgrid/liaison/views/public.py",
    "civicgrid/liaison/models.py",
    "civicgrid/liaison/forms.py",
    "civicgrid/liaison/publication.py",
    "civicgrid/liaison/workflow.py",
    "civicgrid/outreach/liaison.py",
    "civicgrid/mailbox/templates/mailbox/resident/",
    "civicgrid/mailbox/views/public.py",
    "civicgrid/mailbox/models.py",
    "civicgrid/mailbox/residents.py",
    "civicgrid/mailbox/workflow.py",
    "civicgrid/reviews/templates/reviews/public/",
    "civicgrid/reviews/views/public.py",
    "civicgrid/reviews/models.py",
    "civicgrid/reviews/responses.py",
    "civicgrid/butler/templates/butler/public/",
    "civicgrid/butler/views/public.py",
    "civicgrid/butler/matters.py",
    "civicgrid/butler/models.py",
    DJANGO_MESSAGES,
)


def for_residents(entry: Entry) -> bool:
    return any(where.startswith(RESIDENT_SOURCES) for where in entry.locations)


def test_the_mongolian_header_declares_the_language_and_plurals(mn_entries):
    header = next(e for e in mn_entries if e.msgid == "")
    assert "Language: mn_Mong" in header.parts["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.parts["msgstr"]


def test_every_string_a_resident_meets_is_in_mongolian(mn_entries):
    residents = [e for e in mn_entries if e.msgid and for_residents(e)]
    assert len(residents) > 200
    empty = [f"line {e.line}: {e.msgid!r}" for e in residents if not all(e.translations)]
    assert not empty, "resident strings without Mongolian:\n" + "\n".join(empty)


def script_problems(text: str) -> list[str]:
    """Letters outside the Mongolian block (U+1800-U+18AF), once placeholders and tags are
    taken out. Cyrillic (Mongolia's script) and Latin letters are both refused."""
    bare = TAG.sub("", PLACEHOLDER.sub("", re.sub(r"%\(\w+\)[sdr]", "", text)))
    return [
        f"{ch!r} U+{ord(ch):04X} {unicodedata.name(ch, '?')}"
        for ch in bare
        if unicodedata.category(ch).startswith("L") and not "\u1800" <= ch <= "\u18af"
    ]


def test_script_check_refuses_cyrillic_latin_and_chinese():
    assert script_problems("ᠬᠡᠷᠡᠭᠰᠡᠭᠡ %(n)s ᠃ <strong>ᠲᠣᠣᠷ</strong>") == []
    assert script_problems("Монгол")  # Mongolia's Cyrillic
    assert script_problems("ᠲᠣᠣᠷ grid")
    assert script_problems("网格")


def test_every_mongolian_string_is_in_the_mongolian_script(mn_entries):
    wrong = [
        f"line {e.line}: {e.msgid!r}: {problems[0]}"
        for e in mn_entries
        if e.msgid
        for text in e.translations
        if (problems := script_problems(text))
    ]
    assert not wrong, "not in the Mongolian script:\n" + "\n".join(wrong)


def test_the_labels_a_resident_reads_are_in_mongolian():
    """Labels that live with the models but show on resident pages: a need's state and rating,
    the roles and service names on a tracking page or a poster, the kinds of organisation."""
    from django.utils import translation

    from civicgrid.needs.models import Rating, State
    from civicgrid.network.models import SERVICE_NAMES, OrgKind, Role

    labels = [*State.labels, *Rating.labels, *Role.labels, *OrgKind.labels]
    labels += list(SERVICE_NAMES.values())
    with translation.override("mn-mong"):
        wrong = [
            f"{label}: {problems[0]}"
            for label in labels
            if (problems := script_problems(str(label)))
        ]
    assert not wrong, "\n".join(wrong)


def test_djangos_form_messages_are_listed_as_django_writes_them():
    """core/django_messages.py holds exactly the messages of Django's form and validator
    modules, so that a Django upgrade that adds one makes this fail (and the list grows)."""
    import django

    from civicgrid.core.django_messages import MESSAGES

    english = Path(django.__file__).parent / "conf/locale/en/LC_MESSAGES/django.po"
    modules = re.compile(
        r"^(forms/(fields|forms|formsets|models|utils)|core/validators|utils/text)\.py$"
    )
    djangos = {
        e.msgid
        for e in parse_po(english.read_text("utf-8"))
        if e.msgid
        and "msgctxt" not in e.parts  # "String to return when truncating text": not in a form
        and any(modules.match(where) for where in e.locations)
    }
    ours = {m if isinstance(m, str) else m[0] for m in MESSAGES}
    assert ours == djangos
