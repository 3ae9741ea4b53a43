"""`fairgate-kiosk status`: where the kiosk is, how fresh its ledger is, what is queued."""
from __future__ import annotations

from datetime import datetime, timezone

from kiosk import credits as credit_book
from kiosk.ledger import Ledger

STALE_AFTER = 120  # seconds without a sync attempt: no kiosk process is syncing


def _age(text: str | None, now: datetime) -> float | None:
    if not text:
        return None
    return (now - datetime.fromisoformat(text)).total_seconds()


def status_info(config, ledger: Ledger, now: datetime | None = None) -> dict:
    """Everything status shows, as one JSON-ready dict."""
    now = now or datetime.now(timezone.utc)
    counts = ledger.counts()
    day = ledger.manifest_day
    policy = ledger.get("policy") or {}
    online = ledger.get("online")
    attempt_age = _age(ledger.get("last_attempt"), now)
    if online is None:
        state = "never synced"
    elif attempt_age is not None and attempt_age > STALE_AFTER:
        state = "unknown (no sync for %d min: is the kiosk running?)" % (attempt_age // 60)
    else:
        state = "online" if online else "offline"
    credits = credit_book.credit_state(ledger, day) if day else None
    return {
        "device_id": config.device_id, "name": config.name, "server": config.server,
        "venue": config.venue, "gate": config.gate, "state": state, "online": bool(online),
        "last_sync": ledger.get("last_sync"), "last_attempt": ledger.get("last_attempt"),
        "offline_since": ledger.get("offline_since") if online is False else None,
        "last_error": ledger.get("last_error"),
        "manifest_day": day.isoformat() if day else None,
        "cursor": ledger.get("cursor"), "appointments": counts["appointments"],
        "decisions": counts["decisions"], "admitted": counts["admitted"],
        "let_out": counts["let_out"],
        "queued_events": counts["queued"], "uploaded_events": counts["uploaded"],
        "rejected_events": counts["rejected"], "anomalies": counts["anomalies"],
        "quota": policy.get("quota"), "occupancy_limit": policy.get("occupancy_limit"),
        "inside_now": ledger.inside_now(day) if day else None,
        "credits": credits.available if credits else None,
        "credit_target": credit_book.stock_target(ledger, day) if day else None,
        "credits_unreported": bool(credits.pending) if credits else False,
        "leases": credit_book.lease_counts(ledger),
        "clock_skew": ledger.get("clock_skew"),
    }


def status_lines(info: dict) -> list[tuple[str, str]]:
    """The human form: (label, text) rows."""
    state = info["state"]
    if info["offline_since"] and state == "offline":
        state = f"OFFLINE since {info['offline_since']} ({info['last_error']})"
    rows = [
        ("device", f"{info['device_id']} \"{info['name']}\" at {info['server']}"),
        ("venue", f"{info['venue']}   gate {info['gate']}"),
        ("state", state),
        ("last sync", info["last_sync"] or "never"),
        ("manifest", f"{info['manifest_day'] or '-'}: {info['appointments']} passes"),
        ("events", f"{info['queued_events']} queued, {info['uploaded_events']} uploaded, "
                   f"{info['rejected_events']} refused; {info['anomalies']} with anomalies"),
        ("today", f"{info['admitted']} admitted, {info['let_out']} let out here; inside "
                  f"{_of(info['inside_now'], info['occupancy_limit'])}, quota "
                  f"{info['quota'] if info['quota'] is not None else '-'}"),
    ]
    if info["occupancy_limit"] is not None:
        target = info["credit_target"]
        rows.append(("credits", f"{info['credits']} in hand"
                     + (f", stock sized {target}" if target is not None else "")
                     + (" (report pending)" if info["credits_unreported"] else "")))
    if info["clock_skew"]:
        rows.append(("clock", f"{-info['clock_skew']:+.1f} s off the service: check NTP"))
    return rows


def _of(value, limit) -> str:
    if value is None:
        return "-"
    return f"{value} / {limit}" if limit is not None else str(value)
