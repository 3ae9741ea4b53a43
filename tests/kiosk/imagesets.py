"""Gate-camera frames of real, signed passes, clean and degraded (a helper, not tests).

Every frame is built from a real token (``sign_pass``) drawn as a QR code at level M by
``qrcode`` and placed, as a phone screen or a printed sheet, into a 1280x720 (or any size)
scene the way a camera above a turnstile sees it. Each degradation models one thing that
goes wrong at a gate; every random choice comes from ``random.Random(seed)`` so a frame is
the same on every run and a measured decode rate is reproducible. Within a condition the
severity is drawn from a range running from mild to beyond what any decoder reads:

==========  ==========================================================================
clean       5-7 px per module, rotated up to 5 degrees, sensor noise (sigma 2)
tilt        one edge of the code 25-60% shorter (card leaning away), up to 25 degrees
rotation    any angle from 15 to 345 degrees
motion_blur linear blur of 4-20 px (about 0.6-4 modules) in any direction
defocus     disc blur of radius 2-7 px
glare       a saturated reflection (Gaussian, sigma 30-90 px, +180-300 levels) on the code
low_light   brightness x0.05-0.2 plus noise (sigma 4-9)
jpeg20      JPEG quality 20
moire       two beating gratings (period 2-4 px, 30-60% modulation) on the screen
small       1.6-2.8 px per module (the whole code 70-120 px wide)
paper       off-white sheet, grey ink, fibre texture, a shadow 30-65% darker across it
inverted    light modules on a dark screen (dark theme)
==========  ==========================================================================

Frames of other sizes scale the code with the width (blur and glare sizes stay in pixels).
Used by tests/kiosk/test_scanner.py and bench/kiosk_decode.py.
"""
from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import cv2
import numpy as np
import qrcode
from qrcode.constants import ERROR_CORRECT_M

from gate.passes import PassKind, SigningKey, new_claims, sign_pass

FAIR_DAY = date(2026, 9, 10)
FRAME_SIZE = (1280, 720)
CONDITIONS = (
    "clean", "tilt", "rotation", "motion_blur", "defocus", "glare", "low_light",
    "jpeg20", "moire", "small", "paper", "inverted",
)
# Pixels per QR module for a code at a normal distance (a version-6 code is 41 modules).
_MODULES_NORMAL = (5.0, 7.0)
_MODULES_SMALL = (1.6, 2.8)


def make_key(seed: int | None = 7) -> SigningKey:
    """A test signing key: fixed by ``seed`` (reproducible frames) or fresh when None."""
    if seed is None:
        return SigningKey.generate()
    return SigningKey.from_private_bytes(random.Random(seed).randbytes(32))


def make_token(key: SigningKey, seed: int, venue: str = "CNCC",
               kind: PassKind = PassKind.visitor) -> str:
    """A real signed pass token; the serial comes from ``seed``."""
    serial = base64.b32encode(random.Random(seed).randbytes(10)).decode("ascii")
    claims = new_claims(venue=venue, first_day=FAIR_DAY, kind=kind, serial=serial,
                        document_key=f"cn_resident_id::11010119900307{seed % 1000:03d}X")
    return sign_pass(claims, key)


def qr_matrix(text: str, border: int = 4) -> np.ndarray:
    """The QR symbol (level M) as a bool array, True = dark module, with its quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(text)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


@dataclass(frozen=True)
class Sample:
    condition: str
    seed: int
    token: str
    frame: np.ndarray


def sample_set(key: SigningKey, conditions=CONDITIONS, per_condition: int = 10,
               size: tuple[int, int] = FRAME_SIZE, first_seed: int = 1000) -> list[Sample]:
    """``per_condition`` (at most 100) frames of distinct passes for each condition."""
    if not 1 <= per_condition <= 100:
        raise ValueError("per_condition must be from 1 to 100")
    samples = []
    for c_index, condition in enumerate(conditions):
        for n in range(per_condition):
            seed = first_seed + 100 * c_index + n
            token = make_token(key, seed)
            samples.append(Sample(condition, seed, token, make_frame(token, condition, seed,
                                                                     size)))
    return samples


# --- scene -------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _noise_field(shape: tuple[int, ...]) -> np.ndarray:
    rows, cols = shape[0] + 64, shape[1] + 64
    generator = np.random.default_rng(12345)
    field = generator.standard_normal((rows, cols, *shape[2:]), dtype=np.float32)
    field.flags.writeable = False
    return field


def _noise(shape: tuple[int, ...], rng: random.Random) -> np.ndarray:
    """Unit Gaussian sensor noise: a window of a fixed field (cheap, still seeded)."""
    dy, dx = rng.randrange(64), rng.randrange(64)
    return _noise_field(tuple(shape))[dy:dy + shape[0], dx:dx + shape[1]]


def background(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    """A dim, cluttered gate scene: lit gradient, a few objects, sensor noise."""
    width, height = size
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    base = 70 + 60 * (rng.random() * x + rng.random() * y)
    frame = np.repeat(base[:, :, None], 3, axis=2) * np.array(
        [rng.uniform(0.8, 1.1) for _ in range(3)], dtype=np.float32)
    for _ in range(6):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(40, width // 3), rng.randrange(40, height // 3)
        colour = [rng.randrange(20, 200) for _ in range(3)]
        cv2.rectangle(frame, (x0, y0), (x0 + w, y0 + h), colour, -1)
    frame += 3 * _noise(frame.shape, rng)
    return frame


def _carrier(matrix: np.ndarray, module_px: int, dark: float, light: float,
             bezel: int) -> np.ndarray:
    """The code on its screen or sheet, as float32 BGR, with ``bezel`` modules of frame."""
    img = np.where(matrix, dark, light).astype(np.float32)
    img = cv2.resize(img, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)
    img = np.repeat(img[:, :, None], 3, axis=2)
    if bezel:
        pad = bezel * module_px
        img = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT,
                                 value=(light, light, light))
        thick = max(2, pad // 3)
        img = cv2.copyMakeBorder(img, thick, thick, thick, thick, cv2.BORDER_CONSTANT,
                                 value=(20, 20, 22))
    return img


def _place(frame: np.ndarray, carrier: np.ndarray, quad: np.ndarray):
    """Warp ``carrier`` onto ``quad`` (4x2, clockwise from top-left).

    Returns (region, mask): the frame slices around the quad and the coverage mask there."""
    h, w = carrier.shape[:2]
    side = max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[3] - quad[0]))
    scale = side / max(w, h)
    if scale < 0.9:  # shrink with area averaging first: a camera integrates, it does not alias
        carrier = cv2.resize(carrier, None, fx=scale * 1.05, fy=scale * 1.05,
                             interpolation=cv2.INTER_AREA)
        h, w = carrier.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    x0, y0 = np.maximum(np.floor(quad.min(axis=0)).astype(int) - 2, 0)
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int) + 2
    x1, y1 = min(x1, frame.shape[1]), min(y1, frame.shape[0])
    homography = cv2.getPerspectiveTransform(src, np.float32(quad - [x0, y0]))
    size = (x1 - x0, y1 - y0)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), homography, size,
                               flags=cv2.INTER_LINEAR)
    warped = cv2.warpPerspective(carrier, homography, size, flags=cv2.INTER_LINEAR)
    region = (slice(y0, y1), slice(x0, x1))
    view = frame[region]
    view *= 1 - mask[:, :, None]
    view += warped * mask[:, :, None]
    return region, mask


def _quad(rng: random.Random, size: tuple[int, int], side: float, angle: float,
          tilt: float = 0.0) -> np.ndarray:
    """A square of ``side`` px rotated by ``angle`` degrees; ``tilt`` (0-1) narrows one
    edge as a card leaning away from the camera does."""
    width, height = size
    half = side / 2
    corners = np.float32([[-half, -half], [half, -half], [half, half], [-half, half]])
    if tilt:
        narrow = 1 - tilt
        edge = rng.randrange(4)
        a, b = edge, (edge + 1) % 4
        centre = (corners[a] + corners[b]) / 2
        corners[a] = centre + (corners[a] - centre) * narrow
        corners[b] = centre + (corners[b] - centre) * narrow
    theta = np.deg2rad(angle)
    rot = np.float32([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    corners = corners @ rot.T
    reach = np.abs(corners).max(axis=0)
    cx = rng.uniform(reach[0] + 10, width - reach[0] - 10)
    cy = rng.uniform(reach[1] + 10, height - reach[1] - 10)
    return corners + np.float32([cx, cy])


def make_frame(token: str, condition: str, seed: int,
               size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """One BGR uint8 camera frame showing ``token``'s pass under ``condition``."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}")
    frame, rng = compose([token], condition, seed, size)
    return finish(frame, condition, rng)


def compose(tokens: list[str], condition: str, seed: int,
            size: tuple[int, int] = FRAME_SIZE):
    """The scene with one carrier per token (side by side); returns (float frame, rng)."""
    rng = random.Random(f"{condition}:{seed}")
    frame = background(rng, size)
    scale = size[0] / FRAME_SIZE[0]
    lo, hi = _MODULES_SMALL if condition == "small" else _MODULES_NORMAL
    slots = len(tokens)
    for index, token in enumerate(tokens):
        matrix = qr_matrix(token)
        modules = rng.uniform(lo, hi) * scale
        side = modules * (matrix.shape[0] + 2)  # the code plus its light margin on screen
        angle = rng.uniform(-5, 5)
        tilt = 0.0
        if condition == "rotation":
            angle = rng.uniform(15, 345)
        elif condition == "tilt":
            tilt, angle = rng.uniform(0.25, 0.6), rng.uniform(-25, 25)
        if condition == "paper":
            carrier = _carrier(matrix, 8, rng.uniform(35, 60), rng.uniform(215, 235), 1)
            carrier *= np.float32([rng.uniform(0.9, 0.97), rng.uniform(0.96, 1.0), 1.0])
        elif condition == "inverted":
            carrier = _carrier(matrix, 8, rng.uniform(225, 245), rng.uniform(18, 35), 1)
        else:
            carrier = _carrier(matrix, 8, rng.uniform(15, 40), rng.uniform(225, 250), 1)
        sub = (size[0] // slots, size[1])
        quad = _quad(rng, sub, side, angle, tilt) + np.float32([index * sub[0], 0])
        region, mask = _place(frame, carrier, quad)
        if condition == "paper":
            _paper(frame[region], mask, rng)
        elif condition == "moire":
            _moire(frame[region], mask, rng)
    return frame, rng


def _paper(frame: np.ndarray, mask: np.ndarray, rng: random.Random) -> None:
    """Fibre texture and a soft hand shadow across the sheet (``frame``: its region)."""
    height, width = mask.shape
    texture = cv2.GaussianBlur(rng.uniform(8, 20) * _noise((height, width), rng), (0, 0), 1.2)
    ys, xs = np.nonzero(mask > 0.5)
    angle = rng.uniform(0, 2 * np.pi)
    direction = np.cos(angle) * (np.arange(width)[None, :] - xs.mean()) + \
        np.sin(angle) * (np.arange(height)[:, None] - ys.mean())
    extent = max(np.ptp(xs), np.ptp(ys))
    shade = 1 - rng.uniform(0.3, 0.65) / (1 + np.exp(-direction / (0.08 * extent)))
    effect = (shade[:, :, None] * (frame + texture[:, :, None]) - frame) * mask[:, :, None]
    frame += effect.astype(np.float32)


def _moire(frame: np.ndarray, mask: np.ndarray, rng: random.Random) -> None:
    """A screen's pixel grid beating against the sensor grid: slow bands and fine ripple."""
    height, width = mask.shape
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    period = rng.uniform(2.0, 4.0)
    u = np.cos(angle) * x + np.sin(angle) * y
    beat = np.cos(angle + 0.05) * x + np.sin(angle + 0.05) * y
    pattern = 0.5 * np.sin(2 * np.pi * u / period) \
        + 0.5 * np.sin(2 * np.pi * beat / (period * 1.04))
    amplitude = rng.uniform(0.3, 0.6)
    gain = 1 + amplitude * pattern
    frame *= (1 + (gain - 1) * mask)[:, :, None]


def finish(frame: np.ndarray, condition: str, rng: random.Random) -> np.ndarray:
    """Camera-side degradations of the composed float frame; returns BGR uint8."""
    if condition == "motion_blur":
        length = rng.randrange(4, 21)
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1
        turn = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5),
                                       rng.uniform(0, 180), 1)
        kernel = cv2.warpAffine(kernel, turn, (length, length))
        frame = cv2.filter2D(frame, -1, kernel / kernel.sum())
    elif condition == "defocus":
        radius = rng.uniform(2.0, 7.0)
        k = int(np.ceil(radius)) * 2 + 1
        kernel = np.zeros((k, k), np.float32)
        cv2.circle(kernel, (k // 2, k // 2), int(round(radius)), 1.0, -1)
        frame = cv2.filter2D(frame, -1, kernel / kernel.sum())
    elif condition == "glare":
        _glare(frame, rng)
    elif condition == "low_light":
        frame = frame * rng.uniform(0.05, 0.2) + rng.uniform(4, 9) * _noise(frame.shape, rng)
    frame += 2 * _noise(frame.shape, rng)
    out = np.clip(frame, 0, 255).astype(np.uint8)
    if condition == "jpeg20":
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 20])
        out = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return out


def _glare(frame: np.ndarray, rng: random.Random) -> None:
    """A ceiling light reflected on the screen: a saturated blob with a soft halo."""
    height, width = frame.shape[:2]
    # Aim at the brightest square region (the carrier) so the blob lands on the code.
    grey = frame.mean(axis=2)
    small = cv2.resize(grey, (width // 8, height // 8), interpolation=cv2.INTER_AREA)
    cy, cx = np.unravel_index(int(np.argmax(cv2.blur(small, (25, 25)))), small.shape)
    cx, cy = cx * 8 + rng.uniform(-60, 60), cy * 8 + rng.uniform(-60, 60)
    radius = rng.uniform(30, 90)
    y, x = np.ogrid[0:height, 0:width]
    blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * radius ** 2))
    frame += (rng.uniform(180, 300) * blob)[:, :, None].astype(np.float32)


def two_pass_frame(tokens: list[str], seed: int,
                   size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """One clean frame showing every token in ``tokens`` side by side."""
    frame, rng = compose(tokens, "clean", seed, size)
    return finish(frame, "clean", rng)
