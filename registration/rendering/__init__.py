"""Pass delivery formats: QR PNG/SVG, printable PDF and thermal-printer labels."""
from registration.rendering.view import PassView

__all__ = ["PassView"]
