"""The badge renderings: A6 card and 58/80 mm thermal labels, the QR read back with zbar
from the printed page, the text checked with pdftotext."""
from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image
from pyzbar.pyzbar import decode as zbar_decode

from gate.i18n import Text
from gate.passes import SigningKey, new_claims, sign_pass
from registration.rendering.badge import BadgeView, badge_label_pdf, badge_label_png, badge_pdf

from badgekit import pdf_page_size_mm, pdf_qr_codes, pdf_text


@pytest.fixture(scope="module")
def token():
    claims = new_claims(venue="CNCC", first_day=date(2026, 9, 10), day_count=5,
                        document_key="cn_resident_id::110105194912310038", kind="exhibitor")
    return sign_pass(claims, SigningKey.generate())


def _view(token, **overrides):
    fields = dict(token=token, code="C7K2QX9M", kind="exhibitor", name="ERIKSSON ANNA",
                  organisation="Beijing Example Technology Co., Ltd.", title="Sales manager",
                  first_day=date(2026, 9, 10), last_day=date(2026, 9, 14),
                  venue_name=Text("国家会议中心", "China National Convention Center"))
    fields.update(overrides)
    return BadgeView(**fields)


def test_a6_badge_size_text_and_qr(token, tmp_path):
    pdf = badge_pdf(_view(token))
    assert pdf_page_size_mm(pdf, tmp_path) == (105.0, 148.0)
    text = pdf_text(pdf, tmp_path)
    for shown in ("ERIKSSON ANNA", "Beijing Example Technology", "展商", "EXHIBITOR",
                  "C7K2QX9M", "国家会议中心", "2026年9月10日 至 2026年9月14日",
                  "10 Sep 2026 – 14 Sep 2026"):
        assert shown in text, shown
    assert "110105" not in text
    assert pdf_qr_codes(pdf, tmp_path) == [token]
    assert b"ERIKSSON" not in pdf.split(b"stream")[0]  # metadata names no one


def test_a6_band_has_the_kind_colour(token, tmp_path):
    pdf = badge_pdf(_view(token, kind="media", venue_name=None))
    source = tmp_path / "media.pdf"
    source.write_bytes(pdf)
    import subprocess
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(source),
                    str(tmp_path / "media")], check=True)
    image = Image.open(tmp_path / "media.png").convert("RGB")
    assert image.getpixel((5, 5)) == (0x6a, 0x1b, 0x9a)  # gate/kinds.py: media
    text = pdf_text(pdf, tmp_path)
    assert "媒体" in text and "MEDIA" in text and "全部场馆" in text and "All venues" in text


def test_a_long_name_still_fits_with_a_readable_qr(token, tmp_path):
    pdf = badge_pdf(_view(token, name="MARIA-ALEXANDRA KONSTANTINOPOULOU-VASILEIADOU " * 2,
                          organisation="国际服务贸易研究与发展促进中心有限责任公司" * 3))
    assert pdf_qr_codes(pdf, tmp_path) == [token]


@pytest.mark.parametrize("width_mm", [58, 80])
def test_thermal_label_pdf_and_png(token, tmp_path, width_mm):
    view = _view(token)
    pdf = badge_label_pdf(view, width_mm)
    assert pdf_page_size_mm(pdf, tmp_path)[0] == float(width_mm)
    text = pdf_text(pdf, tmp_path)
    assert "ERIKSSON ANNA" in text and "展商 EXHIBITOR" in text and "C7K2QX9M" in text
    assert pdf_qr_codes(pdf, tmp_path, dpi=203) == [token]
    image = Image.open(io.BytesIO(badge_label_png(view, width_mm)))
    assert image.mode == "1" and image.width == round(width_mm / 25.4 * 203)
    assert [item.data.decode() for item in zbar_decode(image.convert("L"))] == [token]


def test_other_label_widths_are_refused(token):
    with pytest.raises(ValueError):
        badge_label_pdf(_view(token), 62)
