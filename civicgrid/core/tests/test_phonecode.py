"""One-time codes by text message (core/phonecode.py): right once, a few guesses, ten
minutes, a few per number, and neither the number nor the code stored."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from civicgrid.core import phonecode
from civicgrid.core.models import PhoneCode, RateCounter
from civicgrid.core.phonecode import Checked

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
TEXT = "code %(code)s"


@pytest.fixture(autouse=True)
def _fresh() -> None:
    cache.clear()


def send(phone: str = PHONE, **kwargs) -> None:
    assert phonecode.send(phone, purpose="find-needs", text=TEXT, **kwargs) == 0


def texted(caplog, phone: str = PHONE) -> list[str]:
    """The codes the log backend printed for `phone`, oldest first."""
    masked = f"{phone[:3]}****{phone[-4:]}"
    lines = [r.getMessage() for r in caplog.records if r.name == "civicgrid.notifications"]
    return [
        m.group(1)
        for line in lines
        if (m := re.search(rf"{re.escape(masked)}: code (\d{{6}})", line))
    ]


@pytest.fixture
def sent(caplog, django_capture_on_commit_callbacks):
    """`with sent() as codes:` sends inside, and `codes` holds what went out at the commit."""
    import contextlib

    caplog.set_level(logging.INFO, logger="civicgrid.notifications")

    @contextlib.contextmanager
    def run(phone: str = PHONE):
        codes: list[str] = []
        caplog.clear()
        with django_capture_on_commit_callbacks(execute=True):
            yield codes
        codes += texted(caplog, phone)

    return run


def check(code: str, phone: str = PHONE) -> Checked:
    return phonecode.check(phone, purpose="find-needs", code=code)


def test_the_right_code_works_once(sent):
    with sent() as codes:
        send()
    [code] = codes
    assert len(code) == 6
    assert check(code) is Checked.OK
    assert check(code) is Checked.SPENT


def test_the_text_goes_out_after_the_commit_to_a_masked_number_in_the_log(
    caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="civicgrid.notifications")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send()
    assert not texted(caplog)  # nothing out inside the transaction
    assert len(callbacks) == 1
    callbacks[0]()
    [line] = [r.getMessage() for r in caplog.records if r.name == "civicgrid.notifications"]
    assert line.startswith("text to 139****5678: code ") and PHONE not in line


def test_a_code_is_good_only_with_its_own_number(sent):
    with sent() as codes:
        send()
        send("13800000000")
    [code] = codes
    assert check(code, "13800000000") is not Checked.OK
    assert check(code) is Checked.OK


def test_wrong_guesses_spend_the_code(sent):
    with sent() as codes:
        send()
    [code] = codes
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(phonecode.MAX_ATTEMPTS):
        assert check(wrong) is Checked.WRONG
    assert check(code) is Checked.SPENT


def test_a_code_expires(sent):
    with sent() as codes:
        send()
    PhoneCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert check(codes[0]) is Checked.SPENT


def test_a_new_code_spends_the_last_one(sent):
    with sent() as codes:
        send()
        send()
    first, second = codes
    if first != second:
        assert check(first) is Checked.WRONG
    assert check(second) is Checked.OK


def test_spaces_in_a_typed_code_do_not_matter(sent):
    with sent() as codes:
        send()
    [code] = codes
    assert check(f" {code[:3]} {code[3:]} ") is Checked.OK


def test_neither_the_number_nor_the_code_is_stored(sent):
    with sent() as codes:
        send()
    row = PhoneCode.objects.values().get()
    stored = " ".join(str(v) for v in row.values())
    assert PHONE not in stored and codes[0] not in stored
    assert not RateCounter.objects.filter(key__contains=PHONE).exists()


def test_a_number_gets_a_few_codes_an_hour(sent):
    with sent() as codes:
        for _ in range(phonecode.PER_PHONE):
            send()
        wait = phonecode.send(PHONE, purpose="find-needs", text=TEXT)
    assert 0 < wait <= phonecode.PER_PHONE_WINDOW
    assert len(codes) == phonecode.PER_PHONE
    assert PhoneCode.objects.count() == phonecode.PER_PHONE


def test_a_number_not_to_deliver_to_is_counted_and_gets_nothing(sent):
    with sent() as codes:
        for _ in range(phonecode.PER_PHONE):
            send(deliver=False)
        wait = phonecode.send(PHONE, purpose="find-needs", text=TEXT, deliver=False)
    assert wait > 0 and not codes and not PhoneCode.objects.exists()


def test_old_codes_are_pruned(sent):
    with sent():
        send()
    assert phonecode.prune(timezone.now() + dt.timedelta(hours=1)) == 0
    assert phonecode.prune(timezone.now() + phonecode.KEEP + dt.timedelta(minutes=1)) == 1
