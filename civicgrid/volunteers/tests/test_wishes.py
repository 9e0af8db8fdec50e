"""Micro-wishes: the transition table (every action × state × actor kind, the expected table
written out by hand), the commands' own rules, the race for a claim on PostgreSQL, the
reminder sent once, and what bad input is told."""

from __future__ import annotations

import datetime as dt
import io
import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone, translation
from PIL import Image

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.models import Notification
from civicgrid.network.models import Membership, Organisation, OrgKind, Person, Role
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import events, wish_reminders, wishes
from civicgrid.volunteers.models import MemberMonth, VolunteerEvent, Wish, WishState
from civicgrid.volunteers.tests import factories as vf
from civicgrid.volunteers.wishes import Action, By

pytestmark = pytest.mark.django_db

TOMORROW = dt.timedelta(days=1)


def post(c: vf.Crew, **overrides: Any) -> Wish:
    fields: dict[str, Any] = {
        "by": By(c.w.dispatcher),
        "community": c.w.t["comm1"],
        "title": "一件冬衣",
        "story": "独居老人，冬天缺一件厚棉衣。",
        "public_name": "一位老人",
        "person_name": "王秀兰",
        "person_mobile": "13812345678",
        "needed_by": timezone.localdate() + dt.timedelta(days=10),
    }
    fields.update(overrides)
    return wishes.wish_post(**fields)


@pytest.fixture
def c() -> vf.Crew:
    return vf.crew()


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source."""
    with translation.override("en"):
        yield


# --- Who is what --------------------------------------------------------------------------

# A person for each actor kind, holding that kind only (the claimer holds no role: the kind is
# theirs by the wish alone), and people who are none of them.
KINDS = ("poster_staff", "claimer", "member", "beneficiary", "system", "leader", "other_staff")


def actors(c: vf.Crew) -> dict[str, By]:
    claimer = Person.objects.get(name="认领人")
    return {
        "poster_staff": By(c.w.dispatcher),
        "claimer": By(claimer),
        "member": By(c.member),
        "beneficiary": wishes.BENEFICIARY,
        "system": wishes.SYSTEM,
        "leader": By(c.w.leader),
        "other_staff": By(c.w.stranger),
    }


def in_state(c: vf.Crew, state: str) -> Wish:
    """A wish of comm1 put straight into `state` (claimed by 认领人 from claimed on)."""
    claimer = Person.objects.get(name="认领人")
    claimed = state in (WishState.CLAIMED, WishState.FULFILLED, WishState.CONFIRMED)
    return Wish.objects.create(
        community=c.w.t["comm1"],
        title="书包",
        public_name="一个孩子",
        needed_by=timezone.localdate() + dt.timedelta(days=5),
        state=state,
        posted_by=c.w.dispatcher,
        claimed_by=claimer if claimed else None,
        claimed_at=timezone.now() if claimed else None,
        created_at=timezone.now(),
    )


def test_each_actor_holds_the_kind_it_stands_for(c: vf.Crew):
    nf.person("认领人")
    wish = in_state(c, WishState.CLAIMED)
    expected = {
        "poster_staff": {wishes.Actor.POSTER_STAFF},
        "claimer": {wishes.Actor.CLAIMER},
        "member": {wishes.Actor.MEMBER},
        "beneficiary": {wishes.Actor.BENEFICIARY},
        "system": {wishes.Actor.SYSTEM},
        "leader": set(),
        "other_staff": set(),
    }
    assert {k: wishes.actor_kinds(wish, by) for k, by in actors(c).items()} == expected


# The expected table, by hand: action → state → the actor kinds that may.
EXPECTED: dict[str, dict[str, set[str]]] = {
    "claim": {"posted": {"member"}},
    "release": {"claimed": {"claimer"}},
    "fulfil": {"claimed": {"claimer"}},
    "confirm": {"fulfilled": {"poster_staff", "beneficiary"}},
    "return": {"fulfilled": {"poster_staff"}},
    "withdraw": {"posted": {"poster_staff"}, "claimed": {"poster_staff"}},
}
TARGET = {
    "claim": "claimed",
    "release": "posted",
    "fulfil": "fulfilled",
    "confirm": "confirmed",
    "return": "claimed",
    "withdraw": "withdrawn",
}
PARAMS: dict[str, dict[str, Any]] = {
    "claim": {},
    "release": {},
    "fulfil": {"note": "棉衣已送到老人家里"},
    "confirm": {},
    "return": {"reason": "照片看不清"},
    "withdraw": {"reason": "家人已经买了"},
}


def test_every_action_in_every_state_by_every_actor_kind(c: vf.Crew):
    nf.person("认领人")
    by_kind = actors(c)
    wrong = []
    cases = 0
    for action, params in PARAMS.items():
        for state in WishState.values:
            for kind in KINDS:
                cases += 1
                wish = in_state(c, state)
                allowed = kind in EXPECTED[action].get(state, set())
                by = by_kind[kind]
                assert wishes.may(wish, by, Action(action)) is allowed, (action, state, kind)
                try:
                    wishes.transition(wish, action, by, **params)
                    done = True
                except (Conflict, NotAllowed):
                    done = False
                wish.refresh_from_db()
                events_now = list(VolunteerEvent.objects.filter(wish=wish))
                if done != allowed:
                    wrong.append((action, state, kind, done))
                elif done:
                    assert wish.state == TARGET[action], (action, state, kind)
                    assert [(e.action, e.from_state, e.to_state) for e in events_now] == [
                        (action, state, TARGET[action])
                    ]
                else:
                    assert wish.state == state and not events_now, (action, state, kind)
    assert not wrong, wrong
    assert cases == 6 * 5 * 7


def test_the_table_and_the_expected_table_say_the_same():
    kinds = {
        wishes.Actor.POSTER_STAFF: "poster_staff",
        wishes.Actor.CLAIMER: "claimer",
        wishes.Actor.MEMBER: "member",
        wishes.Actor.BENEFICIARY: "beneficiary",
        wishes.Actor.SYSTEM: "system",
    }
    from_table = {
        str(action): {str(s): {kinds[a] for a in rule.actors} for s in rule.sources}
        for action, rule in wishes.TRANSITIONS.items()
        if action != Action.POST
    }
    assert from_table == EXPECTED


def test_who_may_post(c: vf.Crew):
    gridworker = c.w.grid_worker  # a grid worker of gridA, inside comm1
    allowed = {
        "community staff": c.w.dispatcher,
        "town staff above": c.w.town_staff,
        "a grid worker of one of its grids": gridworker,
    }
    refused = {
        "a leader (read-only)": c.w.leader,
        "another community's staff": c.w.stranger,
        "a party member": c.member,
        "a unit's contact": c.w.unit_member,
    }
    for label, who in allowed.items():
        assert post(c, by=By(who)).state == WishState.POSTED, label
    for label, who in refused.items():
        with pytest.raises(NotAllowed):
            post(c, by=By(who))
        assert label
    for by in (wishes.SYSTEM, wishes.BENEFICIARY):
        with pytest.raises(NotAllowed):
            post(c, by=by)
    assert Wish.objects.count() == len(allowed)
    first = VolunteerEvent.objects.filter(wish__isnull=False).order_by("id").first()
    assert first is not None and (first.action, first.to_state) == ("post", "posted")


# --- The commands' own rules --------------------------------------------------------------


def test_the_claiming_person_is_the_events_person_up_to_the_confirmation(c: vf.Crew):
    heard: list[events.Happened] = []
    events.subscribe("wish.confirm", heard.append)
    try:
        wish = post(c)
        wishes.wish_claim(wish=wish, by=By(c.member))
        wishes.wish_fulfil(wish=wish, by=By(c.member), note="送去了棉衣")
        wishes.wish_confirm(wish=wish, by=By(c.w.dispatcher))
    finally:
        events._handlers["wish.confirm"].remove((heard.append, "transaction"))
    wish.refresh_from_db()
    assert wish.state == WishState.CONFIRMED and wish.confirmed_at is not None
    timeline = list(VolunteerEvent.objects.filter(wish=wish).order_by("seq"))
    assert [e.action for e in timeline] == ["post", "claim", "fulfil", "confirm"]
    assert [e.seq for e in timeline] == [1, 2, 3, 4]
    for e in timeline[1:]:
        assert e.person_id == c.member.pk, e.action
    assert timeline[3].actor_id == c.w.dispatcher.pk
    assert len(heard) == 1 and heard[0].event.person_id == c.member.pk
    # The points consumer (points.py) credits the claimer, not the staff who confirmed.
    months = MemberMonth.objects.filter(wishes_fulfilled__gt=0)
    assert list(months.values_list("person_id", "wishes_fulfilled")) == [(c.member.pk, 1)]


def test_the_person_confirms_without_an_account_and_is_no_actor(c: vf.Crew):
    wish = post(c)
    wishes.wish_claim(wish=wish, by=By(c.member))
    wishes.wish_fulfil(wish=wish, by=By(c.member), note="送到了")
    wishes.wish_confirm(wish=wish, by=wishes.BENEFICIARY)
    event = VolunteerEvent.objects.get(wish=wish, action="confirm")
    assert event.actor_id is None and event.person_id == c.member.pk


def test_a_unit_claims_and_any_of_its_contacts_fulfils(c: vf.Crew):
    unit = c.team.organisation  # c.volunteer and c.leader are its members
    wish = post(c)
    wishes.wish_claim(wish=wish, by=By(c.leader), unit=unit)
    wish.refresh_from_db()
    assert (wish.claimed_by_id, wish.claimed_unit_id) == (c.leader.pk, unit.pk)
    claim = VolunteerEvent.objects.get(wish=wish, action="claim")
    assert events.read(claim) == events.Claimed(unit=unit.pk)
    assert wishes.may(wish, By(c.volunteer), Action.FULFIL)  # a contact of the unit
    assert not wishes.may(wish, By(c.member), Action.FULFIL)  # not of it
    wishes.wish_fulfil(wish=wish, by=By(c.volunteer), note="队员送去了")
    fulfil = VolunteerEvent.objects.get(wish=wish, action="fulfil")
    assert fulfil.actor_id == c.volunteer.pk and fulfil.person_id == c.leader.pk


def test_nobody_claims_for_a_unit_they_are_not_a_contact_of(c: vf.Crew):
    other = Organisation.objects.create(
        name="别的单位", kind=OrgKind.MEMBER_UNIT, node=c.w.t["town1"]
    )
    wish = post(c)
    with pytest.raises(NotAllowed, match="unit you are a contact of"):
        wishes.wish_claim(wish=wish, by=By(c.member), unit=other)
    wish.refresh_from_db()
    assert wish.state == WishState.POSTED and wish.claimed_by_id is None


def test_a_claimed_wish_tells_the_second_claimer_someone_has_it(c: vf.Crew):
    wish = post(c)
    wishes.wish_claim(wish=wish, by=By(c.member))
    with pytest.raises(Conflict, match="Someone has already claimed this wish") as caught:
        wishes.wish_claim(wish=wish, by=By(c.volunteer))
    assert caught.value.code == "already_claimed"
    wish.refresh_from_db()
    assert wish.claimed_by_id == c.member.pk


def test_given_back_it_waits_for_someone_else(c: vf.Crew):
    wish = post(c)
    wishes.wish_claim(wish=wish, by=By(c.member))
    wishes.wish_release(wish=wish, by=By(c.member))
    wish.refresh_from_db()
    assert wish.state == WishState.POSTED
    assert (wish.claimed_by_id, wish.claimed_unit_id, wish.claimed_at) == (None, None, None)
    wishes.wish_claim(wish=wish, by=By(c.volunteer))
    wish.refresh_from_db()
    assert wish.claimed_by_id == c.volunteer.pk


def test_sent_back_with_a_reason_it_is_claimed_again(c: vf.Crew):
    wish = post(c)
    wishes.wish_claim(wish=wish, by=By(c.member))
    wishes.wish_fulfil(wish=wish, by=By(c.member), note="送到了")
    with pytest.raises(Invalid, match="Give a reason"):
        wishes.wish_return(wish=wish, by=By(c.w.dispatcher), reason="  ")
    wishes.wish_return(wish=wish, by=By(c.w.dispatcher), reason="老人说还没收到")
    wish.refresh_from_db()
    assert wish.state == WishState.CLAIMED and wish.fulfilled_at is None
    assert wish.claimed_by_id == c.member.pk
    back = VolunteerEvent.objects.get(wish=wish, action="return")
    assert back.note == "老人说还没收到" and back.person_id == c.member.pk


def test_withdrawn_with_a_reason(c: vf.Crew):
    wish = post(c)
    with pytest.raises(Invalid, match="Give a reason"):
        wishes.wish_withdraw(wish=wish, by=By(c.w.dispatcher), reason="")
    wishes.wish_withdraw(wish=wish, by=By(c.w.dispatcher), reason="家人已经买了")
    wish.refresh_from_db()
    assert wish.state == WishState.WITHDRAWN and wish.withdraw_reason == "家人已经买了"


def test_a_fulfilment_says_how(c: vf.Crew):
    wish = post(c)
    wishes.wish_claim(wish=wish, by=By(c.member))
    with pytest.raises(Invalid, match="how the wish was fulfilled") as caught:
        wishes.wish_fulfil(wish=wish, by=By(c.member), note=" ")
    assert caught.value.details["fields"] == {"note": [caught.value.message]}
    wish.refresh_from_db()
    assert wish.state == WishState.CLAIMED


def jpeg(name: str = "coat.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    image = Image.new("RGB", (40, 30), (200, 20, 20))
    image.save(out, format="JPEG", comment=b"<script>x</script>")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_the_photo_is_checked_and_stored_without_its_metadata(c: vf.Crew, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    wish = post(c)
    wishes.wish_claim(wish=wish, by=By(c.member))
    not_a_photo = SimpleUploadedFile("coat.jpg", b"%PDF-1.4 not an image", "image/jpeg")
    with pytest.raises(Invalid, match="not a photo we can read"):
        wishes.wish_fulfil(wish=wish, by=By(c.member), note="送到了", photo=not_a_photo)
    wish.refresh_from_db()
    assert wish.state == WishState.CLAIMED and not wish.fulfilled_photo
    wishes.wish_fulfil(wish=wish, by=By(c.member), note="送到了", photo=jpeg())
    wish.refresh_from_db()
    assert wish.state == WishState.FULFILLED
    assert (wish.fulfilled_photo.name or "").startswith("wishes/")
    stored = wish.fulfilled_photo.open("rb").read()
    assert stored.startswith(b"\xff\xd8") and b"<script>" not in stored


# --- Bad input ------------------------------------------------------------------------------

BAD_INPUT = [
    ({"title": "  "}, "title", "Write the wish"),
    ({"title": "长" * 121}, "title", "under 120 characters"),
    ({"person_mobile": "12345"}, "person_mobile", "11-digit mainland mobile"),
    ({"person_mobile": "23812345678"}, "person_mobile", "11-digit mainland mobile"),
    ({"needed_by": None}, "needed_by", "the date it is wanted by"),
    ({"needed_by": dt.date(2020, 1, 1)}, "needed_by", "in the past"),
    ({"public_name": "王秀兰"}, "public_name", "must not read the person's full name"),
    ({"public_name": "王秀兰奶奶"}, "public_name", "must not read the person's full name"),
    ({"public_name": "名" * 41}, "public_name", "under 40 characters"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_what_to_fix(c: vf.Crew, overrides, field, message):
    with pytest.raises(Invalid) as caught:
        post(c, **overrides)
    assert message.lower() in caught.value.message.lower()
    assert list(caught.value.details["fields"]) == [field]
    assert not Wish.objects.exists()


def test_a_wish_is_posted_at_a_community_only(c: vf.Crew):
    with pytest.raises(Invalid, match="community or gacha"):
        post(c, community=c.w.t["gridA"])


def test_input_is_tidied_and_the_public_name_defaults(c: vf.Crew):
    wish = post(c, public_name="", person_mobile=" 138 1234 5678 ", title="  一件冬衣 ")
    assert wish.public_name == wishes.default_public_name() and wish.public_name
    assert wish.person_mobile == "13812345678" and wish.title == "一件冬衣"
    assert post(c, person_mobile="", person_name="").person_mobile == ""
    # Today is not in the past.
    assert post(c, needed_by=timezone.localdate()).state == WishState.POSTED


# --- The race for a claim -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_members_claiming_at_once_one_wins() -> None:
    c = vf.crew()
    rivals = [c.member, c.volunteer, c.other_member]
    for round_ in range(3):
        wish = post(c, title=f"愿望{round_}")
        barrier = threading.Barrier(len(rivals))
        results: dict[int, str] = {}

        def claim(
            who: Person,
            wish: Wish = wish,
            barrier: threading.Barrier = barrier,
            results: dict[int, str] = results,
        ) -> None:
            translation.activate("en")
            try:
                barrier.wait()
                wishes.wish_claim(wish=wish, by=By(Person.objects.get(pk=who.pk)))
                results[who.pk] = "won"
            except Conflict as e:
                results[who.pk] = e.message
            finally:
                connection.close()

        threads = [threading.Thread(target=claim, args=(who,)) for who in rivals]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        won = [pk for pk, r in results.items() if r == "won"]
        assert len(won) == 1, results
        lost = [r for r in results.values() if r != "won"]
        assert lost == ["Someone has already claimed this wish."] * (len(rivals) - 1)
        wish.refresh_from_db()
        assert wish.claimed_by_id == won[0]
        assert VolunteerEvent.objects.filter(wish=wish, action="claim").count() == 1


# --- The reminder ---------------------------------------------------------------------------


def test_an_unclaimed_wish_near_its_date_is_reminded_once(c: vf.Crew):
    today = timezone.localdate()
    soon = post(c, title="快到期", needed_by=today + TOMORROW)
    later = post(c, title="还早", needed_by=today + dt.timedelta(days=10))
    taken = post(c, title="已认领", needed_by=today + TOMORROW)
    wishes.wish_claim(wish=taken, by=By(c.member))
    late = post(c, title="过期", needed_by=today)
    Wish.objects.filter(pk=late.pk).update(needed_by=today - dt.timedelta(days=3))
    Notification.objects.all().delete()

    assert wish_reminders.remind_unclaimed() == 2
    reminded = set(Wish.objects.filter(reminded_at__isnull=False).values_list("title", flat=True))
    assert reminded == {"快到期", "过期"}
    notes = Notification.objects.filter(kind=wish_reminders.KIND)
    # The poster is also comm1's staff: told once per wish.
    assert sorted(notes.values_list("recipient_id", flat=True)) == [c.w.dispatcher.pk] * 2
    assert VolunteerEvent.objects.filter(action=wishes.REMIND).count() == 2

    assert wish_reminders.remind_unclaimed() == 0
    later_run = timezone.now() + dt.timedelta(days=9)
    assert wish_reminders.remind_unclaimed(later_run) == 1  # 还早 is near now
    assert notes.count() == 3
    assert soon.pk and later.pk


def test_the_reminder_goes_to_the_poster_and_the_communitys_staff(c: vf.Crew):
    wish = post(c, by=By(c.w.grid_worker), needed_by=timezone.localdate() + TOMORROW)
    assert wish_reminders.remind_unclaimed() == 1
    told = set(
        Notification.objects.filter(kind=wish_reminders.KIND).values_list("recipient", flat=True)
    )
    assert told == {c.w.grid_worker.pk, c.w.dispatcher.pk}
    note = Notification.objects.filter(kind=wish_reminders.KIND).first()
    assert note is not None and note.url == f"/console/serve/wishes/{wish.pk}/"


def test_the_reminder_is_a_periodic_task():
    from civicgrid.core.scheduler import periodic_tasks

    assert "volunteers.remind_unclaimed_wishes" in periodic_tasks()


def test_a_member_is_anyone_serving_or_a_units_contact(c: vf.Crew):
    resident = nf.person("居民", roles=[(Role.RESIDENT, c.w.t["gridA"])])
    assert wishes.is_member(c.member) and wishes.is_member(c.volunteer)
    assert wishes.is_member(c.w.unit_member)  # a contact of a member unit
    assert not wishes.is_member(resident) and not wishes.is_member(c.w.leader)
    assert Membership.objects.filter(person=c.w.unit_member).exists()
