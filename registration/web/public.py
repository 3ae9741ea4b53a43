"""Visitor pages."""
from __future__ import annotations

from flask import Blueprint, render_template

from registration.services import venues as venue_service

blueprint = Blueprint("public", __name__)


@blueprint.get("/")
def home():
    return render_template("home.html", venues=venue_service.list_venues_with_days())
