"""Tencent Cloud SMS: the real SDK against a fake SendSms on 127.0.0.1 that checks what Tencent
checks (the TC3-HMAC-SHA256 signature over the body with our key) and answers as Tencent does.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from civicgrid.outreach.backends.base import PermanentFailure, TemplateRef, TemporaryFailure, Text
from civicgrid.outreach.backends.tencent import TencentSmsBackend, client
from civicgrid.outreach.backends.tests.fakeserver import FakeServer, Reply, Seen, closed_port, serve

SECRET_ID = "AKIDtestsecretid0000"
SECRET_KEY = "test-secret-key"
APP_ID = "1400000001"

TEMPLATE = TemplateRef(template_id="2233445", sign_name="党群服务", params=("number", "link"))
TEXT = Text(
    kind="taken",
    language="zh-hans",
    body="您的诉求 K7M4QXP2 已有人受理",
    # Not in the template's order: the template's order must win.
    params={"link": "https://example.org/t/K7M4QXP2?k=abc", "number": "K7M4QXP2"},
    mobile="13812345678",
    template=TEMPLATE,
)


def sent(serial: str = "2028:4820716540117611111") -> dict:
    return {
        "Response": {
            "SendStatusSet": [
                {
                    "SerialNo": serial,
                    "PhoneNumber": "+8613812345678",
                    "Fee": 1,
                    "SessionContext": "",
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
            ],
            "RequestId": str(uuid.uuid4()),
        }
    }


def status(code: str, message: str) -> dict:
    answer = sent(serial="")
    answer["Response"]["SendStatusSet"][0].update(Code=code, Message=message, Fee=0)
    return answer


def error(code: str, message: str = "refused") -> dict:
    return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r-1"}}


def signature(seen: Seen, secret_key: str) -> str:
    """TC3-HMAC-SHA256 as Tencent's gateway computes it (cloud.tencent.com/document/api/382)."""
    timestamp = seen.headers["x-tc-timestamp"]
    date = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{seen.headers['content-type']}\nhost:{seen.headers['host']}\n",
            "content-type;host",
            hashlib.sha256(seen.body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            timestamp,
            f"{date}/sms/tc3_request",
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )
    key = ("TC3" + secret_key).encode()
    for part in (date, "sms", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/sms/tc3_request, "
    r"SignedHeaders=content-type;host, Signature=(?P<signature>[0-9a-f]{64})"
)


@dataclass
class FakeTencent:
    """SendSms answering the scripted replies in turn, then success."""

    replies: list[Reply] = field(default_factory=list)
    server: FakeServer | None = None

    def answer(self, seen: Seen) -> Reply:
        auth = AUTHORIZATION.fullmatch(seen.headers.get("authorization", ""))
        if (
            auth is None
            or auth["id"] != SECRET_ID
            or auth["signature"] != signature(seen, SECRET_KEY)
            or seen.headers.get("x-tc-action") != "SendSms"
            or seen.headers.get("x-tc-version") != "2021-01-11"
        ):
            return Reply(
                error(
                    "AuthFailure.SignatureFailure",
                    "The provided credentials could not be validated.",
                )
            )
        return self.replies.pop(0) if self.replies else Reply(sent())

    @property
    def seen(self) -> list[Seen]:
        assert self.server is not None
        return self.server.seen


@pytest.fixture
def tencent(settings) -> Iterator[FakeTencent]:
    fake = FakeTencent()
    with serve(fake.answer) as server:
        fake.server = server
        settings.TENCENT_SMS_SECRET_ID = SECRET_ID
        settings.TENCENT_SMS_SECRET_KEY = SECRET_KEY
        settings.TENCENT_SMS_SDK_APP_ID = APP_ID
        settings.TENCENT_SMS_ENDPOINT = f"http://{server.address}"
        settings.TENCENT_SMS_TIMEOUT = 0.5
        yield fake


def test_a_text_goes_signed_with_the_approved_template_and_its_serial_number_comes_back(tencent):
    assert TencentSmsBackend().send(TEXT) == "2028:4820716540117611111"

    [seen] = tencent.seen
    assert seen.method == "POST" and seen.path == "/"
    assert seen.headers["x-tc-action"] == "SendSms"
    assert seen.headers["x-tc-version"] == "2021-01-11"
    assert seen.headers["x-tc-region"] == "ap-guangzhou"
    auth = AUTHORIZATION.fullmatch(seen.headers["authorization"])
    assert auth is not None and auth["id"] == SECRET_ID
    assert auth["signature"] == signature(seen, SECRET_KEY)
    body = seen.json()
    assert body["PhoneNumberSet"] == ["+8613812345678"]
    assert body["SmsSdkAppId"] == APP_ID
    assert body["SignName"] == "党群服务"
    assert body["TemplateId"] == "2233445"
    assert body["TemplateParamSet"] == ["K7M4QXP2", "https://example.org/t/K7M4QXP2?k=abc"]


def test_the_fake_refuses_a_request_signed_with_another_key(tencent, settings):
    # The success above means something only if a wrong signature is refused.
    settings.TENCENT_SMS_SECRET_KEY = "another-key"
    with pytest.raises(TemporaryFailure) as refused:
        TencentSmsBackend().send(TEXT)
    assert refused.value.code == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("FailedOperation.TemplateIncorrectOrUnapproved", PermanentFailure),
        ("FailedOperation.SignatureIncorrectOrUnapproved", PermanentFailure),
        ("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", PermanentFailure),
        ("FailedOperation.PhoneNumberInBlacklist", PermanentFailure),
        ("InvalidParameterValue.IncorrectPhoneNumber", PermanentFailure),
        ("InvalidParameterValue.TemplateParameterLengthLimit", PermanentFailure),
        ("UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber", PermanentFailure),
        ("LimitExceeded.AppCountryOrRegionInBlacklist", PermanentFailure),
        ("LimitExceeded.PhoneNumberDailyLimit", TemporaryFailure),
        ("LimitExceeded.DeliveryFrequencyLimit", TemporaryFailure),
        ("RequestLimitExceeded", TemporaryFailure),
        ("InternalError.Timeout", TemporaryFailure),
        ("InternalError.SendAndRecvFail", TemporaryFailure),
        ("FailedOperation.InsufficientBalanceInSmsPackage", TemporaryFailure),
        ("UnauthorizedOperation.ServiceSuspendDueToArrears", TemporaryFailure),
        ("SomethingTencentAddsLater", TemporaryFailure),
    ],
)
def test_an_error_answer_is_permanent_only_when_trying_again_cannot_help(tencent, code, kind):
    tencent.replies.append(Reply(error(code)))
    with pytest.raises(kind) as failed:
        TencentSmsBackend().send(TEXT)
    assert type(failed.value) is kind and failed.value.code == code


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("InvalidParameterValue.IncorrectPhoneNumber", PermanentFailure),
        ("FailedOperation.ContainSensitiveWord", PermanentFailure),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", TemporaryFailure),
    ],
)
def test_a_number_refused_inside_a_successful_answer_is_a_failure(tencent, code, kind):
    tencent.replies.append(Reply(status(code, "refused for this number")))
    with pytest.raises(kind) as failed:
        TencentSmsBackend().send(TEXT)
    assert type(failed.value) is kind and failed.value.code == code


def test_a_server_error_is_temporary(tencent):
    tencent.replies.append(
        Reply(b"<html>502 Bad Gateway</html>", status=500, content_type="text/html")
    )
    with pytest.raises(TemporaryFailure) as failed:
        TencentSmsBackend().send(TEXT)
    assert failed.value.code == "ServerNetworkError"


def test_an_answer_without_a_status_is_temporary(tencent):
    tencent.replies.append(Reply({"Response": {"SendStatusSet": [], "RequestId": "r-2"}}))
    with pytest.raises(TemporaryFailure) as failed:
        TencentSmsBackend().send(TEXT)
    assert failed.value.code == "NoStatus"


def test_a_refused_connection_is_temporary(settings, tencent):
    settings.TENCENT_SMS_ENDPOINT = f"http://{closed_port()}"
    with pytest.raises(TemporaryFailure) as failed:
        TencentSmsBackend().send(TEXT)
    assert failed.value.code == "ClientNetworkError"


def test_a_provider_slower_than_the_timeout_is_temporary_and_does_not_hold_the_worker(
    tencent, settings
):
    settings.TENCENT_SMS_TIMEOUT = 0.3
    tencent.replies.append(Reply(sent(), delay=1.5))
    started = time.monotonic()
    with pytest.raises(TemporaryFailure) as failed:
        TencentSmsBackend().send(TEXT)
    assert time.monotonic() - started < 1.0
    assert failed.value.code == "ClientNetworkError"


def test_without_a_template_nothing_is_sent_and_nothing_retried(tencent):
    untemplated = Text(kind="taken", language="mn-mong", body="…", mobile="13812345678")
    assert not TencentSmsBackend().can_send(untemplated)
    with pytest.raises(PermanentFailure) as failed:
        TencentSmsBackend().send(untemplated)
    assert failed.value.code == "NoTemplate" and tencent.seen == []


def test_a_param_the_template_wants_and_the_text_lacks_is_permanent(tencent):
    text = Text(
        kind="taken",
        language="zh-hans",
        body="…",
        params={"number": "K7M4QXP2"},
        mobile="13812345678",
        template=TEMPLATE,
    )
    with pytest.raises(PermanentFailure) as failed:
        TencentSmsBackend().send(text)
    assert failed.value.code == "MissingParam" and tencent.seen == []


@pytest.mark.parametrize(
    ("mobile", "template", "can"),
    [
        ("13812345678", TEMPLATE, True),
        ("19912345678", TEMPLATE, True),
        ("13812345678", None, False),
        ("", TEMPLATE, False),
        ("1381234567", TEMPLATE, False),
        ("12812345678", TEMPLATE, False),
        ("+8613812345678", TEMPLATE, False),
        ("13812345678\n", TEMPLATE, False),
    ],
)
def test_only_a_mainland_mobile_with_a_template_can_be_texted(mobile, template, can):
    text = Text(kind="received", language="zh-hans", body="…", mobile=mobile, template=template)
    assert TencentSmsBackend().can_send(text) is can


def test_an_unconfigured_account_is_temporary_and_sends_nothing(tencent, settings):
    settings.TENCENT_SMS_SECRET_KEY = ""
    with pytest.raises(TemporaryFailure) as failed:
        TencentSmsBackend().send(TEXT)
    assert failed.value.code == "NotConfigured" and tencent.seen == []


def test_by_default_the_client_talks_https_to_tencent_with_a_short_timeout(settings):
    # The project's defaults (civicgrid/settings.py, with no TENCENT_SMS_* in the environment).
    settings.TENCENT_SMS_SECRET_ID = SECRET_ID
    settings.TENCENT_SMS_SECRET_KEY = SECRET_KEY
    settings.TENCENT_SMS_SDK_APP_ID = APP_ID
    sms = client()
    http = sms.profile.httpProfile
    assert (http.scheme, http.endpoint, http.reqTimeout) == ("https", "sms.tencentcloudapi.com", 5)
    assert sms.region == "ap-guangzhou" and sms.profile.retryer is None
    assert sms.profile.disable_region_breaker
