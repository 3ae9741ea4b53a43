"""The gate screen in a browser: a local web server fed by the scan loop (see
docs/kiosk.md, "Screen")."""
from kiosk.screen.display import BrowserDisplay

__all__ = ["BrowserDisplay"]
