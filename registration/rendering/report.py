"""The daily report of a venue-day as an A4 PDF with drawn charts (reportlab graphics):
bookings by channel, arrivals by hour, attendance (admitted / no-shows); when the day has
forums, a second page with each forum's seats, booked, attended and no-shows."""
from __future__ import annotations

import io
from datetime import datetime

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from registration.rendering.fonts import pdf_font
from registration.services.exports import DailyFigures

BRAND = colors.HexColor("#0b4f8a")
OK = colors.HexColor("#17653a")
WARN = colors.HexColor("#b00020")
CHANNELS = {"online": "网上 Online", "walk_in": "现场 Walk-in", "group": "团体 Group"}
CHART_WIDTH = 170 * mm


def _title(drawing: Drawing, text: str, font: str) -> None:
    drawing.add(String(0, drawing.height - 12, text, fontName=font, fontSize=11))


def _style_axis_labels(chart, font: str) -> None:
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName = font
        axis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.forceZero = True


def _value_step(top: int) -> int:
    """A whole-number grid step giving at most about six lines."""
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000):
        if top / step <= 6:
            return step
    return 50000


def channel_chart(figures: DailyFigures, font: str) -> Drawing:
    drawing = Drawing(CHART_WIDTH, 62 * mm)
    _title(drawing, "按渠道的预约 Bookings by channel", font)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30 * mm, 4 * mm, 130 * mm, 46 * mm
    # Horizontal bar charts draw the first category at the bottom: reversed, online is on top.
    values = [figures.by_channel.get(key, 0) for key in reversed(CHANNELS)]
    chart.data = [values]
    chart.categoryAxis.categoryNames = list(reversed(CHANNELS.values()))
    chart.bars[0].fillColor = BRAND
    _label_bars(chart, font)
    _style_axis_labels(chart, font)
    chart.valueAxis.valueStep = _value_step(max(values + [1]))
    chart.valueAxis.valueMax = max(max(values) * 1.15, 1)
    drawing.add(chart)
    return drawing


def _label_bars(chart: HorizontalBarChart, font: str) -> None:
    """Each bar's count written just past its end."""
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 8
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3


def arrivals_chart(figures: DailyFigures, font: str, opens_hour: int, closes_hour: int
                   ) -> Drawing:
    drawing = Drawing(CHART_WIDTH, 72 * mm)
    _title(drawing, "每小时到达人数（首次入场）Arrivals by hour (first entry)", font)
    hours = figures.arrivals_by_hour
    first = min([opens_hour, *hours]) if hours else opens_hour
    last = max([closes_hour, *hours]) if hours else closes_hour
    span = list(range(first, last + 1))
    values = [hours.get(hour, 0) for hour in span]
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 8 * mm, 150 * mm, 52 * mm
    chart.data = [values]
    chart.categoryAxis.categoryNames = [f"{hour:02d}" for hour in span]
    chart.bars[0].fillColor = OK
    _style_axis_labels(chart, font)
    chart.valueAxis.valueStep = _value_step(max(values + [1]))
    chart.valueAxis.valueMax = max(max(values + [1]) * 1.1, 1)
    drawing.add(chart)
    return drawing


def attendance_chart(figures: DailyFigures, font: str) -> Drawing:
    drawing = Drawing(CHART_WIDTH, 52 * mm)
    _title(drawing, "出席情况 Attendance", font)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30 * mm, 4 * mm, 130 * mm, 36 * mm
    values = [figures.no_shows, figures.admitted]
    chart.data = [values]
    chart.categoryAxis.categoryNames = ["未到场 No-shows", "已入场 Admitted"]
    chart.bars[0].fillColor = OK
    chart.bars[(0, 0)].fillColor = WARN
    _label_bars(chart, font)
    _style_axis_labels(chart, font)
    chart.valueAxis.valueStep = _value_step(max(values + [1]))
    chart.valueAxis.valueMax = max(max(values) * 1.15, 1)
    drawing.add(chart)
    return drawing


def daily_report_pdf(figures: DailyFigures, *, opens_hour: int = 9, closes_hour: int = 17,
                     generated_at: datetime | None = None) -> bytes:
    font = pdf_font()
    out = io.BytesIO()
    width, height = A4
    canvas = Canvas(out, pagesize=A4, invariant=True, pageCompression=1)
    venue = figures.venue
    canvas.setTitle(f"Daily report {venue.code} {figures.day.isoformat()}")
    canvas.setCreator("fairgate")
    y = height - 20 * mm
    canvas.setFont(font, 16)
    canvas.drawString(20 * mm, y, f"每日报告 Daily report · {figures.day.isoformat()}")
    y -= 8 * mm
    canvas.setFont(font, 11)
    canvas.drawString(20 * mm, y, f"{venue.name_zh} {venue.name_en} ({venue.code})")
    y -= 8 * mm
    canvas.setFont(font, 9)
    total_booked = sum(figures.by_channel.values())
    summary = (f"名额 Quota {figures.quota}   已预约 Booked {total_booked}   "
               f"已取消 Cancelled {figures.cancelled}   已入场 Admitted {figures.admitted}   "
               f"未到场 No-shows {figures.no_shows}   异常 Anomalies {figures.anomalies}")
    canvas.drawString(20 * mm, y, summary)
    y -= 6 * mm
    for drawing in (channel_chart(figures, font),
                    arrivals_chart(figures, font, opens_hour, closes_hour),
                    attendance_chart(figures, font)):
        y -= drawing.height + 4 * mm
        renderPDF.draw(drawing, canvas, 20 * mm, y)
    if generated_at is not None:
        canvas.setFont(font, 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(20 * mm, 12 * mm, f"生成于 Generated {generated_at:%Y-%m-%d %H:%M} "
                          "· 仅含脱敏数据 masked data only")
    canvas.showPage()
    if figures.forums:
        forum_page(canvas, figures, font)
    canvas.save()
    return out.getvalue()


FORUM_HEADINGS = ("论坛 Forum", "会议室 Room", "时间 Time", "座位 Seats", "已预约 Booked",
                  "已出席 Attended", "未到场 No-shows")
FORUM_COLUMNS_X = (20, 62, 90, 112, 132, 154, 178)  # mm from the left edge


def forum_page(canvas: Canvas, figures: DailyFigures, font: str) -> None:
    """One line per forum (counts only); no-shows "—" while its doors are still open."""
    width, height = A4
    y = height - 20 * mm
    canvas.setFont(font, 14)
    canvas.drawString(20 * mm, y, f"论坛出席 Forum attendance · {figures.day.isoformat()}")
    y -= 10 * mm
    canvas.setFont(font, 8)
    for x, heading in zip(FORUM_COLUMNS_X, FORUM_HEADINGS):
        canvas.drawString(x * mm, y, heading)
    for row in figures.forums:
        y -= 6 * mm
        if y < 20 * mm:  # the next page, headings again
            canvas.showPage()
            y = height - 20 * mm
            canvas.setFont(font, 8)
        cells = (row["code"], row["zone"], f"{row['starts']}–{row['ends']}", row["seats"],
                 row["booked"], row["attended"],
                 "—" if row["no_shows"] is None else row["no_shows"])
        for x, cell in zip(FORUM_COLUMNS_X, cells):
            canvas.drawString(x * mm, y, str(cell))
    total = [sum(row[key] for row in figures.forums)
             for key in ("seats", "booked", "attended")]
    y -= 8 * mm
    canvas.drawString(20 * mm, y, f"合计 Total: {len(figures.forums)} 场 forums   座位 Seats "
                      f"{total[0]}   已预约 Booked {total[1]}   已出席 Attended {total[2]}")
    canvas.showPage()
