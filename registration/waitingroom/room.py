"""The waiting room as the views use it: join, status, the admission check in front of
booking, the proof of work and the live settings (rate, cost), all on one store."""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app

from gate.i18n import Text
from registration.models import FairDay
from registration.services.errors import Conflict, ServiceError
from registration.waitingroom import pow as proof_of_work
from registration.waitingroom.policy import (
    BEFORE, OPEN, RoomPlan, room_name, scheduled_plan, surge_plan,
)
from registration.waitingroom.store import LineStatus, StoreUnavailable, open_store
from registration.waitingroom.tickets import Admission, BadToken, Ticket, TokenSigner, derive_key

ADMISSION_REQUIRED = Text("预约正在排队：请先进入排队页面，轮到您时即可预约",
                          "Booking for this day goes through the waiting room: join the "
                          "queue, and book when it is your turn")
ADMISSION_WRONG_HOLDER = Text("该排队资格属于另一证件", "This place in line belongs to another document")
ADMISSION_SPENT = Text("该排队资格已用于一次预约", "This admission was used for a booking already")
NOT_YET_OPEN = Text("排队尚未开始，请在开放前几分钟再来",
                    "The queue is not open yet; come back a few minutes before the opening")
NO_ROOM = Text("该日无需排队，可直接预约", "No queue for this day: you can book directly")
UNAVAILABLE = Text("排队系统暂时不可用，请稍后再试（您的位置不会丢失）",
                   "The waiting room is unavailable right now; please try again shortly "
                   "(your place in line is kept)")
LIVE_SETTINGS = {"pow_max_number": int, "pow_on_booking": lambda v: v in ("1", "true", True),
                 "surge_per_second": float}


class AdmissionRequired(ServiceError):
    status = 403

    def __init__(self, message: Text = ADMISSION_REQUIRED, code: str = "admission_required"):
        super().__init__(code, message, {"admission": message})


class WaitingRoomUnavailable(ServiceError):
    status = 503

    def __init__(self):
        super().__init__("waiting_room_unavailable", UNAVAILABLE)


@dataclass(frozen=True)
class QueueState:
    """What the queue page and the queue API show one visitor."""

    plan: RoomPlan
    phase: str
    line: LineStatus | None
    ticket: Ticket | None
    admission: str | None  # the signed admission, once it is this ticket's turn
    refresh_seconds: int


class WaitingRoom:
    def __init__(self, app):
        self.config = app.config
        self.store = open_store(app.config["WAITING_ROOM_STORE"])
        secret = app.extensions["fairgate.keys"].secret_key
        self.signer = TokenSigner(secret)
        self.pow_key = derive_key(secret, "altcha")
        self._settings_cache: tuple[float, dict] = (0.0, {})

    # Live settings (staff change them; every server sees them within a second) ---------

    def settings(self) -> dict:
        fetched_at, cached = self._settings_cache
        if time.monotonic() - fetched_at < 1.0:
            return cached
        try:
            stored = self.store.settings()
        except StoreUnavailable:
            # The last values seen (else the configured ones): a day without a room keeps
            # booking, with the defence staff last set; the room itself still fails closed.
            return cached or self._settings_from({})
        values = self._settings_from(stored)
        self._settings_cache = (time.monotonic(), values)
        return values

    def _settings_from(self, stored: dict) -> dict:
        values = {"pow_max_number": self.config["POW_MAX_NUMBER"],
                  "pow_on_booking": bool(self.config["POW_ON_BOOKING"]),
                  "surge_per_second": float(self.config["WAITING_ROOM_SURGE_PER_SECOND"])}
        for name, parse in LIVE_SETTINGS.items():
            if name in stored:
                try:
                    values[name] = parse(stored[name])
                except ValueError:
                    pass
        return values

    def set_setting(self, name: str, value) -> None:
        if name not in LIVE_SETTINGS:
            raise KeyError(name)
        self.store.set_setting(name, str(int(value) if isinstance(value, bool) else value))
        self._settings_cache = (0.0, self._settings_cache[1])

    # Which days have a room ------------------------------------------------------------

    def plan_for(self, fair_day: FairDay, now: float) -> RoomPlan | None:
        venue = fair_day.venue.code
        if fair_day.booking_opens_at is not None:
            return scheduled_plan(venue, fair_day.date, fair_day.booking_opens_at,
                                  self.config["WAITING_ROOM_PREQUEUE_MINUTES"])
        if self.settings()["surge_per_second"] <= 0:
            return None
        since = self.store.surge_since(room_name(venue, fair_day.date), now)
        return None if since is None else surge_plan(venue, fair_day.date, since)

    def _booking_plan(self, fair_day: FairDay, now: float) -> RoomPlan | None:
        """The room in front of this booking; counts it towards a surge."""
        plan = self.plan_for(fair_day, now)
        surge = self.settings()["surge_per_second"]
        if plan is not None or surge <= 0:
            return plan
        room = room_name(fair_day.venue.code, fair_day.date)
        if self.store.hit(room, now) <= surge:
            return None
        since = self.store.start_surge(room, now, int(self.config["WAITING_ROOM_SURGE_MINUTES"]
                                                      * 60))
        return surge_plan(fair_day.venue.code, fair_day.date, since)

    def _rate(self) -> float:
        return float(self.config["WAITING_ROOM_RATE"])

    # The visitor's side ------------------------------------------------------------------

    def join(self, fair_day: FairDay, holder: str, now: float) -> tuple[Ticket, str]:
        """A place in line for this document (the same place if it has one already)."""
        plan = self.plan_for(fair_day, now)
        if plan is None:
            raise Conflict("no_waiting_room", NO_ROOM)
        if plan.phase(now) == BEFORE:
            raise Conflict("queue_not_open", NOT_YET_OPEN)
        lifetime = int(self.config["WAITING_ROOM_TICKET_HOURS"] * 3600)
        ticket, _ = self.signer.issue_ticket(plan.room, holder, int(now), lifetime)
        member, _ = self.store.join(plan.room, holder, ticket.id, plan.arrival_score(now),
                                    plan.opens_at, self._rate(), now)
        # A second try by the same document gets its first place back (a fresh signature).
        return self.signer.issue_ticket(plan.room, holder, int(now), lifetime, member)

    def state(self, fair_day: FairDay, ticket_token: str | None, now: float) -> QueueState:
        plan = self.plan_for(fair_day, now)
        if plan is None:
            raise Conflict("no_waiting_room", NO_ROOM)
        phase = plan.phase(now)
        ticket = self.read_ticket(plan, ticket_token, now)
        refresh = int(self.config["WAITING_ROOM_REFRESH_SECONDS"])
        if phase == BEFORE:
            wait = plan.prequeue_from - now
            return QueueState(plan, phase, None, None, None, max(1, min(refresh, int(wait))))
        line = self.store.status(plan.room, ticket.id if ticket else None, plan.opens_at,
                                 self._rate(), now)
        admission = None
        if ticket is not None and phase == OPEN and line.is_admitted:
            _, admission = self.signer.issue_admission(
                ticket, int(now), int(self.config["WAITING_ROOM_ADMISSION_MINUTES"] * 60))
        if phase != OPEN:
            refresh = max(1, min(refresh, int(plan.opens_at - now) + 1))
        elif ticket is not None and line.rank is not None and line.wait_seconds > 0:
            refresh = max(2, min(refresh, line.wait_seconds // 2))
        return QueueState(plan, phase, line, ticket if line.rank is not None else None,
                          admission, refresh)

    def read_ticket(self, plan: RoomPlan, token: str | None, now: float) -> Ticket | None:
        if not token:
            return None
        try:
            return self.signer.read_ticket(token, plan.room, int(now))
        except BadToken:
            return None

    # In front of booking -----------------------------------------------------------------

    def check_admission(self, fair_day: FairDay, token: str | None, holders: set[str],
                        now: float) -> Admission | None:
        """None when the day books without the room; the admission to spend otherwise
        (AdmissionRequired when there is none valid for one of ``holders``)."""
        plan = self._booking_plan(fair_day, now)
        if plan is None:
            return None
        if not token:
            raise AdmissionRequired()
        try:
            admission = self.signer.read_admission(token, plan.room, int(now))
        except BadToken:
            raise AdmissionRequired() from None
        if admission.holder not in holders:
            raise AdmissionRequired(ADMISSION_WRONG_HOLDER, "admission_wrong_document")
        return admission

    def spend_admission(self, admission: Admission | None) -> None:
        """Once the booking is written (before its commit): a second use is refused."""
        if admission is None:
            return
        ttl = max(admission.expires_at - int(time.time()), 1) + 60
        if not self.store.spend("admission:" + admission.jti, ttl):
            raise AdmissionRequired(ADMISSION_SPENT, "admission_spent")

    # Proof of work ------------------------------------------------------------------------

    def challenge(self) -> dict:
        return proof_of_work.create_challenge(
            self.pow_key, self.settings()["pow_max_number"],
            int(self.config["POW_CHALLENGE_SECONDS"]))

    def verify_pow(self, payload: str | None, field: str = "altcha") -> None:
        proof_of_work.verify(payload, self.pow_key, self.settings()["pow_max_number"],
                             self.store.spend, int(self.config["POW_CHALLENGE_SECONDS"]),
                             field)

    def pow_on_booking(self) -> bool:
        return self.settings()["pow_on_booking"]


def waiting_room() -> WaitingRoom:
    return current_app.extensions["fairgate.waitingroom"]


def guarded(fn, *args, **kwargs):
    """Call a store-backed function; a store outage becomes the 503 (fail closed)."""
    try:
        return fn(*args, **kwargs)
    except StoreUnavailable:
        raise WaitingRoomUnavailable() from None
