"""marshmallow schemas for every wire format (no Flask, no SQLAlchemy: the kiosk uses them)."""
