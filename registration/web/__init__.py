"""Server-rendered pages (visitor pages, staff pages) and the health endpoint."""
from __future__ import annotations

from flask import Flask, render_template

from registration.api.errors import register_error_handlers
from registration.web import health, public


def _html_service_error(err):
    return render_template("error.html", status=err.status, message=err.message), err.status


def _html_http_error(err, status: int | None = None):
    status = status or (err.code if err is not None else 500)
    return render_template("error.html", status=status, message=None), status


def init_app(app: Flask) -> None:
    app.extensions["fairgate.html_service_error"] = _html_service_error
    app.extensions["fairgate.html_http_error"] = _html_http_error
    register_error_handlers(app)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(public.blueprint)
