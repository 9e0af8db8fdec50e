"""Texts through Tencent Cloud SMS (API version 2021-01-11, with Tencent's own SDK).

A mainland text can only be sent with a template and a signature the provider approved, so the
backend sends the message's `TemplateRef` (template id, signature, params in the template's
order), never its rendered body. Settings (django.conf.settings):

    TENCENT_SMS_SECRET_ID, TENCENT_SMS_SECRET_KEY  an API key of a sub-account allowed to SendSms
    TENCENT_SMS_SDK_APP_ID                         the SMS application (1400xxxxxx)
    TENCENT_SMS_REGION                             "ap-guangzhou"
    TENCENT_SMS_ENDPOINT                           "sms.tencentcloudapi.com"; "http://host:port"
                                                   talks plain http (the tests' fake provider)
    TENCENT_SMS_TIMEOUT                            seconds, 5

The SDK's own retries and region breaker stay off: the outreach worker retries with back-off,
and one layer of retries is enough to reason about.
"""

from __future__ import annotations

from django.conf import settings
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from civicgrid.network.models import MOBILE_RE
from civicgrid.outreach.backends.base import Failure, PermanentFailure, TemporaryFailure, Text

# Error families that are about this message (its number, template, signature or params) or
# about how we built the request: sending it again cannot go better.
PERMANENT_FAMILIES = {
    "FailedOperation",  # template or signature unapproved, number blacklisted (the resident
    # unsubscribed by replying TD), sensitive words, params not matching the template
    "InvalidParameter",
    "InvalidParameterValue",  # an incorrect number, a param too long or badly formed
    "MissingParameter",
    "UnknownParameter",
    "UnsupportedOperation",
    "ClientError",  # the SDK refused to build the request
    "ClientParamsError",
}
# Exceptions within those families: the account, not the message, is at fault, and the message
# goes once an operator acts (tops the package up), so it is worth trying again later.
TEMPORARY_CODES = {
    "FailedOperation.InsufficientBalanceInSmsPackage",
    "FailedOperation.OtherError",
}
# A LimitExceeded that no waiting lifts: the country or region is blocked for the application.
PERMANENT_CODES = {"LimitExceeded.AppCountryOrRegionInBlacklist"}


def failure(code: str, message: str) -> Failure:
    """The failure for a Tencent error code. Everything not known to be permanent is temporary:
    rate limits (`LimitExceeded.*`, `RequestLimitExceeded`), `InternalError.*`, network errors
    and timeouts (`ClientNetworkError`), non-200 answers (`ServerNetworkError`), credentials
    (`AuthFailure.*`, `UnauthorizedOperation.*`: an operator fixes them and the message still
    goes) and codes we do not know. The worker's retries are bounded, while a permanent
    failure loses the message at once."""
    if code in TEMPORARY_CODES:
        return TemporaryFailure(message, code=code)
    if code in PERMANENT_CODES or code.split(".")[0] in PERMANENT_FAMILIES:
        return PermanentFailure(message, code=code)
    return TemporaryFailure(message, code=code)


class TencentSmsBackend:
    channel = "sms"

    def can_send(self, text: Text) -> bool:
        return bool(MOBILE_RE.fullmatch(text.mobile)) and text.template is not None

    def send(self, text: Text) -> str:
        template = text.template
        if template is None:
            raise PermanentFailure("no approved SMS template for this message", code="NoTemplate")
        if not MOBILE_RE.fullmatch(text.mobile):
            raise PermanentFailure("not a mainland mobile number", code="NoMobile")
        try:
            values = [text.params[name] for name in template.params]
        except KeyError as missing:
            raise PermanentFailure(
                f"template {template.template_id} wants {missing}, which the text lacks",
                code="MissingParam",
            ) from None

        request = models.SendSmsRequest()
        request.PhoneNumberSet = ["+86" + text.mobile]
        request.SmsSdkAppId = settings.TENCENT_SMS_SDK_APP_ID
        request.SignName = template.sign_name
        request.TemplateId = template.template_id
        request.TemplateParamSet = values
        try:
            response = client().SendSms(request)
        except TencentCloudSDKException as e:
            raise failure(str(e.get_code() or ""), str(e.get_message() or "")) from e

        # One number per request, so one status; its Code is the message's own outcome (the
        # request as a whole can succeed while the number is refused).
        statuses = response.SendStatusSet or []
        if not statuses:
            raise TemporaryFailure("Tencent answered without a send status", code="NoStatus")
        status = statuses[0]
        if status.Code != "Ok":
            raise failure(str(status.Code or ""), str(status.Message or ""))
        return str(status.SerialNo or "")


def client() -> sms_client.SmsClient:
    secret_id = settings.TENCENT_SMS_SECRET_ID
    secret_key = settings.TENCENT_SMS_SECRET_KEY
    if not (secret_id and secret_key and settings.TENCENT_SMS_SDK_APP_ID):
        # Temporary: the messages wait (within the worker's retries) for an operator to set
        # the account up rather than being dropped.
        raise TemporaryFailure(
            "TENCENT_SMS_SECRET_ID, TENCENT_SMS_SECRET_KEY and TENCENT_SMS_SDK_APP_ID must be set",
            code="NotConfigured",
        )
    endpoint = settings.TENCENT_SMS_ENDPOINT
    scheme, _, host = endpoint.rpartition("://")
    http = HttpProfile(
        protocol=scheme or "https",
        endpoint=host,
        reqTimeout=settings.TENCENT_SMS_TIMEOUT,
    )
    return sms_client.SmsClient(
        Credential(secret_id, secret_key),
        settings.TENCENT_SMS_REGION,
        ClientProfile(httpProfile=http),
    )
