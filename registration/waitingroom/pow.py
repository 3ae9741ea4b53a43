"""Proof of work against bots: ALTCHA challenges (SHA-256), made and checked here, solved
by the visitor's browser (the self-hosted altcha widget) or by an API client.

The cost (the largest number a client may have to try) is part of the signed salt, so when
staff raise it during an attack, solutions of cheaper challenges stop counting at once. A
solved challenge is spent: the same solution cannot be sent twice.
"""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import altcha

from gate.i18n import Text
from registration.services.errors import ServiceError

POW_REQUIRED = Text("请先完成人机验证（浏览器会自动计算）",
                    "Please complete the bot check first (your browser solves it)")
POW_INVALID = Text("人机验证无效或已过期，请重试", "The bot check is invalid or has expired; try again")
POW_REPLAYED = Text("该人机验证已使用过，请重新验证", "That bot check was used already; solve a new one")
MAX_PAYLOAD = 2000  # characters of a solution looked at


class ProofOfWorkRefused(ServiceError):
    status = 403

    def __init__(self, code: str, message: Text, field: str = "altcha"):
        super().__init__(code, message, {field: message})


def create_challenge(key: bytes, max_number: int, lifetime: int) -> dict:
    """A challenge as the widget and API clients read it (JSON)."""
    expires = datetime.now(timezone.utc) + timedelta(seconds=lifetime)
    challenge = altcha.create_challenge_v1(
        algorithm="SHA-256", max_number=max_number, hmac_key=key, expires=expires,
        params={"cost": str(max_number)})
    data = challenge.to_dict()
    data["maxnumber"] = data.pop("maxNumber")  # the widget's spelling
    return data


def solve(challenge: dict) -> str:
    """Solve a challenge the way a client does (tests, the benchmark): the payload to send."""
    solution = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"],
        challenge["maxnumber"])
    if solution is None:
        raise ValueError("no solution within maxnumber")
    payload = {"algorithm": challenge["algorithm"], "challenge": challenge["challenge"],
               "number": solution.number, "salt": challenge["salt"],
               "signature": challenge["signature"]}
    return base64.b64encode(json.dumps(payload).encode()).decode("ascii")


def verify(payload: str | None, key: bytes, min_cost: int, spend, lifetime: int,
           field: str = "altcha") -> None:
    """Accept a solution once; raise ProofOfWorkRefused otherwise. ``spend(key, ttl)``
    returns False for a key seen before (the store's replay memory)."""
    if not isinstance(payload, str) or not payload.strip():
        raise ProofOfWorkRefused("pow_required", POW_REQUIRED, field)
    payload = payload.strip()
    if len(payload) > MAX_PAYLOAD:
        raise ProofOfWorkRefused("pow_invalid", POW_INVALID, field)
    ok, _ = altcha.verify_solution_v1(payload, key, check_expires=True)
    if not ok:
        raise ProofOfWorkRefused("pow_invalid", POW_INVALID, field)
    data = json.loads(base64.b64decode(payload))
    params = altcha.extract_params_v1(data)
    try:
        cost = int(params.get("cost", ["0"])[0])
    except ValueError:
        cost = 0
    if "expires" not in params or cost < min_cost:
        raise ProofOfWorkRefused("pow_invalid", POW_INVALID, field)
    if not spend("pow:" + data["challenge"], lifetime + 60):
        raise ProofOfWorkRefused("pow_replayed", POW_REPLAYED, field)
