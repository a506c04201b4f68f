"""The one "rows as the catalogue declares them" step, shared by bronze, gold and the pipeline."""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.catalogue import Table


def catalogue_columns(table: Table) -> Callable[[DataFrame], DataFrame]:
    """Exactly the catalogue columns of `table`, in order, cast to their declared types."""

    columns = [F.col(c.name).cast(c.type).alias(c.name) for c in table.columns]

    def transform(df: DataFrame) -> DataFrame:
        return df.select(*columns)

    return transform
