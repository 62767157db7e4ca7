"""What the worker pool's fork server loads before forking workers (akhbar.stages.pool): every
per-article stage, and the entity models, so each worker starts with them loaded."""

from akhbar.dedup import signature_index_of_file  # noqa: F401
from akhbar.extract.entities import default_tagger
from akhbar.stages.extract_fields import extract_fields_chunk  # noqa: F401
from akhbar.stages.normalize_articles import normalized_part, segment_articles  # noqa: F401

default_tagger()
