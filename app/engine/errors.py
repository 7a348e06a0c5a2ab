"""The one error type that every bad dataset, import or query raises."""


class EngineError(Exception):
    """A request the engine refuses; names the offending field and value."""

    def __init__(self, field: str, value, message: str):
        super().__init__(message)
        self.field = field
        self.value = value
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class QueryError(EngineError):
    """An analysis query that cannot be answered as asked."""


class DatasetError(EngineError):
    """A dataset that cannot be imported, found or trusted."""


class DatasetDamaged(DatasetError):
    """A compiled dataset whose files no longer match its manifest; names the file and what is wrong."""

    def __init__(self, dataset: str, file: str, problem: str):
        super().__init__("dataset", dataset, f"dataset {dataset!r} is damaged: {file}: {problem}; "
                         f"check it with `flask --app wsgi data verify {dataset}`")
        self.dataset = dataset
        self.file = file
        self.problem = problem
