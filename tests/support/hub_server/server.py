"""HTTP front of the test Hub: routing, auth, fault injection, and a uvicorn server in a thread.

Routes are matched against the raw (still percent-encoded) request path, so a revision such as
`refs%2Fconvert%2Fparquet` stays one path segment exactly as huggingface_hub sends it; each
segment is decoded after matching.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import math
import mimetypes
import re
import secrets
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote

import uvicorn
import yaml
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from tests.support.hub_server.card_rules import card_errors
from tests.support.hub_server.git_store import Entry, GitRepo, Snapshot, glob_regex
from tests.support.hub_server.hub import (
    REPO_TYPES,
    AddFile,
    AddLfsFile,
    DeleteFile,
    DeleteFolder,
    Hub,
    HubError,
    Operation,
    commit_json,
    entry_json,
    parse_card_data,
)

log = logging.getLogger(__name__)
LFS_JSON = "application/vnd.git-lfs+json"
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
_PLURAL = {v: k for k, v in REPO_TYPES.items()}  # "datasets" -> "dataset"
_SHA256 = r"[0-9a-f]{64}"


@dataclass(frozen=True)
class Identity:
    """Who a valid token belongs to, and whether it may write."""

    name: str
    can_write: bool


@dataclass
class Call:
    """One parsed request, as the synchronous handlers see it."""

    method: str
    params: dict[str, str]
    query: QueryParams
    headers: Headers
    body: bytes
    user: Identity | None
    base_url: str

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            raise HubError(400, "Request body is not valid JSON") from None

    def repo_type(self) -> str:
        return _PLURAL[self.params.get("rtype") or "models"]

    def repo_id(self) -> str:
        return f"{self.params['ns']}/{self.params['name']}"


@dataclass
class Fault:
    """A pending `fail_next` rule."""

    status: int
    path_contains: str
    remaining: int
    method: str | None


@dataclass(frozen=True)
class RequestRecord:
    """One served request, kept so tests can see exactly what the clients called (retries included)."""

    method: str
    path: str
    query: str
    status: int


Handler = Callable[[Call], Response]
AsyncHandler = Callable[[Request, dict[str, str]], Awaitable[Response]]


@dataclass
class Route:
    """A path regex (on the raw path) with its methods, handler and the access it needs."""

    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler | None = None
    async_handler: AsyncHandler | None = None
    auth: str = "read"  # "none" (signed URL), "read" (token optional), "write", "token" (any valid token)
    repo_scoped: bool = field(default=True)


def _error(
    status: int, message: str, code: str | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    """JSON error like the Hub: {"error": ...} plus X-Error-Message (and X-Error-Code when it matters)."""
    header = " ".join(message.split()).encode("ascii", "replace").decode()[:1000]  # one ASCII line
    out = {"X-Error-Message": header, **(headers or {})}
    if code:
        out["X-Error-Code"] = code
    return JSONResponse({"error": message}, status_code=status, headers=out)


def _bool(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


class HubApp:
    """The ASGI application; one instance per HubServer."""

    def __init__(self, server: HubServer) -> None:
        self.server = server
        self.hub = server.hub
        repo = r"/api/(?P<rtype>datasets|models)/(?P<ns>[^/]+)/(?P<name>[^/]+)"
        git = r"/(?:(?P<rtype>datasets)/)?(?P<ns>[^/]+)/(?P<name>[^/]+)\.git/info/lfs/objects"
        r = self._route
        self.routes: list[Route] = [
            r("GET", r"/api/whoami-v2", self.whoami, auth="token", repo_scoped=False),
            r("POST", r"/api/repos/create", self.create_repo, auth="write", repo_scoped=False),
            r("DELETE", r"/api/repos/delete", self.delete_repo, auth="write", repo_scoped=False),
            r("POST", r"/api/validate-yaml", self.validate_yaml, repo_scoped=False),
            r("GET", repo, self.info),
            r("GET", repo + r"/revision/(?P<rev>.+)", self.info),
            r("PUT", repo + r"/settings", self.settings, auth="write"),
            r("GET", repo + r"/refs", self.refs),
            r("GET", repo + r"/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?", self.tree),
            r("POST", repo + r"/paths-info/(?P<rev>.+)", self.paths_info),
            r("GET", repo + r"/commits/(?P<rev>.+)", self.commits),
            r("POST", repo + r"/preupload/(?P<rev>.+)", self.preupload, auth="write"),
            r("POST", repo + r"/commit/(?P<rev>.+)", self.commit, auth="write"),
            r("POST", repo + r"/tag/(?P<rev>.+)", self.create_tag, auth="write"),
            r("DELETE", repo + r"/tag/(?P<rev>.+)", self.delete_tag, auth="write"),
            r("POST", repo + r"/branch/(?P<rev>.+)", self.create_branch, auth="write"),
            r("DELETE", repo + r"/branch/(?P<rev>.+)", self.delete_branch, auth="write"),
            r("POST", git + r"/batch", self.lfs_batch, auth="read"),
            r("POST", git + r"/verify", self.lfs_verify, auth="token"),
            r("GET", rf"/lfs/objects/(?P<oid>{_SHA256})", self.lfs_download, auth="none", repo_scoped=False),
            Route(
                frozenset({"PUT"}),
                re.compile(rf"^/lfs/upload/(?P<oid>{_SHA256})(?:/(?P<part>\d+))?$"),
                async_handler=self.lfs_upload,
                auth="none",
                repo_scoped=False,
            ),
            r(
                "POST",
                rf"/lfs/complete/(?P<oid>{_SHA256})",
                self.lfs_complete,
                auth="none",
                repo_scoped=False,
            ),
            r(
                "GET HEAD",
                r"/(?:(?P<rtype>datasets)/)?(?P<ns>[^/]+)/(?P<name>[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)",
                self.resolve,
            ),
        ]

    @staticmethod
    def _route(
        methods: str, pattern: str, handler: Handler, auth: str = "read", repo_scoped: bool = True
    ) -> Route:
        return Route(
            frozenset(methods.split()),
            re.compile(f"^{pattern}$"),
            handler,
            auth=auth,
            repo_scoped=repo_scoped,
        )

    # -- ASGI -----------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        try:
            response = await self._dispatch(request)
        except HubError as exc:
            response = _error(exc.status, exc.message, exc.code, exc.headers)
        except Exception as exc:  # a bug in the test server: answer 500 and keep serving
            log.exception("test Hub failed on %s %s", request.method, scope["path"])
            response = _error(500, f"Internal error in test Hub: {type(exc).__name__}: {exc}")
        self.server._record(
            RequestRecord(
                request.method, scope["path"], scope.get("query_string", b"").decode(), response.status_code
            )
        )
        await response(scope, receive, send)

    async def _dispatch(self, request: Request) -> Response:
        scope = request.scope
        fault = self.server._take_fault(request.method, scope["path"])
        if fault is not None:
            await request.body()
            return _error(fault, f"Injected failure: HTTP {fault} (HubServer.fail_next)")
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1").split("?", 1)[0]
        allowed: set[str] = set()
        for route in self.routes:
            match = route.pattern.match(raw_path)
            if match is None:
                continue
            if request.method not in route.methods:
                allowed |= route.methods
                continue
            params = {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
            if route.async_handler is not None:
                return await route.async_handler(request, params)
            body = await request.body()  # read first: refusing a request must not break the connection
            user = self._authenticate(request.headers, route.auth)
            call = Call(
                request.method, params, request.query_params, request.headers, body, user, self.server.url
            )
            assert route.handler is not None
            return await run_in_threadpool(self._run, route, call)
        if allowed:
            return _error(
                405, f"Method {request.method} not allowed", headers={"Allow": ", ".join(sorted(allowed))}
            )
        return _error(404, f"Not found: {scope['path']} (not implemented by the test Hub)")

    def _run(self, route: Route, call: Call) -> Response:
        if route.repo_scoped and "ns" in call.params:
            self._check_repo_access(call, write=route.auth == "write")
        assert route.handler is not None
        return route.handler(call)

    def _authenticate(self, headers: Headers, level: str) -> Identity | None:
        """401 for a bad token anywhere (like the Hub); 401/403 when the route needs write access."""
        if level == "none":
            return None
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        user = self.server._identity(token) if token else None
        if token and user is None:
            raise HubError(401, INVALID_CREDENTIALS)
        if level in ("write", "token") and user is None:
            raise HubError(401, "You must be authenticated (Authorization: Bearer <token>) to do this")
        if level == "write" and user is not None and not user.can_write:
            raise HubError(403, "This token has read access only; a write token is needed")
        return user

    def _check_repo_access(self, call: Call, write: bool) -> None:
        """Private repos are invisible without a token; writes need rights on the namespace."""
        repo = self.hub.find(call.repo_type(), call.repo_id())
        if repo is None:
            raise HubError(404, f"Repository not found: {call.repo_id()}", "RepoNotFound")
        if call.user is None and self.hub.meta(repo).get("private"):
            raise HubError(404, f"Repository not found: {call.repo_id()}", "RepoNotFound")
        if write:
            assert call.user is not None
            self.server._check_namespace(call.user, call.params["ns"])

    def _repo(self, call: Call) -> GitRepo:
        return self.hub.require(call.repo_type(), call.repo_id())

    def _repo_url(self, call: Call, repo_type: str | None = None, repo_id: str | None = None) -> str:
        repo_type = repo_type or call.repo_type()
        prefix = "" if repo_type == "model" else f"{REPO_TYPES[repo_type]}/"
        return f"{call.base_url}/{prefix}{repo_id or call.repo_id()}"

    # -- account --------------------------------------------------------------------------

    def whoami(self, call: Call) -> Response:
        assert call.user is not None
        s = self.server
        return JSONResponse(
            {
                "type": "user",
                "id": hashlib.sha1(call.user.name.encode()).hexdigest()[:24],
                "name": call.user.name,
                "fullname": call.user.name,
                "email": f"{call.user.name}@example.invalid",
                "emailVerified": True,
                "canPay": False,
                "isPro": False,
                "periodEnd": None,
                "avatarUrl": "",
                "orgs": [
                    {"type": "org", "name": org, "fullname": org, "roleInOrg": "write"} for org in s.orgs
                ],
                "auth": {
                    "type": "access_token",
                    "accessToken": {
                        "displayName": "test token",
                        "role": "write" if call.user.can_write else "read",
                        "createdAt": "2024-01-01T00:00:00.000Z",
                    },
                },
            }
        )

    # -- repos ----------------------------------------------------------------------------

    def _repo_from_body(self, call: Call) -> tuple[str, str, dict[str, Any]]:
        body = call.json()
        assert call.user is not None
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise HubError(400, "Missing repo name")
        namespace = body.get("organization") or call.user.name
        repo_type = body.get("type") or "model"
        if repo_type not in REPO_TYPES:
            raise HubError(
                400, f"Repo type {repo_type!r} is not supported by the test Hub (datasets, models)"
            )
        return repo_type, f"{namespace}/{name}", body

    def create_repo(self, call: Call) -> Response:
        repo_type, repo_id, body = self._repo_from_body(call)
        assert call.user is not None
        self.server._check_namespace(call.user, repo_id.split("/")[0])
        private = body.get("visibility", "private" if body.get("private") else "public") == "private"
        url = self._repo_url(call, repo_type, repo_id)
        if not self.hub.create(repo_type, repo_id, private):
            return JSONResponse(
                {"error": f"You already created this {repo_type} repo", "url": url}, status_code=409
            )
        return JSONResponse(
            {"url": url, "name": repo_id, "id": hashlib.sha1(repo_id.encode()).hexdigest()[:24]}
        )

    def delete_repo(self, call: Call) -> Response:
        repo_type, repo_id, _ = self._repo_from_body(call)
        assert call.user is not None
        self.server._check_namespace(call.user, repo_id.split("/")[0])
        if not self.hub.delete(repo_type, repo_id):
            raise HubError(404, f"Repository not found: {repo_id}", "RepoNotFound")
        return Response(status_code=200)

    def settings(self, call: Call) -> Response:
        body = call.json()
        changes: dict[str, Any] = {}
        if "private" in body:
            changes["private"] = bool(body["private"])
        if "visibility" in body:
            changes["private"] = body["visibility"] == "private"
        if "gated" in body:
            changes["gated"] = body["gated"]
        self.hub.update_meta(call.repo_type(), call.repo_id(), changes)
        return JSONResponse({})

    def validate_yaml(self, call: Call) -> Response:
        """Errors (400) for a YAML header that does not parse or breaks the Hub's card rules
        (`card_rules`); a warning when there is none."""
        content = call.json().get("content", "")
        text = content.replace("\r\n", "\n") if isinstance(content, str) else ""
        match = re.match(r"^---\n(.*?)\n---(?:\n|$)", text, flags=re.DOTALL)
        if match is None:
            return JSONResponse(
                {"errors": [], "warnings": [{"message": "empty or missing yaml metadata in repo card"}]}
            )
        try:
            data = yaml.safe_load(match.group(1))
        except yaml.YAMLError as exc:
            message = f"Invalid YAML in README.md header: {exc}".replace("\n", " ")
            return JSONResponse(
                {"errors": [{"message": message}], "warnings": [], "error": message}, status_code=400
            )
        if data is not None and not isinstance(data, dict):
            message = "README.md YAML header must be a mapping"
            return JSONResponse(
                {"errors": [{"message": message}], "warnings": [], "error": message}, status_code=400
            )
        repo_type = call.json().get("repoType") or "model"
        errors = card_errors(data or {}, repo_type=repo_type if isinstance(repo_type, str) else "model")
        if errors:
            if "text/plain" in call.headers.get("accept", ""):  # DatasetCard.validate() asks for text
                return Response("\n".join(errors), status_code=400, media_type="text/plain")
            return JSONResponse(
                {"errors": [{"message": e} for e in errors], "warnings": [], "error": "; ".join(errors)},
                status_code=400,
            )
        return JSONResponse({"errors": [], "warnings": []})

    def info(self, call: Call) -> Response:
        repo = self._repo(call)
        commit = self.hub.resolve(repo, call.params.get("rev", "main"))
        expand = call.query.getlist("expand") + call.query.getlist("expand[]")
        blobs = _bool(call.query.get("blobs"))
        data = self.hub.info_json(call.repo_type(), call.repo_id(), repo, commit, blobs, expand)
        return JSONResponse(data)

    def refs(self, call: Call) -> Response:
        include_prs = _bool(call.query.get("include_prs"))
        return JSONResponse(self.hub.refs_json(self._repo(call), include_prs))

    # -- listings -------------------------------------------------------------------------

    def tree(self, call: Call) -> Response:
        """Cursor-paginated listing (Link: <...>; rel="next"), as huggingface_hub's paginator expects."""
        repo = self._repo(call)
        commit = self.hub.resolve(repo, call.params["rev"])
        path = call.params.get("path", "").strip("/")
        recursive = _bool(call.query.get("recursive"))
        expand = _bool(call.query.get("expand"))
        entries = repo.snapshot(commit).listing(path, recursive)
        if entries is None:
            raise HubError(
                404,
                f"{path} does not exist on {call.params['rev']}",
                "EntryNotFound",
                {"X-Repo-Commit": commit},
            )
        size = self.server.tree_page_size_expand if expand else self.server.tree_page_size
        start = _decode_cursor(call.query.get("cursor"))
        page = entries[start : start + size]
        last = repo.last_commits(commit) if expand else {}
        headers = {"X-Repo-Commit": commit}
        if start + size < len(entries):
            query = {"recursive": str(recursive).lower(), "expand": str(expand).lower()}
            query["cursor"] = _encode_cursor(start + size)
            link = f"{call.base_url}/api/{REPO_TYPES[call.repo_type()]}/{call.repo_id()}/tree/"
            link += quote(call.params["rev"], safe="") + (f"/{quote(path)}" if path else "")
            link += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
            headers["Link"] = f'<{link}>; rel="next"'
        return JSONResponse([entry_json(e, last.get(e.path), expand) for e in page], headers=headers)

    def paths_info(self, call: Call) -> Response:
        repo = self._repo(call)
        commit = self.hub.resolve(repo, call.params["rev"])
        paths, expand = _paths_info_body(call)
        snap = repo.snapshot(commit)
        last = repo.last_commits(commit) if expand else {}
        out = []
        for p in paths:
            entry = snap.entries.get(p.strip("/"))
            if entry is not None:
                out.append(entry_json(entry, last.get(entry.path), expand))
        return JSONResponse(out, headers={"X-Repo-Commit": commit})

    def commits(self, call: Call) -> Response:
        repo = self._repo(call)
        commit = self.hub.resolve(repo, call.params["rev"])
        records = repo.log(commit)
        size = self.server.commits_page_size
        page = int(call.query.get("p", "0") or 0)
        formatted = "formatted" in call.query.getlist("expand[]") + call.query.getlist("expand")
        items = [commit_json(r, formatted) for r in records[page * size : (page + 1) * size]]
        headers = {"X-Total-Count": str(len(records))}
        if (page + 1) * size < len(records):
            rev = quote(call.params["rev"], safe="")
            link = f"{call.base_url}/api/{REPO_TYPES[call.repo_type()]}/{call.repo_id()}/commits/{rev}"
            link += f"?p={page + 1}"
            if formatted:
                link += "&expand%5B%5D=formatted"
            headers["Link"] = f'<{link}>; rel="next"'
        return JSONResponse(items, headers=headers)

    # -- commits --------------------------------------------------------------------------

    def preupload(self, call: Call) -> Response:
        repo = self._repo(call)
        if _bool(call.query.get("create_pr")):
            raise HubError(400, "create_pr is not supported by the test Hub")
        commit = self.hub.resolve(repo, call.params["rev"])
        snap = repo.snapshot(commit)
        body = call.json()
        files = body.get("files")
        if not isinstance(files, list):
            raise HubError(400, "Body must have a 'files' list")
        ignore = _gitignore_patterns(body.get("gitIgnore"), repo, snap)
        out = []
        for item in files:
            try:
                path, size = str(item["path"]), int(item["size"])
                sample = base64.b64decode(item.get("sample", ""), validate=True)
            except (KeyError, TypeError, ValueError, binascii.Error):
                raise HubError(400, f"Malformed preupload entry: {item!r}") from None
            mode = self.hub.upload_mode(repo, snap, path, size, sample)
            out.append(
                {
                    "path": path,
                    "uploadMode": mode,
                    "shouldIgnore": any(p.match(path) for p in ignore),
                    "oid": self.hub.remote_oid(snap, path),
                }
            )
        return JSONResponse({"files": out, "commitOid": commit})

    def commit(self, call: Call) -> Response:
        """NDJSON commit: header line, then file / lfsFile / deletedFile / deletedFolder lines."""
        if _bool(call.query.get("create_pr")):
            raise HubError(400, "create_pr is not supported by the test Hub")
        header, operations = _parse_commit_body(call.body, call.headers.get("content-type", ""))
        branch = call.params["rev"]
        assert call.user is not None
        author = (call.user.name, f"{call.user.name}@users.noreply.huggingface.co")
        summary = str(header.get("summary") or "")
        commit = self.hub.commit(
            call.repo_type(),
            call.repo_id(),
            branch,
            operations,
            summary,
            str(header.get("description") or ""),
            header.get("parentCommit"),
            author,
        )
        return JSONResponse(
            {
                "success": True,
                "commitOid": commit,
                "commitUrl": f"{self._repo_url(call)}/commit/{commit}",
                "commitMessage": summary,
                "hookOutput": "",
                "pullRequestUrl": None,
            }
        )

    def create_tag(self, call: Call) -> Response:
        body = call.json()
        tag = body.get("tag")
        if not isinstance(tag, str):
            raise HubError(400, "Missing 'tag'")
        assert call.user is not None
        author = (call.user.name, f"{call.user.name}@users.noreply.huggingface.co")
        commit = self.hub.create_tag(
            call.repo_type(), call.repo_id(), call.params["rev"], tag, body.get("message"), author
        )
        return JSONResponse({"name": tag, "ref": f"refs/tags/{tag}", "targetCommit": commit})

    def delete_tag(self, call: Call) -> Response:
        self.hub.delete_ref(call.repo_type(), call.repo_id(), "tag", call.params["rev"])
        return Response(status_code=200)

    def create_branch(self, call: Call) -> Response:
        body = call.json()
        if body.get("emptyBranch"):
            raise HubError(400, "emptyBranch is not supported by the test Hub")
        commit = self.hub.create_branch(
            call.repo_type(), call.repo_id(), call.params["rev"], body.get("startingPoint")
        )
        return JSONResponse({"name": call.params["rev"], "targetCommit": commit})

    def delete_branch(self, call: Call) -> Response:
        self.hub.delete_ref(call.repo_type(), call.repo_id(), "branch", call.params["rev"])
        return Response(status_code=200)

    # -- git-LFS --------------------------------------------------------------------------

    def lfs_batch(self, call: Call) -> Response:
        """git-LFS batch API: upload (basic or HF multipart) and download actions, signed like S3 URLs."""
        body = call.json()
        operation = body.get("operation")
        if operation not in ("upload", "download"):
            raise HubError(400, f"Unsupported LFS operation {operation!r}")
        if operation == "upload":
            if call.user is None:
                raise HubError(401, "You must be authenticated to upload LFS objects")
            if not call.user.can_write:
                raise HubError(403, "This token has read access only; a write token is needed")
            self.server._check_namespace(call.user, call.params["ns"])
        transfers = body.get("transfers") or ["basic"]
        multipart_ok = "multipart" in transfers
        chunk = self.server.lfs_chunk_size
        objects, used_multipart = [], False
        for obj in body.get("objects") or []:
            oid, size = obj.get("oid"), obj.get("size")
            if (
                not isinstance(oid, str)
                or not re.fullmatch(_SHA256, oid)
                or not isinstance(size, int)
                or size < 0
            ):
                objects.append(
                    {"oid": str(oid), "size": size if isinstance(size, int) else 0, "error": _lfs_err(422)}
                )
                continue
            stored = self.hub.lfs.has(oid)
            if operation == "download":
                if not stored:
                    objects.append(
                        {"oid": oid, "size": size, "error": _lfs_err(404, "Object does not exist")}
                    )
                else:
                    href = self.server._signed(f"/lfs/objects/{oid}", "download", oid)
                    objects.append(
                        {
                            "oid": oid,
                            "size": size,
                            "authenticated": True,
                            "actions": {"download": {"href": href}},
                        }
                    )
                continue
            if stored:
                if self.hub.lfs.size(oid) != size:
                    objects.append(
                        {
                            "oid": oid,
                            "size": size,
                            "error": _lfs_err(422, "Size does not match stored object"),
                        }
                    )
                else:
                    objects.append({"oid": oid, "size": size})
                continue
            verify = {"href": f"{call.base_url}{_lfs_base(call)}/verify"}
            if multipart_ok and size > chunk:
                used_multipart = True
                header = {"chunk_size": str(chunk)}
                for part in range(1, math.ceil(size / chunk) + 1):
                    header[str(part)] = self.server._signed(
                        f"/lfs/upload/{oid}/{part}", "part", oid, size, chunk, part
                    )
                upload = {
                    "href": self.server._signed(f"/lfs/complete/{oid}", "complete", oid, size, chunk),
                    "header": header,
                }
            else:
                upload = {"href": self.server._signed(f"/lfs/upload/{oid}", "upload", oid, size)}
            objects.append(
                {
                    "oid": oid,
                    "size": size,
                    "authenticated": True,
                    "actions": {"upload": upload, "verify": verify},
                }
            )
        payload = {
            "transfer": "multipart" if used_multipart else "basic",
            "objects": objects,
            "hash_algo": "sha256",
        }
        return JSONResponse(payload, headers={"Content-Type": LFS_JSON})

    def lfs_verify(self, call: Call) -> Response:
        body = call.json()
        oid, size = body.get("oid"), body.get("size")
        if isinstance(oid, str) and self.hub.lfs.has(oid, size if isinstance(size, int) else None):
            return JSONResponse({"success": True})
        raise HubError(404, f"LFS object {oid} not found (or wrong size)")

    async def lfs_upload(self, request: Request, params: dict[str, str]) -> Response:
        """PUT of a whole object (basic transfer) or of one part (multipart); no token, a signature."""
        oid, part = params["oid"], params.get("part")
        query = request.query_params
        try:
            size = int(query.get("size", ""))
            chunk = int(query.get("chunk", "0"))
        except ValueError:
            raise HubError(400, "Bad upload URL") from None
        if part is None:
            self.server._check_signature(query, "upload", oid, size)
        else:
            self.server._check_signature(query, "part", oid, size, chunk, int(part))
        tmp = self.hub.lfs.tmp_file(oid)
        digest = hashlib.md5()
        with tmp.open("wb") as fh:
            async for data in request.stream():
                fh.write(data)
                digest.update(data)
        if part is not None:
            target = self.hub.lfs.tmp / f"{oid}.parts" / part
            target.parent.mkdir(exist_ok=True)
            tmp.replace(target)
            return Response(status_code=200, headers={"ETag": f'"{digest.hexdigest()}"'})
        if self.hub.lfs.has(oid, size):
            tmp.unlink()
            return Response(status_code=200)
        try:
            await run_in_threadpool(self.hub.lfs.put_file, oid, size, tmp)
        except ValueError as exc:
            raise HubError(400, str(exc)) from None
        return Response(status_code=200)

    def lfs_complete(self, call: Call) -> Response:
        """Completion of a multipart upload: parts are checked against their ETags, then joined."""
        oid = call.params["oid"]
        try:
            size, chunk = int(call.query.get("size", "")), int(call.query.get("chunk", ""))
        except ValueError:
            raise HubError(400, "Bad completion URL") from None
        self.server._check_signature(call.query, "complete", oid, size, chunk)
        parts = call.json().get("parts") or []
        expected = math.ceil(size / chunk)
        if [p.get("partNumber") for p in parts] != list(range(1, expected + 1)):
            raise HubError(400, f"Expected parts 1..{expected}")
        folder = self.hub.lfs.tmp / f"{oid}.parts"
        tmp = self.hub.lfs.tmp_file(oid)
        with tmp.open("wb") as out:
            for p in parts:
                path = folder / str(p["partNumber"])
                if not path.is_file():
                    raise HubError(400, f"Part {p['partNumber']} was not uploaded")
                data = path.read_bytes()
                if str(p.get("etag", "")).strip('"') != hashlib.md5(data).hexdigest():
                    raise HubError(400, f"ETag mismatch for part {p['partNumber']}")
                out.write(data)
        try:
            self.hub.lfs.put_file(oid, size, tmp)
        except ValueError as exc:
            raise HubError(400, str(exc)) from None
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
        return JSONResponse({"success": True})

    def lfs_download(self, call: Call) -> Response:
        oid = call.params["oid"]
        self.server._check_signature(call.query, "download", oid)
        if not self.hub.lfs.has(oid):
            raise HubError(404, "Object does not exist")
        path = self.hub.lfs.path(oid)
        size = path.stat().st_size
        return StreamingResponse(_read_file(path, 0, size), headers={"Content-Length": str(size)})

    # -- file content ---------------------------------------------------------------------

    def resolve(self, call: Call) -> Response:
        """HEAD/GET of a file at a revision, with the Hub's headers; Range requests get 206."""
        repo = self._repo(call)
        commit = self.hub.resolve(repo, call.params["rev"])
        path = call.params["path"]
        entry = repo.snapshot(commit).entries.get(path)
        if entry is None or entry.kind != "file":
            raise HubError(
                404,
                f"Entry not found: {path} at {call.params['rev']}",
                "EntryNotFound",
                {"X-Repo-Commit": commit},
            )
        headers = _file_headers(entry, commit)
        total = entry.size
        span = _parse_range(call.headers.get("range"), total)
        if span == "invalid":
            return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{total}"})
        start, end = span if span else (0, total)
        status = 206 if span else 200
        if span:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{total}"
        headers["Content-Length"] = str(end - start)
        if call.method == "HEAD":
            return Response(status_code=status, headers=headers)
        if entry.lfs is not None:
            path_on_disk = self.hub.lfs.path(entry.lfs.oid)
            if not path_on_disk.is_file():
                raise HubError(500, f"LFS object {entry.lfs.oid} is missing from the store")
            return StreamingResponse(
                _read_file(path_on_disk, start, end), status_code=status, headers=headers
            )
        data = repo.read_blob(entry.oid)[start:end]
        return Response(data, status_code=status, headers=headers)


def _lfs_base(call: Call) -> str:
    prefix = "/datasets" if call.params.get("rtype") == "datasets" else ""
    return f"{prefix}/{call.repo_id()}.git/info/lfs/objects"


def _lfs_err(code: int, message: str = "Invalid object") -> dict[str, Any]:
    return {"code": code, "message": message}


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise HubError(400, "Invalid cursor") from None


def _paths_info_body(call: Call) -> tuple[list[str], bool]:
    """paths-info takes a form (what huggingface_hub sends) or JSON."""
    if "json" in call.headers.get("content-type", ""):
        body = call.json()
        paths = body.get("paths") or []
        return [paths] if isinstance(paths, str) else [str(p) for p in paths], bool(body.get("expand"))
    form = parse_qs(call.body.decode("utf-8", errors="replace"), keep_blank_values=True)
    paths = form.get("paths", []) + form.get("paths[]", [])
    return paths, _bool((form.get("expand") or ["false"])[0])


def _gitignore_patterns(content: Any, repo: GitRepo, snap: Snapshot) -> list[re.Pattern[str]]:
    """Patterns of the .gitignore sent with preupload, else of the repo's own .gitignore."""
    if not isinstance(content, str):
        entry = snap.entries.get(".gitignore")
        content = repo.read_blob(entry.oid).decode("utf-8", errors="replace") if entry else ""
    out = []
    for line in content.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")):
            out.append(glob_regex(line.rstrip("/") + ("/**" if line.endswith("/") else "")))
    return out


def _parse_commit_body(body: bytes, content_type: str) -> tuple[dict[str, Any], list[Operation]]:
    """Header and operations of an NDJSON commit payload (one JSON object per line)."""
    header: dict[str, Any] | None = None
    operations: list[Operation] = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            key, value = item["key"], item["value"]
        except (ValueError, KeyError, TypeError):
            raise HubError(400, f"Malformed commit payload at line {number} (expected NDJSON)") from None
        if key == "header":
            header = value
        elif key == "file":
            if value.get("encoding", "base64") != "base64":
                content = str(value.get("content", "")).encode()
            else:
                try:
                    content = base64.b64decode(value.get("content", ""), validate=True)
                except (binascii.Error, ValueError):
                    raise HubError(400, f"Invalid base64 content for {value.get('path')}") from None
            operations.append(AddFile(str(value["path"]), content))
        elif key == "lfsFile":
            if value.get("algo", "sha256") != "sha256" or not re.fullmatch(_SHA256, str(value.get("oid"))):
                raise HubError(400, f"Invalid LFS oid for {value.get('path')}")
            size = value.get("size")
            operations.append(
                AddLfsFile(str(value["path"]), str(value["oid"]), int(size) if size is not None else None)
            )
        elif key == "deletedFile":
            operations.append(DeleteFile(str(value["path"])))
        elif key == "deletedFolder":
            operations.append(DeleteFolder(str(value["path"])))
        else:
            raise HubError(400, f"Unknown commit operation {key!r}")
    if header is None:
        raise HubError(400, "Commit payload has no header line")
    return header, operations


def _file_headers(entry: Entry, commit: str) -> dict[str, str]:
    name = entry.path.rsplit("/", 1)[-1]
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or name.endswith((".md", ".json", ".yaml", ".yml", ".txt", ".csv")):
        content_type = (
            f"{content_type if content_type != 'application/octet-stream' else 'text/plain'}; charset=utf-8"
        )
    headers = {
        "X-Repo-Commit": commit,
        "Accept-Ranges": "bytes",
        "Content-Type": content_type,
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}; filename=\"{ascii_name}\";",
        "Cache-Control": "public, max-age=0",
    }
    if entry.lfs is not None:
        headers["ETag"] = f'"{entry.lfs.oid}"'
        headers["X-Linked-Etag"] = f'"{entry.lfs.oid}"'
        headers["X-Linked-Size"] = str(entry.lfs.size)
    else:
        headers["ETag"] = f'"{entry.oid}"'
    return headers


def _parse_range(value: str | None, total: int) -> tuple[int, int] | str | None:
    """(start, end-exclusive) for a single `bytes=` range; None for no/unsupported range; 'invalid' → 416."""
    if not value:
        return None
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", value)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return "invalid"
    if not first:
        length = int(last)
        if length == 0:
            return "invalid"
        return max(total - length, 0), total
    start = int(first)
    end = min(int(last) + 1, total) if last else total
    if start >= total or (last and int(last) < start):
        return "invalid"
    return start, end


def _read_file(path: Path, start: int, end: int) -> Iterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(start)
        remaining = end - start
        while remaining > 0:
            data = fh.read(min(remaining, 1 << 20))
            if not data:
                break
            remaining -= len(data)
            yield data


class HubServer:
    """A Hub-compatible HTTP server on 127.0.0.1, storing everything under `root`.

    Args:
        root: storage folder (bare git repos under `datasets/` and `models/`, LFS objects under `lfs/`).
        tokens: valid write tokens.
        read_tokens: valid tokens without write access (writes get 403).
        user: the account every token belongs to (`whoami`, default namespace, commit author).
        orgs: organizations the user belongs to (listed by `whoami`).
        namespaces: namespaces the tokens may write to; None (default) = any namespace.
        port: 0 picks a free port.
        lfs_chunk_size: objects larger than this are uploaded with HF's multipart transfer.
        tree_page_size / tree_page_size_expand / commits_page_size: pagination (Hub: 1000 / 50 / 50).
    """

    def __init__(
        self,
        root: Path,
        tokens: Iterable[str] = ("hf_test_write_token",),
        *,
        read_tokens: Iterable[str] = (),
        user: str = "akhbar-test",
        orgs: Iterable[str] = ("akhbar",),
        namespaces: Iterable[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        lfs_chunk_size: int = 16 * 1024 * 1024,
        tree_page_size: int = 1000,
        tree_page_size_expand: int = 50,
        commits_page_size: int = 50,
    ) -> None:
        self.root = Path(root)
        self.hub = Hub(self.root)
        self.tokens = frozenset(tokens)
        self.read_tokens = frozenset(read_tokens)
        self.user = user
        self.orgs = tuple(orgs)
        self.namespaces = frozenset(namespaces) if namespaces is not None else None
        self.host = host
        self.port = port
        self.lfs_chunk_size = lfs_chunk_size
        self.tree_page_size = tree_page_size
        self.tree_page_size_expand = tree_page_size_expand
        self.commits_page_size = commits_page_size
        self.requests: list[RequestRecord] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._secret = secrets.token_bytes(32)
        self._uvicorn: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = HubApp(self)

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port> (the port is fixed at the first start and reused on restart)."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> HubServer:
        """Serve in a background thread; returns once the port accepts connections."""
        if self.running:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
            timeout_keep_alive=30,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"hub-server-{self.port}", daemon=True
        )
        self._uvicorn, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("test Hub server did not start")
            time.sleep(0.01)
        with socket.create_connection((self.host, self.port), timeout=timeout):
            pass  # accepting connections: uvicorn owns the socket now and closes it on shutdown
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving: new connections are refused (simulates the Hub being down)."""
        if self._uvicorn is None or self._thread is None:
            return
        self._uvicorn.should_exit = True
        self._thread.join(timeout)
        self._uvicorn, self._thread = None, None

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test helpers ---------------------------------------------------------------------

    def fail_next(
        self, status: int, path_contains: str = "", times: int = 1, method: str | None = None
    ) -> None:
        """The next `times` requests whose path contains `path_contains` get `status` with a JSON error.

        Faults are checked before auth and routing, on the decoded path. `fail_next(0)` removes the
        pending faults instead (those with this `path_contains`; all of them by default).
        """
        with self._lock:
            if status == 0:
                self._faults = [f for f in self._faults if path_contains and f.path_contains != path_contains]
                return
            self._faults.append(Fault(status, path_contains, times, method.upper() if method else None))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def git_dir(self, repo_id: str, repo_type: str = "dataset") -> Path:
        """The bare git repository of a Hub repo (inspect it with `git --git-dir ...`)."""
        return self.hub.git_dir(repo_type, repo_id)

    def lfs_path(self, oid: str) -> Path:
        """Where the LFS object with this sha256 is stored."""
        return self.hub.lfs.path(oid)

    def create_repo_directly(self, repo_id: str, repo_type: str = "dataset", private: bool = False) -> bool:
        """Create a repo without HTTP; False if it existed."""
        return self.hub.create(repo_type, repo_id, private)

    def head(self, repo_id: str, branch: str = "main", repo_type: str = "dataset") -> str | None:
        """Current commit of a branch, read from git."""
        return self.hub.require(repo_type, repo_id).branch_head(branch)

    def commit_directly(
        self,
        repo_id: str,
        files: Mapping[str, bytes | None],
        message: str = "Concurrent update",
        *,
        repo_type: str = "dataset",
        branch: str = "main",
        author: tuple[str, str] = ("someone-else", "someone-else@users.noreply.huggingface.co"),
    ) -> str:
        """A commit made through git, not HTTP (a concurrent publisher): None deletes a path.

        Files that the Hub would store in LFS (per .gitattributes, size or binary content) are
        stored in LFS here too. Returns the new commit id.
        """
        repo = self.hub.require(repo_type, repo_id)
        head = repo.branch_head(branch)
        snap = repo.snapshot(head) if head else None
        ops: list[Operation] = []
        for path, data in files.items():
            if data is None:
                ops.append(DeleteFile(path))
            elif self.hub.upload_mode(repo, snap, path, len(data), data[:512]) == "lfs" and data:
                ops.append(AddLfsFile(path, self.hub.lfs.put_bytes(data), len(data)))
            else:
                ops.append(AddFile(path, data))
        return self.hub.commit(repo_type, repo_id, branch, ops, message, author=author)

    def card_data(
        self, repo_id: str, revision: str = "main", repo_type: str = "dataset"
    ) -> dict[str, Any] | None:
        """The parsed YAML header of README.md at `revision`."""
        repo = self.hub.require(repo_type, repo_id)
        entry = repo.snapshot(self.hub.resolve(repo, revision)).entries.get("README.md")
        return parse_card_data(repo.read_blob(entry.oid)) if entry else None

    # -- internals used by the app -------------------------------------------------------

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    def _take_fault(self, method: str, path: str) -> int | None:
        with self._lock:
            for fault in self._faults:
                if fault.path_contains in path and (fault.method is None or fault.method == method):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault.status
        return None

    def _identity(self, token: str) -> Identity | None:
        if token in self.tokens:
            return Identity(self.user, True)
        if token in self.read_tokens:
            return Identity(self.user, False)
        return None

    def _check_namespace(self, user: Identity, namespace: str) -> None:
        if self.namespaces is not None and namespace not in self.namespaces:
            raise HubError(403, f"You don't have the rights to write to the namespace {namespace}")

    def _sign(self, *parts: object) -> str:
        message = ":".join(str(p) for p in parts).encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def _signed(
        self,
        path: str,
        action: str,
        oid: str,
        size: int | None = None,
        chunk: int | None = None,
        part: int | None = None,
    ) -> str:
        """A pre-signed URL on this server (the clients send no token to upload URLs, as with S3)."""
        query = []
        if size is not None:
            query.append(f"size={size}")
        if chunk is not None:
            query.append(f"chunk={chunk}")
        query.append("sig=" + self._sign(action, oid, size, chunk, part))
        return f"{self.url}{path}?{'&'.join(query)}"

    def _check_signature(
        self,
        query: QueryParams,
        action: str,
        oid: str,
        size: int | None = None,
        chunk: int | None = None,
        part: int | None = None,
    ) -> None:
        chunk = chunk if chunk else None
        expected = self._sign(action, oid, size, chunk, part)
        if not hmac.compare_digest(expected, query.get("sig", "")):
            raise HubError(403, "Invalid or missing signature on this upload URL")
