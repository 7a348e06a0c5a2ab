"""The classic query form's posts (perspective, products, regions): bookmarks and scripts from before the
origin -> destination form still run, and on an error the form shows again in the current form's fields."""

from __future__ import annotations

from .engine import EngineError, Query
from .forms import expand_levels, query_from_form
from .parsing import strict_int
from .web import engine


def any_query_from_form(form):
    """(query or None, values as entered, errors by field): a form with a perspective is the classic one
    (bookmarks and scripts from before the origin -> destination form); any other is the current one."""
    return classic_from_form(form) if "perspective" in form else query_from_form(form)


def classic_from_form(form) -> tuple[Query | None, dict, dict]:
    values = {key: form.get(key, "") for key in ("dataset", "year", "indicator", "perspective", "by")}
    values["products"] = form.getlist("products")
    values["regions"] = form.getlist("regions")
    values["direct"] = form.get("direct", "on") == "on"  # the classic form had no box: absent means the default
    errors = {}
    try:
        dataset = engine().dataset(values["dataset"])
        values["year"] = strict_int(values["year"], "year", 4, "choose a year from the list")
        values["products"] = expand_levels(dataset.products, values["products"], form.get("products_level"),
                                           "products")
        values["regions"] = expand_levels(dataset.regions, values["regions"], form.get("regions_level"),
                                          "regions")
        query = Query(dataset=values["dataset"], year=values["year"], indicator=values["indicator"],
                      perspective=values["perspective"], by=values["by"],
                      products=tuple(values["products"]), regions=tuple(values["regions"]), direct=values["direct"])
        engine().resolve(query)
        return query, values, errors
    except EngineError as exc:  # a bad field, or a dataset found damaged
        errors[exc.field] = exc.message
        return None, *as_axes(values, errors)


def as_axes(values: dict, errors: dict) -> tuple[dict, dict]:
    """A classic form's values (or a stored classic query) and errors in the current form's fields: to show
    it again, or to link to it (app/bookmarks.py)."""
    side = {"products": "final_products", "regions": "consumer_regions"}
    by = {"product": "final-product", "region": "consumer-region"}
    if values.get("perspective") == "production":
        side = {"products": "origin_products", "regions": "origin_regions"}
        by = {"product": "origin-product", "region": "origin-region"}
    out = {key: values[key] for key in ("dataset", "year", "indicator", "direct") if key in values}
    out.update({side[key]: values[key] for key in side}, by=by.get(values.get("by"), ""))

    def field(key: str) -> str:
        head, _, tail = key.partition("_")
        return side[head] + (f"_{tail}" if tail else "") if head in side else "by" if key == "perspective" else key

    return out, {field(key): message for key, message in errors.items()}
