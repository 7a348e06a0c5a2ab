"""Pages."""

from flask import Blueprint, current_app, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    """The datasets this installation holds."""
    store = current_app.extensions["engine"].store
    return render_template("index.html", datasets=[store.open(n).summary() for n in store.names()])
