"""The resident's message form and the console's answer and referral forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.liaison.models import MessageKind
from civicgrid.liaison.workflow import MAX_ANSWER, MAX_TEXT


class MessageForm(forms.Form):
    once = forms.CharField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(
        label=_("What is it?"),
        choices=MessageKind.choices,
        widget=forms.RadioSelect,
        initial=MessageKind.SUGGESTION,
        error_messages={"required": _("Choose what kind of message it is.")},
    )
    text = forms.CharField(
        label=_("Your message"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write your message.")},
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=60, required=False)
    phone = forms.CharField(
        label=_("Mobile number (optional)"),
        max_length=20,
        required=False,
        help_text=_(
            "Leave it to be texted when the answer comes. Without it, keep the link you get "
            "after sending: the answer is there."
        ),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that my message, name and number are kept to answer me and shown to the "
            "representative and the station's staff."
        ),
        error_messages={"required": _("Tick the box to agree, or the message cannot be sent.")},
    )

    def summary(self) -> list[tuple[str, str]]:
        return [
            (self[name].auto_id if name in self.fields else "", str(message))
            for name, messages in self.errors.items()
            for message in messages
        ]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write the answer.")},
    )


class ReferForm(forms.Form):
    category = forms.ChoiceField(label=_("Kind of need"), choices=())

    def __init__(self, *args: object, categories: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["category"].choices = categories  # type: ignore[attr-defined]
