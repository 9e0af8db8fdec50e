"""Minimum collection: no model keeps an identity-card number readable."""

from __future__ import annotations

import re

from django.apps import apps
from django.test import override_settings

from civicgrid.core.hashing import identity_digest

# Names that suggest an identity document number, in English, pinyin or Chinese.
ID_LIKE = re.compile(
    r"id_?card|identity|id_?number|id_?no\b|citizen_?id|national_?id|shenfen|sfz|身份证|证件",
    re.IGNORECASE,
)
# How a field that recognises such a number must be named: it holds a keyed hash.
SAFE_SUFFIX = ("_digest", "_hash", "_hmac")


def test_no_model_field_holds_an_identity_card_number_in_plain_text():
    offenders = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            names = [field.name, str(getattr(field, "verbose_name", "") or "")]
            suspicious = any(ID_LIKE.search(name) for name in names)
            if suspicious and not field.name.endswith(SAFE_SUFFIX):
                offenders.append(f"{model._meta.label}.{field.name}")
    assert offenders == [], f"store identity_digest(number), not the number: {offenders}"


def test_the_scan_would_catch_such_a_field():
    assert ID_LIKE.search("id_card") and ID_LIKE.search("身份证号") and ID_LIKE.search("sfz")
    assert not ID_LIKE.search("contact_phone")


@override_settings(PRIVACY_HMAC_KEY="key-one")
def test_identity_digest_is_keyed_and_normalised():
    number = "15222119800101123x"
    digest = identity_digest(number)
    assert len(digest) == 64 and number.upper() not in digest
    assert identity_digest("152221 19800101 123X") == digest
    with override_settings(PRIVACY_HMAC_KEY="key-two"):
        assert identity_digest(number) != digest
