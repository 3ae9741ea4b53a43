"""Request ids, structured JSON logs and Prometheus metrics.

Logs never carry identity data: request bodies are not logged, document numbers never
appear in URLs, and the JSON formatter writes only the fields listed here.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid

from flask import Flask, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest,
    multiprocess,
)

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

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
            app.logger.info("%s %s %s", request.method, request.path, response.status_code)
        return response

    @app.get("/metrics")
    def metrics():
        if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # several gunicorn workers
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            body = generate_latest(registry)
        else:
            body = generate_latest()
        return body, 200, {"Content-Type": CONTENT_TYPE_LATEST}
