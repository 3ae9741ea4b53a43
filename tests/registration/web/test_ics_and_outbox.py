"""The calendar file format and the mail outbox on their own."""
from __future__ import annotations

import email
from email import policy
from pathlib import Path

from registration.services import mail
from registration.services.calendar_export import escape_text, fold


def test_ics_text_is_escaped_and_folded_at_75_octets():
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "DESCRIPTION:" + "请携带本人有效身份证件原件" * 10
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_outbox_writes_one_readable_eml_per_message(make_app, tmp_path):
    app = make_app(MAIL_OUTBOX=str(tmp_path / "mail"))
    with app.app_context():
        first = mail.send_message(mail.build_message(
            to="a@example.com", subject="预约成功", text="你好",
            attachments=[mail.Attachment("p.pdf", b"%PDF-1.4", "application", "pdf")]))
        mail.send_message(mail.build_message(to="b@example.com", subject="x", text="y"))
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2 and Path(first) in files
    assert not list((tmp_path / "mail").glob("*.tmp"))
    message = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert message["Subject"] == "预约成功"
    assert message["From"] == app.config["MAIL_SENDER"]
    assert message.get_body(("plain",)).get_content().strip() == "你好"
    [attachment] = message.iter_attachments()
    assert attachment.get_content() == b"%PDF-1.4"


def test_outbox_defaults_to_the_instance_folder(make_app):
    app = make_app()
    with app.app_context():
        assert mail.outbox_dir() == Path(app.instance_path) / "outbox"
