"""What the worker pool's fork server loads before forking workers (akhbar.runner.pool): every
per-article stage, and the entity models, so each worker starts with them loaded.

Then the garbage collector: what is loaded here is frozen (never scanned again, and its pages
stay shared with the workers), and a collection waits for 50,000 new container objects, not
700. Extraction makes millions of short-lived objects, all freed by reference counting, and
each worker's word table keeps hundreds of thousands: at CPython's defaults, collections took
12-14% of a worker's time (measured on SaudiNewsNet parts: 19.4 s, against 16.7 s with these
settings, and 17.1 s with the collector off).

Before anything: the server and its workers end with the process that started the server
(akhbar.runner.pool.end_with_parent)."""

import gc

from akhbar.runner.pool import WORKER_GC_THRESHOLDS, end_with_parent

end_with_parent()  # first: a server whose parent is gone loads nothing

from akhbar.dedup import signature_index_of_file  # noqa: E402, F401
from akhbar.extract.entities import default_tagger  # noqa: E402
from akhbar.runner.articles import stock_removed_part  # noqa: E402, F401
from akhbar.stages.extract_fields import extract_fields_chunk  # noqa: E402, F401
from akhbar.stages.normalize_articles import segment_articles  # noqa: E402, F401

default_tagger()
gc.freeze()
gc.set_threshold(*WORKER_GC_THRESHOLDS)
