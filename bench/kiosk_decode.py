"""Kiosk QR decoding: decode rate per gate condition and time per frame (not a test).

For every condition of tests/kiosk/imagesets.py (real signed passes, degraded as a gate
camera sees them) this prints, at 1280x720 and at 1920x1080:

* each decoder alone (pyzbar, zxing-cpp, OpenCV) and the chain of kiosk.scanner.decode:
  share of frames whose exact token was read, median and p99 time per frame;
* the chain's stages: how often each was the one that read the pass, how many reads the
  chain loses without it (ablation), and what candidate stages left out would add;
* the chain on frames without a code (the scan loop's idle cost).

    .venv/bin/python bench/kiosk_decode.py [--per-condition 40] [--sizes 1280x720,1920x1080]
        [--conditions clean,glare,...] [--first-seed 50000]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "kiosk"))

import imagesets  # noqa: E402
from kiosk import scanner  # noqa: E402

CANDIDATES = {
    # Stages measured and left out of the chain: what each would add on top of it.
    "opencv": lambda w: scanner.opencv_texts(w.gray),
    "pyzbar-frame": lambda w: scanner.zbar_texts(w.gray),
    "roi-pyzbar-threshold": lambda w: [t for crop in w.crops() for t in scanner.zbar_texts(
        scanner.adaptive_threshold(crop))],
    "threshold": lambda w: scanner.zxing_texts(scanner.adaptive_threshold(w.gray)),
    "median": lambda w: scanner.zxing_texts(cv2.medianBlur(w.gray, 3)),
    "global-histogram": lambda w: scanner.zxing_texts(
        w.gray, binarizer=scanner.zxingcpp.Binarizer.GlobalHistogram),
    "2x-frame": lambda w: scanner.zxing_texts(scanner.enlarge(w.gray)),
    "clahe-frame": lambda w: scanner.zxing_texts(scanner.clahe(w.gray)),
    "shrink-sharpen-frame": lambda w: scanner.zxing_texts(scanner.sharpen(scanner.shrink(w.gray))),
}


def ms(seconds: list[float]) -> tuple[float, float]:
    values = sorted(seconds)
    p99 = values[min(len(values) - 1, int(round(0.99 * (len(values) - 1))))]
    return statistics.median(values) * 1e3, p99 * 1e3


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


class Tally:
    """Reads per condition and time per frame of one decoder or stage."""

    def __init__(self):
        self.hits: dict[str, int] = {}
        self.frames: set[int] = set()
        self.times: list[float] = []

    def add(self, index: int, condition: str, hit: bool, seconds: float | None) -> None:
        self.hits[condition] = self.hits.get(condition, 0) + hit
        if hit:
            self.frames.add(index)
        if seconds is not None:
            self.times.append(seconds)


def degraded_frames(size, per_condition: int, key, conditions=imagesets.CONDITIONS,
                    first_seed: int = 50_000):
    """(index, condition, token, frame) for freshly signed passes drawn under each
    condition; seeds are fixed so every decoder sees the same frames."""
    index = 0
    for c_index, condition in enumerate(conditions):
        for n in range(per_condition):
            seed = first_seed + 1000 * c_index + n
            token = imagesets.make_token(key, seed)
            yield index, condition, token, imagesets.make_frame(token, condition, seed, size)
            index += 1


def run_size(size: tuple[int, int], per_condition: int, key,
             conditions=imagesets.CONDITIONS, first_seed: int = 50_000) -> None:
    """One pass over freshly drawn frames (a 1080p set does not fit in memory at once)."""
    stages = {stage.name: stage for stage in scanner.CHAIN}
    decoders = {name: Tally() for name in (*scanner.SINGLE_DECODERS, "chain (decode)")}
    parts = {name: Tally() for name in (*stages, *CANDIDATES)}
    first = {name: {c: 0 for c in conditions} for name in stages}
    clean_times = []
    started = time.perf_counter()
    frames = degraded_frames(size, per_condition, key, conditions, first_seed)
    for index, condition, token, frame in frames:
        for name, single in scanner.SINGLE_DECODERS.items():
            texts, seconds = timed(lambda f: single(scanner.to_gray(f)), frame)
            decoders[name].add(index, condition, token in texts, seconds)
        outcome = scanner.decode_traced(frame)
        decoders["chain (decode)"].add(index, condition, token in outcome.texts,
                                       outcome.seconds)
        if token in outcome.texts and outcome.stage:
            first[outcome.stage][condition] += 1
        if condition == "clean":
            clean_times += [outcome.seconds] + [scanner.decode_traced(frame).seconds
                                                for _ in range(2)]
        work = scanner.prepare(frame)
        for name, run in (*((n, s.run) for n, s in stages.items()), *CANDIDATES.items()):
            if name in stages and stages[name].region and not work.located:
                parts[name].add(index, condition, False, None)
                continue
            texts, seconds = timed(run, work)
            parts[name].add(index, condition, token in texts, seconds)
    total = len(conditions) * per_condition
    print(f"\n=== {size[0]}x{size[1]}: {total} frames ({per_condition} per condition), "
          f"{time.perf_counter() - started:.0f} s ===")
    head = "".join(f"{c[:9]:>10}" for c in conditions)
    print(f"\ndecode rate per condition; time per frame incl. grey conversion\n"
          f"{'decoder':<16}{head}{'all':>8}{'med ms':>9}{'p99 ms':>9}")
    for name, tally in decoders.items():
        cells = "".join(f"{tally.hits[c] / per_condition:>9.0%} " for c in conditions)
        med, p99 = ms(tally.times)
        print(f"{name:<16}{cells}{len(tally.frames) / total:>7.1%}{med:>9.2f}{p99:>9.2f}")
    if clean_times:
        med, p99 = ms(clean_times)
        print(f"\nchain on clean passes (the common case): median {med:.2f} ms, "
              f"p99 {p99:.2f} ms")
    blank_times = []
    for seed in range(30):
        rng = imagesets.random.Random(seed)
        frame = imagesets.finish(imagesets.background(rng, size), "clean", rng)
        for _ in range(2):
            texts, seconds = timed(scanner.decode, frame)
            assert texts == []
            blank_times.append(seconds)
    med, p99 = ms(blank_times)
    print(f"chain on frames without a code (every stage runs): median {med:.2f} ms, "
          f"p99 {p99:.2f} ms")

    chain = set().union(*(parts[name].frames for name in stages))
    print(f"\nchain stages in order: frames each read first; reads lost without it; "
          f"median ms when it runs\n{'stage':<22}{'first':>7}{'lost w/o':>10}{'med ms':>9}")
    for name in stages:
        others = set().union(*(parts[n].frames for n in stages if n != name))
        med = statistics.median(parts[name].times) * 1e3 if parts[name].times else 0.0
        detail = ", ".join(f"{c} {k}" for c, k in first[name].items() if k)
        print(f"{name:<22}{sum(first[name].values()):>7}{len(chain - others):>10}{med:>9.2f}"
              f"   {detail}")
    print(f"{'chain':<22}{len(chain):>7} of {total} frames")
    print(f"\nleft out: reads each would add to the chain; median ms\n"
          f"{'candidate':<22}{'reads':>7}{'adds':>7}{'med ms':>9}")
    for name in CANDIDATES:
        med = statistics.median(parts[name].times) * 1e3
        print(f"{name:<22}{len(parts[name].frames):>7}{len(parts[name].frames - chain):>7}"
              f"{med:>9.2f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-condition", type=int, default=40)
    parser.add_argument("--sizes", default="1280x720,1920x1080")
    parser.add_argument("--conditions", default=",".join(imagesets.CONDITIONS))
    parser.add_argument("--first-seed", type=int, default=50_000)
    args = parser.parse_args(argv)
    conditions = tuple(args.conditions.split(","))
    unknown = set(conditions) - set(imagesets.CONDITIONS)
    if unknown or not 1 <= args.per_condition <= 1000:
        parser.error(f"unknown conditions {sorted(unknown)} or per-condition not 1-1000")
    print(f"OpenCV {cv2.__version__}, zxing-cpp {version('zxing-cpp')}, pyzbar "
          f"{version('pyzbar')}, numpy {np.__version__}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} (other work inflates the times)")
    key = imagesets.make_key()
    for spec in args.sizes.split(","):
        width, height = (int(v) for v in spec.lower().split("x"))
        run_size((width, height), args.per_condition, key, conditions, args.first_seed)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
