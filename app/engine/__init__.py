"""The EEIO engine: compiled datasets and footprint queries; numpy and scipy only, never Flask."""

from .analysis import answer_any, parse_query, resolve_any
from .compiling import Source, SourceYear
from .dataset import Dataset
from .errors import DatasetError, EngineError, QueryError
from .flows import FlowQuery, FlowResult
from .query import BREAKDOWNS, PERSPECTIVES, Engine, Query, Result, Row
from .store import Store, check_name

__all__ = [
    "BREAKDOWNS", "PERSPECTIVES", "Dataset", "DatasetError", "Engine", "EngineError", "FlowQuery", "FlowResult",
    "Query", "QueryError", "Result", "Row", "Source", "SourceYear", "Store", "answer_any", "check_name",
    "parse_query", "resolve_any",
]
