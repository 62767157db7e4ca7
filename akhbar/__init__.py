"""akhbar: raw scraped Arabic news articles to a versioned Hugging Face dataset.

Pure library code: nothing in this package imports Dagster or Great Expectations.
"""

__version__ = "0.1.0"

# Recorded in every row and in the manifest; bump it whenever a code change can alter output.
PIPELINE_VERSION = f"akhbar-{__version__}"
