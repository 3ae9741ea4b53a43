"""Request ids, structured JSON logs and Prometheus metrics.

Logs never carry identity data: request bodies are not logged, document numbers never
appear in URLs, and the JSON formatter writes only the fields listed here. Pass serials
(each one an admission) are shortened in logged paths to their first 4 characters and
``…`` (``redact_path``), in the service's request log and in `fairgate serve`'s access log.

``/metrics`` answers only the networks in ``METRICS_ALLOW`` (loopback by default) or a
request carrying ``Authorization: Bearer <METRICS_TOKEN>``.
"""
from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
import uuid
from urllib.parse import unquote_plus

from flask import Flask, current_app, g, request
from werkzeug.serving import WSGIRequestHandler
from prometheus_client import (
    CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest,
    multiprocess,
)

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# /pass/<serial>, /pass/<serial>/calendar.ics, /api/v1/passes/<serial>.<fmt>
PASS_SERIAL_IN_PATH = re.compile(r"(/pass/|/api/v1/passes/)([^/?#.\s]+)")
SERIAL_SHOWN = 4


def redact_path(path: str) -> str:
    """``path`` with any pass serial cut to its first characters: ``/pass/ABCD…``, and any
    query value that may hold a document number (``?q=110101%2019900307%20803X``, typed
    into a URL by hand) replaced by ``…``."""
    path = PASS_SERIAL_IN_PATH.sub(
        lambda m: m.group(1) + m.group(2)[:SERIAL_SHOWN] + "\u2026", path)
    head, mark, query = path.partition("?")
    if not mark:
        return path
    from registration.services.audit import carries_document  # imports models

    pairs = []
    for pair in query.split("&"):
        key, equals, value = pair.partition("=")
        if carries_document(unquote_plus(value)):
            value = "\u2026"
        pairs.append(key + equals + value)
    return head + "?" + "&".join(pairs)


class RedactingRequestHandler(WSGIRequestHandler):
    """werkzeug's development server (`fairgate serve`), logging redacted paths."""

    def log_request(self, code="-", size="-") -> None:
        original = getattr(self, "path", None)
        if original is not None:
            self.path = redact_path(original)
        try:
            super().log_request(code, size)
        finally:
            if original is not None:
                self.path = original


REQUEST_LATENCY = Histogram(
    "fairgate_request_seconds", "HTTP request latency", ["method", "endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
BOOKINGS = Counter("fairgate_bookings_total", "Booking attempts by outcome", ["outcome"])
VERDICTS = Counter("fairgate_gate_verdicts_total", "Gate verdicts by reason and origin",
                   ["reason", "origin"])
SYNC_LAG = Histogram(
    "fairgate_sync_lag_seconds", "Scan time to arrival at the service of check-in events",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 86400))
DEVICES_SEEN = Gauge("fairgate_device_last_seen_timestamp", "Last contact of a kiosk",
                     ["device"])


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id")
        except RuntimeError:  # outside a request
            record.request_id = None
        return True


def configure_logging(app: Flask) -> None:
    if not app.config.get("LOG_JSON"):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.handlers[:] = []
    app.logger.propagate = True


def init_app(app: Flask) -> None:
    configure_logging(app)

    @app.before_request
    def start_request():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        started = g.get("request_started")
        if started is not None:
            endpoint = request.url_rule.rule if request.url_rule else "unmatched"
            REQUEST_LATENCY.labels(request.method, endpoint, response.status_code).observe(
                time.perf_counter() - started)
        if app.config.get("LOG_REQUESTS"):
            # The path, never the query string or body: nothing identifying is logged.
            app.logger.info("%s %s %s", request.method, redact_path(request.path),
                            response.status_code)
        return response

    @app.get("/metrics")
    def metrics():
        refused = _metrics_refusal()
        if refused is not None:
            return refused
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # several gunicorn workers
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            body = generate_latest(registry)
        else:
            body = generate_latest()
        return body, 200, {"Content-Type": CONTENT_TYPE_LATEST}


def _metrics_refusal():
    """None when the caller may read /metrics, else the 401/403 answer (error shape)."""
    from registration.errors import http_error_response
    from registration.hardening import address_in

    token = current_app.config.get("METRICS_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and given:
        if hmac.compare_digest(given.strip().encode(), str(token).encode()):
            return None
        return _unauthorized(http_error_response(401))
    if address_in(request.remote_addr, current_app.extensions.get("fairgate.metrics_allow")):
        return None
    return _unauthorized(http_error_response(401)) if token else http_error_response(403)


def _unauthorized(response):
    response.headers["WWW-Authenticate"] = 'Bearer realm="fairgate metrics"'
    return response
