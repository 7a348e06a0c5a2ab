"""What a scenario changes: interventions on A and Y, their limits, and their check against a dataset."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .errors import QueryError
from .numbers import read_number

FINAL_DEMAND = "FD"
MAX_INTERVENTIONS = 20
# -100 % removes a flow; above +1,000,000 % (a factor of 10,001) no scenario is meant, and even twenty
# such changes compounded on one cell stay far from float overflow
MIN_CHANGE_PCT = -100.0
MAX_CHANGE_PCT = 1_000_000.0
FIELDS = ("product", "origin", "consumer", "consumer_region", "change_pct")


@dataclass(frozen=True)
class Intervention:
    """Multiply the product's deliveries from the origin to the consumer by (1 + change_pct / 100)."""

    product: str
    origin: str
    consumer: str          # "FD" (final demand) or a product node: the industries making it
    consumer_region: str
    change_pct: float

    @classmethod
    def from_dict(cls, data, index: int) -> Intervention:
        where = f"interventions[{index}]"
        if not isinstance(data, dict):
            raise QueryError(where, data, f"{where} must be an object with {', '.join(FIELDS)}")
        for key in data:
            if key not in FIELDS:
                raise QueryError(f"{where}.{key}", data[key], f"unknown field {key!r} in {where}")
        values = {}
        for key in FIELDS[:4]:
            value = data.get(key)
            if not isinstance(value, str) or not value:
                raise QueryError(f"{where}.{key}", value, f"{where}.{key} must be a code")
            values[key] = value
        change = data.get("change_pct")
        if isinstance(change, bool) or not isinstance(change, (int, float)):
            raise QueryError(f"{where}.change_pct", change, f"{where}.change_pct must be a number (percent)")
        if isinstance(change, float) and not math.isfinite(change):
            raise QueryError(f"{where}.change_pct", change, f"{where}.change_pct must be finite")
        # compared before float(), which raises OverflowError for an integer of hundreds of digits
        if change < MIN_CHANGE_PCT:
            raise QueryError(f"{where}.change_pct", change,
                             f"{where}.change_pct below -100 % would make coefficients negative")
        if change > MAX_CHANGE_PCT:
            raise QueryError(f"{where}.change_pct", change, f"{where}.change_pct must be at most "
                             f"{MAX_CHANGE_PCT:,.0f} (percent)")
        values["change_pct"] = float(change)
        return cls(**values)

    @classmethod
    def parse(cls, text: str, index: int) -> Intervention:
        """From the command line: product=CODE,origin=CODE,consumer=FD|CODE,consumer_region=CODE,change=-20."""
        data = {}
        for part in text.split(","):
            key, sep, value = part.partition("=")
            key = key.strip()
            if not sep:
                raise QueryError(f"interventions[{index}]", text, f"{part!r} is not key=value")
            key = "change_pct" if key == "change" else key
            if key == "change_pct":
                # float() would take "1_000", Arabic-Indic digits, "nan": only a plain decimal is a change
                data[key] = read_number(value.strip(), f"interventions[{index}].change_pct",
                                        f"change {value!r} is not a number such as -20 or 12.5")
            else:
                data[key] = value.strip()
        missing = [k for k in FIELDS if k not in data]
        if missing:
            raise QueryError(f"interventions[{index}]", text, f"missing {', '.join(missing)}")
        return cls.from_dict(data, index)

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def factor(self) -> float:
        return 1.0 + self.change_pct / 100.0


def check_interventions(dataset, interventions) -> None:
    """Every code must exist in the dataset; the list is bounded."""
    if len(interventions) > MAX_INTERVENTIONS:
        raise QueryError("interventions", len(interventions), f"at most {MAX_INTERVENTIONS} interventions")
    for i, iv in enumerate(interventions):
        for key, tree in (("product", dataset.products), ("origin", dataset.regions),
                          ("consumer_region", dataset.regions)):
            if getattr(iv, key) not in tree:
                raise QueryError(f"interventions[{i}].{key}", getattr(iv, key),
                                 f"unknown code {getattr(iv, key)!r} for interventions[{i}].{key}")
        if iv.consumer != FINAL_DEMAND and iv.consumer not in dataset.products:
            raise QueryError(f"interventions[{i}].consumer", iv.consumer,
                             f"interventions[{i}].consumer must be FD or a product code")


def read_interventions(data: dict) -> tuple[Intervention, ...]:
    """A query's interventions from untrusted data: absent means none; 0, "" or null are not lists."""
    interventions = data.get("interventions", [])
    if not isinstance(interventions, (list, tuple)):
        raise QueryError("interventions", interventions, "interventions must be a list")
    if len(interventions) > MAX_INTERVENTIONS:
        raise QueryError("interventions", len(interventions), f"at most {MAX_INTERVENTIONS} interventions")
    return tuple(Intervention.from_dict(iv, i) for i, iv in enumerate(interventions))
