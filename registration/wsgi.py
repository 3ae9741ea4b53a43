"""WSGI entry point for gunicorn: ``gunicorn registration.wsgi:app``.

A configuration gunicorn must not serve (registration/hardening.py) prints one line per
problem and stops the server ("App failed to load"), without a traceback.
"""
import sys

from registration import create_app
from registration.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as refused:
    for line in refused.problems:
        print(f"fairgate: error: {line}", file=sys.stderr, flush=True)
    sys.exit(4)  # gunicorn's APP_LOAD_ERROR: the arbiter halts instead of respawning
