"""HTTP access for every connector: retries, conditional requests and the raw-file cache.

Every download lands in ETL_CACHE_DIR as `<source>/<sha256><suffix>` (content-addressed, so
each version is kept once) with a sidecar `<source>/<url-hash>.json` holding the URL, SHA-256,
ETag, Last-Modified and retrieval time. The sidecar drives conditional requests: a 304 means
the cached file is reused without downloading it again.

Every transfer is bounded: an overall deadline (HTTP_DEADLINE, since HTTP_TIMEOUT only bounds
each read, which a server trickling bytes never trips), a capped wait between retries
(HTTP_RETRY_AFTER_MAX, whatever Retry-After asks) and a size (HTTP_MAX_BYTES for files,
HTTP_JSON_MAX_BYTES for API answers, which are read into memory).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from core import settings
from etl.parse import bytes_fr
from etl.sources.base import RawFile, SourceError, SourceTooLarge, SourceUnreachable

log = logging.getLogger(__name__)

USER_AGENT = "tableau-de-bord-numerique-sante-etl/0.1 (+https://github.com/)"
CHUNK = 1 << 16
# 5xx are transient server errors; 429 is the portals' rate limit (sources.md § 2): back off.
# Other 4xx are final answers and are never retried.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def _default(name: str) -> Any:
    """A setting's declared default, so a hand-built HttpSettings keeps the same bounds."""
    return settings.EtlSettings.model_fields[name].default


@dataclass(frozen=True)
class HttpSettings:
    timeout: float
    retries: int
    backoff: float
    cache_dir: Path
    deadline: float = _default("http_deadline")
    retry_after_max: int = _default("http_retry_after_max")
    max_bytes: int = _default("http_max_bytes")
    json_max_bytes: int = _default("http_json_max_bytes")

    @classmethod
    def from_settings(cls) -> HttpSettings:
        config = settings.etl()
        return cls(
            timeout=config.http_timeout,
            retries=config.http_retries,
            backoff=config.http_backoff,
            cache_dir=config.cache_dir(),
            deadline=config.http_deadline,
            retry_after_max=config.http_retry_after_max,
            max_bytes=config.http_max_bytes,
            json_max_bytes=config.http_json_max_bytes,
        )


def make_session(*, retries: int, backoff: float, wait_max: int) -> requests.Session:
    """A session that retries connect/read errors and 5xx with exponential back-off.

    No wait between attempts exceeds `wait_max` seconds, neither the back-off nor the server's
    Retry-After (a portal asking for 30 s must not stall a run whose timeout is 2 s).
    """
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        backoff_factor=backoff,
        backoff_max=wait_max,
        retry_after_max=wait_max,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=False,  # the last response comes back; we raise the French error
        respect_retry_after_header=True,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def full_url(url: str, params: dict[str, str] | None) -> str:
    """The URL as requested, query string included, for messages and the run log."""
    if not params:
        return url
    return requests.Request("GET", url, params=params).prepare().url or url


def _url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]


def _suffix(url: str, content_type: str | None) -> str:
    name = PurePosixPath(unquote(urlparse(url).path)).name
    suffixes = "".join(PurePosixPath(name).suffixes[-2:])
    if suffixes and len(suffixes) <= 12:
        return suffixes
    if content_type and "json" in content_type:
        return ".json"
    if content_type and "csv" in content_type:
        return ".csv"
    return ".bin"


def _file_name(url: str) -> str:
    return PurePosixPath(unquote(urlparse(url).path)).name or urlparse(url).netloc


class Sidecar:
    """What we know about the last download of one URL (cache metadata, JSON on disk)."""

    def __init__(self, cache_dir: Path, *, source: str, url: str) -> None:
        self.dir = cache_dir / source
        self.path = self.dir / f"{_url_key(url)}.json"
        self.url = url

    def read(self) -> dict[str, Any] | None:
        """The sidecar's content, or None when absent, unreadable or its file is gone."""
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("url") != self.url or not (self.dir / str(data.get("file", ""))).is_file():
            return None
        return data

    def write(self, raw: RawFile, *, fingerprint: str | None) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        data = {
            "url": raw.url,
            "file": raw.path.name,
            "file_name": raw.file_name,
            "sha256": raw.sha256,
            "etag": raw.etag,
            "last_modified": raw.last_modified,
            "retrieved_at": raw.retrieved_at.isoformat(),
            "fingerprint": fingerprint,
        }
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(self.path)

    def cached(self, data: dict[str, Any], *, source: str) -> RawFile:
        """The cached file described by the sidecar, flagged as not modified."""
        return RawFile(
            source=source,
            url=self.url,
            path=self.dir / str(data["file"]),
            sha256=str(data["sha256"]),
            retrieved_at=dt.datetime.fromisoformat(str(data["retrieved_at"])),
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
            not_modified=True,
            file_name=str(data.get("file_name") or ""),
        )


class Progress:
    """A rich progress bar on a terminal, a plain log line per step otherwise."""

    def __init__(self, *, interactive: bool | None = None) -> None:
        self.interactive = sys.stderr.isatty() if interactive is None else interactive

    @contextmanager
    def download(self, label: str, *, total: int | None) -> Iterator[Any]:
        if not self.interactive:
            print(f"Téléchargement : {label}", file=sys.stderr, flush=True)
            yield lambda n: None
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TextColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as RichProgress

        with RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task(f"Téléchargement {label}", total=total)
            yield lambda n: bar.advance(task, n)


class HttpFetcher:
    """The network layer connectors use (etl.sources.base.Fetcher)."""

    def __init__(
        self,
        *,
        config: HttpSettings | None = None,
        session: requests.Session | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.config = config or HttpSettings.from_settings()
        self.session = session or make_session(
            retries=self.config.retries,
            backoff=self.config.backoff,
            wait_max=self.config.retry_after_max,
        )
        self.progress = progress or Progress()

    def _get(
        self,
        url: str,
        *,
        params: dict[str, str] | None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Always streamed: the body is read by Bounds.chunks, within the deadline and size."""
        shown = full_url(url, params)
        try:
            response = self.session.get(
                url, params=params, headers=headers, timeout=self.config.timeout, stream=True
            )
        except requests.exceptions.RetryError as exc:
            status = _status_of(exc)
            raise SourceUnreachable(shown, status=status, reason="trop d'erreurs") from None
        except requests.exceptions.Timeout:
            raise SourceUnreachable(
                shown, reason=f"délai de {self.config.timeout:g} s dépassé"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            reason = "délai dépassé" if "timed out" in str(exc).lower() else "connexion impossible"
            raise SourceUnreachable(shown, reason=reason) from None
        except requests.exceptions.RequestException as exc:
            raise SourceUnreachable(shown, reason=type(exc).__name__) from None
        if response.status_code >= 400:
            response.close()
            raise SourceUnreachable(shown, status=response.status_code, reason="")
        return response

    def get_json(self, url: str, *, params: dict[str, str] | None = None) -> Any:
        """The document, read whole into memory, hence its own smaller size limit."""
        bounds = self._bounds(
            full_url(url, params),
            max_bytes=self.config.json_max_bytes,
            setting="HTTP_JSON_MAX_BYTES",
        )
        response = self._get(url, params=params, headers={"Accept": "application/json"})
        with response:
            body = b"".join(bounds.chunks(response))
        try:
            return json.loads(body)
        except ValueError:
            raise SourceError(
                f"Réponse illisible de {full_url(url, params)} : JSON attendu."
            ) from None

    def download(
        self,
        url: str,
        *,
        source: str,
        params: dict[str, str] | None = None,
        fingerprint: str | None = None,
        file_name: str | None = None,
    ) -> RawFile:
        shown = full_url(url, params)
        sidecar = Sidecar(self.config.cache_dir, source=source, url=shown)
        known = sidecar.read()
        if known and fingerprint and known.get("fingerprint") == fingerprint:
            log.info("Inchangé (empreinte amont identique) : %s", shown)
            return sidecar.cached(known, source=source)
        headers: dict[str, str] = {}
        if known and known.get("etag"):
            headers["If-None-Match"] = str(known["etag"])
        if known and known.get("last_modified"):
            headers["If-Modified-Since"] = str(known["last_modified"])
        bounds = self._bounds(shown, max_bytes=self.config.max_bytes, setting="HTTP_MAX_BYTES")
        response = self._get(url, params=params, headers=headers)
        if response.status_code == 304 and known:
            response.close()
            log.info("Inchangé (HTTP 304) : %s", shown)
            return sidecar.cached(known, source=source)
        if response.status_code == 304:  # a 304 we did not ask for: nothing to reuse
            raise SourceUnreachable(shown, status=304, reason="")
        raw = self._store(
            response, bounds=bounds, source=source, file_name=file_name or _file_name(url)
        )
        sidecar.write(raw, fingerprint=fingerprint)
        return raw

    def _bounds(self, url: str, *, max_bytes: int, setting: str) -> Bounds:
        """Started before the first request, so retries count against the deadline."""
        return Bounds(
            url=url,
            started=time.monotonic(),
            deadline=self.config.deadline,
            max_bytes=max_bytes,
            size_setting=setting,
        )

    def _store(
        self, response: requests.Response, *, bounds: Bounds, source: str, file_name: str
    ) -> RawFile:
        """Stream the body into the cache while hashing it; the file is named by its hash.

        Any refusal (deadline, size, broken transfer) removes the partial file.
        """
        url = bounds.url
        target_dir = self.config.cache_dir / source
        target_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        fd, tmp_name = tempfile.mkstemp(dir=target_dir, prefix=".download-")
        tmp = Path(tmp_name)
        try:
            with (
                open(fd, "wb") as out,
                response,
                self.progress.download(file_name, total=total) as advance,
            ):
                for chunk in bounds.chunks(response):
                    out.write(chunk)
                    digest.update(chunk)
                    advance(len(chunk))
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        sha = digest.hexdigest()
        path = target_dir / f"{sha}{_suffix(url, response.headers.get('Content-Type'))}"
        tmp.replace(path)
        return RawFile(
            source=source,
            url=url,
            path=path,
            sha256=sha,
            retrieved_at=dt.datetime.now(dt.UTC),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            file_name=file_name,
        )

    def register_local(self, path: Path, *, source: str) -> RawFile:
        if not path.is_file():
            raise SourceError(f"Fichier introuvable : {path}. Aucune donnée modifiée.")
        sha = sha256_of(path)
        target_dir = self.config.cache_dir / source
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / f"{sha}{''.join(path.suffixes[-2:]) or '.bin'}"
        if not target.exists():
            shutil.copyfile(path, target)
        url = path.resolve().as_uri()
        raw = RawFile(
            source=source,
            url=url,
            path=target,
            sha256=sha,
            retrieved_at=dt.datetime.now(dt.UTC),
            file_name=path.name,
        )
        Sidecar(self.config.cache_dir, source=source, url=url).write(raw, fingerprint=None)
        return raw


@dataclass(frozen=True)
class Bounds:
    """How long and how much one transfer may take, checked between chunks.

    Chunks are read with `read1`, which returns what has arrived instead of waiting for a
    full chunk: a server sending one byte at a time is still seen between bytes.
    """

    url: str
    started: float  # time.monotonic() before the first request
    deadline: float
    max_bytes: int
    size_setting: str  # named in the refusal, so the operator knows what to raise

    def chunks(self, response: requests.Response) -> Iterator[bytes]:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large()
        received = 0
        while True:
            self._check_time()
            try:
                chunk = response.raw.read1(CHUNK, decode_content=True)
            except (urllib3.exceptions.HTTPError, OSError):
                raise SourceUnreachable(self.url, reason="téléchargement interrompu") from None
            if not chunk:
                return
            received += len(chunk)
            if received > self.max_bytes:
                raise self._too_large()
            yield chunk

    def _check_time(self) -> None:
        if time.monotonic() - self.started > self.deadline:
            raise SourceUnreachable(
                self.url,
                reason=f"délai total de {self.deadline:g} s dépassé, paramètre HTTP_DEADLINE",
            )

    def _too_large(self) -> SourceTooLarge:
        return SourceTooLarge(self.url, limit=bytes_fr(self.max_bytes), setting=self.size_setting)


def _status_of(exc: requests.exceptions.RetryError) -> int | None:
    """The HTTP status behind a RetryError (« too many 503 error responses »)."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    text = str(reason or exc)
    for token in text.replace("(", " ").split():
        if token.isdigit() and len(token) == 3:
            return int(token)
    return None
