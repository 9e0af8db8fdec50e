"""The demo's mailbox builds on a small world dressed as 红星街道 and 顺元社区: proposals in
every state, supports, the selection with four projects, one done on time, one in progress."""

from __future__ import annotations

import pytest

from civicgrid.demo.mailbox import HONGXING, SHUNYUAN, build_mailbox
from civicgrid.mailbox import counts
from civicgrid.mailbox.models import Call, LivelihoodProject, ProposalState
from civicgrid.needs.tests.factories import world
from civicgrid.network.models import Node

pytestmark = pytest.mark.django_db


def test_build_mailbox() -> None:
    w = world()
    Node.objects.filter(pk=w.t["town1"].pk).update(code=HONGXING)
    Node.objects.filter(pk=w.t["comm1"].pk).update(code=SHUNYUAN)
    build_mailbox(days=365)
    build_mailbox(days=365)  # a second run leaves it as it is
    call = Call.objects.get()
    figures = counts.counts(call)
    assert figures["proposals"] == 15
    assert figures["by_state"][ProposalState.SELECTED] == 4
    assert figures["by_state"][ProposalState.DECLINED] == 3
    assert figures["by_state"][ProposalState.MERGED] == 1
    assert figures["by_state"][ProposalState.PUBLISHED] == 0
    assert figures["supports"] > 300
    assert (figures["projects"], figures["projects_done"], figures["projects_done_on_time"]) == (
        4,
        1,
        1,
    )
    lights = LivelihoodProject.objects.get(title="顺元小区老旧院落路灯改造")
    assert lights.finished_on is None
    assert lights.milestones.filter(done_on__isnull=False).exists()
