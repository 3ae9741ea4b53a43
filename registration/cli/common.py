"""Helpers for commands: run a service call in one transaction, print errors as one line."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, time

import click
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from gate.i18n import Text
from registration.extensions import db
from registration.services.errors import ServiceError

DATABASE_REFUSED = Text("数据库拒绝了这项更改：{rule}；未保存任何内容",
                        "The database refused the change: {rule}; nothing was saved")
DATABASE_VALUE = Text("有一个值超出了数据库允许的长度或范围，未保存任何内容",
                      "A value is too long or out of range for the database; nothing was saved")
DATABASE_FAILED = Text("数据库操作失败（{kind}），未保存任何内容",
                       "The database operation failed ({kind}); nothing was saved")
# What a refused constraint means (names from registration/models, as SQLite and PostgreSQL
# report them). Commands check their rules first; these are for a change racing this one.
_RESERVE = Text("现场预留与专业观众名额之和不能多于名额",
                "the walk-in reserve and the professional share cannot exceed the quota")
RULES = (
    # A reserve over the quota breaks both; SQLite names the first declared, PostgreSQL the
    # first by name: one message for either.
    ("reserve_within_quota", _RESERVE),
    ("professional_within_quota", _RESERVE),
    ("professional_within_share", Text("专业观众名额不能少于已预约人数",
                                       "the professional share cannot go below its bookings")),
    ("badges_within_quota", Text("证件配额不能少于已发放的证件",
                                 "a badge quota cannot go below the badges in use")),
    ("days_in_order", Text("结束日期不能早于开始日期", "the last day cannot be before the first")),
    ("reason_when_rejected", Text("拒绝须写明理由", "a rejection needs a reason")),
    ("booked_within_quota", Text("名额不能少于已预约人数", "a quota cannot go below its bookings")),
    # Zones and forums (registration/models/zone.py); the forum's before the slot's rule
    # of the same name.
    ("ck_forums_starts_before_ends", Text("论坛须先开始后结束", "a forum must end after it starts")),
    ("seats_taken_within_seats", Text("座位数不能少于已预约的座位",
                                      "a forum's seats cannot go below the seats taken")),
    ("seats_taken_not_negative", Text("已预约座位数不能为负", "seats taken cannot be negative")),
    ("seats_not_negative", Text("座位数不能为负", "a forum's seats cannot be negative")),
    ("door_minutes_not_negative", Text("开门和入场分钟数不能为负",
                                       "door minutes cannot be negative")),
    ("capacity_positive", Text("区域容量须至少为 1", "a zone's capacity must be 1 or more")),
    ("zones.code", Text("该区域编号已存在", "a zone with this code exists already")),
    ("uq_zones_code", Text("该区域编号已存在", "a zone with this code exists already")),
    ("forums.code", Text("该论坛编号已存在", "a forum with this code exists already")),
    ("uq_forums_code", Text("该论坛编号已存在", "a forum with this code exists already")),
    ("gates.code", Text("该闸机编号已存在", "a gate with this code exists already")),
    ("uq_gates_code", Text("该闸机编号已存在", "a gate with this code exists already")),
    ("starts_before_ends", Text("时段须先开始后结束", "a slot must start before it ends")),
    ("venue_unless_admin", Text("现场和主管账号须指定场馆", "desk and supervisor accounts need a venue")),
    ("unique", Text("该记录已存在", "such a record exists already")),
    ("duplicate key", Text("该记录已存在", "such a record exists already")),
    ("not null", Text("缺少必填的值", "a required value is missing")),
    ("null value", Text("缺少必填的值", "a required value is missing")),
)
OTHER_RULE = Text("违反了数据完整性规则", "an integrity rule was broken")


def service_error_line(err: ServiceError, hints: dict[str, Text] | None = None) -> str:
    """``English / 中文 (field: message)``: a refused rule as one line; ``hints`` (by error
    code) say what to do instead of the field details."""
    hint = (hints or {}).get(err.code)
    if hint:
        return f"{err.message.en} ({hint.en}) / {err.message.zh}（{hint.zh}）"
    fields = "; ".join(f"{k}: {v.en}" for k, v in err.fields.items() if v != err.message)
    return f"{err.message.en} / {err.message.zh}" + (f" ({fields})" if fields else "")


def database_error_line(exc: SQLAlchemyError) -> str:
    """One line for a database refusal: what rule, never the SQL, its parameters or a link."""
    if isinstance(exc, IntegrityError):
        # Only the driver's first line is read (the constraint); it is not printed.
        detail = str(getattr(exc, "orig", "") or "").splitlines()[:1]
        text = (detail[0] if detail else "").lower()
        rule = next((meaning for key, meaning in RULES if key in text), OTHER_RULE)
        return (f"{DATABASE_REFUSED.en.format(rule=rule.en)} / "
                f"{DATABASE_REFUSED.zh.format(rule=rule.zh)}")
    if isinstance(exc, DataError):
        return f"{DATABASE_VALUE.en} / {DATABASE_VALUE.zh}"
    kind = type(exc).__name__
    return f"{DATABASE_FAILED.en.format(kind=kind)} / {DATABASE_FAILED.zh.format(kind=kind)}"


@contextmanager
def transaction(hints: dict[str, Text] | None = None):
    """Commit on success; a refused rule or a database refusal prints one line (English /
    Chinese, ``hints`` adding what to do for an error code) and exits 1."""
    try:
        yield
        db.session.commit()
    except ServiceError as err:
        db.session.rollback()
        raise click.ClickException(service_error_line(err, hints)) from None
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise click.ClickException(database_error_line(exc)) from None


def parse_date(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD") from None


def parse_time(ctx, param, value):
    if value is None:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use HH:MM") from None
