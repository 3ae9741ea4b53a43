"""The venue-day policy per credential kind on the service (issue 12): the manifest header's
kind_opens and quota_kinds, and online verify deciding with the same policy."""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gate.passes import PassKind, new_claims, sign_pass

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def fair(make_fair_day, make_device):
    day = make_fair_day("CNCC", offset=0, quota=100, opens=time(9), closes=time(18))
    make_fair_day("SHOUGANG", offset=0, opens=time(9), closes=time(18))
    return day, make_device("CNCC", "CNCC-E1"), make_device("SHOUGANG", "SHOUGANG-E1")


def manifest_policy(app, device) -> dict:
    response = app.test_client().get("/api/v1/gate/manifest", headers=device.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["policy"]


def set_exhibitors_open(app, venue: str, day, value: time | None) -> None:
    from registration.extensions import db
    from registration.models import FairDay, Venue

    with app.app_context():
        fair_day = db.session.scalar(select(FairDay).join(Venue).where(
            Venue.code == venue, FairDay.date == day))
        fair_day.exhibitors_open = value
        db.session.commit()


def test_the_manifest_policy_names_kind_opens_and_quota_kinds(app, fair):
    day, cncc, _ = fair
    policy = manifest_policy(app, cncc)
    assert policy["kind_opens"] == {"exhibitor": "08:00"}  # EXHIBITORS_OPEN
    assert policy["quota_kinds"] == ["professional", "visitor"]
    assert (policy["opens"], policy["closes"]) == ("09:00", "18:00")
    set_exhibitors_open(app, "CNCC", day, time(7, 30))  # the fair day's own wins
    assert manifest_policy(app, cncc)["kind_opens"] == {"exhibitor": "07:30"}
    set_exhibitors_open(app, "CNCC", day, None)
    app.config["EXHIBITORS_OPEN"] = "07:45"
    assert manifest_policy(app, cncc)["kind_opens"] == {"exhibitor": "07:45"}
    # The kiosk's schema loads it (and a header without the new fields, as before).
    from schemas.gate import PolicySchema
    assert PolicySchema().load(manifest_policy(app, cncc))["kind_opens"] == \
        {"exhibitor": "07:45"}
    old = {k: v for k, v in policy.items() if k not in ("kind_opens", "quota_kinds")}
    assert PolicySchema().load(old)["kind_opens"] == {}


def test_a_bad_exhibitors_open_setting_says_so(app, fair):
    from registration.extensions import db
    from registration.models import FairDay
    from registration.services import gate_policy

    app.config["EXHIBITORS_OPEN"] = "8 o'clock"
    with app.app_context(), pytest.raises(ValueError, match="EXHIBITORS_OPEN"):
        gate_policy.exhibitors_open(db.session.scalars(select(FairDay)).first())


def verify_at(app, device, token: str, day, at: time) -> str:
    """The online verdict's reason for ``token`` at ``device`` at ``at`` (Beijing)."""
    from registration.extensions import db
    from registration.models import Device
    from registration.services.verify import verify_scan

    with app.app_context():
        result = verify_scan(db.session.get(Device, device.id), token, "in", device.gate,
                             now=datetime.combine(day, at, BEIJING))
        db.session.commit()
        return result.verdict.reason.value


def signed(app, kind: PassKind, venue: str, day, day_count: int = 3) -> str:
    from registration.services.passes import key_ring

    with app.app_context():
        claims = new_claims(venue=venue, first_day=day, kind=kind, day_count=day_count,
                            document_key=f"cn_resident_id::{kind.code:018d}")
        return sign_pass(claims, key_ring().current_signing_key)


def test_online_verify_admits_exhibitors_from_their_opening(app, fair):
    day, cncc, _ = fair
    early, exhibitor = (signed(app, PassKind.exhibitor, "CNCC", day) for _ in range(2))
    visitor = signed(app, PassKind.visitor, "CNCC", day, 1)
    assert verify_at(app, cncc, early, day, time(7, 59)) == "outside_hours"
    assert verify_at(app, cncc, exhibitor, day, time(8, 10)) == "ok"
    assert verify_at(app, cncc, visitor, day, time(8, 59)) == "outside_hours"
    assert verify_at(app, cncc, visitor, day, time(9)) == "ok"
    staff = signed(app, PassKind.staff, "*", day)
    assert verify_at(app, cncc, staff, day, time(6)) == "ok"


def test_online_verify_every_venue_and_online_passes(app, fair):
    day, cncc, shougang = fair
    media = signed(app, PassKind.media, "*", day, 5)
    assert verify_at(app, cncc, media, day, time(10)) == "ok"
    # One pass, one presence a day: the second venue sees it entered already (multi-entry).
    assert verify_at(app, shougang, media, day, time(11)) == "ok_reentry"
    guest = signed(app, PassKind.guest, "*", day, 5)
    assert verify_at(app, shougang, guest, day, time(11)) == "ok"
    online = signed(app, PassKind.online, "*", day)
    assert verify_at(app, cncc, online, day, time(10)) == "wrong_venue"


def test_online_verify_counts_public_kinds_against_the_quota(
        app, make_fair_day, make_device):
    day = make_fair_day("CNCC", offset=0, quota=1, opens=time(9), closes=time(18))
    cncc = make_device("CNCC", "CNCC-E1")
    visitor, professional = (signed(app, kind, "CNCC", day, 1)
                             for kind in (PassKind.visitor, PassKind.professional))
    exhibitor = signed(app, PassKind.exhibitor, "CNCC", day)
    assert verify_at(app, cncc, visitor, day, time(10)) == "ok"
    assert verify_at(app, cncc, professional, day, time(10, 1)) == "quota_full"
    assert verify_at(app, cncc, exhibitor, day, time(10, 2)) == "ok"
