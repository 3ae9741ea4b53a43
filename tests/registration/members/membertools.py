"""Helpers of the portal's tests."""
from __future__ import annotations


def csv_bytes(rows: list[str], header: str = "document_type,document_number,name",
              bom: bool = False) -> bytes:
    text = "\n".join([header, *rows]) + "\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")
