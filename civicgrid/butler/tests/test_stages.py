"""The project stage machine, table by hand: every action × stage × actor kind."""

from __future__ import annotations

import pytest

from civicgrid.butler import stages
from civicgrid.butler.models import Project, ProjectEvent, Stage
from civicgrid.butler.tests import factories as bf
from civicgrid.core.errors import Conflict, NotAllowed

pytestmark = pytest.mark.django_db

A = stages.Action
# (stage, actor kind) → the moves allowed, written out by hand.
EXPECTED = {
    ("signed", "staff"): {A.APPROVE},
    ("signed", "team"): {A.APPROVE},
    ("approvals", "staff"): {A.BUILD},
    ("approvals", "team"): {A.BUILD},
    ("construction", "staff"): {A.PRODUCE},
    ("construction", "team"): {A.PRODUCE},
    ("production", "staff"): set(),
    ("production", "team"): set(),
}


@pytest.mark.parametrize(("stage", "kind"), list(EXPECTED))
def test_the_stage_table(stage: str, kind: str) -> None:
    project = Project(stage=stage)
    assert set(stages.allowed_actions(kind, project)) == EXPECTED[(stage, kind)]


def test_moves_append_to_the_timeline_and_refuse_readers() -> None:
    b = bf.butler_world()
    project = b.project
    stages.stage_move(project=project, by=b.cadre, action="approve")
    stages.stage_move(project=project, by=b.clerk, action="build", note="开工")
    with pytest.raises(Conflict) as wrong:
        stages.stage_move(project=project, by=b.w.dispatcher, action="approve")
    assert wrong.value.code == "wrong_stage"
    for reader in (b.leader, b.w.stranger, b.w.leader):
        with pytest.raises(NotAllowed) as refused:
            stages.stage_move(project=project, by=reader, action="produce")
        assert refused.value.code == "not_allowed"
    project.refresh_from_db()
    assert project.stage == Stage.CONSTRUCTION
    moves = list(
        ProjectEvent.objects.filter(project=project, action="stage").values_list("data", flat=True)
    )
    assert moves == [
        {"from_stage": "signed", "to_stage": "approvals"},
        {"from_stage": "approvals", "to_stage": "construction"},
    ]
    assert [k for k in stages.allowed_actions(b.leader, project)] == []
