"""Adding, removing and replacing an organisation's members (the actions, audited)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select


def _actor(code):
    from registration.actions.actors import Actor

    return Actor.organisation(code)


def _audit(action: str) -> list:
    from registration.extensions import db
    from registration.models import AuditEntry

    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_exhibitor_member_gets_an_approved_badge_for_every_fair_day(
        app, make_org, org_of, member, fair):
    from registration.actions import members as member_actions
    from registration.actions.unit import unit_of_work
    from registration.models import CredentialStatus
    from registration.services import credentials

    code = make_org("exhibitor", area=9)
    with app.app_context():
        organisation = org_of(code)
        with unit_of_work():
            added = member_actions.add_member(_actor(code), organisation, member(
                name="  王   小明 ", title=" Sales   manager ", name_latin="WANG Xiaoming"))
        assert added.status is CredentialStatus.APPROVED
        assert added.kind.value == "exhibitor"
        assert added.issued_by == f"org:{code}" and added.decided_by == f"org:{code}"
        assert (added.first_day, added.last_day) == (fair[0], fair[-1])
        assert added.venue.code == "CNCC" and added.title == "Sales manager"
        assert credentials.stored_name(added) == "王 小明"
        assert credentials.stored_contact(added)["name_latin"] == "WANG Xiaoming"
        issued = added.current_pass
        assert issued is not None and issued.kind.value == "exhibitor"
        assert [day.date for day in credentials.fair_days_of(added)] == fair
        assert organisation.badges_used == 1 and organisation.badge_quota == 3
        entry, = _audit("member_added")
        assert entry.username == f"org:{code}" and entry.target == added.code
        assert json.loads(entry.details)["document"] == added.document_masked


def test_badge_quota_full_is_a_409_and_takes_nothing(app, make_org, org_of, member):
    from registration.actions import members as member_actions
    from registration.actions.unit import unit_of_work
    from registration.models import Credential
    from registration.extensions import db
    from registration.services.errors import Conflict

    code = make_org("exhibitor", area=3)  # one badge
    with app.app_context():
        with unit_of_work():
            member_actions.add_member(_actor(code), org_of(code), member())
        with pytest.raises(Conflict) as refused:
            with unit_of_work():
                member_actions.add_member(_actor(code), org_of(code), member())
        assert refused.value.code == "badge_quota_full"
        assert "1/1" in refused.value.message.en and "1/1" in refused.value.message.zh
        assert org_of(code).badges_used == 1
        assert len(db.session.scalars(select(Credential)).all()) == 1


def test_remove_revokes_the_pass_everywhere_and_gives_the_badge_back(app, make_org, org_of,
                                                                     member):
    from registration.actions import members as member_actions
    from registration.actions.unit import unit_of_work
    from registration.models import CredentialStatus, PassStatus

    code = make_org("exhibitor", area=3)
    with app.app_context():
        with unit_of_work():
            added = member_actions.add_member(_actor(code), org_of(code), member())
        issued = added.current_pass
        with unit_of_work():
            member_actions.remove_member(_actor(code), org_of(code), added.code.lower())
        assert added.status is CredentialStatus.REVOKED
        assert issued.status is PassStatus.REVOKED
        assert org_of(code).badges_used == 0
        assert _audit("member_removed")[0].target == added.code
        with unit_of_work():  # the badge is free for someone else
            member_actions.add_member(_actor(code), org_of(code), member())
        assert org_of(code).badges_used == 1


def test_replace_revokes_the_old_and_issues_the_new_in_one_step(app, make_org, org_of, member):
    from registration.actions import members as member_actions
    from registration.actions.unit import unit_of_work
    from registration.models import CredentialStatus, PassStatus

    code = make_org("exhibitor", area=3)  # the quota is full with one member
    with app.app_context():
        with unit_of_work():
            old = member_actions.add_member(_actor(code), org_of(code), member())
        with unit_of_work():
            new = member_actions.replace_member(_actor(code), org_of(code), old.code, member())
        assert old.status is CredentialStatus.REVOKED
        assert all(p.status is PassStatus.REVOKED for p in old.carrier.passes)
        assert new.status is CredentialStatus.APPROVED and new.current_pass is not None
        assert org_of(code).badges_used == 1
        entry, = _audit("member_replaced")
        assert entry.target == new.code and json.loads(entry.details)["replaced"] == old.code


def test_a_refused_replacement_leaves_the_old_member(app, make_org, org_of, member):
    from registration.actions import members as member_actions
    from registration.actions.unit import unit_of_work
    from registration.extensions import db
    from registration.models import CredentialStatus
    from registration.services.credentials import stored_document
    from registration.services.errors import Conflict

    code = make_org("exhibitor", area=9)
    with app.app_context():
        with unit_of_work():
            old = member_actions.add_member(_actor(code), org_of(code), member())
            other = member_actions.add_member(_actor(code), org_of(code), member())
        taken = stored_document(other).number
        with pytest.raises(Conflict) as refused:
            with unit_of_work():  # the new member already holds an exhibitor credential
                member_actions.replace_member(_actor(code), org_of(code), old.code,
                                              member(number=taken))
        assert refused.value.code == "credential_exists"
        db.session.expire_all()
        assert old.status is CredentialStatus.APPROVED and old.current_pass is not None
        assert org_of(code).badges_used == 2
        assert _audit("member_replaced") == []


def test_pending_or_rejected_organisations_add_nobody(app, make_org, org_of, member):
    from registration.services import members
    from registration.services.errors import Conflict

    code = make_org("exhibitor", approve=False)
    with app.app_context():
        with pytest.raises(Conflict) as refused:
            members.add_member(org_of(code), member())
        assert refused.value.code == "organisation_not_approved"
        assert "approved" in refused.value.message.en and refused.value.message.zh


def test_media_outlet_members_cover_every_venue(app, make_org, org_of, member, fair):
    from registration.services import credentials, members

    code = make_org("media_outlet")
    with app.app_context():
        added = members.add_member(org_of(code), member())
        assert added.kind.value == "media" and added.venue_id is None
        assert added.current_pass is not None
        venues = {day.venue.code for day in credentials.fair_days_of(added)}
        assert venues == {"CNCC", "SHOUGANG"}


def test_institution_members_are_professional_visitors_of_one_venue_day(
        app, make_org, org_of, member, fair):
    from registration.extensions import db
    from registration.models import FairDay
    from registration.services import members
    from registration.services.errors import InvalidInput

    code = make_org("organisation")
    with app.app_context():
        day = db.session.scalar(select(FairDay).where(FairDay.date == fair[1]).join(
            FairDay.venue).where(FairDay.venue.has(code="CNCC")))
        day.professional_quota = 5
        db.session.commit()
        with pytest.raises(InvalidInput) as refused:
            members.add_member(org_of(code), member())
        assert "venue" in refused.value.fields
        added = members.add_member(org_of(code), member(venue="CNCC", day=fair[1]))
        assert added.kind.value == "professional"
        assert added.first_day == added.last_day == fair[1]
        db.session.refresh(day)
        assert day.professional_booked == 1


def test_members_of_another_organisation_are_not_found(app, make_org, org_of, member):
    from registration.services import members
    from registration.services.errors import NotFound

    mine, theirs = make_org("exhibitor"), make_org("exhibitor")
    with app.app_context():
        added = members.add_member(org_of(theirs), member())
        with pytest.raises(NotFound):
            members.find_member(org_of(mine), added.code)
        with pytest.raises(NotFound):
            members.remove_member(org_of(mine), added)
