"""The handheld scanner: ``/scan/``, its web app manifest and its service worker.

The page is a shell; everything it does runs in the browser from the committed build in
registration/static/scan/ (``make assets`` makes it from assets/scan/). It talks to the gate
API as a device (bearer token from enrolment), so the page itself needs no staff login.
The service worker lives at /scan/sw.js so that its scope covers /scan/. See docs/handheld.md.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, render_template, url_for

blueprint = Blueprint("scan", __name__, url_prefix="/scan")

STATIC = Path(__file__).parents[1] / "static" / "scan"
ASSETS = ("scan.js", "scan.css", "gate-rules.json", "zxing_reader.wasm", "icon.svg",
          "icon-192.png", "icon-512.png")
# The page runs zxing-cpp as WebAssembly and opens the camera: the site-wide policy forbids
# both, so this blueprint's answers carry their own (still no inline script or style).
SCAN_HEADERS = {
    "Content-Security-Policy": "; ".join((
        "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'",
        "img-src 'self' data:", "media-src 'self' blob:", "connect-src 'self'",
        "worker-src 'self'", "manifest-src 'self'", "object-src 'none'", "base-uri 'none'",
        "form-action 'self'", "frame-ancestors 'none'")),
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=()",
}


@blueprint.after_request
def scan_headers(response):
    # Runs before the site-wide security headers, which only set what is still missing.
    for name, value in SCAN_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@lru_cache(maxsize=4)
def _build_version(stamp: tuple) -> str:
    digest = hashlib.sha256()
    for name in ASSETS:
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:16]


def build_version() -> str:
    """A digest of the built assets: a new build gives the service worker a new cache."""
    return _build_version(tuple((STATIC / name).stat().st_mtime_ns for name in ASSETS))


def _asset(name: str) -> str:
    return url_for("static", filename=f"scan/{name}")


@blueprint.get("/")
def page():
    return render_template("scan/scan.html", version=build_version(), asset=_asset)


@blueprint.get("/manifest.webmanifest")
def web_manifest():
    body = {
        "name": "fairgate 扫码验票 / gate scanner",
        "short_name": "fairgate scan",
        "start_url": url_for("scan.page"),
        "scope": url_for("scan.page"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#10161d",
        "theme_color": "#0b5cad",
        "icons": [{"src": _asset("icon.svg"), "sizes": "any", "type": "image/svg+xml"},
                  {"src": _asset("icon-192.png"), "sizes": "192x192", "type": "image/png"},
                  {"src": _asset("icon-512.png"), "sizes": "512x512", "type": "image/png"}],
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")


@blueprint.get("/sw.js")
def service_worker():
    files = [_asset(name) for name in ASSETS] + [url_for("scan.web_manifest")]
    config = {"version": build_version(), "files": files, "page": url_for("scan.page")}
    body = f"self.FAIRGATE_ASSETS = {json.dumps(config)};\n"
    body += (STATIC / "sw.js").read_text(encoding="utf-8")
    response = Response(body, mimetype="text/javascript")
    # Browsers check for a new worker at every navigation; never serve a stale one.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for("scan.page")
    return response
