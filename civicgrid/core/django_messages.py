"""Django's own form and validation messages, kept in CivicGrid's catalogues.

Django ships no traditional Mongolian catalogue, and Python's gettext falls back from `mn_Mong`
to Django's `mn`, which is Cyrillic: a resident who leaves a field empty would read Cyrillic.
Listing the messages here puts them into `locale/mn_Mong` (makemessages finds them), where
they win over Django's. The strings are Django's, byte for byte (taken from its English
catalogue: forms/fields.py, forms/forms.py, forms/formsets.py, forms/models.py, forms/utils.py,
core/validators.py, utils/text.py); a test holds this list to Django's.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop


def ngettext(singular: str, plural: str, number: str) -> tuple[str, str]:
    """Marks a plural message for makemessages (whose keywords include `ngettext:1,2`)
    without translating it here: the form shows it, translated, when Django raises it."""
    return singular, plural


MESSAGES = (
    gettext_noop("Enter a valid value."),
    gettext_noop("Enter a valid domain name."),
    gettext_noop("Enter a valid URL."),
    gettext_noop("Enter a valid integer."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."),
    gettext_noop(
        "Enter a valid “slug” consisting of Unicode letters, numbers, underscores, or hyphens."
    ),
    gettext_noop("Enter a valid %(protocol)s address."),
    gettext_noop("IPv4"),
    gettext_noop("IPv6"),
    gettext_noop("IPv4 or IPv6"),
    gettext_noop("Enter only digits separated by commas."),
    gettext_noop("Ensure this value is %(limit_value)s (it is %(show_value)s)."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is a multiple of step size %(limit_value)s."),
    gettext_noop(
        "Ensure this value is a multiple of step size %(limit_value)s, starting from %(offset)s, e.g. %(offset)s, %(valid_value1)s, %(valid_value2)s, and so on."  # noqa: E501
    ),
    ngettext(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "n",
    ),
    ngettext(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "n",
    ),
    gettext_noop("Enter a number."),
    ngettext(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        "n",
    ),
    ngettext(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        "n",
    ),
    ngettext(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        "n",
    ),
    gettext_noop(
        "File extension “%(extension)s” is not allowed. Allowed extensions are: %(allowed_extensions)s."  # noqa: E501
    ),
    gettext_noop("Null characters are not allowed."),
    gettext_noop("and"),
    gettext_noop("This field is required."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a valid time."),
    gettext_noop("Enter a valid date/time."),
    gettext_noop("Enter a valid duration."),
    gettext_noop("The number of days must be between {min_days} and {max_days}."),
    gettext_noop("No file was submitted. Check the encoding type on the form."),
    gettext_noop("No file was submitted."),
    gettext_noop("The submitted file is empty."),
    ngettext(
        "Ensure this filename has at most %(max)d character (it has %(length)d).",
        "Ensure this filename has at most %(max)d characters (it has %(length)d).",
        "n",
    ),
    gettext_noop("Please either submit a file or check the clear checkbox, not both."),
    gettext_noop(
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
    ),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Enter a list of values."),
    gettext_noop("Enter a complete value."),
    gettext_noop("Enter a valid UUID."),
    gettext_noop("Enter a valid JSON."),
    gettext_noop(":"),
    gettext_noop("(Hidden field %(name)s) %(error)s"),
    gettext_noop(
        "ManagementForm data is missing or has been tampered with. Missing fields: %(field_names)s. You may need to file a bug report if the issue persists."  # noqa: E501
    ),
    ngettext("Please submit at most %(num)d form.", "Please submit at most %(num)d forms.", "n"),
    ngettext("Please submit at least %(num)d form.", "Please submit at least %(num)d forms.", "n"),
    gettext_noop("Order"),
    gettext_noop("Delete"),
    gettext_noop("Please correct the duplicate data for %(field)s."),
    gettext_noop("Please correct the duplicate data for %(field)s, which must be unique."),
    gettext_noop(
        "Please correct the duplicate data for %(field_name)s which must be unique for the %(lookup)s in %(date_field)s."  # noqa: E501
    ),
    gettext_noop("Please correct the duplicate values below."),
    gettext_noop("The inline value did not match the parent instance."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("“%(pk)s” is not a valid value."),
    gettext_noop(
        "%(datetime)s couldn’t be interpreted in time zone %(current_timezone)s; it may be ambiguous or it may not exist."  # noqa: E501
    ),
    gettext_noop("or"),
    gettext_noop(", "),
)
