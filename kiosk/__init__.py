"""The gate kiosk (`fairgate-kiosk`, docs/kiosk.md).

Input and output: ``capture`` (frame sources), ``scanner`` (QR decoder chain), ``debounce``,
``readers`` (card readers), ``display`` (screen or JSON lines), ``turnstile``. State:
``config`` (enrolment, token), ``ledger`` (SQLite: manifest, decisions, event queue),
``manifest`` (pages to rows), ``credits`` (occupancy lease). Behaviour: ``gatekeeper``
(one scan to one committed decision), ``sync`` (the protocol client and background
thread), ``app`` (the run loop), ``wiring`` and ``cli`` (the command line), ``status``.
The kiosk imports ``gate`` and ``schemas``, never ``registration``.
"""
