"""The seed's own style of summary, from category groups kept as data (ReportLine rows):
"累计收集民情民意X条、化解矛盾风险Y件、信访代办Z件、解决实际困难W个"."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from civicgrid.core.i18n import english, mongolian
from civicgrid.insights.kpis import Scope, kpis
from civicgrid.insights.models import ReportLine

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
