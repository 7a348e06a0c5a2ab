"""The EEIO engine: compiled datasets and footprint queries; numpy and scipy only, never Flask."""

from .compiling import Source, SourceYear
from .dataset import Dataset
from .errors import DatasetError, EngineError, QueryError
from .query import BREAKDOWNS, PERSPECTIVES, Engine, Query, Result, Row
from .store import Store, check_name

__all__ = [
    "BREAKDOWNS", "PERSPECTIVES", "Dataset", "DatasetError", "Engine", "EngineError", "Query",
    "QueryError", "Result", "Row", "Source", "SourceYear", "Store", "check_name",
]
