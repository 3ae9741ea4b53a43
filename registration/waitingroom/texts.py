"""The waiting room's words, in both languages (the templates pick one with ``tr``)."""
from gate.i18n import Text

TITLE = Text("排队等候预约", "Waiting room")
LEAD = Text("预约开放时访问人数众多。请排队，轮到您时本页会自动带您进入预约表单。",
            "Many people are booking right now. Wait in line here: when it is your turn this "
            "page takes you to the booking form.")
BEFORE = Text("排队尚未开始。开放前几分钟可进入排队；本页会自动刷新。",
              "The queue is not open yet. You can join it a few minutes before booking opens; "
              "this page refreshes itself.")
OPENS_AT = Text("预约开放时间", "Booking opens at")
PREQUEUE = Text("您已在预排队中。开放时，所有预排队者将随机排序（提早或多开页面都不会更靠前）。",
                "You are in the pre-queue. At the opening everyone in it is put in a random "
                "order, so arriving earlier or opening more tabs does not move you forward.")
POSITION = Text("您的位置", "Your place in line")
AHEAD = Text("前面等候人数", "People ahead of you")
WAIT = Text("预计等候", "Estimated wait")
WAIT_UNKNOWN = Text("入场暂停，暂无法估计", "Admissions are paused; no estimate")
SECONDS = Text("秒", "s")
MINUTES = Text("分钟", "min")
HONEST = Text("估计按当前入场速度计算，速度变化时会随之更新。", "The estimate follows the current "
              "admission rate and changes when it does.")
REFRESHES = Text("本页每隔几秒自动刷新，无需手动刷新，也不要关闭。",
                 "This page refreshes itself every few seconds: no need to reload, just keep it "
                 "open.")
REFRESH_NOW = Text("立即刷新", "Refresh now")
JOIN = Text("进入排队", "Join the queue")
JOIN_HINT = Text("请填写预约时使用的证件。每个证件只能排一个位置。",
                 "Enter the document you will book with. One document holds one place in line.")
POW_HINT = Text("进入排队前，您的浏览器会自动完成一次人机验证（需要启用 JavaScript）。",
                "Before you join, your browser solves a short bot check (this needs "
                "JavaScript).")
YOUR_TURN = Text("轮到您了", "It is your turn")
BOOK_NOW = Text("现在预约", "Book now")
ADMITTED_HINT = Text("请在几分钟内提交预约表单。", "Please send the booking form within a few minutes.")
WAITING_IN_LINE = Text("排队人数", "People waiting")
