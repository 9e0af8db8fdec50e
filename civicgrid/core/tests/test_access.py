"""Access control, proven by walking every URL pattern of the project.

Each pattern is either public (PUBLIC, with the reason) or not (PRIVATE, with what it guards);
a pattern in neither list fails the test, so a new view cannot be forgotten. Every non-public
pattern is requested, with GET and with POST, with its URL arguments filled with real objects
of town A:

- as an anonymous visitor: a redirect to a login page, 401, 403 or 405, never a page;
- as a staff member of town B, who has no scope over town A: a page about one of town A's
  objects is a 403 or 404, and a list (or anything else) shows nothing of town A.

Town A's objects carry a marker (MARK) in every name and text, so "shows nothing of town A"
is a plain search of the answer (xlsx workbooks are unzipped first). Afterwards town A's data
must be exactly as before: no POST of the walk changed it.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image

from civicgrid.api.models import ApiToken
from civicgrid.api.services import token_create
from civicgrid.core.models import Notification
from civicgrid.needs import services, workflow
from civicgrid.needs.models import Category, Channel, Need, NeedPhoto
from civicgrid.needs.tests.factories import ensure_seed
from civicgrid.network.models import (
    Membership,
    Node,
    NodeKind,
    Organisation,
    OrgKind,
    Person,
    Role,
    UnitKind,
)
from civicgrid.network.tests import factories as netf
from civicgrid.open311.services import application_create

pytestmark = pytest.mark.django_db

MARK = "ZQALPHA"  # in every name and text of town A; never in anything of town B

# Patterns anyone may open, keyed by URL name (or route when unnamed), with the reason.
PUBLIC: dict[str, str] = {
    "healthz": "the load balancer's health check: no data",
    "set_language": "Django's language switch: stores a cookie",
    "elder": "the elder-mode switch: stores a cookie (core/tests/test_elder.py)",
    "resident:service_worker": "the resident pages' service worker script: no data",
    "needs:service_worker": "the console's service worker script: no data (it keeps pages "
    "fetched with the grid worker's own session)",
    "needs:manifest": "the home-screen manifest: a name, icons and the start page, no data",
    "outreach:follow": "following a need in WeChat: 404 without the need's tracking key, "
    "which stands for the resident (outreach/tests/test_wechat_follow.py)",
    "outreach:signin": "starts WeChat's silent login; stores a state cookie, no data",
    "outreach:signin_back": "WeChat's login comes back: stores the openid cookie only for the "
    "browser that started it",
    "console:login": "the staff login page",
    "console:logout": "logging out needs no login",
    "public:index": "the public figures page, aggregated, no personal data",
    "admin:login": "the admin's login page",
    "admin:logout": "logging out needs no login",
    # The REST API: its documents, the anonymous intake and what the resident page uses.
    "api:openapi-json": "the API's OpenAPI document",
    "api:openapi-view": "the API's documentation page",
    "api:api-root": "the API's root (links to the docs)",
    "api:create_need": "POST raises a need without an account (rate-limited per address)",
    "api:list_categories": "the kinds of need residents may raise",
    "api:locate_point": "which grid holds a point, for the resident page's map",
    "api:unknown_path": "the API's 404 in its error shape",
    # Open311 GeoReport v2: public by the spec; POST needs an application's api_key.
    "open311:root": "Open311: redirect to discovery",
    "open311:discovery": "Open311: service discovery",
    "open311:services": "Open311: the service list",
    "open311:service": "Open311: one service's definition",
    "open311:requests": "Open311: public request list; POST needs an application's api_key",
    "open311:request": "Open311: one public request",
    "open311:token": "Open311: tokens (none are ever issued)",
    "open311:updates": "Open311: the public updates feed",
    "open311/v2/^(?P<path>.*)$": "Open311: the spec's 404 document",
    # Resident pages: no account by design.
    "resident:home": "resident home page",
    "resident:choose": "resident: choose a kind of need",
    "resident:raise": "resident: the raise form",
    "resident:receipt": "resident: the receipt (needs the tracking key)",
    "resident:track_lookup": "resident: type a tracking number",
    "resident:find_by_phone": "resident: one's needs by phone, once a texted code proves it",
    "resident:where": "resident: the name of the grid a location falls in (grids are public)",
    "resident:track": "resident: a need's public tracking page (acting needs the key)",
    "resident:photo": "resident: a photo on a need's public timeline",
    "resident:go_node": "QR code short link to a place's raise page",
    "resident:go_person": "QR code short link to a representative's raise page",
    "resident:go_org": "QR code short link to a member unit's raise page",
    "resident:qr_node_svg": "QR code image of a place",
    "resident:qr_node_png": "QR code image of a place",
    "resident:qr_person_svg": "QR code image of a representative",
    "resident:qr_person_png": "QR code image of a representative",
    "resident:qr_org_svg": "QR code image of a member unit",
    "resident:qr_org_png": "QR code image of a member unit",
    "resident:poster_node": "printable poster of a place's QR code",
    "resident:poster_person": "printable poster of a representative's QR code",
    "resident:poster_org": "printable poster of a member unit's QR code",
    # Activities open to the public (volunteers/tests/test_activities.py): public-audience
    # activities to anyone, the members' ones to signed-in members only (404 otherwise).
    "serve:activities": "open activities: the public ones to anyone, more to members",
    "serve:activity": "an activity's page: 404 unless its audience includes the visitor",
    "serve:activity_photo": "a photo of an activity's record: 404 unless its audience "
    "includes the visitor, as the activity's page",
    # Micro-wishes: the public reads public_name, title, story, state, date and (confirmed) the
    # fulfilment; never the person's name or phone (volunteers/tests/test_wish_wall.py).
    "serve:wishes_wall": "a community's wall of micro-wishes (what the public may read)",
    "serve:wishes_wall_json": "the same wall as JSON (the same public fields)",
    "serve:wish_confirm": "the person a wish is for confirms it with a code texted to the "
    "phone left with it (rate-limited per address, codes per number)",
    "serve:wish_photo": "a fulfilment's photo: public once confirmed, else 404 but to the "
    "wish's staff and claimer",
    # Services close to home: the resident's pages (civicgrid/services/views/).
    "nearby:near": "what is near me: public places and the duty person's name, no account",
    "nearby:place_services": "a place's services: the public catalogue",
    "nearby:service": "a service with its free times and the booking form (one-time key)",
    "nearby:service_poster": "a service's printable QR poster",
    "nearby:booking": "an appointment's page (cancel, rate, stop texts): 404 without its key",
    "nearby:room": "a public room: busy times only (404 unless public)",
    "nearby:room_request": "a resident's room request, where the room lets residents book",
    "nearby:station": "a station: who is on duty now and the station's phone",
    "nearby:station_poster": "a station's printable poster",
    "api:list_service_slots": "API: an offered service's free times, as its resident page shows",
    # Care: the resident's pages (civicgrid/care/views/): no personal data without a key.
    "care_public:point": "a meal point: hours, today's published menu, prices per band",
    "care_public:menu_share": "a published menu's text and image to share (404 unpublished)",
    "care_public:menu_image": "a published menu as a PNG (404 unpublished)",
    "care_public:order_find": "a meal-order link texted to a phone on the register (same "
    "answer for any number, rate-limited)",
    "care_public:order": "a cared-for person's meal-order page: 404 without its keyed link",
    "care_public:card": "a scanned assistance card: to a non-clerk only that it is one",
    "services:room_feed": "a room's iCal feed for a phone: 404 without a keyed token",
    "services:community_feed": "a community's iCal feed for a phone: 404 without a keyed token",
    # Representatives (civicgrid/representatives/views/public.py): published profiles only.
    "representatives_public:index": "the towns with representatives' homes and stations",
    "representatives_public:place": "a place's stations and published representatives",
    "representatives_public:representative": "a published, serving representative's profile "
    "(404 otherwise; no phone)",
    "representatives_public:station": "an active station: address, phone, timetable",
    "api:list_representatives": "API: published representatives (more to a token in scope)",
    "api:get_representative": "API: a published representative's profile",
    "api:list_liaison_stations": "API: active stations with their timetables",
    "api:get_liaison_station": "API: an active station with its timetable",
    # 码上找代表 (civicgrid/liaison/views/public.py): a resident writes without an account.
    "liaison_public:write_to_representative": "a resident leaves a message for a published "
    "representative (rate-limited, one-time key; 404 unless published)",
    "liaison_public:write_to_station": "a resident leaves a message for an active station",
    "liaison_public:track": "a message's tracking page: 404 without its keyed link",
    "api:create_message": "POST leaves a message without an account (rate-limited per address)",
    # The subdistrict's mailbox (civicgrid/mailbox/views/public.py): what the public reads.
    "mailbox_public:landing": "a town's mailbox: the call and published proposals (no names)",
    "mailbox_public:propose": "a resident proposes, once a texted code proves the phone",
    "mailbox_public:proposal": "a published proposal (404 otherwise); supporting needs a code",
    "mailbox_public:project": "a chosen project's progress",
    "api:list_public_proposals": "API: published proposals (no names or phones)",
    "api:get_public_proposal": "API: a published proposal",
    "api:send_support_code": "API: texts a code to support a proposal (rate-limited)",
    "api:create_support": "API: a support, with the code texted to the phone",
    "api:list_livelihood_projects": "API: chosen projects with their progress",
    "api:get_livelihood_project": "API: a chosen project with its milestones",
    # Department reviews (civicgrid/reviews/views/public.py): one answer per phone.
    "reviews_public:mailbox": "a town's open and published review rounds",
    "reviews_public:round": "an open or published round (404 for a draft or closed one)",
    "reviews_public:review": "a resident reviews a department, once a texted code proves the "
    "phone (one-time key, rate-limited)",
    "reviews_public:results": "a published round's results (404 before; public comments only)",
    "api:list_review_rounds": "API: open and published rounds",
    "api:get_review_round": "API: an open or published round with its questions",
    "api:get_department_results": "API: a published round's results (comments only to staff "
    "who may read the round)",
    "api:send_review_code": "API: texts a code to review (rate-limited per phone and address)",
    "api:create_review_response": "API: a resident's review, with the texted code",
    # The project butler: an enterprise's contact raises a matter by the project's keyed link.
    "butler_public:raise": "a contact raises a matter: 404 without the project's QR key, and "
    "only a phone on the project's contact list",
    "api:create_matter_by_contact": "API: the same with the QR key (404 without it)",
}

# Patterns for staff only, with what they guard. Every pattern under ADMIN_PREFIX (the admin
# site: superusers and staff accounts with model permissions) is private too.
PRIVATE: dict[str, str] = {
    "needs:list": "the console's need inboxes",
    "needs:bulk_dispatch": "dispatching several needs",
    "needs:bulk_targets": "the people and units a batch may be dispatched to",
    "needs:new": "entering a need on someone's behalf",
    "needs:questions": "the on-behalf form's extra questions",
    "needs:proactive_new": "recording proactive work",
    "needs:posters": "the poster index of a place",
    "needs:detail": "a need in the console",
    "needs:act": "a workflow action on a need",
    "needs:comment": "a staff comment on a need",
    "needs:place": "placing an unplaced need in a grid",
    "needs:publish": "publishing what a resident wrote",
    "needs:unpublish": "taking a need's text and photos off the public pages",
    "needs:phone": "revealing a resident's phone",
    "needs:photo": "a need's photo in the console",
    "inbox:list": "the person's notifications",
    "inbox:read_all": "marking the person's notifications read",
    "inbox:open": "one of the person's notifications",
    "tokens:list": "the person's API tokens",
    "tokens:revoke": "revoking one of the person's API tokens",
    "console:home": "the console's home",
    "console:network": "the network tree",
    "console:node": "one node of the network",
    "console:node_children": "a node's children",
    "console:map": "the grid map",
    "console:grids_geojson": "the grids' polygons",
    "dashboard:index": "the dashboard",
    "dashboard:data": "the dashboard's data",
    "dashboard:report": "the monthly report",
    "ledgers:needs": "the needs ledger (personal data)",
    "ledgers:proactive": "the proactive-work ledger",
    "ledgers:kpis": "the KPI ledger",
    "ledgers:activities": "the ledger of volunteer activities in the staff user's area",
    "privacy:requests": "residents' personal data requests",
    "privacy:export": "exporting a resident's personal data",
    "privacy:anonymise": "anonymising a resident's personal data",
    "api:list_scope_roots": "API: the network in scope",
    "api:get_node": "API: one node",
    "api:list_children": "API: a node's children",
    "api:list_subtree": "API: a node's subtree",
    "api:list_needs": "API: needs in scope",
    "api:get_need": "API: one need",
    "api:reveal_phone": "API: revealing a resident's phone",
    "api:act_on_need": "API: a workflow action",
    "api:add_photos": "API: adding photos to a need",
    "api:need_photo": "API: a need's photo",
    "api:list_notifications": "API: the person's notifications",
    "api:read_all": "API: marking notifications read",
    "api:read_one": "API: marking one notification read",
    "api:list_people": "API: people in scope",
    # Activities (volunteers/views/activities.py).
    "volunteers:activities": "the places whose month of activities the user may open",
    "volunteers:activity_month": "a place's month of activities (the user's scope or team)",
    "volunteers:activity_new": "planning an activity (staff over the place, a team's leader)",
    "volunteers:activity_detail": "an activity with its sign-ups (masked phones)",
    "volunteers:activity_edit": "changing an activity (its organisers)",
    "volunteers:activity_act": "open, hold, record, cancel, correct hours (its organisers)",
    "volunteers:activity_poster": "the check-in poster: carries the check-in key",
    "volunteers:activity_qr": "the check-in QR code: carries the check-in key",
    "serve:activity_sign_up": "a logged-in member signs themselves up",
    "serve:activity_leave": "a logged-in member leaves an activity they signed up for",
    "serve:activity_checkin": "check-in by QR code: logged in, with the activity's key",
    # People who serve: 双报到 registrations and teams (volunteers/views/registrations.py).
    "volunteers:registrations": "requests to register waiting in the staff's scope",
    "volunteers:registration_approve": "approving a registration (staff over its community)",
    "volunteers:registration_reject": "rejecting a registration (staff over its community)",
    "volunteers:registration_end": "ending a registration (staff over its community)",
    "volunteers:registration_history": "a person's registrations in the staff's scope",
    "volunteers:teams": "the teams in the user's scope (and their own) with monthly flags",
    "volunteers:team_new": "creating a team at a place the staff organise",
    "volunteers:team": "a team's page: members, leaders, months",
    "volunteers:team_edit": "changing a team (staff over its place)",
    "volunteers:team_member_add": "adding a member (staff or the team's leaders)",
    "volunteers:team_member_remove": "removing a member (staff or the team's leaders)",
    "volunteers:team_leader_add": "naming a leader (staff over its place)",
    "volunteers:team_leader_remove": "unnaming a leader (staff over its place)",
    "serve:register": "a logged-in person asks to register with a community (their own only)",
    "serve:register_withdraw": "a logged-in person withdraws their own waiting request",
    # People who serve: points, reports and the member's home (volunteers/views/members.py).
    "serve:me": "a member's phone home: their own community, sign-ups, points, team's needs",
    "serve:my_report": "a member's own report (their points and what they did)",
    "volunteers:reports": "the members' report of a place in the staff's scope",
    "volunteers:reports_xlsx": "the members' report as xlsx (names, what each did)",
    "volunteers:leaderboard": "the members' leaderboard of a place in the staff's scope",
    # Micro-wishes (volunteers/views/wishes.py).
    "volunteers:wishes_list": "the micro-wishes in the staff's scope",
    "volunteers:wish_new": "posting a wish (staff who serve the community)",
    "volunteers:wish_detail": "a wish with the person's name and masked phone",
    "volunteers:wish_phone": "revealing the person's phone (the wish's staff; logged)",
    "volunteers:wish_act": "confirm, send back or withdraw a wish (the wish's staff)",
    "serve:wishes_mine": "a member's own claimed wishes",
    "serve:wish_claim": "a member claims a wish (for themselves or their unit)",
    "serve:wish_release": "the claimer gives a wish back",
    "serve:wish_fulfil": "the claimer says how a wish was fulfilled (with a photo)",
    # People who serve in the REST API (api/endpoints/volunteers.py; a token or the session).
    "api:list_activities": "API: activities in scope and those the caller's audience allows",
    "api:get_activity": "API: one activity the caller may read, with their sign-up",
    "api:sign_up_for_activity": "API: the caller signs themselves up",
    "api:leave_activity": "API: the caller leaves an activity they signed up for",
    "api:check_in_to_activity": "API: the caller checks in with the poster's key",
    "api:list_teams": "API: teams in scope and the caller's own",
    "api:get_team": "API: one team in scope or the caller's own",
    "api:list_wishes": "API: wishes (public fields for members; masked contact for staff)",
    "api:claim_wish": "API: a member claims a wish",
    "api:release_wish": "API: the claimer gives a wish back",
    "api:fulfil_wish": "API: the claimer says how a wish was fulfilled",
    "api:my_service": "API: the caller's own hours, points and stars",
    # Joint committees in the REST API (api/endpoints/committees.py; a token or the session).
    "api:list_committees": "API: the committees in the caller's sight",
    "api:get_committee": "API: a committee's units, pledges and masked contacts",
    "api:list_committee_goals": "API: a committee's goals list",
    "api:list_committee_needs": "API: a committee's needs list (words by sight, no phones)",
    "api:list_committee_tasks": "API: a committee's work list",
    "api:create_committee_task": "API: giving a task (the committee's staff)",
    "api:get_committee_task": "API: a task with its timeline and the caller's moves",
    "api:act_on_committee_task": "API: a task's move (its unit's people or the staff)",
    "api:list_consultations": "API: a committee's consultations",
    "api:get_consultation": "API: a consultation with its contributions and decisions",
    "api:contribute_to_consultation": "API: a unit's contribution (its people, or the staff)",
    "api:decide_consultation": "API: a consultation's decision and tasks (the staff)",
    "api:return_consultation": "API: a need returned to its community (the staff)",
    "api:list_meetings": "API: a committee's joint meetings",
    "api:get_meeting": "API: a meeting's agenda, attendance counts, minutes, decisions",
    "api:add_agenda_item": "API: an agenda item (staff; a unit's people for their unit)",
    "api:check_in_to_meeting": "API: check-in with the meeting's key (committee and units)",
    # Joint committees: the assessment of member units (committees/views/assessment.py).
    "committees:assessments": "a committee's assessments (its staff, units, staff in scope)",
    "committees:assessment_new": "opening an assessment (the committee's staff)",
    "committees:assessment": "an assessment's ranked table and the scoring forms",
    "committees:assessment_score": "peer scores (a unit's people for their unit; community)",
    "committees:assessment_recompute": "computing the table again (the committee's staff)",
    "committees:assessment_close": "closing an assessment (the committee's staff)",
    "committees:assessment_xlsx": "an assessment's ranked table as xlsx",
    # Joint committees: joint meetings (committees/views/meetings.py).
    "committees:list": "the joint committees in the user's sight",
    "committees:detail": "a committee's page: units, masked contacts, pledges, the three lists",
    "committees:unit_add": "a unit joins (the committee's staff)",
    "committees:unit_leave": "a unit leaves (the committee's staff)",
    "committees:contact_add": "a unit's contact added (the committee's staff)",
    "committees:contact_remove": "a unit's contact removed (the committee's staff)",
    "committees:contact_reveal": "a contact's number in full, logged (the committee's staff)",
    "committees:pledge_add": "a unit's pledge added (the committee's staff)",
    "committees:pledge_change": "a pledge changed (the committee's staff)",
    "committees:goal_add": "a goal added (the committee's staff)",
    "committees:goal_figure": "a goal's typed figure (the committee's staff)",
    "committees:need_ask": "a member unit asks the committee to take up a need of its area",
    "committees:tasks": "the committee's work list (a unit's people see their unit's first)",
    "committees:task_new": "giving a task (the committee's staff)",
    "committees:task": "a task with its timeline",
    "committees:task_act": "a task's move: its unit's people or the committee's staff",
    "committees:consultations": "the committee's consultations",
    "committees:consultation": "a consultation: its need (words by sight), units, decision",
    "committees:consultation_arrange": "units involved and date (the committee's staff)",
    "committees:consultation_contribute": "a unit's contribution (its people, or the staff)",
    "committees:consultation_decide": "the decision and its tasks (the committee's staff)",
    "committees:consultation_return": "the need returned to its community (the staff)",
    "committees:meetings": "a committee's meetings and schedules (its staff, units, scope)",
    "committees:meeting_new": "setting a joint meeting (the committee's staff)",
    "committees:series_new": "setting a meeting schedule (the committee's staff)",
    "committees:series_active": "stopping or restarting a schedule (the committee's staff)",
    "committees:meeting": "a meeting's agenda, attendance, minutes and decisions",
    "committees:meeting_act": "hold, seal, cancel, notify, rebuild agenda (committee's staff)",
    "committees:meeting_minutes": "writing the minutes (the committee's staff)",
    "committees:meeting_agenda_add": "an agenda item (staff; a unit's people for their unit)",
    "committees:meeting_attendance": "entering attendance (the committee's staff)",
    "committees:meeting_decide": "a decision and its tasks (the committee's staff)",
    "committees:meeting_pdf": "the meeting's record as a PDF (names of those present)",
    "committees:meeting_poster": "the check-in poster: carries the check-in key (staff)",
    "committees:meeting_checkin": "check-in by QR code: logged in, with the meeting's key",
    # Services close to home in the REST API (api/endpoints/services.py; a token or the session).
    "api:list_services": "API: the services in the caller's sight",
    "api:get_service": "API: a service with its hours",
    "api:create_service": "API: adding a service (staff who serve the place)",
    "api:update_service": "API: changing a service (staff who serve its place)",
    "api:set_service_hours": "API: a service's opening hours (staff who serve its place)",
    "api:list_appointments": "API: appointments in sight, phones masked",
    "api:get_appointment": "API: an appointment with its timeline",
    "api:create_appointment": "API: booking for a resident (staff, the provider)",
    "api:reveal_appointment_phone": "API: the resident's phone in full, logged",
    "api:act_on_appointment": "API: confirm, done, cancel, no-show",
    "api:list_rooms": "API: the rooms in sight",
    "api:list_room_bookings": "API: a room's bookings",
    "api:create_room_booking": "API: booking a room (staff who serve its place)",
    "api:act_on_room_booking": "API: approve, refuse, cancel a room booking",
    "api:list_stations": "API: the stations in sight, who is on duty",
    "api:get_station": "API: a station's week",
    # Services close to home in the console (civicgrid/services/views/).
    "services:catalogue": "the services of the reader's area",
    "services:service_new": "adding a service (staff who serve a place)",
    "services:service": "a service with its slots (staff in scope, its provider)",
    "services:service_edit": "changing a service and its hours (staff who serve its place)",
    "services:service_book": "booking for a resident (staff who serve the place, the provider)",
    "services:appointments": "the appointments of the reader's area (phones masked)",
    "services:my_appointments": "the provider's phone list (their services only)",
    "services:appointment": "an appointment (staff in scope, its provider)",
    "services:appointment_act": "confirm, record, cancel, no-show (staff, the provider)",
    "services:appointment_phone": "the resident's phone in full, logged (staff, the provider)",
    "services:rooms": "the rooms of the reader's area",
    "services:room_new": "adding a room (staff who serve a place)",
    "services:room_edit": "changing a room (staff who serve its place)",
    "services:room_calendar": "a room's day or week (readers of its place)",
    "services:room_book": "booking a room (staff who serve its place)",
    "services:room_booking": "a room booking (readers of the room's place)",
    "services:room_booking_action": "approve, refuse, cancel a room booking (staff)",
    "services:room_booking_phone": "a resident's phone on a room request, logged (staff)",
    "services:community_calendar": "a community's rooms by day or week (readers of it)",
    "services:stations": "the stations of the reader's area",
    "services:station": "a station's rota (readers of its place)",
    "services:station_edit": "a station's phone and routing (staff who serve its place)",
    "services:shift_add": "a shift in the rota (staff who serve the station's place)",
    "services:shift_remove": "removing a shift (staff who serve the station's place)",
    "services:change_add": "an exception to the rota (staff who serve the station's place)",
    "services:change_remove": "removing an exception (staff who serve the station's place)",
    "services:ledger": "the services counted for a place in the reader's scope",
    "services:ledger_xlsx": "the services' ledger as xlsx (no personal data)",
    # Care in the console (civicgrid/care/views/) and the shops' clerks' pages.
    "care:home": "the care module's front page (counts in the reader's scope)",
    "care:register": "the care register of the reader's area, phones masked",
    "care:person_add": "adding a person to the register (staff who serve the place)",
    "care:register_import": "importing the register from a sheet (staff who serve the places)",
    "care:register_template": "the register's import template (no personal data)",
    "care:person": "a cared-for person, masked (readers of the place)",
    "care:person_edit": "changing a cared-for person (staff who serve the place)",
    "care:person_reveal": "a phone, address or guardian in full, logged (staff who serve)",
    "care:person_leave": "a person leaves the register (staff who serve the place)",
    "care:points": "the meal points of the reader's area",
    "care:point_add": "adding a meal point (staff who serve a place)",
    "care:point": "a meal point with its staff, services and week of menus",
    "care:point_edit": "changing a meal point (staff who serve its place)",
    "care:point_staff": "a meal point's staff (staff who serve its place)",
    "care:point_services": "a meal point's extra services (staff who serve its place)",
    "care:menu": "a day's menu (the point's staff, staff who serve its place)",
    "care:menu_publish": "publishing a day's menu (the point's staff, staff who serve)",
    "care:menu_row": "a row of the menu editor (the point's staff, staff who serve)",
    "care:orders_day": "a point's orders of a day (its staff, readers of its place)",
    "care:order_add": "ordering on someone's behalf (the point's staff, staff who serve)",
    "care:bands": "a point's age bands and their change (staff who serve its place)",
    "care:order_act": "serving or cancelling an order (the point's staff, staff who serve)",
    "care:order_phone": "the phone of who ordered, in full, logged",
    "care:runs": "a point's delivery runs (readers of its place)",
    "care:run_build": "building a day's delivery run (staff who serve the point's place)",
    "care:run": "a delivery run with its routes (readers of the point's place)",
    "care:route_assign": "giving a route to a deliverer (staff who serve the place)",
    "care:my_deliveries": "the deliverer's own routes of the day, addresses masked",
    "care:delivery_address": "a delivery's address in full, logged (its deliverer, staff)",
    "care:delivery_mark": "delivered or not home (the route's deliverer, staff)",
    "care:cards": "the assistance cards of the reader's area",
    "care:card": "an assistance card with its timeline and uses",
    "care:card_act": "suspending, resuming, reissuing, withdrawing a card (staff)",
    "care:card_print": "a card to print, with its QR code (staff who serve the place)",
    "care:card_kinds": "the kinds of card and their monthly limits",
    "care:card_kind_new": "adding a kind of card (staff)",
    "care:card_kind_edit": "changing a kind of card (staff)",
    "care:card_shops": "the partner shops of the reader's area",
    "care:card_shop_new": "licensing a partner shop (staff who serve a place)",
    "care:card_shop": "a partner shop with its agreement and uses",
    "care:card_shop_edit": "changing a partner shop (staff who serve its place)",
    "care:card_shop_clerks": "a shop's clerks (staff who serve its place)",
    "care:card_households": "the households of the reader's area, names masked",
    "care:card_household_add": "adding a household (staff who serve the place)",
    "care:card_household": "a household with its cards",
    "care:card_issue": "issuing a card to a household (staff who serve its place)",
    "care:card_ledger": "every use of the cards of the reader's area",
    "care:card_reconciliations": "the shops' monthly reconciliations",
    "care:card_reconcile": "computing a shop's month (staff who serve the shop's place)",
    "care:card_reconciliation": "a shop's month with its uses",
    "care:card_reconciliation_approve": "approving a shop's month (staff who serve its place)",
    "care:card_reconciliation_xlsx": "a shop's month as xlsx, households masked",
    "care:card_flags": "flags to check (two shops, over the limit, a shop's spike)",
    "care:card_flag_decide": "deciding a flag (staff who serve the place)",
    "care:visits": "care visits due and overdue in the reader's area",
    "care:visit_add": "recording a care visit (staff and grid workers of the place)",
    "care:visit_plan": "a person's visiting plan (staff who serve the place)",
    "care:counts": "the care figures and report sentences of a place in the reader's scope",
    "care:ledger_meals": "the meals ledger as xlsx (figures only)",
    "care:ledger_cards": "the cards ledger as xlsx (figures only)",
    "care:ledger_visits": "the visits ledger as xlsx (names only to who may read them, logged)",
    "care_public:shops_mine": "a clerk's shops (login)",
    "care_public:shop_redeem": "redeeming a card at the clerk's shop (its clerks)",
    "care_public:shop_receipt": "a redemption's receipt (the shop's clerks)",
    # Representatives in the console (civicgrid/representatives/views/console.py).
    "representatives:home": "the representatives and stations of the reader's area",
    "representatives:rep_add": "adding a representative (staff who serve the place)",
    "representatives:representative": "a representative, with unpublished fields",
    "representatives:rep_edit": "changing a representative (staff who serve the place)",
    "representatives:station_add": "adding a station (staff who serve the place)",
    "representatives:station": "a station with its timetable; POST adds a row (staff)",
    "representatives:station_edit": "changing a station (staff who serve its place)",
    "representatives:time_delete": "removing a timetable row (staff who serve the place)",
    "representatives:receptions": "the receptions of the reader's area",
    "representatives:reception_add": "recording a reception (staff who serve the station)",
    "representatives:reception": "a reception with its matters (raisers masked); POST adds one",
    "representatives:reception_edit": "changing a reception (staff who serve the station)",
    "representatives:matter_edit": "changing a matter raised (staff who serve the station)",
    "representatives:matter_need": "turning a matter into a need (staff who serve the station)",
    "representatives:counts": "the receptions counted for a place in the reader's scope",
    "api:list_receptions": "API: receptions in scope",
    "api:create_reception": "API: recording a reception (staff who serve the station)",
    "api:get_reception": "API: a reception with its matters",
    # 码上找代表 in the console (civicgrid/liaison/views/): the representative's inbox.
    "liaison:inbox": "messages to the user (as representative, station staff or staff)",
    "liaison:counts": "messages and receptions counted for a place in the reader's scope",
    "liaison:ledger": "the same as xlsx",
    "liaison:detail": "a message with its timeline (phone masked)",
    "liaison:answer": "answering a message (its representative, station staff, staff)",
    "liaison:refer": "turning a message into a need",
    "liaison:reassign": "giving a message to another representative or station",
    "liaison:reveal": "the writer's phone in full, logged",
    "liaison:poster_representative": "a representative's QR poster (staff, the representative)",
    "liaison:poster_station": "a station's QR poster (staff, the station's staff)",
    "liaison:qr_representative": "a representative's QR code",
    "liaison:qr_station": "a station's QR code",
    "api:list_messages": "API: messages in the caller's sight, masked",
    "api:get_liaison_message": "API: a message with its events",
    "api:answer_message": "API: answering a message",
    # The subdistrict's mailbox in the console (civicgrid/mailbox/views/console.py).
    "mailbox:home": "the mailboxes of the reader's area",
    "mailbox:call_edit": "a town's call for proposals (staff who serve the town)",
    "mailbox:proposals": "a mailbox's proposals, with masked proposers",
    "mailbox:proposal": "a proposal with its proposer, masked",
    "mailbox:proposal_act": "publish, decline, merge a proposal (staff who serve the town)",
    "mailbox:proposal_phone": "the proposer's phone in full, logged",
    "mailbox:selection": "the year's selection (staff who serve the town)",
    "mailbox:projects": "a mailbox's chosen projects",
    "mailbox:project": "a project's page; POST updates it, adds and completes milestones",
    "mailbox:counts": "a mailbox's figures",
    "mailbox:ledger": "a mailbox's ledger as xlsx (phones masked)",
    "mailbox:poster": "a mailbox's printable QR poster (staff)",
    "api:list_staff_proposals": "API: proposals in scope, with masked proposers",
    "api:add_milestone": "API: a project's milestone (staff who serve the town)",
    "api:milestone_done": "API: a milestone reached (staff who serve the town)",
    # Department reviews in the console (civicgrid/reviews/views/console.py).
    "reviews:rounds": "the review rounds of the reader's area",
    "reviews:round_add": "opening a review round (staff who serve a town)",
    "reviews:round": "a round with its questions, departments and moves",
    "reviews:round_edit": "changing a round (staff who serve its town)",
    "reviews:round_act": "open, close, publish, withdraw a round (staff who serve its town)",
    "reviews:question_add": "adding a question (staff who serve the town)",
    "reviews:question_edit": "changing a question (staff who serve the town)",
    "reviews:question_delete": "removing a question (staff who serve the town)",
    "reviews:departments": "the departments under review; POST adds one (staff)",
    "reviews:department_remove": "removing a department (staff who serve the town)",
    "reviews:results": "a round's results with every comment",
    "reviews:results_xlsx": "the same as xlsx",
    "reviews:comment_mark": "showing a comment on the public results or not (staff)",
    # The project butler in the console (civicgrid/butler/views/console.py).
    "butler:home": "the key projects in the user's sight (staff, leaders, team seats)",
    "butler:matters": "the matters of the projects in sight",
    "butler:matter": "a matter with its need",
    "butler:counts": "the projects and butlers counted",
    "butler:ledger": "the same as xlsx",
    "butler:project_new": "adding a key project (staff who serve the place)",
    "butler:project": "a project with its team, contacts (masked), milestones, visits",
    "butler:project_edit": "changing a project (staff who serve its place)",
    "butler:stage": "moving a project to its next stage (staff, the team)",
    "butler:team": "the project's butler team (staff who serve its place)",
    "butler:contact_phone": "a contact's phone in full, logged",
    "butler:milestones": "adding and completing milestones (staff, the team)",
    "butler:visit_add": "recording a visit (staff, the team)",
    "butler:matter_new": "entering a matter on the enterprise's behalf (staff, the team)",
    "butler:poster": "the project's QR poster: carries the QR key (staff)",
    "butler:poster_png": "the same as an image",
    "api:list_key_projects": "API: key projects in the caller's sight",
    "api:get_key_project": "API: a project with its team and milestones",
    "api:list_matters": "API: a project's matters",
    "api:create_matter": "API: entering a matter (staff, the team)",
}
ADMIN_PREFIX = "admin/"

# Methods walked where not both: the other method at the same address is a public pattern.
METHODS: dict[str, tuple[str, ...]] = {
    "api:list_needs": ("get",),  # POST is api:create_need
    "api:list_messages": ("get",),  # POST is api:create_message
    # One address, a GET and a POST operation, both private: each walked once, by its own name.
    "api:list_receptions": ("get",),
    "api:create_reception": ("post",),
    "api:list_matters": ("get",),
    "api:create_matter": ("post",),
}

# URL arguments that name one of town A's objects: a page with one of them is an object page.
OBJECT_ARGS = {"number", "photo_id", "notification_id", "token_id", "node_id", "object_id", "id"}
OBJECT_ARGS |= {"registration_id", "team_id"}  # people who serve: town A's registration, team
OBJECT_ARGS |= {"wish_id"}  # town A's micro-wish
OBJECT_ARGS |= {"activity_id"}  # town A's activity (the REST API's name for it)
# Joint committees: town A's committee and what it holds (made in make_towns).
OBJECT_ARGS |= {
    "committee_id",
    "task_id",
    "meeting_id",
    "series_id",
    "consultation_id",
    "assessment_id",
    "goal_id",
    "pledge_id",
    "membership_id",
    "unit_id",
}
# Care: town A's meal point, order, run, route, delivery, card and what it holds (and, on care
# pages, `person_id` names town A's cared-for person: see `is_object_page`).
OBJECT_ARGS |= {
    "point_id",
    "order_id",
    "run_id",
    "route_id",
    "delivery_id",
    "card_id",
    "kind_id",
    "shop_id",
    "household_id",
    "rec_id",
    "flag_id",
    "redemption_id",
}
# Services close to home: town A's service, appointment, room, room booking, station, rota.
OBJECT_ARGS |= {
    "service_id",
    "booking_id",
    "room_id",
    "room_booking_id",
    "station_id",
    "shift_id",
    "change_id",
}
# The issue-20 apps: town A's representative, timetable row, reception and matter; message (by
# `number`); mailbox, proposal, project and milestone; review round, question, department and
# answer; key project, contact and matter. Several reuse a name (`station_id`, `project_id`,
# `matter_id`, `number`, `key`): `fill` picks the object by the pattern's app (`new_app`).
OBJECT_ARGS |= {
    "rep_id",
    "time_id",
    "reception_id",
    "matter_id",
    "mailbox_id",
    "proposal_id",
    "project_id",
    "milestone_id",
    "round_id",
    "question_id",
    "department_id",
    "answer_id",
    "contact_id",
}

# The issue-20 apps, by the start of a pattern's key or, in the REST API, of its route.
NEW_APPS: dict[str, tuple[str, ...]] = {
    "representatives": (
        "representatives",
        "api/v1/representatives",
        "api/v1/liaison-stations",
        "api/v1/receptions",
    ),
    "liaison": ("liaison", "api/v1/liaison/"),
    "mailbox": ("mailbox", "api/v1/mailbox/"),
    "reviews": ("reviews", "api/v1/reviews/"),
    "butler": ("butler", "api/v1/butler/"),
}


def new_app(key: str, route: str) -> str | None:
    """Which issue-20 app a pattern (or a REST path) belongs to, if any."""
    route = route.lstrip("/")
    for app, starts in NEW_APPS.items():
        if key.startswith(starts[0]) or route.startswith(starts[1:]):
            return app
    return None


@dataclass(frozen=True)
class Pattern:
    key: str
    route: str
    name: str
    args: tuple[str, ...]
    callback: Any


def walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> list[Pattern]:
    found: list[Pattern] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            found += walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            args = tuple(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route))
            names = tuple(a or b for a, b in args)
            found.append(Pattern(name or route, route, name, names, entry.callback))
    return found


PATTERNS = walk(get_resolver())


def is_private(p: Pattern) -> bool:
    return p.key in PRIVATE or (p.route.startswith(ADMIN_PREFIX) and p.key not in PUBLIC)


# --- Town A and town B ---------------------------------------------------------------------


def small_jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 30)).save(out, format="JPEG")
    return SimpleUploadedFile("a.jpg", out.getvalue(), content_type="image/jpeg")


@dataclass
class Towns:
    nodes: dict[str, Node]
    staff_a: Person
    staff_b: Person
    need_a: Need
    need_b: Need
    photo_a: NeedPhoto
    notification_a: Notification
    token_a: ApiToken
    org_a: Organisation
    # Town A's objects of the issue-20 apps, per app ("representatives", "liaison", "mailbox",
    # "reviews", "butler"): the URL arguments naming them.
    ids: dict[str, dict[str, Any]]


@pytest.fixture
def towns() -> Towns:
    return make_towns()


def make_towns() -> Towns:
    ensure_seed()
    cache.clear()
    n: dict[str, Node] = {}
    n["banner"] = netf.node(NodeKind.BANNER, name="旗")
    for town, lon in (("A", 0), ("B", 5)):
        mark = MARK if town == "A" else "Beta"
        n[f"town{town}"] = netf.node(NodeKind.TOWN, n["banner"], name=f"{mark} town")
        n[f"comm{town}"] = netf.node(NodeKind.COMMUNITY, n[f"town{town}"], name=f"{mark} comm")
        n[f"big{town}"] = netf.node(NodeKind.BIG_GRID, n[f"comm{town}"], name=f"{mark} big")
        n[f"grid{town}"] = netf.node(
            NodeKind.SMALL_GRID,
            n[f"big{town}"],
            name=f"{mark} grid",
            polygon=netf.square(lon, 0),
        )
    staff_a = netf.person(f"{MARK} staff", roles=[(Role.COMMUNITY_STAFF, n["commA"])])
    staff_b = netf.person("Beta staff", roles=[(Role.COMMUNITY_STAFF, n["commB"])])
    netf.person(f"{MARK} worker", roles=[(Role.GRID_WORKER, n["gridA"])])
    org_a = Organisation.objects.create(
        name=f"{MARK} unit", kind=OrgKind.MEMBER_UNIT, node=n["townA"]
    )
    category = Category.objects.get(code="roads")
    common: dict[str, Any] = {"by": workflow.RESIDENT, "category": category, "channel": Channel.WEB}
    need_a = services.need_raise(
        **common,
        description=f"{MARK} pothole",
        node=n["gridA"],
        contact_phone="13911112222",
        contact_name=f"{MARK} resident",
        answers={"passable": "no"},
        photos=[small_jpeg()],
    )
    need_b = services.need_raise(
        **common,
        description="Beta pothole",
        node=n["gridB"],
        contact_phone="13933334444",
        contact_name="Beta resident",
        answers={"passable": "no"},
    )
    token_a, _plain = token_create(person=staff_a, name=f"{MARK} token")
    _serve_town_a(n, staff_a)
    _committee_town_a(n, staff_a, org_a)
    _services_town_a(n, staff_a)
    _care_town_a(n, staff_a)
    town_staff = netf.person(f"{MARK} town staff", roles=[(Role.COMMUNITY_STAFF, n["townA"])])
    reps = _representatives_town_a(n, staff_a)
    ids = {
        "representatives": reps,
        "liaison": {**reps, **_liaison_town_a(reps)},
        "mailbox": _mailbox_town_a(n, town_staff),
        "reviews": _reviews_town_a(n, town_staff),
        "butler": _butler_town_a(n, staff_a),
    }
    application_create(name=f"{MARK} app")
    return Towns(
        nodes=n,
        staff_a=staff_a,
        staff_b=staff_b,
        need_a=need_a,
        need_b=need_b,
        photo_a=NeedPhoto.objects.get(need=need_a),
        notification_a=Notification.objects.filter(recipient=staff_a).first()
        or Notification.objects.create(recipient=staff_a, kind="need_new", data={}),
        token_a=token_a,
        org_a=org_a,
        ids=ids,
    )


def _committee_town_a(n: dict[str, Node], staff_a: Person, org_a: Organisation) -> None:
    """Town A's joint committee: org_a is its member unit (with a contact and a pledge); a goal,
    a task for the unit, a schedule and a meeting, a consultation on a need of comm A, an
    assessment."""
    import datetime as dt

    from django.utils import timezone

    from civicgrid.committees import assessment, committees, goals, meetings, work

    by_staff = workflow.By(person=staff_a)
    committee = Organisation.objects.create(
        name=f"{MARK} committee", kind=OrgKind.JOINT_COMMITTEE, node=n["townA"]
    )
    Organisation.objects.filter(pk=org_a.pk).update(committee=committee)
    org_a.committee = committee
    secretary = netf.person(f"{MARK} secretary")
    Membership.objects.create(organisation=committee, person=secretary, title="secretary")
    by = workflow.By(person=secretary)
    committees.contact_add(
        committee=committee, by=by, unit=org_a, name=f"{MARK} contact", mobile="13966667777"
    )
    committees.pledge_add(
        committee=committee, by=by, unit=org_a, kind="vehicle", description=f"{MARK} truck"
    )
    goals.goal_create(
        committee=committee, by=by, year=2026, title=f"{MARK} goal", measure="typed", target=5
    )
    work.task_create(
        committee=committee,
        by=by,
        title=f"{MARK} task",
        unit=org_a,
        due=timezone.now() + dt.timedelta(days=7),
    )
    series = meetings.series_create(
        committee=committee,
        by=by,
        title=f"{MARK} monthly",
        day_of_month=10,
        time=dt.time(9, 0),
        node=n["townA"],
    )
    start = timezone.now() + dt.timedelta(days=3)
    meetings.meeting_create(
        committee=committee,
        by=by,
        title=f"{MARK} meeting",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        node=n["townA"],
        series=series,
    )
    hard = services.need_raise(
        by=workflow.RESIDENT,
        category=Category.objects.get(code="roads"),
        channel=Channel.WEB,
        description=f"{MARK} hard road",
        node=n["gridA"],
        contact_phone="13911113333",
        answers={"passable": "no"},
    )
    workflow.need_escalate(need=hard, by=by_staff, reason=f"{MARK} consult", to=committee)
    assessment.assessment_open(
        committee=committee,
        by=by,
        title=f"{MARK} half-year",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 6, 30),
    )


def _services_town_a(n: dict[str, Node], staff_a: Person) -> None:
    """Town A's services close to home: a workshop's service with its hours and a door-to-door
    appointment, a room with a booking, a station with a shift and an exception."""
    import datetime as dt

    from django.utils import timezone

    from civicgrid.services import bookings, rooms, rota
    from civicgrid.services.models import OpeningHours, Room, RoomKind, Service

    workshop = Organisation.objects.create(
        name=f"{MARK} workshop", kind=OrgKind.PROVIDER, node=n["commA"]
    )
    service = Service.objects.create(
        name=f"{MARK} drains",
        kind="drains",
        provider_org=workshop,
        node=n["commA"],
        door_to_door=True,
    )
    for weekday in range(7):
        OpeningHours.objects.create(
            service=service, weekday=weekday, starts=dt.time(8), ends=dt.time(18)
        )
    day = timezone.localdate() + dt.timedelta(days=2)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    bookings.booking_book(
        service=service,
        starts_at=start,
        mode="door",
        resident_name=f"{MARK} resident",
        resident_phone="13911114444",
        address=f"{MARK} building 5",
        by=bookings.By(staff_a),
    )
    room = Room.objects.create(node=n["commA"], name=f"{MARK} hall", kind=RoomKind.HALL)
    rooms.room_book(
        room=room,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        title=f"{MARK} rehearsal",
        by=rooms.By(staff_a),
    )
    worker = Person.objects.get(name=f"{MARK} worker")
    station = rota.station_set(
        node=n["commA"], phone="0482-8212345", route_to_duty=False, by=staff_a
    )
    rota.shift_add(
        station=station, person=worker, weekday=0, starts=dt.time(9), ends=dt.time(12), by=staff_a
    )
    rota.change_add(
        station=station, day=day, kind="absent", person=worker, note=f"{MARK} away", by=staff_a
    )


def _care_town_a(n: dict[str, Node], staff_a: Person) -> None:
    """Town A's care: a meal point with its bands and a menu, a cared-for person with an
    order delivered on a run, a household with a card used at a partner shop (reconciled and
    flagged), a visiting plan with a visit."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from civicgrid.care import (
        cards,
        deliveries,
        flags,
        menus,
        orders,
        reconcile,
        redemptions,
        register,
        visits,
    )
    from civicgrid.care.models import AgeBand, CardKind, MealPoint, PartnerShop
    from civicgrid.core.once import new_key

    today = timezone.localdate()
    point = MealPoint.objects.create(name=f"{MARK} meals", node=n["commA"])
    AgeBand.objects.create(
        point=point,
        name=f"{MARK} 60+",
        min_age=60,
        price=Decimal(8),
        delivery=True,
        valid_from=today,
    )
    household = register.household_save(
        by=staff_a, node=n["gridA"], name=f"{MARK} household", address=f"{MARK} lane 3"
    )
    cared = register.cared_add(
        by=staff_a,
        node=n["gridA"],
        name=f"{MARK} grandma",
        birth_date=dt.date(today.year - 80, 1, 1),
        mobility="limited",
        lives_alone=True,
        kinds=["elderly"],
        household=household,
        address=f"{MARK} lane 3",
        phone="13911115555",
    )
    menu = menus.menu_save(
        by=staff_a, point=point, day=today, dishes=[{"name": f"{MARK} stew", "special": False}]
    )
    menus.menu_publish(by=staff_a, menu=menu)
    tomorrow = today + dt.timedelta(days=1)
    orders.order_place(by=staff_a, person=cared, point=point, day=tomorrow, placed_by="staff")
    deliveries.run_build(by=staff_a, point=point, day=tomorrow)
    kind = CardKind.objects.create(
        name=f"{MARK} hardship", node=n["commA"], monthly_amount=Decimal(500), monthly_uses=10
    )
    shop = PartnerShop.objects.create(
        name=f"{MARK} grain shop",
        node=n["commA"],
        licensed_on=today - dt.timedelta(days=90),
        agreement_from=today - dt.timedelta(days=90),
        discount_percent=Decimal(10),
    )
    shop.clerks.add(staff_a)
    card = cards.card_issue(by=staff_a, household=household, kind=kind)
    redemption = redemptions.redeem(
        by=staff_a, shop=shop, card_number=card.number, amount=Decimal(50), scan_key=new_key()
    )
    reconcile.reconcile(by=staff_a, shop=shop, month=redemption.month)
    flags.raise_flag(kind="two_shops", card=card, shop=shop, redemption=redemption, detail=MARK)
    plan = visits.plan_save(by=staff_a, person=cared, every_days=7)
    visits.visit_record(by=staff_a, person=cared, finding="well", note=f"{MARK} visit", plan=plan)


def _representatives_town_a(n: dict[str, Node], staff_a: Person) -> dict[str, Any]:
    """Town A's representatives: a station at comm A with a timetable row, a published town
    deputy received there, a reception held last week with a matter raised."""
    import datetime as dt

    from django.utils import timezone

    from civicgrid.representatives import receptions
    from civicgrid.representatives import services as reps
    from civicgrid.representatives.models import Body, Level, StationKind

    station = reps.station_save(
        by=staff_a,
        node=n["commA"],
        kind=StationKind.HOME,
        name=f"{MARK} home",
        address=f"{MARK} hall 2",
        phone="0475-8231234",
        staff=[staff_a],
    )
    person = netf.person(f"{MARK} deputy", roles=[(Role.REPRESENTATIVE, n["commA"])])
    deputy = reps.representative_save(
        by=staff_a,
        person=person,
        body=Body.PEOPLES_CONGRESS,
        level=Level.TOWN,
        node=n["townA"],
        constituency=[n["commA"]],
        station=station,
        title=f"{MARK} teacher",
        profile=f"{MARK} profile",
    )
    weekly = reps.time_save(
        by=staff_a,
        station=station,
        weekday=1,
        starts=dt.time(9),
        ends=dt.time(11),
        representative=deputy,
    )
    reception = receptions.reception_record(
        by=staff_a,
        station=station,
        day=timezone.localdate() - dt.timedelta(days=7),
        starts=dt.time(9),
        ends=dt.time(11),
        representatives=[deputy],
        topic=f"{MARK} topic",
        attendance=5,
        matters=[receptions.MatterIn(summary=f"{MARK} matter", raised_by=f"{MARK} raiser")],
    )
    return {
        "station_id": station.pk,
        "rep_id": deputy.pk,
        "time_id": weekly.pk,
        "reception_id": reception.pk,
        "matter_id": reception.matters.values_list("pk", flat=True)[0],
    }


def _liaison_town_a(reps: dict[str, Any]) -> dict[str, Any]:
    """Town A's message left for its deputy (its tracking key is the message's)."""
    from civicgrid.liaison import publication
    from civicgrid.liaison import workflow as liaison
    from civicgrid.liaison.models import MessageKind
    from civicgrid.representatives.models import Representative

    message = liaison.message_send(
        representative=Representative.objects.get(pk=reps["rep_id"]),
        kind=MessageKind.PROBLEM,
        text=f"{MARK} lamp out",
        name=f"{MARK} writer",
        phone="13911116666",
    )
    return {"number": message.number, "key": publication.message_key(message.number)}


def _mailbox_town_a(n: dict[str, Node], town_staff: Person) -> dict[str, Any]:
    """Town A's mailbox: a call (closed since yesterday) whose published proposal was selected,
    its project with a milestone, and a proposal still waiting."""
    import datetime as dt

    from django.utils import timezone

    from civicgrid.mailbox import projects, selection
    from civicgrid.mailbox import workflow as mailbox
    from civicgrid.mailbox.models import Call, Mailbox

    today = timezone.localdate()
    box = Mailbox.objects.create(node=n["townA"], created_at=timezone.now())
    call = Call.objects.create(
        mailbox=box,
        year=today.year,
        opens_on=today - dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=10),
        text=f"{MARK} call",
    )
    made = [
        mailbox.proposal_submit(
            by=mailbox.RESIDENT,
            call=call,
            node=n["commA"],
            title=f"{MARK} {what}",
            body=f"{MARK} body",
            place=f"{MARK} place",
            estimated_cost="20000",
            proposer_name=f"{MARK} proposer",
            proposer_phone=phone,
        )
        for what, phone in (("lights", "13911117777"), ("benches", "13911118888"))
    ]
    chosen = mailbox.proposal_publish(by=town_staff, proposal=made[0])
    # The call ended yesterday (as the mailbox's own tests close it): the selection is made.
    yesterday = today - dt.timedelta(days=1)
    Call.objects.filter(pk=call.pk).update(
        opens_on=yesterday - dt.timedelta(days=30), closes_on=yesterday
    )
    call.refresh_from_db()
    [project] = selection.selection_make(
        by=town_staff, call=call, selected={chosen.pk: f"{MARK} most wanted"}
    )
    milestone = projects.milestone_add(
        by=town_staff, project=project, title=f"{MARK} design", due=today + dt.timedelta(days=30)
    )
    return {
        "mailbox_id": box.pk,
        "node_id": n["townA"].pk,
        "proposal_id": chosen.pk,
        "waiting_proposal_id": made[1].pk,
        "project_id": project.pk,
        "milestone_id": milestone.pk,
    }


def _reviews_town_a(n: dict[str, Node], town_staff: Person) -> dict[str, Any]:
    """Town A's department review: an open round with a department and two questions, and one
    resident's answer with a comment."""
    import datetime as dt

    from django.utils import timezone

    from civicgrid.reviews import responses, rounds
    from civicgrid.reviews import services as reviews
    from civicgrid.reviews.models import QuestionKind
    from civicgrid.reviews.tests.factories import known_code

    today = timezone.localdate()
    a_round = reviews.round_create(
        by=town_staff,
        node=n["townA"],
        title=f"{MARK} review",
        intro=f"{MARK} intro",
        opens=today - dt.timedelta(days=1),
        closes=today + dt.timedelta(days=10),
    )
    unit = Organisation.objects.create(
        name=f"{MARK} bureau",
        kind=OrgKind.MEMBER_UNIT,
        unit_kind=UnitKind.DEPARTMENT,
        node=n["townA"],
    )
    department = reviews.department_add(by=town_staff, round=a_round, organisation=unit)
    score = reviews.question_save(
        by=town_staff, round=a_round, text=f"{MARK} overall", kind=QuestionKind.SCORE
    )
    comment = reviews.question_save(
        by=town_staff,
        round=a_round,
        text=f"{MARK} comments",
        kind=QuestionKind.COMMENT,
        required=False,
    )
    rounds.round_open(by=town_staff, round=a_round)
    a_round.refresh_from_db()
    phone = "13911119999"
    response = responses.response_submit(
        round=a_round,
        department=department,
        phone=phone,
        code=known_code(phone),
        answers={score.pk: "4", comment.pk: f"{MARK} slow replies"},
    )
    return {
        "node_id": n["townA"].pk,
        "round_id": a_round.pk,
        "department_id": department.pk,
        "question_id": score.pk,
        "answer_id": response.answers.get(question=comment).pk,
    }


def _butler_town_a(n: dict[str, Node], staff_a: Person) -> dict[str, Any]:
    """Town A's key project at comm A with an enterprise contact, a milestone, a visit and a
    matter the contact raised by the project's QR link."""
    from decimal import Decimal

    from django.utils import timezone

    from civicgrid.butler import access as butler_access
    from civicgrid.butler import matters, projects
    from civicgrid.butler.models import MatterKind

    firm = Organisation.objects.create(
        name=f"{MARK} works",
        kind=OrgKind.MEMBER_UNIT,
        unit_kind=UnitKind.ENTERPRISE,
        node=n["commA"],
    )
    project = projects.project_create(
        by=staff_a,
        enterprise=firm,
        name=f"{MARK} plant",
        node=n["commA"],
        investment=Decimal(5000000),
        description=f"{MARK} description",
    )
    contact = projects.contact_add(
        by=staff_a, project=project, name=f"{MARK} manager", phone="13800000001"
    )
    projects.milestone_add(by=staff_a, project=project, title=f"{MARK} permit")
    projects.visit_record(
        by=staff_a, project=project, visited_on=timezone.localdate(), found=f"{MARK} found"
    )
    matter, _made = matters.matter_raise_by_contact(
        project=project,
        phone=contact.phone,
        kind=MatterKind.APPROVAL,
        description=f"{MARK} permit late",
    )
    return {
        "project_id": project.pk,
        "contact_id": contact.pk,
        "matter_id": matter.pk,
        "key": butler_access.qr_key(project.pk),
    }


def _care_ids(t: Towns) -> dict[str, Any]:
    from civicgrid.care import access
    from civicgrid.care import models as cm

    comm = t.nodes["commA"]
    point = cm.MealPoint.objects.get(node=comm)
    cared = cm.CaredPerson.objects.get(name=f"{MARK} grandma")
    card = cm.Card.objects.get(household__name=f"{MARK} household")
    shop = cm.PartnerShop.objects.get(node=comm)
    return {
        "point_id": point.pk,
        "order_id": cm.MealOrder.objects.get(person=cared).pk,
        "run_id": cm.DeliveryRun.objects.get(point=point).pk,
        "route_id": cm.DeliveryRoute.objects.get(run__point=point).pk,
        "delivery_id": cm.Delivery.objects.get(order__person=cared).pk,
        "card_id": card.pk,
        "kind_id": card.kind_id,
        "shop_id": shop.pk,
        "household_id": card.household_id,
        "rec_id": cm.Reconciliation.objects.get(shop=shop).pk,
        "flag_id": cm.FraudFlag.objects.get(shop=shop).pk,
        "redemption_id": cm.Redemption.objects.get(shop=shop).pk,
        "care_person_id": cared.pk,
        "care_key": access.person_key(cared.pk),
        "care_number": card.number,
        "day": timezone_today(),
    }


def timezone_today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def is_object_page(p: Pattern) -> bool:
    """A page naming one of town A's objects (care pages name a cared-for person by
    `person_id`, not a representative)."""
    return bool(set(p.args) & OBJECT_ARGS) or (p.key.startswith("care") and "person_id" in p.args)


def _services_ids(t: Towns) -> dict[str, int]:
    from civicgrid.services import models as sm

    comm = t.nodes["commA"]
    return {
        "service_id": sm.Service.objects.filter(node=comm).values_list("pk", flat=True)[0],
        "booking_id": sm.Booking.objects.filter(node=comm).values_list("pk", flat=True)[0],
        "room_id": sm.Room.objects.filter(node=comm).values_list("pk", flat=True)[0],
        "room_booking_id": sm.RoomBooking.objects.filter(room__node=comm).values_list(
            "pk", flat=True
        )[0],
        "station_id": sm.Station.objects.filter(node=comm).values_list("pk", flat=True)[0],
        "shift_id": sm.DutyShift.objects.filter(station__node=comm).values_list("pk", flat=True)[0],
        "change_id": sm.DutyChange.objects.filter(station__node=comm).values_list("pk", flat=True)[
            0
        ],
    }


_COMMITTEE_IDS: dict[str, dict[str, int]] = {}


def _committee_ids(t: Towns) -> dict[str, int]:
    """Town A's committee and its records, made by `make_towns` (read once per town)."""
    key = t.need_a.number
    if key not in _COMMITTEE_IDS:
        _COMMITTEE_IDS.clear()
        _COMMITTEE_IDS[key] = _read_committee_ids(t)
    return _COMMITTEE_IDS[key]


def _read_committee_ids(t: Towns) -> dict[str, int]:
    from civicgrid.committees import models as cm

    committee = Organisation.objects.get(kind=OrgKind.JOINT_COMMITTEE, node=t.nodes["townA"])
    first = {"committee": committee}
    return {
        "committee_id": committee.pk,
        "task_id": cm.Task.objects.filter(**first).values_list("pk", flat=True)[0],
        "meeting_id": cm.Meeting.objects.filter(**first).values_list("pk", flat=True)[0],
        "series_id": cm.MeetingSeries.objects.filter(**first).values_list("pk", flat=True)[0],
        "consultation_id": cm.Consultation.objects.filter(**first).values_list("pk", flat=True)[0],
        "assessment_id": cm.Assessment.objects.filter(**first).values_list("pk", flat=True)[0],
        "goal_id": cm.Goal.objects.filter(**first).values_list("pk", flat=True)[0],
        "pledge_id": cm.Pledge.objects.filter(unit=t.org_a).values_list("pk", flat=True)[0],
        "membership_id": Membership.objects.filter(organisation=t.org_a).values_list(
            "pk", flat=True
        )[0],
        "unit_id": t.org_a.pk,
    }


def _serve_town_a(n: dict[str, Node], staff_a: Person) -> None:
    """People who serve in town A: a party member's request waiting, and a team."""
    from civicgrid.volunteers import registrations, teams
    from civicgrid.volunteers.models import TeamKind, Theme

    member = netf.person(f"{MARK} member", roles=[(Role.PARTY_MEMBER, n["commA"])])
    registrations.registration_request(
        person=member, community=n["commA"], by=registrations.By(member), skills=MARK
    )
    teams.team_create(
        node=n["commA"],
        name=f"{MARK} team",
        kind=TeamKind.VOLUNTEER,
        theme=Theme.VISITS,
        by=staff_a,
        leaders=[member],
    )
    from django.utils import timezone

    from civicgrid.volunteers import wishes

    wishes.wish_post(
        by=wishes.By(staff_a),
        community=n["commA"],
        title=f"{MARK} wish",
        story=f"{MARK} story",
        public_name="一位老人",
        person_name=f"{MARK} person",
        person_mobile="13977778888",
        needed_by=timezone.localdate(),
    )
    # An activity open for sign-up, for party members and volunteers (not the public's).
    from datetime import timedelta

    from civicgrid.volunteers import activities
    from civicgrid.volunteers.models import Audience

    start = timezone.now() + timedelta(days=1)
    activities.activity_create(
        by=staff_a,
        node=n["commA"],
        title=f"{MARK} activity",
        description=MARK,
        theme=Theme.VISITS,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        audience=Audience.MEMBERS,
        open_now=True,
    )


def admin_object_id(route: str, t: Towns) -> str:
    """admin/<app>/<model>/<object_id>/…: one of town A's objects of that model, if any."""
    app_label, model_name = route.split("/")[1:3]
    model = apps.get_model(app_label, model_name)
    own = {
        "node": t.nodes["townA"].pk,
        "person": t.staff_a.pk,
        "need": t.need_a.pk,
        "organisation": t.org_a.pk,
        "apitoken": t.token_a.pk,
    }
    if model_name in own:
        return str(own[model_name])
    first = model._default_manager.order_by("pk").first()
    return str(first.pk if first else 1)


def fill(p: Pattern, t: Towns) -> dict[str, str]:
    """The pattern's URL arguments, naming town A's objects."""
    values: dict[str, Any] = {
        "number": t.need_a.number,
        "photo_id": t.photo_a.pk,
        "notification_id": t.notification_a.pk,
        "token_id": t.token_a.pk,
        "node_id": t.nodes["commA"].pk,
        # A need's move, or a move of the services' records (their routes accept their own).
        "action": {
            "api:act_on_appointment": "confirm",
            "api:act_on_room_booking": "approve",
            "services:room_booking_action": "approve",
        }.get(p.key, "accept"),
        "person_id": t.staff_a.pk,
        "org_id": t.org_a.pk,
        "code": "roads" if p.name in ("resident:raise", "open311:service") else "",
        "fmt": "json",
        "request_id": t.need_a.number,
        "token": "abc",
        "path": "nothing-here",
        "rest": "nothing-here",
        "content_type_id": ContentType.objects.get_for_model(Node).pk,
        "app_label": "network",
        "url": "nothing-here/",
        "id": t.staff_a.pk,
        # People who serve: town A's registration and team (made in make_towns).
        "registration_id": _serve_ids(t)["registration"],
        "team_id": _serve_ids(t)["team"],
        "wish_id": _serve_wish(t),
        "activity_id": _serve_activity(t),
        **_committee_ids(t),
        **_services_ids(t),
    }
    app = new_app(p.key, p.route)
    if app is not None:
        # The app's own objects: a station, project, matter, number or key of that app.
        values.update(t.ids[app])
    if p.key.startswith("care"):
        care = _care_ids(t)
        values.update(care)
        values["person_id"] = care["care_person_id"]
        values["key"] = care["care_key"]
        values["number"] = care["care_number"]
    if "code" in p.args and not values["code"]:
        values["code"] = t.nodes["townA"].code
    if "object_id" in p.args:
        values["object_id"] = (
            t.nodes["townA"].pk if "r/<" in p.route else admin_object_id(p.route, t)
        )
    missing = [a for a in p.args if a not in values]
    assert not missing, f"{p.key}: add a value for {missing} to fill()"
    return {a: str(values[a]) for a in p.args}


def _serve_ids(t: Towns) -> dict[str, int]:
    """Town A's registration and team (people who serve), made by `make_towns`."""
    from civicgrid.volunteers.models import Registration, Team

    return {
        "registration": Registration.objects.filter(community=t.nodes["commA"]).values_list(
            "pk", flat=True
        )[0],
        "team": Team.objects.filter(organisation__node=t.nodes["commA"]).values_list(
            "pk", flat=True
        )[0],
    }


def _serve_wish(t: Towns) -> int:
    """Town A's micro-wish, posted by `make_towns`."""
    from civicgrid.volunteers.models import Wish

    return Wish.objects.filter(community=t.nodes["commA"]).values_list("pk", flat=True)[0]


def _serve_activity(t: Towns) -> int:
    """Town A's activity (open, for members), made by `make_towns`."""
    from civicgrid.volunteers.models import Activity

    return Activity.objects.filter(node=t.nodes["commA"]).values_list("pk", flat=True)[0]


def url_of(p: Pattern, t: Towns) -> str:
    """The pattern's address with its arguments filled (regex patterns are filled by hand)."""
    kwargs = fill(p, t)
    route = p.route
    for name, value in kwargs.items():
        route = re.sub(rf"<(?:\w+:)?{name}>", value, route)
        route = re.sub(rf"\(\?P<{name}>[^)]*\)", value, route)
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + route


# Data sent with every POST: what the views would act on if a scope check were missing.
def post_data(t: Towns) -> dict[str, Any]:
    return {
        "numbers": [t.need_a.number],
        "target": f"node:{t.nodes['gridA'].pk}",
        "text": "walk",
        "note": "walk",
        "reason": "walk",
        "name": "walk",
        "category": "roads",
        "description": "walk",
        "node": t.nodes["gridA"].pk,
        "place": t.nodes["gridA"].pk,
        "contact_phone": "13955556666",
        "on_behalf_of": "walk",
        "channel": "phone",
        "phone": t.need_a.contact_phone,
        "number": t.need_a.number,
        "format": "json",
        "sure": "on",
    }


def send(
    client: Client, method: str, url: str, data: dict[str, Any], json: dict[str, Any] | None = None
) -> Any:
    """GET with a query, or POST a form (JSON to the API, so that it reaches the view: `json`
    where the operation's schema needs more than a reason, see `api_body`)."""
    if method == "post" and url.startswith("/api/"):
        if url.endswith("/photos"):
            return client.post(url, {"text": "walk", "photos": [small_jpeg()]})
        return client.post(url, json or {"reason": "walk"}, content_type="application/json")
    return getattr(client, method)(url, data)


def api_body(operation_id: str, t: Towns) -> dict[str, Any] | None:
    """A JSON body the issue-20 apps' write operations accept, aimed at town A's objects (their
    schemas check the body before the view asks who calls: a 400 would prove nothing)."""
    import datetime as dt

    today = dt.date.today()
    reps = t.ids["representatives"]
    bodies: dict[str, dict[str, Any]] = {
        # A reception at town A's station with its deputy, three days ago (it books no room).
        "create_reception": {
            "station": reps["station_id"],
            "day": (today - dt.timedelta(days=3)).isoformat(),
            "starts": "09:00",
            "ends": "10:00",
            "representatives": [reps["rep_id"]],
            "topic": "walk",
            "attendance": 3,
            "matters": [{"summary": "walk", "raised_by": "walk"}],
        },
        "answer_message": {"answer": "walk"},
        "add_milestone": {
            "title": "walk",
            "due": (today + dt.timedelta(days=20)).isoformat(),
            "note": "walk",
        },
        "milestone_done": {"done_on": today.isoformat(), "note": "walk"},
        "create_matter": {
            "kind": "approval",
            "description": "walk",
            "contact_id": t.ids["butler"]["contact_id"],
        },
    }
    return bodies.get(operation_id)


def body_text(response: Any) -> str:
    """The whole answer as text; an xlsx (a zip) is unzipped, each part read."""
    raw = b"".join(response.streaming_content) if response.streaming else bytes(response.content)
    if raw.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            raw = b"".join(book.read(name) for name in book.namelist())
    text = raw.decode("utf-8", errors="replace")
    # Tracking numbers are printed as people read them (K7M4-QXP2): searched for as stored too,
    # so that "not in" stays a real check.
    return text + "\n" + text.replace("-", "")


def snapshot(t: Towns) -> tuple[Any, ...]:
    """Town A's data a walk must not change."""
    need = Need.objects.get(pk=t.need_a.pk)
    return (
        need.state,
        need.assignee_id,
        need.contact_phone,
        need.contact_name,
        need.description,
        need.events.count(),
        Notification.objects.filter(recipient=t.staff_a, read_at__isnull=True).count(),
        ApiToken.objects.get(pk=t.token_a.pk).revoked_at,
        Node.objects.filter(path__startswith=t.nodes["townA"].path).count(),
    )


# --- The tests ---------------------------------------------------------------------------


def test_every_pattern_is_classified_and_the_lists_name_only_real_patterns():
    keys = {p.key for p in PATTERNS}
    unknown = sorted(
        p.key
        for p in PATTERNS
        if p.key not in PUBLIC and p.key not in PRIVATE and not p.route.startswith(ADMIN_PREFIX)
    )
    assert not unknown, f"classify these patterns in PUBLIC or PRIVATE: {unknown}"
    assert not set(PUBLIC) & set(PRIVATE)
    stale = sorted((set(PUBLIC) | set(PRIVATE)) - keys)
    assert not stale, f"these listed patterns no longer exist: {stale}"


LOGIN_PATHS = ("/console/login/", "/admin/login/")


def test_anonymous_visitors_get_no_private_page(client: Client, towns: Towns):
    before = snapshot(towns)
    checked = 0
    for p in filter(is_private, PATTERNS):
        url = url_of(p, towns)
        for method in METHODS.get(p.key, ("get", "post")):
            data = post_data(towns) if method == "post" else {}
            response = send(client, method, url, data, api_body(p.name[4:], towns))
            status = response.status_code
            where = f"{method.upper()} {url} ({p.key})"
            assert status in (302, 401, 403, 405), f"{where}: {status}"
            if status == 302:
                assert response["Location"].startswith(LOGIN_PATHS), where
            assert MARK not in body_text(response), where
            checked += 1
    assert checked > 100
    assert snapshot(towns) == before


def test_staff_of_town_b_see_nothing_of_town_a(client: Client, towns: Towns):
    client.force_login(towns.staff_b)
    before = snapshot(towns)
    town_a = towns.nodes["townA"].pk
    for p in filter(is_private, PATTERNS):
        url = url_of(p, towns)
        methods = METHODS.get(p.key, ("get", "post"))
        requests = [(m, url, post_data(towns) if m == "post" else {}) for m in methods]
        if not p.args:
            # Pages that take a place in the query string: town A's is refused or ignored.
            requests.append(("get", url, {"node": town_a, "scope": town_a}))
        for method, address, data in requests:
            response = send(client, method, address, data, api_body(p.name[4:], towns))
            status = response.status_code
            where = f"{method.upper()} {address} {data if method == 'get' else ''} ({p.key})"
            assert status < 500, f"{where}: {status}"
            assert MARK not in body_text(response), f"{where} shows town A's data"
            if p.route.startswith(ADMIN_PREFIX):
                # Not an admin account: the admin sends to its login page.
                assert status == 302 and response["Location"].startswith("/admin/login/"), where
            elif is_object_page(p):
                assert status in (403, 404, 405), f"{where}: {status}"
    assert snapshot(towns) == before


def test_the_walk_is_not_vacuous_staff_of_town_b_do_see_their_own_town(
    client: Client, towns: Towns
):
    """The same lists show town B's need to town B's staff: the checks above look at pages
    with data in them, not at empty ones."""
    client.force_login(towns.staff_b)
    for url in ("/console/needs/?tab=all", "/api/v1/needs", "/dashboard/ledgers/needs.xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert towns.need_b.number in body_text(response), url
    detail = client.get(f"/console/needs/{towns.need_b.number}/")
    assert detail.status_code == 200 and "Beta pothole" in detail.content.decode()


def test_the_walk_is_not_vacuous_the_new_apps_arguments_name_objects_their_staff_see(
    client: Client, towns: Towns
):
    """The issue-20 apps' URL arguments filled by `fill` name real objects of town A, which town
    A's own staff open: the 404s town B's staff get are the scope rule's, not a wrong id."""
    town_staff = Person.objects.get(name=f"{MARK} town staff")
    pages = {
        "representatives:reception": towns.staff_a,
        "representatives_public:station": None,
        "liaison:detail": towns.staff_a,
        "liaison_public:track": None,
        "mailbox:project": town_staff,
        "mailbox_public:proposal": None,
        "reviews:results": town_staff,
        "reviews_public:review": None,
        "butler:matter": towns.staff_a,
        "butler_public:raise": None,
    }
    by_key = {p.key: p for p in PATTERNS}
    for key, person in pages.items():
        client.logout()
        if person is not None:
            client.force_login(person)
        url = url_of(by_key[key], towns)
        response = client.get(url)
        assert response.status_code == 200, f"{url} ({key}): {response.status_code}"
        assert MARK in body_text(response), f"{url} ({key})"


def test_public_patterns_answer_anonymous_visitors_without_a_server_error(
    client: Client, towns: Towns
):
    for p in PATTERNS:
        if p.key in PUBLIC:
            url = url_of(p, towns)
            response = client.get(url)
            assert response.status_code < 500, f"GET {url} ({p.key}): {response.status_code}"
