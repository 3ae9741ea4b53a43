"""The gate kiosk: camera capture, QR decoding, card readers, display and turnstile output.

Server-independent parts live here (``capture``, ``scanner``, ``debounce``, ``display``,
``readers``, ``turnstile``); the ledger, sync client and run loop build on them. The kiosk
imports ``gate`` and ``schemas``, never ``registration``.
"""
