"""Frames handed to the validation suites: the stage's table plus derived per-row measures."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from akhbar.normalize import arabic_ratio


def article_fields_frame(articles: pa.Table) -> pd.DataFrame:
    """The article_fields table as pandas, plus `body_arabic_ratio` for the script check."""
    frame = articles.to_pandas(types_mapper=None)
    frame["body_arabic_ratio"] = [arabic_ratio(b) for b in articles["body"].to_pylist()]
    return frame
