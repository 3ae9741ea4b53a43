"""gunicorn settings for production: ``gunicorn -c deploy/gunicorn.conf.py registration.wsgi:app``.

Every value can be overridden from the environment so one file serves every app server.
"""
import multiprocessing
import os

bind = os.environ.get("FAIRGATE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("FAIRGATE_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("FAIRGATE_THREADS", 4))
# Bookings are short; a worker stuck for 30 s is killed and replaced.
timeout = int(os.environ.get("FAIRGATE_WORKER_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then: bounded memory over a 10-day fair
max_requests_jitter = 500
accesslog = None  # the app logs requests as JSON with request ids (FAIRGATE_LOG_REQUESTS)
errorlog = "-"
loglevel = os.environ.get("FAIRGATE_LOG_LEVEL", "info").lower()
# The app takes the client's address, scheme and host from X-Forwarded-* itself, through
# exactly FAIRGATE_PROXY_HOPS trusted proxies (registration/hardening.py, docs/deploy.md);
# gunicorn's own handling stays limited to a proxy on this host.
forwarded_allow_ips = os.environ.get("FAIRGATE_FORWARDED_ALLOW_IPS", "127.0.0.1")
raw_env = ["FAIRGATE_LOG_JSON=true"]


def child_exit(server, worker):
    """Prometheus multiprocess mode: drop the metrics files of a dead worker."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
