"""What the tests share besides fixtures: the repository's paths and small helpers (here: corpus
lines, `dagster job execute`, a free port, a log's tail), the test Hub server (`hub_server`),
the browser driver (`browser`), synthetic release rows (`release_rows`), corpus articles as
text files (`corpus_articles`) and the body-quality measure (`body_quality`). Test modules import from
here, never from one another."""

from __future__ import annotations

import gzip
import itertools
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
SEED = REPO / "samples" / "seed_article.txt"


def head_lines(src: Path, dest: Path, n: int) -> Path:
    """First `n` lines of a (gzipped) JSONL corpus file, copied under tmp for a small run."""
    opener = gzip.open if src.suffix == ".gz" else open
    with opener(src, "rb") as fh:
        lines = list(itertools.islice(fh, n))
    writer = gzip.open if dest.suffix == ".gz" else open
    with writer(dest, "wb") as out:
        out.writelines(lines)
    return dest


def dagster_job_execute(
    module: str, job: str, *, env: dict[str, str], cwd: Path, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """`dagster job execute -m MODULE -j JOB` as a separate process (Dagster's own executor: the
    multiprocess one unless the job says otherwise), which must succeed; its output is in the
    assertion message when it does not."""
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.run(
        [str(dagster), "job", "execute", "-m", module, "-j", job],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def free_port() -> int:
    """A TCP port of 127.0.0.1 free now, for a server a test starts."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, chars: int = 4000) -> str:
    """The last `chars` characters of a log, for an assertion message."""
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError as exc:
        return f"({path} not written: {exc})"
