import io
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pytest
import qrcode
import zxingcpp
from PIL import Image
from pyzbar.pyzbar import decode as zbar_decode
from qrcode.util import MODE_ALPHA_NUM, QRData

from gate.i18n import Text
from gate.passes import SigningKey, decode_unverified, new_claims, sign_pass
from registration.rendering import fonts
from registration.rendering.label import pass_label_pdf, pass_label_png
from registration.rendering.layout import wrap_text
from registration.rendering.pdf import pass_pdf
from registration.rendering.qr import pass_qr_png, pass_qr_svg
from registration.rendering.view import PassView

PLAIN_DOCUMENT = "110105194912310038"
MASKED_DOCUMENT = "1*************0038"
VENUES = {
    "CNCC": Text("国家会议中心", "China National Convention Center"),
    "SHOUGANG": Text("首钢园", "Shougang Park"),
}
POINTS_PER_MM = 72 / 25.4


@pytest.fixture(scope="module")
def signing_key():
    return SigningKey.generate()


@pytest.fixture(scope="module")
def make_view(signing_key):
    def make(venue="CNCC", **overrides):
        claims = new_claims(venue=venue, first_day=date(2026, 9, 10),
                            document_key=f"cn_resident_id::{PLAIN_DOCUMENT}")
        token = sign_pass(claims, signing_key)
        fields = dict(token=token, serial=decode_unverified(token).serial, code="K7Q2MX",
                      venue_code=venue, venue_name=VENUES[venue], day=date(2026, 9, 10),
                      slot_label="09:00–12:00", holder_name_masked="张*",
                      document_masked=MASKED_DOCUMENT, kind="visitor")
        fields.update(overrides)
        return PassView(**fields)
    return make


def decode_with_zbar(image: Image.Image) -> list[str]:
    return [found.data.decode("ascii") for found in zbar_decode(image.convert("L"))
            if found.type == "QRCODE"]


def decode_with_zxing(image: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(np.asarray(image.convert("L")))]


def poppler(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_pages_as_images(pdf: bytes, tmp_path, dpi=150) -> list[Image.Image]:
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    poppler("pdftoppm", "-r", str(dpi), "-png", str(source), str(tmp_path / "page"))
    return [Image.open(path) for path in sorted(tmp_path.glob("page*.png"))]


def pdf_text(pdf: bytes, tmp_path) -> str:
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    return poppler("pdftotext", "-enc", "UTF-8", str(source), "-")


def page_size_points(pdf: bytes, tmp_path) -> tuple[float, float]:
    source = tmp_path / "info.pdf"
    source.write_bytes(pdf)
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", poppler("pdfinfo", str(source)))
    return float(found[1]), float(found[2])


@pytest.mark.parametrize("venue", ["CNCC", "SHOUGANG"])
def test_png_decodes_to_the_exact_token(make_view, venue):
    token = make_view(venue).token
    image = Image.open(io.BytesIO(pass_qr_png(token)))
    assert image.format == "PNG" and image.mode == "1"
    assert image.size == ((41 + 8) * 10,) * 2  # version 6, 10 px modules, 4-module quiet zone
    assert decode_with_zbar(image) == [token]
    assert decode_with_zxing(image) == [token]


def test_png_box_size_and_border(make_view):
    token = make_view().token
    image = Image.open(io.BytesIO(pass_qr_png(token, box_size=4, border=6)))
    assert image.size == ((41 + 12) * 4,) * 2
    assert decode_with_zbar(image) == [token]


def test_token_must_be_qr_alphanumeric(make_view):
    with pytest.raises(ValueError):
        pass_qr_png(make_view().token.lower())


def test_svg_is_xml_holding_the_same_symbol(make_view):
    token = make_view("SHOUGANG").token
    root = ET.fromstring(pass_qr_svg(token))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 49 49"
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    matrix = [[False] * 49 for _ in range(49)]
    for x, y, length in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path):
        for column in range(int(x), int(x) + int(length)):
            matrix[int(y)][column] = True
    reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    reference.add_data(QRData(token, mode=MODE_ALPHA_NUM))
    reference.make(fit=True)
    assert matrix == reference.get_matrix()
    drawn = Image.new("L", (49, 49), 255)
    drawn.putdata([0 if dark else 255 for row in matrix for dark in row])
    assert decode_with_zbar(drawn.resize((490, 490), Image.Resampling.NEAREST)) == [token]


@pytest.mark.parametrize("page", ["A4", "A6"])
def test_pdf_shows_bilingual_details_and_only_masked_identity(make_view, tmp_path, page):
    view = make_view()
    text = pdf_text(pass_pdf(view, page=page), tmp_path)
    for expected in ("中国国际服务贸易交易会", "China International Fair for Trade in Services",
                     "国家会议中心", "China National Convention Center", "2026年9月10日",
                     "10 Sep 2026", "09:00–12:00", "张*", MASKED_DOCUMENT, "K7Q2MX",
                     view.serial, "观众", "VISITOR", "身份证件", "identity document"):
        assert expected in text, expected
    assert PLAIN_DOCUMENT not in text


def test_pdf_and_label_name_the_fair_of_the_view(make_view, tmp_path):
    view = make_view(fair_name=Text("第九届测试博览会", "Ninth Test Expo"))
    for pdf in (pass_pdf(view), pass_label_pdf(view)):
        text = pdf_text(pdf, tmp_path)
        assert "第九届测试博览会" in text and "中国国际服务贸易交易会" not in text
        source = tmp_path / "named.pdf"
        source.write_bytes(pdf)
        assert "Title:           Ninth Test Expo - " in poppler("pdfinfo", str(source))
    assert "Ninth Test Expo" in pdf_text(pass_pdf(view), tmp_path)


@pytest.mark.parametrize("page", ["A4", "A6"])
def test_pdf_qr_decodes_from_the_printed_page(make_view, tmp_path, page):
    view = make_view("SHOUGANG", kind="exhibitor", slot_label=None)
    pdf = pass_pdf(view, page=page)
    assert pdf.startswith(b"%PDF-")
    [image] = pdf_pages_as_images(pdf, tmp_path)
    assert decode_with_zbar(image) == [view.token]
    assert "参展商" in pdf_text(pdf, tmp_path)


@pytest.mark.parametrize("kind,colour", [("visitor", (0x15, 0x65, 0xc0)),
                                         ("exhibitor", (0x2e, 0x7d, 0x32)),
                                         ("media", (0x6a, 0x1b, 0x9a))])
def test_the_pdf_pass_band_has_the_kinds_colour(make_view, tmp_path, kind, colour):
    [image] = pdf_pages_as_images(pass_pdf(make_view("CNCC", kind=kind), page="A6"), tmp_path,
                                  dpi=50)
    counts = {rgb: n for n, rgb in image.convert("RGB").getcolors(1 << 16)}
    assert counts.get(colour, 0) > 200  # a band across the page, in gate/kinds.py's colour


def test_pdf_embeds_the_cjk_font_and_keeps_metadata_impersonal(make_view, tmp_path):
    view = make_view()
    source = tmp_path / "pass.pdf"
    source.write_bytes(pass_pdf(view))
    font_rows = [row for row in poppler("pdffonts", str(source)).splitlines() if "+" in row]
    assert font_rows and all(" yes yes yes " in row for row in font_rows)
    info = poppler("pdfinfo", str(source))
    assert view.serial in info and "张" not in info and MASKED_DOCUMENT not in info
    a4_points = pytest.approx((595.28, 841.89), abs=0.01)
    assert page_size_points(source.read_bytes(), tmp_path) == a4_points


def test_pdf_rejects_unknown_page_size(make_view):
    with pytest.raises(ValueError):
        pass_pdf(make_view(), page="Letter")


@pytest.mark.parametrize("width_mm", [58, 80])
def test_label_pdf_width_and_qr(make_view, tmp_path, width_mm):
    view = make_view("SHOUGANG")
    pdf = pass_label_pdf(view, width_mm=width_mm)
    width, height = page_size_points(pdf, tmp_path)
    assert width == pytest.approx(width_mm * POINTS_PER_MM, abs=0.01)
    assert 60 * POINTS_PER_MM < height < 160 * POINTS_PER_MM  # fitted to the content
    text = pdf_text(pdf, tmp_path)
    for expected in ("首钢园", "Shougang Park", "2026年9月10日", "09:00–12:00", "张*",
                     "K7Q2MX"):
        assert expected in text
    [image] = pdf_pages_as_images(pdf, tmp_path, dpi=203)
    assert decode_with_zbar(image) == [view.token]


@pytest.mark.parametrize("width_mm", [58, 80])
@pytest.mark.parametrize("dpi", [203, 300])
def test_label_png_width_and_qr(make_view, width_mm, dpi):
    view = make_view()
    image = Image.open(io.BytesIO(pass_label_png(view, width_mm, dpi=dpi)))
    assert image.mode == "1"
    assert image.width == round(width_mm / 25.4 * dpi)
    assert image.height > image.width
    assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)
    assert decode_with_zbar(image) == [view.token]
    assert decode_with_zxing(image) == [view.token]


def test_label_grows_with_a_slot(make_view):
    with_slot = Image.open(io.BytesIO(pass_label_png(make_view(), 58)))
    without = Image.open(io.BytesIO(pass_label_png(make_view(slot_label=None), 58)))
    assert with_slot.height > without.height


def test_label_rejects_other_paper_widths(make_view):
    with pytest.raises(ValueError):
        pass_label_pdf(make_view(), width_mm=100)
    with pytest.raises(ValueError):
        pass_label_png(make_view(), 57)


def test_view_refuses_an_unmasked_document(make_view):
    with pytest.raises(ValueError):
        make_view(document_masked=PLAIN_DOCUMENT)


def test_view_accepts_venue_name_as_mapping(make_view):
    view = make_view(venue_name={"zh": "国家会议中心", "en": "China National Convention Center"})
    assert view.venue_name == VENUES["CNCC"]


def test_missing_cjk_font_fails_clearly(monkeypatch, tmp_path):
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    monkeypatch.setattr(fonts, "CANDIDATES", ((str(tmp_path / "none.ttc"), 0),))
    with pytest.raises(fonts.CJKFontMissing, match="fonts-wqy-microhei"):
        fonts.find_cjk_font()
    monkeypatch.setenv(fonts.FONT_ENV, str(tmp_path / "missing.ttf"))
    with pytest.raises(fonts.CJKFontMissing, match=fonts.FONT_ENV):
        fonts.find_cjk_font()


def test_wrapping_breaks_chinese_anywhere_and_english_at_spaces():
    def width(text):
        return len(text)
    assert wrap_text("一二三四五六七。八", width, 4) == ["一二三四", "五六七。", "八"]
    assert wrap_text("Bring the original", width, 9) == ["Bring the", "original"]
    assert wrap_text("ABCDEFGHIJ", width, 4) == ["ABCD", "EFGH", "IJ"]
