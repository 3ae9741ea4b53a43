"""Kiosk browser screen: camera frame to verdict on screen, p50/p99 (not a test).

The kiosk's real scan loop (``kiosk.app.KioskApp``: decode, debounce, verify, rules,
durable ledger commit) with the browser screen (``kiosk.screen.BrowserDisplay``) shown in
the system Chromium through Playwright, as on a gate PC. A stand-in camera delivers the
empty gate picture at ``--fps``; each presentation is a different real signed pass, held up
for 3 frames, admitted into a ledger holding a venue-day manifest of ``--appointments``.

Measured per presentation, in ms on one wall clock (the page's ``performance.timeOrigin +
performance.now()``): from the moment the first frame with the pass leaves the camera to
the second animation frame after the page drew the verdict (the panel has been painted),
split at the moment the kiosk published the verdict. Goal: p99 < 200 ms (exit status 1
when missed).

    .venv/bin/python bench/kiosk_screen.py [--presentations 60] [--appointments 20000]
        [--size 1280x720] [--fps 15]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "kiosk"))
sys.path.insert(0, str(ROOT / "bench"))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

import imagesets  # noqa: E402
from kiosk.app import KioskApp  # noqa: E402
from kiosk.debounce import Debouncer  # noqa: E402
from kiosk.gatekeeper import Gatekeeper  # noqa: E402
from kiosk.screen import BrowserDisplay  # noqa: E402
from kiosk_pipeline import Clock, make_ledger  # noqa: E402
from screenkit import CameraFeed, KioskThread, launch_chromium, shown_verdicts  # noqa: E402

TARGET_P99_MS = 200.0


class BenchKiosk:
    """Ledger, gatekeeper, browser screen and scan loop, built on the loop's thread."""

    def __init__(self, scratch: Path, key, tokens, appointments: int, camera):
        self.ledger = make_ledger(scratch, key, tokens, appointments)
        self.display = BrowserDisplay(port=0)
        gate = Gatekeeper(self.ledger, venue="CNCC", gate="CNCC-E1", clock=Clock(),
                          display=self.display, online=lambda: True)
        self.app = KioskApp(gate, source=camera, display=self.display, debouncer=Debouncer())

    def close(self) -> None:
        self.display.close()
        self.ledger.close()


def percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values), cuts[98]


def measure(args) -> dict:
    width, height = (int(v) for v in args.size.lower().split("x"))
    key = imagesets.make_key()
    tokens = [imagesets.make_token(key, 120_000 + n) for n in range(args.presentations)]
    frames = [imagesets.make_frame(t, "clean", 120_000 + n, (width, height))
              for n, t in enumerate(tokens)]
    blank = imagesets.finish(imagesets.background(random.Random(1), (width, height)),
                             "clean", random.Random(2))
    camera = CameraFeed(blank, fps=args.fps)
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        loop = KioskThread(lambda: BenchKiosk(Path(scratch), key, tokens, args.appointments,
                                              camera))
        kiosk = loop.start()
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(kiosk.display.url)
            expect(page.locator("#online")).to_have_text("● 在线 online", timeout=15_000)
            panel, reasons = page.locator("#verdict"), Counter()
            for n, frame in enumerate(frames, start=1):
                camera.show(frame)
                expect(panel).to_have_attribute("data-seq", str(n))
                reasons[panel.get_attribute("data-reason")] += 1
                time.sleep(0.25)  # the visitor walks on; the next one steps up
            time.sleep(0.2)
            shown = shown_verdicts(page)
        finally:
            browser.close()
            loop.stop()
    total, to_publish, to_paint = [], [], []
    for n, presented in enumerate(camera.presented, start=1):
        item = shown[n]
        total.append(item["shownAt"] - presented)
        to_publish.append(item["at"] - presented)
        to_paint.append(item["shownAt"] - item["at"])
    return {"total": percentiles(total), "publish": percentiles(to_publish),
            "paint": percentiles(to_paint), "n": len(total), "reasons": dict(reasons),
            "frames": camera.frames_read}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presentations", type=int, default=60)
    parser.add_argument("--appointments", type=int, default=20_000)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--fps", type=float, default=15.0)
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    result = measure(args)
    (p50, p99), publish, paint = result["total"], result["publish"], result["paint"]
    print(f"kiosk camera frame -> verdict on screen ({args.size}, camera {args.fps:g} fps, "
          f"{result['n']} presentations {result['reasons']}): "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"  frame -> verdict published (wait for the frame's turn, decode, decide, commit): "
          f"p50 {publish[0]:.1f} ms, p99 {publish[1]:.1f} ms")
    print(f"  published -> painted (SSE, page, two animation frames): p50 {paint[0]:.1f} ms, "
          f"p99 {paint[1]:.1f} ms")
    verdict = "met" if p99 < TARGET_P99_MS else "MISSED"
    print(f"  target p99 < {TARGET_P99_MS:g} ms: {verdict}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0 if p99 < TARGET_P99_MS else 1  # the goal is asserted here, not in a timed test


if __name__ == "__main__":
    sys.exit(main())
