"""JSON error answers in the one shape, in the request's language."""
from __future__ import annotations

from flask import jsonify
from marshmallow import ValidationError

from gate.i18n import Text
from registration.i18n import request_language
from registration.services.errors import ServiceError
from schemas.errors import flatten_errors, translate

INVALID = Text("输入有误，请检查标出的字段", "The request has invalid fields")


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
    return error_response(422, "invalid_input", INVALID.in_language(lang), fields)


HTTP_MESSAGES = {
    400: ("bad_request", Text("请求无效", "Bad request")),
    401: ("unauthorized", Text("需要身份验证", "Authentication required")),
    403: ("forbidden", Text("无权访问", "Forbidden")),
    404: ("not_found", Text("未找到", "Not found")),
    405: ("method_not_allowed", Text("不支持该请求方法", "Method not allowed")),
    413: ("too_large", Text("请求内容过大", "Request body too large")),
    415: ("unsupported_media_type", Text("请使用 JSON", "Send JSON (application/json)")),
    429: ("rate_limited", Text("请求过于频繁，请稍后再试", "Too many requests, please try again later")),
    500: ("internal_error", Text("服务器内部错误", "Internal server error")),
    503: ("unavailable", Text("服务暂时不可用，请稍后再试", "Service temporarily unavailable")),
}


def http_error_response(status: int):
    code, text = HTTP_MESSAGES.get(status, ("error", Text("请求失败", "Request failed")))
    return error_response(status, code, text.in_language(request_language()))


def register_error_handlers(app) -> None:
    """JSON errors for /api paths; other paths fall through to the HTML handlers."""
    from flask import request
    from werkzeug.exceptions import HTTPException

    from registration.extensions import db

    def wants_json() -> bool:
        return (request.path.startswith("/api/") or request.path == "/healthz"
                or request.path.endswith(".json"))

    @app.errorhandler(ServiceError)
    def on_service_error(err: ServiceError):
        db.session.rollback()
        if wants_json():
            return service_error_response(err)
        return app.extensions["fairgate.html_service_error"](err)

    @app.errorhandler(ValidationError)
    def on_validation_error(err: ValidationError):
        db.session.rollback()
        return validation_error_response(err)

    @app.errorhandler(HTTPException)
    def on_http_error(err: HTTPException):
        db.session.rollback()
        if wants_json():
            response = http_error_response(err.code or 500)
            for header in ("Retry-After", "Allow"):
                if err.get_response().headers.get(header):
                    response.headers[header] = err.get_response().headers[header]
            return response
        return app.extensions["fairgate.html_http_error"](err)

    @app.errorhandler(Exception)
    def on_unexpected(err: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        from sqlalchemy.exc import OperationalError

        status = 503 if isinstance(err, OperationalError) else 500
        if wants_json():
            return http_error_response(status)
        return app.extensions["fairgate.html_http_error"](None, status)
