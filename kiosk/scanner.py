"""QR decoding for the gate camera: :func:`decode`, a measured chain of decoders behind it.

``decode(image)`` takes an OpenCV BGR (or grey) frame and returns every QR text in it,
deduplicated, in a stable order. Behind it the stages of :data:`CHAIN` run cheapest first
and the chain stops at the first stage that found a fairgate-looking text (``FG...``): a
clean pass costs one zxing-cpp call, about 1 ms at 1280x720 on the 2-core gate PC, and a
frame with nothing readable in it pays for every stage, about 5 ms.

The chain was chosen with ``bench/kiosk_decode.py``: real signed passes drawn as a gate
camera sees them under 12 conditions (tests/kiosk/imagesets.py), 40 frames each, every
decoder alone, every stage and every candidate stage on every frame. At 1280x720 (median
and p99 time per frame on the shared 2-core machine, grey conversion included):

=============== =========== ======== ========
decoder alone   frames read median   p99
=============== =========== ======== ========
zxing-cpp       86%         1.3 ms   6.4 ms
pyzbar          57%         21 ms    49 ms
OpenCV          46%         33 ms    160 ms
the chain       90%         1.4 ms   8.1 ms
=============== =========== ======== ========

At 1920x1080 the chain reads 97% (zxing-cpp alone 93%) in 1.2 ms median, faster than
zxing-cpp alone on the full frame (2.8 ms). pyzbar reads no dark-theme screen and almost no
tilted code; OpenCV's ``QRCodeDetector`` reads no small code and nothing in low light, and
takes up to 0.9 s on some 1080p frames. OpenCV read no frame the chain misses, so it is
not in the chain; pyzbar is, as the last resort, where it earns its place on glare. Each
stage's ``why`` says what it adds; the bench prints, per stage, the frames it read first
and the reads lost without it.

A stage was kept only if it read frames no earlier stage read, on every seed set tried, at
a cost that keeps a frame without any code near 5 ms. Left out (reads added to the chain in the
480-frame bench set, cost per frame): OpenCV's detector (0, 32 ms), pyzbar on the whole
frame (1, 20 ms), CLAHE on the whole frame (1, 6 ms), 2x upscale of the whole frame (2,
5 ms), adaptive threshold on the whole frame (0; 4 of 300 glare frames, 2 ms), median
filter (2 here, 0 on other sets), zxing-cpp's GlobalHistogram binariser (1), a shrunk and
sharpened whole frame (1), pyzbar on the located crops (0). Motion blur over about two
modules (the set's 4-20 px reaches four) defeats every decoder and preprocessing tried:
the kiosk relies on the next, sharper frame instead.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np
import zxingcpp
from pyzbar.pyzbar import ZBarSymbol
from pyzbar.pyzbar import decode as _zbar_decode

TOKEN_PREFIX = "FG"
WORK_WIDTH = 1280
PYZBAR_WIDTH = 480
ROI_MARGIN = 0.25  # of the located symbol's size, added on each side of a crop
_QR = zxingcpp.BarcodeFormat.QRCode
_GAMMA_LIFT = np.array([255 * (i / 255) ** 0.5 for i in range(256)], dtype=np.uint8)
_CLAHE_CROP = (3.0, (4, 4))


def looks_like_pass(text: str) -> bool:
    """A text a fairgate pass could be (the signature is checked later, by the rules)."""
    return text.strip().upper().startswith(TOKEN_PREFIX)


# --- single decoders ---------------------------------------------------------------------

def zxing_texts(gray: np.ndarray, *, boxes: list | None = None, **options) -> list[str]:
    """QR texts zxing-cpp reads; located-but-unreadable symbols go to ``boxes`` as
    (x0, y0, x1, y1) when a list is given."""
    options.setdefault("try_rotate", False)  # QR finder patterns are rotation-free anyway
    results = zxingcpp.read_barcodes(gray, formats=_QR, text_mode=zxingcpp.TextMode.Plain,
                                     return_errors=boxes is not None, **options)
    texts = []
    for result in results:
        if result.valid:
            texts.append(result.text)
        elif boxes is not None:
            p = result.position
            xs = (p.top_left.x, p.top_right.x, p.bottom_right.x, p.bottom_left.x)
            ys = (p.top_left.y, p.top_right.y, p.bottom_right.y, p.bottom_left.y)
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return texts


def zbar_texts(gray: np.ndarray) -> list[str]:
    """QR texts pyzbar (libzbar0) reads."""
    return [r.data.decode("utf-8", "replace")
            for r in _zbar_decode(gray, symbols=[ZBarSymbol.QRCODE])]


_OPENCV_DETECTOR = None


def opencv_texts(gray: np.ndarray) -> list[str]:
    """QR texts OpenCV's ``QRCodeDetector`` reads (it raises on some frames: none then)."""
    global _OPENCV_DETECTOR
    if _OPENCV_DETECTOR is None:
        _OPENCV_DETECTOR = cv2.QRCodeDetector()
    try:
        ok, texts, _, _ = _OPENCV_DETECTOR.detectAndDecodeMulti(gray)
    except cv2.error:
        return []
    return [text for text in texts if text] if ok else []


def to_gray(image: np.ndarray) -> np.ndarray:
    """The frame as 8-bit grey (BGR and BGRA are converted, grey passes through)."""
    if not isinstance(image, np.ndarray) or image.size == 0:
        raise ValueError("image must be a non-empty numpy array")
    if image.dtype != np.uint8:
        image = cv2.convertScaleAbs(image)
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    raise ValueError(f"unsupported image shape {image.shape}")


SINGLE_DECODERS: dict[str, Callable[[np.ndarray], list[str]]] = {
    "pyzbar": zbar_texts,
    "zxing-cpp": zxing_texts,
    "opencv": opencv_texts,
}
"""Each decoder alone on the grey frame (no preprocessing): the chain's baselines."""


# --- preprocessing -----------------------------------------------------------------------

def shrink(gray: np.ndarray, factor: float = 0.5) -> np.ndarray:
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


def enlarge(gray: np.ndarray, factor: float = 2.0) -> np.ndarray:
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def sharpen(gray: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """Unsharp mask: restores module edges softened by defocus."""
    return cv2.addWeighted(gray, 2.0, cv2.GaussianBlur(gray, (0, 0), sigma), -1.0, 0)


def clahe(gray: np.ndarray, clip: float = 3.0, tiles: tuple[int, int] = (8, 8)) -> np.ndarray:
    """Local contrast: pulls a code out of a glare halo or a dark corner."""
    return cv2.createCLAHE(clipLimit=clip, tileGridSize=tiles).apply(gray)


def gamma_lift(gray: np.ndarray) -> np.ndarray:
    """Brighten shadows (gamma 0.5): a code in a dark frame gets usable contrast."""
    return cv2.LUT(gray, _GAMMA_LIFT)


def adaptive_threshold(gray: np.ndarray, block: int = 31) -> np.ndarray:
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY,
                                 block, 5)


# --- the chain ---------------------------------------------------------------------------

@dataclass
class FrameWork:
    """One frame on its way through the chain: the grey image at working size, the full
    resolution one (large frames only) and the symbols located but not yet read."""

    gray: np.ndarray
    full: np.ndarray | None = None
    scale: float = 1.0  # full / working size
    located: list[tuple[int, int, int, int]] = field(default_factory=list)

    def crops(self) -> list[np.ndarray]:
        """The working image around each located symbol (overlapping boxes merged)."""
        height, width = self.gray.shape
        crops = []
        for x0, y0, x1, y1 in _merge(self.located):
            margin = ROI_MARGIN * max(x1 - x0, y1 - y0, 8)
            x0, y0 = max(0, int(x0 - margin)), max(0, int(y0 - margin))
            x1, y1 = min(width, int(x1 + margin) + 1), min(height, int(y1 + margin) + 1)
            if x1 - x0 >= 16 and y1 - y0 >= 16:
                crops.append(self.gray[y0:y1, x0:x1])
        return crops


@dataclass(frozen=True)
class Stage:
    """One step of the chain: ``run`` returns the texts it read from a :class:`FrameWork`;
    ``why`` is the measured reason it is in the chain."""

    name: str
    run: Callable[[FrameWork], list[str]]
    why: str
    region: bool = False  # works only on located symbols (no cost when none were)


def _on_crops(preprocess: Callable[[np.ndarray], np.ndarray],
              reader: Callable[[np.ndarray], list[str]]) -> Callable[[FrameWork], list[str]]:
    def run(work: FrameWork) -> list[str]:
        texts = []
        for crop in work.crops():
            texts.extend(reader(preprocess(crop)))
        return texts
    return run


def _stage_zxing(work: FrameWork) -> list[str]:
    return zxing_texts(work.gray, boxes=work.located)


def _stage_full_resolution(work: FrameWork) -> list[str]:
    return zxing_texts(work.full) if work.full is not None else []


def _stage_pyzbar(work: FrameWork) -> list[str]:
    gray = work.gray
    if gray.shape[1] > PYZBAR_WIDTH:
        gray = shrink(gray, PYZBAR_WIDTH / gray.shape[1])
    return zbar_texts(gray)


CHAIN: tuple[Stage, ...] = (
    Stage("zxing", _stage_zxing,
          "zxing-cpp on the grey working frame reads 86% of the bench set alone (every "
          "clean, rotated, JPEG, moire, small, printed and dark-theme pass) in about 1 ms, "
          "and reports the symbols it located but could not read for the region stages."),
    Stage("roi-shrink-sharpen", _on_crops(lambda c: sharpen(shrink(c)), zxing_texts),
          "Defocus: halving a located code's crop shortens the blur in pixels and the "
          "unsharp mask restores module edges; rescues defocused codes in under 0.3 ms.",
          region=True),
    Stage("roi-clahe-2x", _on_crops(lambda c: enlarge(clahe(c, *_CLAHE_CROP)), zxing_texts),
          "Glare halo, steep tilt, small codes: local contrast and a 2x enlargement of a "
          "located code's crop: 14 of 300 glare frames read by no other stage; about "
          "1.4 ms, only when zxing-cpp located something.",
          region=True),
    Stage("gamma", lambda w: zxing_texts(gamma_lift(w.gray)),
          "Low light: in a dark frame zxing-cpp's binariser finds no finder pattern; a "
          "gamma of 0.5 lifts the shadows: low-light frames read 70% -> 98% for about "
          "1 ms (CLAHE on the whole frame reads the same for 6 ms)."),
    Stage("full-resolution", _stage_full_resolution,
          "Frames wider than WORK_WIDTH are decoded shrunk first (1080p: 1.2 ms median "
          "instead of 2.8 ms for zxing-cpp on the full frame); codes too small or damaged "
          "to survive the shrink (6 of 480 at 1080p) get one zxing-cpp pass at full size. "
          "No cost at 1280x720."),
    Stage("pyzbar", _stage_pyzbar,
          "Glare: pyzbar's binariser finds some codes under a reflection that zxing-cpp "
          "does not even locate: 11 of 300 glare frames read by no other stage (+3.7 "
          "points). Run on a 480 px copy: about 3 ms, paid only when every stage before "
          "found nothing."),
)


@dataclass(frozen=True)
class DecodeResult:
    texts: list[str]
    stage: str | None  # the stage that found the first pass-looking text (None: no pass)
    stages_run: int
    seconds: float


def prepare(image: np.ndarray, work_width: int = WORK_WIDTH) -> FrameWork:
    """Grey conversion, and for a frame wider than ``work_width`` a working copy shrunk by
    the smallest whole factor that fits (whole factors make area averaging cheap:
    1920x1080 becomes 960x540 in 0.15 ms, against 3 ms to 1280x720)."""
    gray = to_gray(image)
    width = gray.shape[1]
    if work_width and width > work_width:
        factor = -(-width // work_width)
        small = cv2.resize(gray, (width // factor, gray.shape[0] // factor),
                           interpolation=cv2.INTER_AREA)
        return FrameWork(gray=small, full=gray, scale=width / small.shape[1])
    return FrameWork(gray=gray)


def decode_traced(image: np.ndarray, chain: Iterable[Stage] = CHAIN,
                  work_width: int = WORK_WIDTH) -> DecodeResult:
    """:func:`decode` with the stage that succeeded and the time it took (bench, logs)."""
    started = time.perf_counter()
    work = prepare(image, work_width)
    found: dict[str, None] = {}
    hit, count = None, 0
    for stage in chain:
        if stage.region and not work.located:
            continue
        count += 1
        for text in stage.run(work):
            found.setdefault(text, None)
        if any(looks_like_pass(text) for text in found):
            hit = stage.name
            break
    return DecodeResult(list(found), hit, count, time.perf_counter() - started)


def decode(image: np.ndarray) -> list[str]:
    """Every QR text in the frame (deduplicated, in the order found); [] when none.

    ``image`` is an OpenCV BGR, BGRA or grey ``uint8`` array. The chain stops at the first
    stage that reads a fairgate-looking text, so a second code that only a later stage
    could read is not returned in that frame.
    """
    return decode_traced(image).texts


def _merge(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Union of overlapping boxes (zxing-cpp reports one damaged symbol several times)."""
    merged: list[list[int]] = []
    for box in sorted(boxes):
        for other in merged:
            if box[0] <= other[2] and other[0] <= box[2] and box[1] <= other[3] \
                    and other[1] <= box[3]:
                other[:] = [min(box[0], other[0]), min(box[1], other[1]),
                            max(box[2], other[2]), max(box[3], other[3])]
                break
        else:
            merged.append(list(box))
    return [tuple(box) for box in merged]
