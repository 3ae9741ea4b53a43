"""A full forum's waiting list: join it with the booking's code and document number and an
email address or mobile number for the offer (docs/forums.md). The offer itself is taken on
its page (registration/web/forum_waitlist.py), reached by the link the offer sends.

Joining is a look-up of a booking: it shares the seat operations' rate limits (per client
address and per document) and proof of work.
"""
from __future__ import annotations

from flask import current_app, request

from registration.actions import forum_waitlist as line_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.api import blueprint
from registration.api.helpers import load_body
from registration.extensions import limiter
from registration.i18n import request_language
from registration.ratelimits import per_document
from registration.services import forum_waitlist as line_service
from registration.waitingroom import guard
from schemas.forums_waitlist import ForumWaitlistJoinRequestSchema, ForumWaitlistResponseSchema

JOIN_REQUEST = ForumWaitlistJoinRequestSchema()
JOIN_RESPONSE = ForumWaitlistResponseSchema()


@blueprint.post("/v1/forums/<code>/waitlist")
@limiter.limit(lambda: current_app.config["RATELIMIT_WAITLIST"])
@per_document("RATELIMIT_LOOKUP_PER_DOCUMENT", "document-lookup")
def join_forum_waitlist(code: str):
    data = load_body(JOIN_REQUEST)
    guard.proof_of_work_if_asked()  # while staff ask it on every look-up
    with unit_of_work():
        entry = line_actions.join(
            Actor.visitor(request.remote_addr), code, code=data["code"],
            document_number=data["document_number"], email=data["email"],
            phone=data["phone"], lang=request_language(data["lang"]))
        body = JOIN_RESPONSE.dump({"waitlist": {"forum": entry.forum.code,
                                                "position": line_service.position(entry)}})
    return body, 201
