"""Every error answer of the service, JSON or an HTML page, in the request's language.

One table of HTTP statuses (the JSON code and message, the page's title and hint), one rule
for who gets JSON (:func:`wants_json`) and the one JSON shape,
``{"error": {"code", "message", "fields"}}``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from gate.i18n import Text
from registration.extensions import db, limiter
from registration.i18n import request_language
from registration.services.errors import ServiceError
from schemas.errors import flatten_errors, translate


@dataclass(frozen=True)
class HttpStatus:
    """What a status says: to a JSON client (``code``, ``message``) and on a page."""

    code: str
    message: Text
    title: Text
    hint: Text | None = None


STATUSES = {
    400: HttpStatus("bad_request", Text("请求无效", "Bad request"), Text("请求无效", "Bad request"),
                    Text("请返回上一页重试。", "Please go back and try again.")),
    401: HttpStatus("unauthorized", Text("需要身份验证", "Authentication required"),
                    Text("需要身份验证", "Authentication required")),
    403: HttpStatus("forbidden", Text("无权访问", "Forbidden"), Text("无权访问", "Access denied"),
                    Text("您无权查看此页面。", "You may not see this page.")),
    404: HttpStatus("not_found", Text("未找到", "Not found"), Text("找不到页面", "Page not found"),
                    Text("请检查地址，或从首页重新开始。",
                         "Check the address, or start again from the home page.")),
    405: HttpStatus("method_not_allowed", Text("不支持该请求方法", "Method not allowed"),
                    Text("不支持该操作", "Not allowed"),
                    Text("请从首页重新开始。", "Please start again from the home page.")),
    409: HttpStatus("conflict", Text("无法完成", "That could not be done"),
                    Text("无法完成", "That could not be done")),
    410: HttpStatus("gone", Text("已失效", "No longer valid"), Text("已失效", "No longer valid")),
    413: HttpStatus("too_large", Text("请求内容过大", "Request body too large"),
                    Text("文件过大", "File too large"),
                    Text("请上传较小的文件。", "Please upload a smaller file.")),
    415: HttpStatus("unsupported_media_type", Text("请使用 JSON", "Send JSON (application/json)"),
                    Text("请求格式不受支持", "Unsupported request format")),
    422: HttpStatus("invalid_input", Text("输入有误，请检查标出的字段", "The request has invalid fields"),
                    Text("输入有误", "Please check your input")),
    429: HttpStatus("rate_limited", Text("请求过于频繁，请稍后再试",
                                         "Too many requests, please try again later"),
                    Text("请求过于频繁", "Too many attempts"),
                    Text("为保护您的信息，我们暂时限制了尝试次数。请稍候几分钟再试，您已填写的预约不会丢失。",
                         "To protect your data we limit how often this can be tried. Please "
                         "wait a few minutes and try again; your existing bookings are safe.")),
    500: HttpStatus("internal_error", Text("服务器内部错误", "Internal server error"),
                    Text("出错了", "Something went wrong"),
                    Text("服务器出现问题，请稍后再试。",
                         "The server had a problem. Please try again later.")),
    503: HttpStatus("unavailable", Text("服务暂时不可用，请稍后再试", "Service temporarily unavailable"),
                    Text("服务暂时不可用", "Service temporarily unavailable"),
                    Text("请稍后再试。", "Please try again later.")),
}
OTHER_STATUS = HttpStatus("error", Text("请求失败", "Request failed"), Text("请求失败", "Request failed"))
CSRF_EXPIRED = (Text("表单已过期", "This form has expired"),
                Text("为了您的安全，表单只能提交一次且有时效。请返回、刷新页面后重新提交。",
                     "For your security a form can only be sent from the page that showed it. "
                     "Please go back, reload the page and send it again."))
RESPONSE_HEADERS_KEPT = ("Retry-After", "Allow")


def http_status(status: int) -> HttpStatus:
    return STATUSES.get(status, OTHER_STATUS)


def wants_json() -> bool:
    """Whether this request is answered in JSON: the API, the health check and every
    ``.json`` path (the staff console's live numbers); everything else gets pages."""
    path = request.path
    return path.startswith("/api/") or path == "/healthz" or path.endswith(".json")


# JSON ------------------------------------------------------------------------------------

def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    return response


def service_error_response(err: ServiceError, lang: str | None = None):
    lang = lang or request_language()
    fields = {path: text.in_language(lang) for path, text in err.fields.items()}
    return error_response(err.status, err.code, err.message.in_language(lang), fields)


def validation_error_response(err: ValidationError, lang: str | None = None):
    lang = lang or request_language()
    fields = {path: translate(message, lang)
              for path, message in flatten_errors(err.messages).items()}
    return error_response(422, "invalid_input", STATUSES[422].message.in_language(lang), fields)


def http_error_response(status: int):
    described = http_status(status)
    return error_response(status, described.code, described.message.in_language(
        request_language()))


# Pages -----------------------------------------------------------------------------------

def service_error_page(err: ServiceError):
    title = STATUSES.get(err.status, STATUSES[400]).title
    return render_template("error.html", status=err.status, title=title,
                           message=err.message), err.status


def http_error_page(status: int, err: HTTPException | None = None):
    described = http_status(status)
    title, message = described.title, described.hint
    if isinstance(err, CSRFError):
        title, message = CSRF_EXPIRED
    retry_after = _seconds_until_reset() if status == 429 else None
    return render_template("error.html", status=status, title=title, message=message,
                           retry_after=retry_after), status


def _seconds_until_reset() -> int | None:
    """When the limit that refused this request lets the visitor try again."""
    current = limiter.current_limit
    return max(int(current.reset_at - time.time()), 1) if current is not None else None


# Handlers --------------------------------------------------------------------------------

def register_error_handlers(app: Flask) -> None:
    """Every error rolls the request's transaction back, then answers JSON or a page."""

    @app.errorhandler(ServiceError)
    def on_service_error(err: ServiceError):
        db.session.rollback()
        return service_error_response(err) if wants_json() else service_error_page(err)

    @app.errorhandler(ValidationError)
    def on_validation_error(err: ValidationError):
        # Only JSON bodies are loaded through schemas (pages validate with their forms).
        db.session.rollback()
        return validation_error_response(err)

    @app.errorhandler(HTTPException)
    def on_http_error(err: HTTPException):
        db.session.rollback()
        status = err.code or 500
        if not wants_json():
            return http_error_page(status, err)
        response = http_error_response(status)
        original = err.get_response().headers
        for header in RESPONSE_HEADERS_KEPT:
            if original.get(header):
                response.headers[header] = original[header]
        return response

    @app.errorhandler(Exception)
    def on_unexpected(err: Exception):
        db.session.rollback()
        from registration.observability import redact_path

        app.logger.exception("unhandled error on %s %s", request.method,
                             redact_path(request.path))
        status = 503 if isinstance(err, OperationalError) else 500
        return http_error_response(status) if wants_json() else http_error_page(status)
