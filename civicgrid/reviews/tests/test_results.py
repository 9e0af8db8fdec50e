"""Results counted per department (results.py) equal a recount of the answers; the xlsx
holds them; the publication rule (publication.py): a draft, open or closed round's results
are not public, a published one shows averages and counts and only the comments staff
marked public."""

from __future__ import annotations

import io
import random
from collections import Counter

import openpyxl
import pytest
from django.core.cache import cache

from civicgrid.core.errors import NotAllowed
from civicgrid.reviews import publication, results, rounds, services
from civicgrid.reviews.models import Answer, Response
from civicgrid.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh() -> None:
    cache.clear()


def answered(rv: rf.Reviews, n: int = 12, seed: int = 3) -> None:
    draw = random.Random(seed)
    for i in range(n):
        rf.respond(
            rv,
            phone=f"138000000{i:02d}",
            department=rv.dept if i % 3 else rv.other,
            score=draw.randint(1, 5),
            choice=draw.choice(["o1", "o2"]),
            comment=draw.choice(["", f"意见{i}"]),
        )


def test_results_equal_a_recount_of_the_answers():
    rv = rf.opened()
    answered(rv)
    rows = {r.department_id: r for r in results.tally(rv.round)}
    for dept in (rv.dept, rv.other):
        mine = Answer.objects.filter(response__department=dept)
        row = rows[dept.pk]
        assert row.responses == Response.objects.filter(department=dept).count()
        scores = Counter(mine.filter(question=rv.score).values_list("score", flat=True))
        by_q = {q.question_id: q for q in row.questions}
        assert by_q[rv.score.pk].distribution == {s: scores.get(s, 0) for s in range(1, 6)}
        total = sum(scores.values())
        expected = round(sum(s * n for s, n in scores.items()) / total, 2) if total else None
        assert by_q[rv.score.pk].average == expected == row.average
        choices = Counter(mine.filter(question=rv.choice).values_list("choice", flat=True))
        assert [(v, n) for v, _label, n in by_q[rv.choice.pk].choices] == [
            ("o1", choices.get("o1", 0)),
            ("o2", choices.get("o2", 0)),
        ]
        comments = set(mine.exclude(comment="").values_list("comment", flat=True))
        assert {c.text for c in by_q[rv.comment.pk].comments} == comments
        assert by_q[rv.comment.pk].answered == len(comments)


def test_no_results_are_public_before_publication():
    rv = rf.draft()
    assert not publication.listed(rv.round) and publication.public_results(rv.round) == []
    rounds.round_open(by=rv.w.town_staff, round=rv.round)
    rv.round.refresh_from_db()
    answered(rv, n=3)
    assert publication.listed(rv.round) and publication.public_results(rv.round) == []
    rounds.round_close(by=rv.w.town_staff, round=rv.round)
    rv.round.refresh_from_db()
    assert not publication.listed(rv.round) and publication.public_results(rv.round) == []
    rounds.round_publish(by=rv.w.town_staff, round=rv.round)
    rv.round.refresh_from_db()
    assert [r.responses for r in publication.public_results(rv.round)] == [
        r.responses for r in results.tally(rv.round)
    ]


def test_comments_are_public_only_when_staff_mark_them():
    rv = rf.opened()
    rf.respond(rv, comment="窗口态度很好")
    rf.respond(rv, phone="13800000009", comment="电话打不通")
    rounds.round_close(by=rv.w.town_staff, round=rv.round)
    rounds.round_publish(by=rv.w.town_staff, round=rv.round)
    rv.round.refresh_from_db()

    def public_comments() -> list[str]:
        return [
            c.text
            for r in publication.public_results(rv.round)
            for q in r.questions
            for c in q.comments
        ]

    assert public_comments() == []
    good = Answer.objects.get(comment="窗口态度很好")
    with pytest.raises(NotAllowed):
        services.comment_mark(by=rv.w.leader, answer=good, public=True)
    services.comment_mark(by=rv.w.town_staff, answer=good, public=True)
    assert public_comments() == ["窗口态度很好"]
    services.comment_mark(by=rv.w.town_staff, answer=good, public=False)
    assert public_comments() == []


def test_the_xlsx_holds_the_figures_and_the_comments_as_text():
    rv = rf.opened()
    rf.respond(rv, score=5, comment='=HYPERLINK("http://x")')
    rf.respond(rv, phone="13800000009", score=2)
    data = results.results_xlsx(rv.round, results.tally(rv.round))
    book = openpyxl.load_workbook(io.BytesIO(data))
    figures, comments = book.worksheets
    rows = [list(r) for r in figures.iter_rows(values_only=True)]
    mine = [r for r in rows if r[0] == "城管局" and r[2] == "总体满意度"]
    assert mine and mine[0][1] == 2 and mine[0][4] == 3.5
    assert mine[0][5:10] == [0, 1, 0, 0, 1]
    texts = [r[2] for r in comments.iter_rows(min_row=2, values_only=True)]
    assert texts == ['=HYPERLINK("http://x")']
    cell = comments.cell(row=2, column=3)
    assert cell.data_type == "s"
