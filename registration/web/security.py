"""Security headers on every response: a strict CSP (no inline script or style), no
framing, no MIME sniffing, no referrer leaving the site (pass URLs hold serials), no
caching of pages that show a person's appointment or may re-render a typed ID number, and
Strict-Transport-Security in production."""
from __future__ import annotations

from flask import Flask, current_app, request

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Pages that show a person's appointment, or may show a typed ID number again (the booking
# form with its errors, look-up, cancel, change, group registration), are not kept by
# browsers or proxies.
PRIVATE_PREFIXES = ("/pass/", "/my", "/group")
PRIVATE_ENDPOINTS = frozenset({"public.book"})


def add_security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    private = (request.path.startswith(PRIVATE_PREFIXES)
               or request.endpoint in PRIVATE_ENDPOINTS)
    if private and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
    max_age = current_app.config.get("HSTS_MAX_AGE")
    if current_app.config.get("ENV") == "production" and max_age:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={int(max_age)}")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
