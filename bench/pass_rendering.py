"""Pass rendering: time to sign a pass and draw it as PNG, SVG, PDF and thermal labels.

Run:  .venv/bin/python bench/pass_rendering.py [--passes 200]

Each format is rendered for the same set of freshly signed passes; the token signature is
the baseline measured in the same run.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gate.i18n import Text  # noqa: E402
from gate.passes import SigningKey, new_claims, sign_pass  # noqa: E402
from registration.rendering.label import pass_label_pdf, pass_label_png  # noqa: E402
from registration.rendering.pdf import pass_pdf  # noqa: E402
from registration.rendering.qr import pass_qr_png, pass_qr_svg  # noqa: E402
from registration.rendering.view import PassView  # noqa: E402


def timed(function, items) -> tuple[float, float, int]:
    durations, size = [], 0
    for item in items:
        started = time.perf_counter()
        size += len(function(item))
        durations.append(time.perf_counter() - started)
    durations.sort()
    return (statistics.median(durations) * 1000,
            durations[int(0.99 * (len(durations) - 1))] * 1000, size // len(items))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=200)
    args = parser.parse_args()
    key = SigningKey.generate()
    claims = [new_claims(venue="SHOUGANG", first_day=date(2026, 9, 10),
                         document_key=f"cn_resident_id::{n:018d}") for n in range(args.passes)]
    tokens = [sign_pass(c, key) for c in claims]
    views = [PassView(token=t, serial=c.serial, code="ABCD2345", venue_code="SHOUGANG",
                      venue_name=Text("首钢园", "Shougang Park"), day=c.first_day,
                      slot_label="09:00–12:00", holder_name_masked="张*",
                      document_masked="1*************803X", kind="visitor")
             for t, c in zip(tokens, claims)]
    rows = [
        ("sign token (baseline)", lambda c: sign_pass(c, key), claims),
        ("QR PNG", pass_qr_png, tokens),
        ("QR SVG", pass_qr_svg, tokens),
        ("A4 PDF", pass_pdf, views),
        ("58 mm label PDF", lambda v: pass_label_pdf(v, 58), views),
        ("80 mm label PNG (203 dpi)", lambda v: pass_label_png(v, 80), views),
    ]
    print(f"pass rendering: {args.passes} passes per format")
    for label, function, items in rows:
        p50, p99, size = timed(function, items)
        print(f"{label:<26} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  avg size {size:>7} B")


if __name__ == "__main__":
    main()
