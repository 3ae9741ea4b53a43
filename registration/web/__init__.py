"""Server-rendered pages (visitor pages, staff pages) and the health endpoint."""
from __future__ import annotations

import time

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from gate.i18n import Text
from registration.api.errors import register_error_handlers
from registration.extensions import limiter
from registration.services import mail
from registration.web import (
    groups, health, locale, manage, passes, public, security, staff,
)

ERROR_PAGES = {
    400: (Text("请求无效", "Bad request"),
          Text("请返回上一页重试。", "Please go back and try again.")),
    403: (Text("无权访问", "Access denied"),
          Text("您无权查看此页面。", "You may not see this page.")),
    404: (Text("找不到页面", "Page not found"),
          Text("请检查地址，或从首页重新开始。", "Check the address, or start again from the home page.")),
    405: (Text("不支持该操作", "Not allowed"),
          Text("请从首页重新开始。", "Please start again from the home page.")),
    409: (Text("无法完成", "That could not be done"), None),
    410: (Text("已失效", "No longer valid"), None),
    413: (Text("文件过大", "File too large"),
          Text("请上传较小的文件。", "Please upload a smaller file.")),
    422: (Text("输入有误", "Please check your input"), None),
    429: (Text("请求过于频繁", "Too many attempts"),
          Text("为保护您的信息，我们暂时限制了尝试次数。请稍候几分钟再试，您已填写的预约不会丢失。",
               "To protect your data we limit how often this can be tried. Please wait a few "
               "minutes and try again; your existing bookings are safe.")),
    500: (Text("出错了", "Something went wrong"),
          Text("服务器出现问题，请稍后再试。", "The server had a problem. Please try again later.")),
    503: (Text("服务暂时不可用", "Service temporarily unavailable"),
          Text("请稍后再试。", "Please try again later.")),
}
CSRF_EXPIRED = (Text("表单已过期", "This form has expired"),
                Text("为了您的安全，表单只能提交一次且有时效。请返回、刷新页面后重新提交。",
                     "For your security a form can only be sent from the page that showed it. "
                     "Please go back, reload the page and send it again."))


def _html_service_error(err):
    title = ERROR_PAGES.get(err.status, ERROR_PAGES[400])[0]
    return render_template("error.html", status=err.status, title=title,
                           message=err.message), err.status


def _html_http_error(err, status: int | None = None):
    status = status or (getattr(err, "code", None) or 500)
    title, message = ERROR_PAGES.get(status, (Text("请求失败", "Request failed"), None))
    if isinstance(err, CSRFError):
        title, message = CSRF_EXPIRED
    retry_after = _seconds_until_reset() if status == 429 else None
    response = render_template("error.html", status=status, title=title, message=message,
                               retry_after=retry_after)
    return response, status


def _seconds_until_reset() -> int | None:
    """When the limit that refused this request lets the visitor try again."""
    current = limiter.current_limit
    return max(int(current.reset_at - time.time()), 1) if current is not None else None


def init_app(app: Flask) -> None:
    for name, value in mail.DEFAULTS.items():
        app.config.setdefault(name, value)
    app.extensions["fairgate.html_service_error"] = _html_service_error
    app.extensions["fairgate.html_http_error"] = _html_http_error
    register_error_handlers(app)
    locale.init_app(app)
    security.init_app(app)
    app.register_blueprint(health.blueprint)
    for module in (public, passes, manage, groups):
        app.register_blueprint(module.blueprint)
    staff.init_app(app)
