"""A Hugging Face Hub-compatible HTTP server for tests: the real, unmodified `huggingface_hub` and
`datasets` clients publish to it and load from it, with no network and no mocks.

Storage (under the `root` given to `HubServer`): one bare git repository per Hub repo
(`<root>/datasets/<namespace>/<name>.git`, models under `<root>/models/`), every Hub commit a
real git commit on a real branch, tags real git tags, `main` created with an `initial commit`
holding the Hub's default `.gitattributes`. LFS files are git-LFS pointer files in the tree; their
content is in `<root>/lfs/<sha256>`.

Endpoints (repo types `dataset` and `model`; `{repo}` is `datasets/{ns}/{name}` or `models/{ns}/{name}`):

- `GET  /api/whoami-v2` (needs a valid token, else 401)
- `POST /api/repos/create` (409 + {"error", "url"} when the repo exists), `DELETE /api/repos/delete`
- `POST /api/validate-yaml` (400 with `errors` when the README YAML header does not parse or breaks
  the Hub's documented card rules: types of the known keys, licence ids, task categories and ids,
  languages, `configs`, `dataset_info` splits and sizes; see `card_rules`)
- `GET  /api/{repo}` and `/api/{repo}/revision/{rev}` (info: sha, siblings (sizes/LFS with blobs=1),
  cardData, ...)
- `PUT  /api/{repo}/settings` (private / visibility / gated)
- `GET  /api/{repo}/refs` (branches, tags, converts, pullRequests with include_prs=1)
- `GET  /api/{repo}/tree/{rev}[/{path}]?recursive=&expand=` (cursor pagination with a `Link` header)
- `POST /api/{repo}/paths-info/{rev}` (form or JSON `paths`, `expand`)
- `GET  /api/{repo}/commits/{rev}` (paginated with `?p=`; `expand[]=formatted`)
- `POST /api/{repo}/preupload/{rev}` (uploadMode lfs|regular, shouldIgnore from .gitignore, oid of the
  current file so the client can skip unchanged files)
- `POST /api/{repo}/commit/{rev}` (NDJSON: header, file, lfsFile, deletedFile, deletedFolder; 412 on a stale
  parentCommit)
- `POST|DELETE /api/{repo}/tag/{rev|tag}`, `POST|DELETE /api/{repo}/branch/{branch}` (409 when it exists)
- `POST /{datasets/}{ns}/{name}.git/info/lfs/objects/batch` (upload: basic or HF multipart; download) and
  `.../verify`; the upload/part/completion/download URLs are `/lfs/...` on this server, signed like S3
  URLs (the clients send no token to them)
- `GET|HEAD /{datasets/}{ns}/{name}/resolve/{rev}/{path}` (content, X-Repo-Commit, ETag, X-Linked-Etag/Size
  for LFS files, Range → 206; 404 with X-Error-Code RepoNotFound / RevisionNotFound / EntryNotFound)

Not implemented: Xet byte transfer (run the clients with `HF_HUB_DISABLE_XET=1`; with Xet enabled,
huggingface_hub would ask for a Xet token and fail), pull requests (`create_pr`), Spaces, gated-access
flows, the dataset viewer (`datasets-server`) and the `refs/convert/parquet` export (404 RevisionNotFound,
which `datasets` tolerates). Everything else answers 404 "not implemented by the test Hub".

Use:

    with HubServer(tmp_path / "hub", tokens={"hf_write"}) as hub:
        env = client_env(hub, tmp_path / "hf_home", token="hf_write")
        subprocess.run([sys.executable, "-c", script], env=env, check=True)

`HubServer.fail_next(500, "/commit/")` injects failures, `HubServer.stop()` simulates the Hub being down,
`HubServer.commit_directly(...)` moves a branch behind the clients' back (a concurrent publisher).
"""

from tests.support.hub_server.clients import client_env, patch_huggingface_hub, run_python
from tests.support.hub_server.hub import STALE_PARENT_MESSAGE, HubError
from tests.support.hub_server.server import HubServer, RequestRecord

__all__ = [
    "STALE_PARENT_MESSAGE",
    "HubError",
    "HubServer",
    "RequestRecord",
    "client_env",
    "patch_huggingface_hub",
    "run_python",
]
