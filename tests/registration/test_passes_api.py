"""Pass files, published keys and key rotation, checked with the real decoders and verifier."""
from __future__ import annotations

import subprocess

import cv2
import numpy as np
from pyzbar.pyzbar import decode as zbar_decode

from gate.passes import decode_public_key, verify_token


def _published_keys(client) -> dict[str, bytes]:
    keys = client.get("/api/v1/keys").get_json()["keys"]
    return {k["key_id"]: decode_public_key(k["public_key"]) for k in keys}


def test_pass_token_verifies_with_the_published_public_key(client, make_fair_day, booking_body):
    day = make_fair_day("SHOUGANG")
    body = client.post("/api/v1/appointments",
                       json=booking_body(day, venue="SHOUGANG")).get_json()
    claims = verify_token(body["pass"]["token"], _published_keys(client))
    assert claims.venue == "SHOUGANG" and claims.first_day == day
    assert claims.serial == body["pass"]["serial"] and claims.kind.value == "visitor"


def test_png_and_svg_carry_the_token(client, make_fair_day, booking_body):
    day = make_fair_day()
    issued = client.post("/api/v1/appointments", json=booking_body(day)).get_json()["pass"]
    png = client.get(issued["png"])
    assert png.status_code == 200 and png.mimetype == "image/png"
    image = cv2.imdecode(np.frombuffer(png.data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert [r.data.decode() for r in zbar_decode(image)] == [issued["token"]]
    svg = client.get(issued["svg"])
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_pdf_shows_venue_day_and_masked_holder_in_both_languages(client, make_fair_day,
                                                                 booking_body, tmp_path):
    day = make_fair_day()
    body = client.post("/api/v1/appointments",
                       json=booking_body(day, number="11010119900307803X", name="张三丰")).get_json()
    pdf = client.get(body["pass"]["pdf"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    path = tmp_path / "pass.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout
    for expected in ("国家会议中心", "China National Convention Center", "张*",
                     "1*************803X", body["appointment"]["code"]):
        assert expected in text, expected
    assert "11010119900307803X" not in text and "张三丰" not in text
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    page = cv2.imread(str(tmp_path / "page.png"), cv2.IMREAD_GRAYSCALE)
    assert [r.data.decode() for r in zbar_decode(page)] == [body["pass"]["token"]]


def test_key_rotation_keeps_old_passes_valid(app, client, make_fair_day, booking_body):
    day = make_fair_day()
    old = client.post("/api/v1/appointments", json=booking_body(day)).get_json()["pass"]
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    new = client.post("/api/v1/appointments", json=booking_body(day)).get_json()["pass"]
    keys = _published_keys(client)
    assert len(keys) >= 2
    old_claims, new_claims = verify_token(old["token"], keys), verify_token(new["token"], keys)
    assert old_claims.key_id != new_claims.key_id
    assert new_claims.key_id in result.output
    listing = app.test_cli_runner().invoke(args=["keys", "list"]).output
    assert f"{new_claims.key_id}" in listing and "signing" in listing
