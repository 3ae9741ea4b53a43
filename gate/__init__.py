"""The check-in brain: pure Python shared by the registration service and the kiosk.

No Flask, no SQLAlchemy, no network or file I/O in this package.
"""
