"""Kiosk pipeline: frame-to-verdict time, scan-loop frame rate, decode rate (not a test).

Prints, on this machine:

* frame-to-verdict (decode + verify + rules + durable ledger commit) p50/p99 at 1280x720
  and 1920x1080, each frame a different real signed pass admitted into a ledger holding a
  whole venue-day manifest (``--appointments``, a quarter of them already inside), with
  the parts (decode; verify + rules + commit) and the cost of the commit alone with
  ``synchronous=FULL`` (what the kiosk uses) against ``NORMAL``;
* frames per second of the scan loop (``kiosk.app.KioskApp``: decode, debounce, decide)
  on a stream where each pass is held up for several frames between empty frames;
* decode rate per degradation (tests/kiosk/imagesets.py) for each decoder alone and for
  the chain of ``kiosk.scanner.decode``, with the median decode time (the helpers of
  bench/kiosk_decode.py, which also has the per-stage ablation).

    .venv/bin/python bench/kiosk_pipeline.py [--frames 300] [--appointments 20000]
        [--per-condition 40] [--sizes 1280x720,1920x1080]
"""
from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "kiosk"))
sys.path.insert(0, str(ROOT / "bench"))

import imagesets  # noqa: E402
from gate.lookup import LookupParams  # noqa: E402
from gate.passes import decode_unverified, encode_public_key  # noqa: E402
from kiosk import scanner  # noqa: E402
from kiosk.app import KioskApp  # noqa: E402
from kiosk.debounce import Debouncer  # noqa: E402
from kiosk.gatekeeper import Gatekeeper  # noqa: E402
from kiosk.ledger import Ledger  # noqa: E402
from kiosk_decode import Tally, degraded_frames, ms, timed  # noqa: E402

TARGET_P99_MS = 15.0
BEIJING = ZoneInfo("Asia/Shanghai")
PAGE = 5000


def manifest_pages(key, serials: list[str], inside: set[str]):
    """The venue-day as the service would send it, in pages of 5,000 items."""
    passed = datetime(2026, 9, 10, 9, 0, tzinfo=BEIJING).isoformat()
    header = {
        "venue": "CNCC", "date": imagesets.FAIR_DAY.isoformat(), "server_time": passed,
        "policy": {"opens": "08:00", "closes": "20:00", "timezone": "Asia/Shanghai",
                   "reentry_allowed": True, "quota": len(serials) + 10_000,
                   "occupancy_limit": None},
        "lookup_kdf": LookupParams(salt=bytes(16), time_cost=2, memory_kib=65536,
                                   parallelism=2).to_wire(),
        "keys": [{"key_id": key.key_id, "algorithm": "Ed25519", "created_at": passed,
                  "public_key": encode_public_key(key.public_bytes()), "active": True}],
        "full": True, "revoked": []}
    for start in range(0, len(serials), PAGE):
        items = [{"serial": s, "status": "active", "kind": "visitor", "slot": None,
                  "holder": {"name": "张*", "document": "1*************803X"},
                  "gate_index": f"{n:040x}", "seq": n,
                  "presence": {"entries": 1, "exits": 0, "inside": True,
                               "last_direction": "in", "last_gate": "CNCC-E2",
                               "last_passed_at": passed} if s in inside else None}
                 for n, s in enumerate(serials[start:start + PAGE], start=start + 1)]
        yield {**header, "reset": start == 0, "appointments": items,
               "cursor": f"v1.1.{start + len(items)}",
               "has_more": start + PAGE < len(serials)}


def make_ledger(directory: Path, key, tokens: list[str], appointments: int) -> Ledger:
    rng = random.Random(7)
    scanned = [decode_unverified(t).serial for t in tokens]
    others = [base64.b32encode(rng.randbytes(10)).decode() for _ in range(appointments)]
    inside = set(rng.sample(others, len(others) // 4))
    ledger = Ledger(directory / "ledger.sqlite")
    ledger.set(venue="CNCC", gate="CNCC-E1", device_id=1)
    started = time.perf_counter()
    for page in manifest_pages(key, scanned + others, inside):
        ledger.apply_manifest_page(page)
    print(f"ledger: {len(scanned) + len(others):,} appointments ({len(inside):,} inside) "
          f"applied in {time.perf_counter() - started:.2f} s")
    return ledger


class Clock:
    """The venue's wall clock during the bench: 10:00 on the fair day, 2 s a scan."""

    def __init__(self):
        self.now = datetime(2026, 9, 10, 10, 0, tzinfo=BEIJING)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=2)
        return self.now


def frame_to_verdict(size, count: int, key, appointments: int, seed: int,
                     conditions=("clean",)) -> dict:
    """Each frame a different pass (conditions taken in turn); frames the chain cannot
    read count with their decode time and no verdict."""
    tokens = [imagesets.make_token(key, seed + n) for n in range(count)]
    frames = [imagesets.make_frame(t, conditions[n % len(conditions)], seed + n, size)
              for n, t in enumerate(tokens)]
    with tempfile.TemporaryDirectory() as scratch:
        ledger = make_ledger(Path(scratch), key, tokens, appointments)
        gate = Gatekeeper(ledger, venue="CNCC", gate="CNCC-E1", clock=Clock())
        total, decode_t, decide_t, reasons = [], [], [], {}
        for frame in frames:
            started = time.perf_counter()
            texts = scanner.decode(frame)
            decoded = time.perf_counter()
            for text in texts:
                reason = gate.decide_text(text).verdict.reason.value
                reasons[reason] = reasons.get(reason, 0) + 1
            done = time.perf_counter()
            total.append(done - started)
            decode_t.append(decoded - started)
            decide_t.append(done - decoded)
        commits = {mode: commit_cost(ledger, mode) for mode in ("FULL", "NORMAL")}
        ledger.close()
    return {"total": ms(total), "decode": ms(decode_t), "decide": ms(decide_t),
            "reasons": reasons, "commits": commits}


def commit_cost(ledger: Ledger, mode: str, n: int = 300) -> tuple[float, float]:
    """One small transaction like a decision's, committed under ``synchronous=mode``."""
    ledger.conn.execute(f"PRAGMA synchronous={mode}")
    times = []
    for i in range(n):
        started = time.perf_counter()
        with ledger.transaction():
            ledger.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                (f"bench-{i % 10}", str(i)))
        times.append(time.perf_counter() - started)
    ledger.conn.execute("PRAGMA synchronous=FULL")
    return ms(times)


class Frames:
    name = "bench"

    def __init__(self, frames):
        self.frames = frames

    def __iter__(self):
        return iter(self.frames)

    def close(self):
        pass


def scan_loop(size, passes: int, key, seed: int) -> dict:
    """Frames per second of KioskApp on: each pass held up for 6 frames, 4 empty frames
    between passes (a gate camera sees no code most of the time)."""
    tokens = [imagesets.make_token(key, seed + n) for n in range(passes)]
    rng = random.Random(seed)
    empty = imagesets.finish(imagesets.background(rng, size), "clean", rng)
    stream = []
    for n, token in enumerate(tokens):
        stream += [imagesets.make_frame(token, "clean", seed + n, size)] * 6 + [empty] * 4
    with tempfile.TemporaryDirectory() as scratch:
        ledger = make_ledger(Path(scratch), key, tokens, 1000)
        gate = Gatekeeper(ledger, venue="CNCC", gate="CNCC-E1", clock=Clock())
        app = KioskApp(gate, source=Frames(stream), debouncer=Debouncer())
        started = time.perf_counter()
        stats = app.run()
        elapsed = time.perf_counter() - started
        ledger.close()
    return {"fps": stats.frames / elapsed, "frames": stats.frames,
            "decisions": stats.decisions}


def decode_rates(size, per_condition: int, key, first_seed: int = 50_000):
    """Share of frames read per condition: each decoder alone, then the chain."""
    names = (*scanner.SINGLE_DECODERS, "chain")
    tallies = {name: Tally() for name in names}
    conditions = imagesets.CONDITIONS
    frames = degraded_frames(size, per_condition, key, conditions, first_seed)
    for index, condition, token, frame in frames:
        for name, single in scanner.SINGLE_DECODERS.items():
            texts, seconds = timed(lambda f: single(scanner.to_gray(f)), frame)
            tallies[name].add(index, condition, token in texts, seconds)
        texts, seconds = timed(scanner.decode, frame)
        tallies["chain"].add(index, condition, token in texts, seconds)
    total = len(conditions) * per_condition
    head = "".join(f"{c[:9]:>10}" for c in conditions)
    print(f"\ndecode rate per degradation at {size[0]}x{size[1]} ({per_condition} frames "
          f"each)\n{'decoder':<11}{head}{'all':>8}{'med ms':>8}")
    for name, tally in tallies.items():
        cells = "".join(f"{tally.hits[c] / per_condition:>9.0%} " for c in conditions)
        print(f"{name:<11}{cells}{len(tally.frames) / total:>7.1%}"
              f"{statistics.median(tally.times) * 1e3:>8.2f}")
    best = max(scanner.SINGLE_DECODERS, key=lambda n: len(tallies[n].frames))
    chain, single = len(tallies["chain"].frames), len(tallies[best].frames)
    print(f"chain reads {chain} of {total}, the best single decoder ({best}) {single}: "
          f"{'chain ahead' if chain > single else 'CHAIN NOT AHEAD'}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--appointments", type=int, default=20_000)
    parser.add_argument("--per-condition", type=int, default=40)
    parser.add_argument("--sizes", default="1280x720,1920x1080")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    key = imagesets.make_key()
    sizes = [tuple(int(v) for v in s.lower().split("x")) for s in args.sizes.split(",")]
    for size in sizes:
        result = frame_to_verdict(size, args.frames, key, args.appointments, 70_000)
        tag = f"{size[0]}x{size[1]}"
        (p50, p99), parts = result["total"], result
        print(f"frame-to-verdict {tag}: p50 {p50:.2f} ms, p99 {p99:.2f} ms over "
              f"{args.frames} frames {result['reasons']}; decode p50/p99 "
              f"{parts['decode'][0]:.2f}/{parts['decode'][1]:.2f} ms, verify+rules+commit "
              f"{parts['decide'][0]:.2f}/{parts['decide'][1]:.2f} ms")
        full, normal = result["commits"]["FULL"], result["commits"]["NORMAL"]
        print(f"  commit alone: synchronous=FULL p50/p99 {full[0]:.2f}/{full[1]:.2f} ms, "
              f"NORMAL {normal[0]:.2f}/{normal[1]:.2f} ms")
        if size == (1280, 720):
            verdict = "met" if p99 < TARGET_P99_MS else "MISSED"
            print(f"  target p99 < {TARGET_P99_MS:g} ms at 1280x720: {verdict}")
        mixed = frame_to_verdict(size, args.frames, key, args.appointments, 80_000,
                                 imagesets.CONDITIONS)
        print(f"  all 12 degradations in turn: p50 {mixed['total'][0]:.2f} ms, p99 "
              f"{mixed['total'][1]:.2f} ms {mixed['reasons']} (unread frames: no verdict)")
    for size in sizes:
        loop = scan_loop(size, 40, key, 90_000)
        print(f"scan loop {size[0]}x{size[1]}: {loop['fps']:.0f} frames/s "
              f"({loop['frames']} frames, {loop['decisions']} decisions)")
    for size in sizes:
        decode_rates(size, args.per_condition, key)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
