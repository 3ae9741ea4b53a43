"""A fake rear camera for the handheld scanner tests: a QR (a real pass token, or the
console's enrolment QR as a screenshot) drawn into a Y4M video that Chromium plays as its
camera (``--use-file-for-fake-video-capture``). Chromium opens the file each time the page
starts the camera, so a test shows another code by writing the file again."""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

WIDTH, HEIGHT, FRAMES = 640, 480, 6


def _grey_frame(image) -> np.ndarray:
    """The image (PIL) scaled into the middle of a white 640x480 frame, as luma."""
    from PIL import Image

    image = image.convert("L")
    side = min(WIDTH, HEIGHT) - 80
    image = image.resize((side, side), Image.NEAREST)
    frame = np.full((HEIGHT, WIDTH), 255, dtype=np.uint8)
    top, left = (HEIGHT - side) // 2, (WIDTH - side) // 2
    frame[top:top + side, left:left + side] = np.asarray(image)
    return frame


def qr_image(token: str):
    """The pass's QR as the service renders it on the pass page and in the PDF."""
    from registration.rendering.qr import qr_image as render

    return render(token)


def png_image(png: bytes):
    from PIL import Image

    return Image.open(io.BytesIO(png))


def write_y4m(path: Path, image) -> None:
    """One still image as a short 4:2:0 Y4M clip (Chromium loops it); written atomically."""
    luma = _grey_frame(image).tobytes()
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode("ascii")
    body = b"".join(b"FRAME\n" + luma + chroma + chroma for _ in range(FRAMES))
    partial = path.with_suffix(".part")
    partial.write_bytes(header + body)
    os.replace(partial, path)


def blank(path: Path) -> None:
    from PIL import Image

    write_y4m(path, Image.new("L", (10, 10), 255))
