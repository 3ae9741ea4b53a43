"""The waiting room in front of booking, and the proof of work against bots
(docs/waiting-room.md)."""
from __future__ import annotations

from flask import Flask

from registration.waitingroom.room import WaitingRoom, WaitingRoomUnavailable, waiting_room
from registration.waitingroom.store import StoreUnavailable

__all__ = ["init_app", "waiting_room"]


def init_app(app: Flask) -> None:
    app.extensions["fairgate.waitingroom"] = WaitingRoom(app)
    # Pages show the proof-of-work widget on booking while staff ask it there.
    app.jinja_env.globals["pow_asked"] = lambda: waiting_room().pow_on_booking()

    @app.errorhandler(StoreUnavailable)
    def on_store_unavailable(err: StoreUnavailable):
        # Fail closed: nobody is admitted while the shared line cannot be read.
        from registration.errors import service_error_page, service_error_response, wants_json
        from registration.extensions import db

        db.session.rollback()
        app.logger.warning("waiting room store unavailable: %s", err)
        refused = WaitingRoomUnavailable()
        response = service_error_response(refused) if wants_json() else service_error_page(
            refused)
        response = app.make_response(response)
        response.headers["Retry-After"] = "10"
        return response

    from registration.waitingroom import staff, views  # noqa: F401 (staff: its routes)

    app.register_blueprint(views.blueprint)
    app.register_blueprint(views.api)
