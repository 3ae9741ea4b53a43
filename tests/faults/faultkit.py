"""A real gunicorn on loopback in front of the test database, and a load driver."""
from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, env: dict, workers: int, port: int | None = None):
        self.port = port or free_port()
        self.process = subprocess.Popen(
            [GUNICORN, "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "5", "--log-level", "warning", "registration.wsgi:app"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.get("/healthz")[0] == 200:
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def request(self, method: str, path: str, body: dict | None = None,
                timeout: float = 10) -> tuple[int, dict | None]:
        """(status, JSON body); status 0 when the connection broke (a killed worker)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None,
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
            try:
                return response.status, json.loads(data) if data else None
            except ValueError:
                return response.status, {"raw": data.decode(errors="replace")}
        except (OSError, http.client.HTTPException):
            return 0, None
        finally:
            conn.close()

    def get(self, path: str):
        return self.request("GET", path, timeout=2)

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                             text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def hammer(server: Server, bodies: list[dict], threads: int = 8):
    """POST every body from ``threads`` clients; returns [(body, status, answer)]."""
    results, lock = [], threading.Lock()
    queue = list(bodies)

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            status, answer = server.request("POST", "/api/v1/appointments", body)
            with lock:
                results.append((body, status, answer))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    return pool, results
