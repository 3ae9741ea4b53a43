"""What an attacker (or a careless operator) meets at the edge of the service: body limits,
deep JSON, forged Host headers, production start-up checks, file permissions, cache and
transport headers, redacted logs, a closed /metrics, session cookies that work over HTTP
in development."""
from __future__ import annotations

import email
import io
import json
import logging
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder, run_wsgi_app

PASSWORD = "correct horse battery"
FAIRGATE = str(Path(sys.executable).with_name("fairgate"))
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
ROOT = Path(__file__).parents[2]


def _error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.is_json
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    return error


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes of ``fill`` (endless when None), counting reads."""

    def __init__(self, fill: bytes = b"[", size: int | None = None):
        self.fill, self.size, self.read_bytes = fill, size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        wanted = len(buffer)
        if self.size is not None:
            wanted = min(wanted, self.size - self.read_bytes)
        buffer[:wanted] = (self.fill * wanted)[:wanted]
        self.read_bytes += wanted
        return wanted


def _send_raw(app, path: str, *, length: int | None, content_type: str, stream):
    """Run ``app`` on a request whose body is ``stream`` (``length`` None: chunked)."""
    environ = EnvironBuilder(path=path, method="POST", content_type=content_type).get_environ()
    environ["wsgi.input"] = stream
    if length is None:
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(length)
    app_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0]), dict(headers), b"".join(app_iter)


@pytest.fixture
def live(request):
    """``live(app)`` -> the base URL of ``app`` served by a real threaded HTTP server."""
    servers = []

    def start(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


# ----------------------------------------------------------------- item 5: bodies and JSON

@pytest.mark.parametrize("depth", [60_000, 5_000, 50])
def test_deeply_nested_json_is_422_in_the_error_shape_never_500(make_app, depth):
    app = make_app()
    client = app.test_client()
    body = b"[" * depth + b"]" * (depth if depth <= 5_000 else 0)
    for path in ("/api/v1/appointments", "/api/v1/appointments/lookup",
                 "/api/v1/appointments/ABCDEFGH/cancel", "/api/v1/groups"):
        error = _error(client.post(path, data=body, content_type="application/json"), 422)
        assert error["fields"] == {"_schema": "JSON nested too deeply."}, path
    nested_object = b'{"venue": ' * depth + b"1" + b"}" * depth
    if len(nested_object) <= app.config["MAX_JSON_BYTES"]:
        error = _error(client.post("/api/v1/appointments", data=nested_object,
                                   content_type="application/json",
                                   headers={"Accept-Language": "zh"}), 422)
        assert error["fields"] == {"_schema": "JSON 嵌套层数过多。"}


def test_deep_json_in_a_kiosk_event_batch_is_422_not_500(make_app, make_fair_day, make_device):
    app = make_app()
    make_fair_day(offset=0)
    device = make_device("CNCC")
    # 1,000,000 brackets: within the event batch limit (4 MiB), far beyond Python's recursion.
    response = app.test_client().post("/api/v1/gate/events", data=b"[" * 1_000_000,
                                      content_type="application/json",
                                      headers=device.headers)
    assert _error(response, 422)["fields"] == {"_schema": "JSON nested too deeply."}


def test_an_oversized_json_body_is_413_before_a_byte_is_read(make_app):
    app = make_app()
    stream = CountingStream(b" ", size=30 * 1024 * 1024)
    status, headers, body = _send_raw(app, "/api/v1/appointments", length=30 * 1024 * 1024,
                                      content_type="application/json", stream=stream)
    assert status == 413 and stream.read_bytes == 0
    assert json.loads(body)["error"]["code"] == "too_large"
    # Just below the limit the same endpoint reads and validates the body (422, not 413).
    small = b" " * (app.config["MAX_JSON_BYTES"] - 2) + b"{}"
    response = app.test_client().post("/api/v1/appointments", data=small,
                                      content_type="application/json")
    assert response.status_code == 422


def test_a_chunked_body_without_length_is_cut_off_at_the_limit(make_app):
    app = make_app()
    stream = CountingStream(b"[")  # endless
    status, _, body = _send_raw(app, "/api/v1/appointments", length=None,
                                content_type="application/json", stream=stream)
    assert status == 413 and json.loads(body)["error"]["code"] == "too_large"
    assert stream.read_bytes <= app.config["MAX_JSON_BYTES"] + 64 * 1024


def test_a_150_mb_group_csv_is_refused_before_it_is_read(make_app, make_fair_day):
    app = make_app()
    day = make_fair_day()
    stream = CountingStream(b"a", size=150 * 1024 * 1024)
    status, headers, body = _send_raw(app, "/group", length=150 * 1024 * 1024,
                                      content_type="multipart/form-data; boundary=x",
                                      stream=stream)
    assert status == 413 and stream.read_bytes == 0
    assert headers["Content-Type"].startswith("text/html")
    assert "文件过大" in body.decode() and "File too large" in body.decode()
    # A CSV within the upload limit is still read and judged by the page (1 MB rule).
    form = (f'--x\r\nContent-Disposition: form-data; name="option"\r\n\r\nCNCC|{day}|\r\n'
            '--x\r\nContent-Disposition: form-data; name="members"; filename="m.csv"\r\n'
            'Content-Type: text/csv\r\n\r\n').encode() + b"x" * 1_500_000 + b"\r\n--x--\r\n"
    response = app.test_client().post("/group", data=form,
                                      content_type="multipart/form-data; boundary=x")
    assert response.status_code == 422 and "1 MB" in response.get_data(as_text=True)


def test_a_real_client_announcing_150_mb_gets_413_at_once(make_app, live):
    base = live(make_app())
    port = int(base.rsplit(":", 1)[1])
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /group HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     b"multipart/form-data; boundary=x\r\nContent-Length: 157286400\r\n\r\n"
                     + b"a" * 1024)
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5


# ----------------------------------------------------------------- item 6: Host header

def _outbox(folder: Path) -> list:
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))]


def _booking_form(number: str) -> dict:
    return {"document_type": "cn_resident_id", "document_number": number,
            "document_country": "", "name": "张三", "phone": "+86 138 0013 8000",
            "email": "zhang@example.com", "consent": "y"}


def test_a_forged_host_header_never_reaches_the_confirmation_email(
        make_app, make_fair_day, make_resident_id, tmp_path):
    app = make_app(MAIL_OUTBOX=str(tmp_path / "outbox"),
                   PUBLIC_URL="https://fairgate.example.org")
    day = make_fair_day()
    client = app.test_client()
    response = client.post(f"/book/CNCC/{day.isoformat()}",
                           data=_booking_form(make_resident_id()),
                           headers={"Host": "evil.example"})
    assert response.status_code == 302
    serial = response.headers["Location"].rsplit("/", 1)[1]
    [message] = _outbox(tmp_path / "outbox")
    text = message.get_body(("plain",)).get_content()
    assert "evil.example" not in text
    assert f"https://fairgate.example.org/pass/{serial}" in text
    assert "https://fairgate.example.org/my" in text
    calendar = client.get(f"/pass/{serial}/calendar.ics", headers={"Host": "evil.example"})
    ics = calendar.get_data(as_text=True).replace("\r\n ", "")
    assert "evil.example" not in ics
    assert f"URL:https://fairgate.example.org/pass/{serial}" in ics


def test_development_links_default_to_the_local_address(make_app, make_fair_day,
                                                        make_resident_id, tmp_path):
    app = make_app(MAIL_OUTBOX=str(tmp_path / "outbox"))
    day = make_fair_day()
    response = app.test_client().post(f"/book/CNCC/{day.isoformat()}",
                                      data=_booking_form(make_resident_id()),
                                      headers={"Host": "192.168.1.5:5000"})
    assert response.status_code == 302  # any Host is served in development (LAN) ...
    text = _outbox(tmp_path / "outbox")[0].get_body(("plain",)).get_content()
    port = os.environ.get("FAIRGATE_PORT", "5000")
    assert f"http://127.0.0.1:{port}/pass/" in text  # ... and never used for links
    assert "192.168.1.5" not in text


def test_untrusted_hosts_are_refused_with_400(make_app, make_fair_day, make_resident_id,
                                              tmp_path):
    app = make_app(MAIL_OUTBOX=str(tmp_path / "outbox"), TRUSTED_HOSTS="fairgate.lan",
                   PUBLIC_URL="https://fairgate.example.org")
    day = make_fair_day()
    client = app.test_client()
    assert _error(client.get("/api/v1/venues", headers={"Host": "evil.example"}), 400)
    page = client.post(f"/book/CNCC/{day.isoformat()}", data=_booking_form(make_resident_id()),
                       headers={"Host": "evil.example"})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert _outbox(tmp_path / "outbox") == []
    for host in ("fairgate.lan", "fairgate.lan:8080", "fairgate.example.org"):
        assert client.get("/api/v1/venues", headers={"Host": host}).status_code == 200, host


# ----------------------------------------------------------------- production start-up

def _key_file(folder: Path, mode: int = 0o600) -> None:
    from registration.keys import generate_key_ring

    generate_key_ring(folder / "fairgate-keys.json")
    os.chmod(folder / "fairgate-keys.json", mode)


PRODUCTION = {"ENV": "production", "PUBLIC_URL": "https://fairgate.example.org",
              "TRUSTED_HOSTS": ["fairgate.example.org"],
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}


@pytest.mark.parametrize("change,variable", [
    ({"SECRET_KEY": "dev"}, "FAIRGATE_SECRET_KEY"),
    ({"SECRET_KEY": "change-me"}, "FAIRGATE_SECRET_KEY"),
    ({"SECRET_KEY": "a" * 40}, "FAIRGATE_SECRET_KEY"),
    ({"DEBUG": True}, "FAIRGATE_DEBUG"),
    ({"SESSION_COOKIE_SECURE": False}, "FAIRGATE_SESSION_COOKIE_SECURE"),
    ({"SESSION_COOKIE_HTTPONLY": False}, "FAIRGATE_SESSION_COOKIE_HTTPONLY"),
    ({"SESSION_COOKIE_SAMESITE": None}, "FAIRGATE_SESSION_COOKIE_SAMESITE"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, "FAIRGATE_RATELIMIT_STORAGE_URI"),
    ({"PUBLIC_URL": None}, "FAIRGATE_PUBLIC_URL"),
    ({"PUBLIC_URL": "http://fairgate.example.org"}, "https://"),
    ({"TRUSTED_HOSTS": None}, "FAIRGATE_TRUSTED_HOSTS"),
    ({"KEY_MODE": 0o644}, "chmod 600"),
])
def test_production_refuses_an_unsafe_setting_with_one_line(tmp_path, change, variable):
    from registration import ConfigurationError, create_app

    change = dict(change)
    _key_file(tmp_path, change.pop("KEY_MODE", 0o600))
    with pytest.raises(ConfigurationError) as refused:
        create_app({**PRODUCTION, **change}, instance_path=str(tmp_path))
    [line] = refused.value.problems
    assert variable in line and " / " in line and "\n" not in line
    assert any("\u4e00" <= char <= "\u9fff" for char in line)  # and in Chinese


def test_a_safe_production_configuration_starts_with_hsts_and_secure_cookies(tmp_path):
    from registration import create_app

    _key_file(tmp_path)
    app = create_app(PRODUCTION, instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/healthz", base_url="https://fairgate.example.org")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert app.test_client().get("/healthz", headers={"Host": "evil.example"}).status_code == 400


def test_maintenance_commands_still_run_with_only_the_key_file(tmp_path):
    from registration import create_app

    _key_file(tmp_path)
    app = create_app({"ENV": "production"}, instance_path=str(tmp_path), serving=False)
    assert app.config["ENV"] == "production"


def _production_env(tmp_path: Path, **extra) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FAIRGATE_")}
    return {**env, "FAIRGATE_ENV": "production", "FAIRGATE_INSTANCE_PATH": str(tmp_path),
            "FAIRGATE_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", **extra}


def test_gunicorn_and_serve_refuse_production_with_one_line_each(tmp_path):
    _key_file(tmp_path)
    env = _production_env(tmp_path, FAIRGATE_PUBLIC_URL="https://fairgate.example.org")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gunicorn = subprocess.run(
        [GUNICORN, "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "registration.wsgi:app"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert gunicorn.returncode != 0
    assert "Traceback" not in gunicorn.stderr
    lines = [line for line in gunicorn.stderr.splitlines() if "fairgate: error:" in line]
    assert len(lines) == 1 and "FAIRGATE_TRUSTED_HOSTS" in lines[0]
    serve = subprocess.run([FAIRGATE, "serve", "--port", str(port)], env=env,
                           capture_output=True, text=True, timeout=60)
    assert serve.returncode != 0 and "Traceback" not in serve.stderr
    assert serve.stderr.splitlines() == [lines[0][lines[0].index("fairgate: error:"):]]


# ----------------------------------------------------------------- files

def test_instance_folder_database_and_outbox_are_owner_only(tmp_path):
    from flask_migrate import upgrade

    from registration import create_app

    instance = tmp_path / "fresh" / "instance"
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False},
                     instance_path=str(instance))
    with app.app_context():
        upgrade()
    try:
        assert stat.S_IMODE(instance.stat().st_mode) == 0o700
        database = instance / "fairgate.sqlite"
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
        assert stat.S_IMODE((instance / "fairgate-keys.json").stat().st_mode) == 0o600
        with app.app_context():
            from registration.services import mail

            mail.send_message(mail.build_message(to="a@example.com", subject="s", text="t"))
        [message] = (instance / "outbox").glob("*.eml")
        assert stat.S_IMODE(message.stat().st_mode) == 0o600
        assert stat.S_IMODE((instance / "outbox").stat().st_mode) == 0o700
        for companion in instance.glob("fairgate.sqlite-*"):
            assert stat.S_IMODE(companion.stat().st_mode) == 0o600, companion
    finally:
        from registration.extensions import db

        with app.app_context():
            db.engine.dispose()


# ----------------------------------------------------------------- headers

def test_pages_that_may_show_a_typed_id_number_are_never_cached(make_app, make_fair_day):
    client = make_app().test_client()
    day = make_fair_day()
    url = f"/book/CNCC/{day.isoformat()}"
    assert "no-store" in client.get(url).headers["Cache-Control"]
    refused = client.post(url, data={**_booking_form("11010119900307803A")})
    assert refused.status_code == 422 and "no-store" in refused.headers["Cache-Control"]
    for path in ("/my", "/group"):
        assert "no-store" in client.get(path).headers["Cache-Control"], path
    assert "Strict-Transport-Security" not in client.get(url).headers  # development: HTTP


# ----------------------------------------------------------------- logs

def test_request_logs_hold_no_whole_pass_serial(make_app, make_fair_day, booking_body,
                                                capsys):
    app = make_app(LOG_JSON=True, LOG_REQUESTS=True)
    day = make_fair_day()
    try:
        client = app.test_client()
        serial = client.post("/api/v1/appointments",
                             json=booking_body(day)).get_json()["pass"]["serial"]
        for path in (f"/pass/{serial}", f"/pass/{serial}/calendar.ics",
                     f"/api/v1/passes/{serial}.png", f"/api/v1/passes/{serial}.pdf"):
            assert client.get(path).status_code == 200, path
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
                 if line.startswith("{")]
    finally:
        logging.getLogger().handlers[:] = []
    messages = [line["message"] for line in lines]
    assert f"GET /pass/{serial[:4]}\u2026 200" in messages
    assert f"GET /api/v1/passes/{serial[:4]}\u2026.png 200" in messages
    assert all(serial not in json.dumps(line) for line in lines)


def test_the_development_server_log_holds_no_whole_pass_serial(tmp_path):
    import urllib.error
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if not key.startswith("FAIRGATE_")}
    env.update({"FAIRGATE_INSTANCE_PATH": str(tmp_path), "FAIRGATE_PORT": str(port)})
    serial = "ABCDEFGHJKLMNPQR"
    subprocess.run([FAIRGATE, "db", "upgrade"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([FAIRGATE, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline, answered = time.monotonic() + 30, False
        while time.monotonic() < deadline and not answered:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/pass/{serial}", timeout=2)
            except urllib.error.HTTPError:
                answered = True  # 404 (no such pass): the line is logged all the same
            except OSError:
                time.sleep(0.2)
        assert answered
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[1]
    assert "GET /pass/ABCD\u2026 HTTP/1.1" in log
    assert serial not in log


# ----------------------------------------------------------------- /metrics

def test_metrics_answer_loopback_or_a_token_only(make_app):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    client = make_app().test_client()
    assert client.get("/metrics").status_code == 200  # loopback by default
    assert _error(client.get("/metrics", environ_base=outside), 403)["code"] == "forbidden"
    client = make_app(METRICS_TOKEN="s3cret-token-for-prometheus",
                      METRICS_ALLOW=["10.9.0.0/16"]).test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.9.4.2"}).status_code == 200
    refused = client.get("/metrics", environ_base=outside)
    assert _error(refused, 401)["code"] == "unauthorized"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/metrics", environ_base=outside,
                       headers={"Authorization": "Bearer guess"})
    assert _error(wrong, 401)["code"] == "unauthorized"
    right = client.get("/metrics", environ_base=outside,
                       headers={"Authorization": "Bearer s3cret-token-for-prometheus"})
    assert right.status_code == 200 and b"fairgate_request_seconds" in right.data


# ----------------------------------------------------------------- development cookies

def _staff_user(app) -> str:
    from registration.extensions import db
    from registration.services import staff

    with app.app_context():
        staff.create_user("admin-lan", "admin", PASSWORD, None)
        db.session.commit()
    return "admin-lan"


def _csrf_token(html: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


@pytest.fixture
def lan_app(make_app):
    """`make run`: development, not testing, plain HTTP, CSRF on."""
    return make_app(TESTING=False, WTF_CSRF_ENABLED=True, STAFF_PASSWORD_HASH="scrypt:1024:8:1")


def test_development_session_cookie_is_not_secure_and_staff_log_in_works(lan_app):
    username = _staff_user(lan_app)
    assert lan_app.config["SESSION_COOKIE_SECURE"] is False
    client = lan_app.test_client()
    form = client.get("/staff/login", base_url="http://fairgate.lan")
    cookie = form.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" not in cookie
    response = client.post("/staff/login", base_url="http://fairgate.lan", data={
        "username": username, "password": PASSWORD,
        "csrf_token": _csrf_token(form.get_data(as_text=True))})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_staff_log_in_works_over_plain_http_from_another_machine(lan_app, live):
    import requests

    username = _staff_user(lan_app)
    base = live(lan_app)
    with requests.Session() as browser:  # keeps Secure cookies to HTTPS, like a browser
        form = browser.get(f"{base}/staff/login", timeout=10)
        response = browser.post(f"{base}/staff/login", timeout=10, allow_redirects=False,
                                data={"username": username, "password": PASSWORD,
                                      "csrf_token": _csrf_token(form.text)})
    assert response.status_code == 302, response.text[:300]
    assert "Secure" not in response.headers["Set-Cookie"]
