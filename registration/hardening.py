"""What every request goes through before a view sees it, and what production insists on.

- **Hosts.** Links in emails and calendar files come from ``PUBLIC_URL``, never from the
  request's Host header; with ``TRUSTED_HOSTS`` set (required in production) any other
  Host is refused with 400.
- **Proxies.** ``PROXY_HOPS`` trusted proxies: werkzeug's ProxyFix takes the client's
  address, scheme and host from their ``X-Forwarded-*`` headers; 0 (the default) ignores
  the headers, so nobody can spoof an address by sending them.
- **Body sizes.** Each route has a limit (``MAX_JSON_BYTES`` for the JSON API, larger ones
  for kiosk event batches and the group CSV upload, ``MAX_CONTENT_LENGTH`` for the rest):
  a larger ``Content-Length`` is refused with 413 before a byte of the body is read, and a
  body without one (chunked) is cut off by werkzeug's bounded stream at the same size.
- **JSON.** Nesting deeper than ``MAX_JSON_DEPTH`` (or deep enough to exhaust Python's
  recursion) is a JSON error like any other (422 in the error shape), never a 500.
- **Production** (``ENV = "production"``) refuses to start with an unsafe setting; each
  problem is one line (English / Chinese) naming what to set.
"""
from __future__ import annotations

import ipaddress
import os
import stat
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, has_app_context, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from registration.config import ConfigurationError

# Endpoints whose bodies may be larger than the JSON API's or the forms' default.
BODY_LIMITS = {
    "api.gate_events": "MAX_BATCH_BYTES",
    "api.create_group": "MAX_BATCH_BYTES",
    "groups.register": "MAX_UPLOAD_BYTES",
    "org.import_members": "MAX_UPLOAD_BYTES",  # the organisation portal's member list
}
UNTRUSTED_HOST = "fairgate.untrusted_host"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

WEAK_SECRETS = {"dev", "development", "secret", "secret-key", "secret_key", "changeme",
                "change-me", "change_me", "default", "fairgate", "test", "testing", "password",
                "please-change-me", "insecure", "your-secret-key", "supersecret"}
SECRET_MIN_LENGTH = 32


class JsonTooDeep(ValueError):
    """A JSON document nested deeper than the service accepts."""


def _within_depth(value, limit: int) -> bool:
    """True when no container in ``value`` sits deeper than ``limit`` (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        for child in (item.values() if isinstance(item, dict) else item):
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return True


class SafeJSONProvider(DefaultJSONProvider):
    """``json.loads`` that answers deep nesting with a ValueError, as for any bad JSON."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise JsonTooDeep("JSON nested too deeply") from None
        limit = self._app.config.get("MAX_JSON_DEPTH") or 0
        if limit and isinstance(value, (dict, list)) and not _within_depth(value, limit):
            raise JsonTooDeep("JSON nested too deeply")
        return value


class FairgateRequest(Request):
    """The body limit follows the route: see ``BODY_LIMITS``."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:
            return self._max_content_length
        if not has_app_context():
            return None
        config = current_app.config
        endpoint = self.url_rule.endpoint if self.url_rule is not None else None
        if endpoint in BODY_LIMITS:
            return config[BODY_LIMITS[endpoint]]
        if self.path.startswith("/api/"):
            return config["MAX_JSON_BYTES"]
        return config["MAX_CONTENT_LENGTH"]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


class FairgateFlask(Flask):
    request_class = FairgateRequest
    json_provider_class = SafeJSONProvider

    def create_url_adapter(self, request):
        try:
            return super().create_url_adapter(request)
        except SecurityError as refused:
            if request is None:
                raise
            # Flask would leave the request without a URL adapter, so not even the error
            # page could be built. Bind it to the public host instead and let the first
            # before_request hook answer 400.
            public = urlsplit(self.config["PUBLIC_URL"]).netloc
            request.environ[UNTRUSTED_HOST] = refused
            request.host = public
            return self.url_map.bind_to_environ(
                request.environ, server_name=public,
                subdomain=self.url_map.default_subdomain or "")


def guard_request() -> None:
    """The first before_request hook: refuse untrusted hosts and oversized bodies."""
    if request.environ.get(UNTRUSTED_HOST) is not None:
        raise BadRequest("untrusted Host header")
    if request.method not in BODY_METHODS:
        return
    limit = request.max_content_length
    length = request.content_length
    if limit is None:
        return
    if length is not None and length > limit:
        raise RequestEntityTooLarge()
    if length is None and request.environ.get("wsgi.input_terminated"):
        # A chunked body: read it now through werkzeug's bounded stream, so the 413 comes
        # before the rate limiter or a view looks at it. The stream stops quietly at its
        # limit, so it is given one byte more: reading that byte means "too large".
        request.max_content_length = limit + 1
        try:
            data = request.get_data(cache=True)
        finally:
            request.max_content_length = None
        if len(data) > limit:
            raise RequestEntityTooLarge()


# ----------------------------------------------------------------------------- settings

def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return [str(part).strip() for part in value if str(part).strip()]


def _networks(name: str, value) -> tuple[list, list[str]]:
    networks, problems = [], []
    for entry in _as_list(value):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            problems.append(
                f"FAIRGATE_{name}: {entry!r} is not an IP address or network (e.g. 10.8.0.0/16)"
                f" / FAIRGATE_{name} 中的 {entry!r} 不是 IP 地址或网段（例如 10.8.0.0/16）")
    return networks, problems


def address_in(address: str | None, networks) -> bool:
    """Whether ``address`` (as werkzeug reports the client) is in one of ``networks``."""
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == network.version and ip in network for network in networks)


def configure(app: Flask) -> None:
    """Normalise the hardening settings (any mode); raise ConfigurationError if unusable."""
    config, problems = app.config, []
    production = config.get("ENV") == "production"
    if not config.get("PUBLIC_URL") and not production:
        config["PUBLIC_URL"] = f"http://127.0.0.1:{os.environ.get('FAIRGATE_PORT', '5000')}"
    public = str(config.get("PUBLIC_URL") or "").rstrip("/")
    config["PUBLIC_URL"] = public or None
    if public:
        parts = urlsplit(public)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(
                f"FAIRGATE_PUBLIC_URL {public!r} is not an http(s) address such as "
                f"https://fairgate.example.org / FAIRGATE_PUBLIC_URL {public!r} 不是 http(s) "
                "地址，例如 https://fairgate.example.org")
    hosts = _as_list(config.get("TRUSTED_HOSTS"))
    if hosts and public and urlsplit(public).hostname:
        hosts.append(urlsplit(public).hostname)
    config["TRUSTED_HOSTS"] = sorted(set(hosts)) or None
    try:
        config["PROXY_HOPS"] = int(config.get("PROXY_HOPS") or 0)
        if config["PROXY_HOPS"] < 0:
            raise ValueError
    except (TypeError, ValueError):
        problems.append("FAIRGATE_PROXY_HOPS must be a whole number of proxies (0, 1, 2...) / "
                        "FAIRGATE_PROXY_HOPS 须为代理层数（0、1、2……）")
        config["PROXY_HOPS"] = 0
    for name, extension in (("RATELIMIT_EXEMPT", "fairgate.ratelimit_exempt"),
                            ("METRICS_ALLOW", "fairgate.metrics_allow")):
        networks, bad = _networks(name, config.get(name))
        app.extensions[extension] = networks
        problems += bad
    if problems:
        raise ConfigurationError(problems)
    if config["PROXY_HOPS"]:
        hops = config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request_funcs.setdefault(None, []).insert(0, guard_request)


def _weak_secret(value) -> bool:
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return (len(text) < SECRET_MIN_LENGTH or text.strip().lower() in WEAK_SECRETS
            or len(set(text)) < 8)


def check_production(app: Flask, *, serving: bool) -> None:
    """Production refuses to start with an unsafe setting (nothing to check otherwise).

    ``serving`` is False for maintenance commands (``fairgate db upgrade``, ``keys``...),
    which answer no requests: only the key file's permissions matter to them.
    """
    config = app.config
    if config.get("ENV") != "production":
        return
    problems = []
    key_file = app.extensions["fairgate.keys"].path
    mode = stat.S_IMODE(os.stat(key_file).st_mode)
    if mode & 0o077:
        problems.append(
            f"the key file {key_file} can be read by other users (mode {mode:o}): run "
            f"`chmod 600 {key_file}` / 密钥文件 {key_file} 可被其他用户读取（权限 {mode:o}）："
            f"请运行 `chmod 600 {key_file}`")
    if serving:
        problems += _serving_problems(config, app.extensions["fairgate.keys"].secret_key)
    if problems:
        raise ConfigurationError(problems)


def _serving_problems(config, key_file_secret: bytes) -> list[str]:
    problems = []
    secret = config.get("SECRET_KEY")
    if secret != key_file_secret and _weak_secret(secret):
        problems.append(
            "FAIRGATE_SECRET_KEY is short or a known default: unset it (the key file holds a "
            f"random one) or set {SECRET_MIN_LENGTH}+ random characters / FAIRGATE_SECRET_KEY "
            f"过短或为默认值：请删除该设置（使用密钥文件中的随机密钥）或设为至少 {SECRET_MIN_LENGTH} 个随机字符")
    if config.get("DEBUG"):
        problems.append("FAIRGATE_DEBUG is on: unset it in production (the debugger runs code "
                        "for anyone) / 生产模式不能开启 FAIRGATE_DEBUG：请删除该设置")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("FAIRGATE_SESSION_COOKIE_SECURE is off: unset it (production sends "
                        "session cookies over HTTPS only) / FAIRGATE_SESSION_COOKIE_SECURE 已关闭："
                        "请删除该设置（生产模式下会话 Cookie 只经 HTTPS 发送）")
    if not config.get("SESSION_COOKIE_HTTPONLY"):
        problems.append("FAIRGATE_SESSION_COOKIE_HTTPONLY is off: unset it (scripts must not "
                        "read the session cookie) / FAIRGATE_SESSION_COOKIE_HTTPONLY 已关闭："
                        "请删除该设置（脚本不应能读取会话 Cookie）")
    if str(config.get("SESSION_COOKIE_SAMESITE") or "").lower() not in ("lax", "strict"):
        problems.append("FAIRGATE_SESSION_COOKIE_SAMESITE must be Lax or Strict: unset it / "
                        "FAIRGATE_SESSION_COOKIE_SAMESITE 须为 Lax 或 Strict：请删除该设置")
    if config.get("RATELIMIT_ENABLED") and str(
            config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        problems.append(
            "FAIRGATE_RATELIMIT_STORAGE_URI is memory://, so every server and worker counts "
            "on its own: set FAIRGATE_RATELIMIT_STORAGE_URI=redis://HOST:6379/0 / 限流计数存于"
            "内存（memory://），各服务器各自计数：请设置 FAIRGATE_RATELIMIT_STORAGE_URI=redis://主机:6379/0")
    public = config.get("PUBLIC_URL")
    if not public:
        problems.append(
            "FAIRGATE_PUBLIC_URL is not set: set the https:// address visitors use, e.g. "
            "https://fairgate.example.org (links in emails are built from it) / 未设置 "
            "FAIRGATE_PUBLIC_URL：请设为访客使用的 https:// 地址，例如 https://fairgate.example.org")
    elif urlsplit(public).scheme != "https":
        problems.append(f"FAIRGATE_PUBLIC_URL {public!r} must start with https:// in production "
                        f"/ 生产模式下 FAIRGATE_PUBLIC_URL {public!r} 必须以 https:// 开头")
    if not config.get("TRUSTED_HOSTS"):
        problems.append(
            "FAIRGATE_TRUSTED_HOSTS is not set: list the host names the service answers to, "
            "e.g. FAIRGATE_TRUSTED_HOSTS=fairgate.example.org / 未设置 FAIRGATE_TRUSTED_HOSTS："
            "请列出服务使用的主机名，例如 FAIRGATE_TRUSTED_HOSTS=fairgate.example.org")
    return problems


# ----------------------------------------------------------------------------- files

def private_directory(path: Path) -> None:
    """Create ``path`` (mode 0700), or tighten it when it is ours and open to others."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)


def private_file(path: Path) -> None:
    """Create ``path`` empty (mode 0600) unless it exists; tighten it when it is ours."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError:
        return
    _tighten(path, 0o600)


def _tighten(path: Path, mode: int) -> None:
    try:
        info = path.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(path, mode)
    except OSError:  # a read-only mount, someone else's file: leave it as it is
        pass
