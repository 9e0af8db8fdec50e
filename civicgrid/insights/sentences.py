"""The seed's own style of summary, from category groups kept as data (ReportLine rows):
"累计收集民情民意X条、化解矛盾风险Y件、信访代办Z件、解决实际困难W个"."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from django.utils import translation
from django.utils.translation import ngettext

from civicgrid.committees.counts import Figures as CommitteeFigures
from civicgrid.core.i18n import english, mongolian
from civicgrid.insights.kpis import Scope, kpis
from civicgrid.insights.models import ReportLine
from civicgrid.services.counts import Figures as ServiceFigures
from civicgrid.volunteers.counts import VolunteerFigures

# group, figure, Chinese words, English words
# The English words may hold {one|many}: the form for a count of one, and for any other.
SEED_LINES = [
    ("opinions", "received", "收集民情民意%(n)s条", "collected %(n)s {opinion|opinions}"),
    (
        "conflicts",
        "resolved",
        "化解矛盾风险%(n)s件",
        "resolved %(n)s {conflict or risk|conflicts and risks}",
    ),
    ("petitions", "received", "信访代办%(n)s件", "handled %(n)s {petition|petitions} by proxy"),
    (
        "difficulties",
        "resolved",
        "解决实际困难%(n)s个",
        "solved %(n)s practical {difficulty|difficulties}",
    ),
]
# The same lines in traditional Mongolian (a draft, docs/translations.md). Apart from the table
# above: the first data migration seeds that one with a model that has no Mongolian field yet.
# The number stands after a colon, so that no case suffix has to agree with it.
SEED_LINES_MN = {
    ("opinions", "received"): "ᠣᠯᠠᠨ\u202fᠤ ᠰᠠᠨᠠᠯ ᠴᠤᠭᠯᠠᠭᠤᠯᠤᠭᠰᠠᠨ᠄ %(n)s",
    ("conflicts", "resolved"): "ᠮᠠᠷᠭᠤᠯᠳᠤᠭᠠᠨ ᠠᠶᠤᠯ\u202fᠢ ᠡᠪᠯᠡᠷᠡᠭᠦᠯᠦᠭᠰᠡᠨ᠄ %(n)s",
    ("petitions", "received"): "ᠪᠢᠴᠢᠭ ᠵᠠᠬᠢᠳᠠᠯ\u202fᠢ ᠣᠷᠣᠯᠠᠨ ᠰᠢᠢᠳᠪᠦᠷᠢᠯᠡᠭᠰᠡᠨ᠄ %(n)s",
    ("difficulties", "resolved"): "ᠪᠣᠳᠠᠲᠤ ᠪᠡᠷᠬᠡᠰ\u202fᠢ ᠰᠢᠢᠳᠪᠦᠷᠢᠯᠡᠭᠰᠡᠨ᠄ %(n)s",
}
_FORMS = re.compile(r"\{([^{}|]*)\|([^{}|]*)\}")


def english_words(template: str, count: int) -> str:
    """A line's English words for `count`: its {one|many} forms chosen, the number written
    with thousands separators."""
    chosen = _FORMS.sub(lambda m: m[1] if count == 1 else m[2], template)
    return chosen % {"n": f"{count:,}"}


def seed_report_lines(model: Any = ReportLine) -> None:
    for sort, (group, figure, zh, en) in enumerate(SEED_LINES):
        model.objects.update_or_create(
            group=group,
            figure=figure,
            defaults={"template": zh, "template_en": en, "sort": sort * 10},
        )


def seed_mongolian_lines(model: Any = ReportLine) -> None:
    """Fill in the Mongolian words the seed knows; words an admin typed are kept."""
    for (group, figure), words in SEED_LINES_MN.items():
        model.objects.filter(group=group, figure=figure, template_mn="").update(template_mn=words)


def line_words(line: Any, count: int, language: str) -> str:
    """One line's words for `count` in `language` (Chinese when there are none in it)."""
    if english(language):
        return english_words(line.template_en, count)
    if mongolian(language) and line.template_mn:
        return line.template_mn % {"n": count}
    return line.template % {"n": count}


def joined(parts: list[str], language: str) -> str:
    """The lines' words as one sentence, the way each language lists things."""
    if not parts:
        return ""
    if english(language):
        text = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
        return text[0].upper() + text[1:] + "."
    if mongolian(language):
        return "ᠨᠡᠶᠢᠲᠡ ᠳᠦᠨ᠄ " + "᠂ ".join(parts) + "᠃"
    return "累计" + "、".join(parts) + "。"


def sentence(scope: Scope, language: str) -> str:
    """The summary for the scope's node and period, in Chinese, English or Mongolian."""
    parts = []
    for line in ReportLine.objects.all():
        figures = kpis(replace(scope, category=None, group=line.group, kind=""))
        count = figures.received if line.figure == ReportLine.Figure.RECEIVED else figures.resolved
        parts.append(line_words(line, count, language))
    return joined(parts, language)


# --- People who serve: the seed's own sentences, as translated source strings ----------------
# 开展志愿服务活动N场次，参与N人次，服务时长N小时。认领微心愿N个，已实现N个。
# N名在职党员、N个单位到社区报到。 Always written, zeros included, as the lines above are.


def volunteer_parts(figures: VolunteerFigures, language: str) -> list[str]:
    """The three sentences about people who serve, each whole with its full stop, in
    `language` (from the translation catalogue)."""
    with translation.override(language):
        return [
            ngettext(
                "Held %(activities)s volunteer service activity, with %(people)s attendances "
                "and %(hours)s hours of service.",
                "Held %(activities)s volunteer service activities, with %(people)s attendances "
                "and %(hours)s hours of service.",
                figures.activities,
            )
            % {
                "activities": figures.activities,
                "people": figures.participants,
                "hours": figures.hours_text,
            },
            ngettext(
                "%(claimed)s micro-wish claimed and %(fulfilled)s fulfilled.",
                "%(claimed)s micro-wishes claimed and %(fulfilled)s fulfilled.",
                figures.wishes_claimed,
            )
            % {"claimed": figures.wishes_claimed, "fulfilled": figures.wishes_fulfilled},
            ngettext(
                "%(members)s in-service party member and %(units)s units registered with "
                "their communities.",
                "%(members)s in-service party members and %(units)s units registered with "
                "their communities.",
                figures.members,
            )
            % {"members": figures.members, "units": figures.units},
        ]


def volunteer_sentence(figures: VolunteerFigures, language: str) -> str:
    """The sentences about people who serve as one paragraph: Chinese runs its sentences on,
    English and Mongolian put a space between them."""
    separator = " " if english(language) or mongolian(language) else ""
    return separator.join(volunteer_parts(figures, language))


# --- Joint committees: 联合党委帮助解决实际问题N件 ------------------------------------------------


def committee_parts(figures: CommitteeFigures, language: str) -> list[str]:
    """The sentences about the joint committees, each whole with its full stop, in `language`
    (from the translation catalogue). Always written, zeros included."""
    with translation.override(language):
        return [
            ngettext(
                "The joint committees helped solve %(helped)s practical problem.",
                "The joint committees helped solve %(helped)s practical problems.",
                figures.helped,
            )
            % {"helped": figures.helped},
            ngettext(
                "They held %(meetings)s joint meeting and made %(decisions)s decisions; "
                "%(on_time)s of %(done)s tasks were done on time.",
                "They held %(meetings)s joint meetings and made %(decisions)s decisions; "
                "%(on_time)s of %(done)s tasks were done on time.",
                figures.meetings_held,
            )
            % {
                "meetings": figures.meetings_held,
                "decisions": figures.decisions_made,
                "on_time": figures.tasks_done_on_time,
                "done": figures.tasks_done,
            },
        ]


def committee_sentence(figures: CommitteeFigures, language: str) -> str:
    separator = " " if english(language) or mongolian(language) else ""
    return separator.join(committee_parts(figures, language))


# --- Services close to home: 为群众提供便民服务N次 ------------------------------------------------


def services_parts(figures: ServiceFigures, language: str) -> list[str]:
    """The sentences about the services close to home, each whole with its full stop."""
    with translation.override(language):
        return [
            ngettext(
                "Convenience services were given to residents %(done)s time "
                "(%(door)s door to door, %(late)s after hours).",
                "Convenience services were given to residents %(done)s times "
                "(%(door)s door to door, %(late)s after hours).",
                figures.done,
            )
            % {"done": figures.done, "door": figures.door, "late": figures.after_hours},
            ngettext(
                "Rooms were booked %(bookings)s time, for %(hours)s hours.",
                "Rooms were booked %(bookings)s times, for %(hours)s hours.",
                figures.room_bookings,
            )
            % {"bookings": figures.room_bookings, "hours": f"{figures.room_hours:g}"},
        ]


def services_sentence(figures: ServiceFigures, language: str) -> str:
    separator = " " if english(language) or mongolian(language) else ""
    return separator.join(services_parts(figures, language))
