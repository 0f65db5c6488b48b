"""Optional REST authentication: HTTP basic from a credentials file, or a bearer token.

Worker config keys:
    rest.auth.credentials.file   lines ``user: password`` (``#`` comments), or a JSON
                                 object ``{"user": "password"}``
    rest.auth.token              a bearer token (``Authorization: Bearer <token>``)

Both may be set; a request passes with either. Every path is protected, the OpenAPI
document included.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from connect.api.errors import ConfigError
from connect.config import resolve

CREDENTIALS_FILE = "rest.auth.credentials.file"
TOKEN = "rest.auth.token"


def parse_credentials(text: str) -> dict[str, str]:
    """Users and passwords from ``user: password`` lines or a JSON object."""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"credentials file is not valid JSON: {exc.msg}") from exc
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ConfigError('credentials JSON must be an object {"user": "password"}')
        return dict(data)
    users: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user.strip():
            raise ConfigError(f"credentials file line {number}: expected 'user: password'")
        users[user.strip()] = password.strip()
    return users


@dataclass(frozen=True)
class AuthConfig:
    """Who may call the API: basic-auth users and/or one bearer token."""

    users: Mapping[str, str] = field(default_factory=dict)
    token: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.users) or bool(self.token)

    @classmethod
    def from_file(cls, path: str | Path, token: str | None = None) -> AuthConfig:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read credentials file: {exc.strerror or exc}", key=CREDENTIALS_FILE
            ) from exc
        return cls(users=parse_credentials(text), token=token)

    @classmethod
    def from_worker_config(cls, config: Mapping[str, Any]) -> AuthConfig | None:
        """From a worker config mapping (``WorkerConfig.model_extra`` works); ``None`` if unset."""
        path = config.get(CREDENTIALS_FILE)
        raw_token = config.get(TOKEN)
        token = str(resolve(_plain(raw_token))) if raw_token else None
        if path:
            return cls.from_file(str(resolve(_plain(path))), token)
        return cls(token=token) if token else None

    def allows(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header value carries valid credentials."""
        if not self.enabled:
            return True
        if not authorization:
            return False
        scheme, _, value = authorization.partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        if scheme == "bearer" and self.token:
            return hmac.compare_digest(value.encode(), self.token.encode())
        if scheme == "basic" and self.users:
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            user, sep, password = decoded.partition(":")
            expected = self.users.get(user)
            return (
                bool(sep)
                and expected is not None
                and (hmac.compare_digest(password.encode(), expected.encode()))
            )
        return False

    def challenge(self) -> str:
        return 'Basic realm="smart-connect"' if self.users else 'Bearer realm="smart-connect"'


def _plain(value: Any) -> Any:
    """The string inside a pydantic ``SecretStr``, or the value itself."""
    getter = getattr(value, "get_secret_value", None)
    return getter() if callable(getter) else value


class AuthMiddleware:
    """ASGI middleware answering 401 in Kafka Connect's error shape without credentials."""

    def __init__(
        self, app: ASGIApp, auth: AuthConfig, public_paths: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.auth = auth
        self.public_paths = public_paths  # e.g. /health, reachable by probes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.public_paths:
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        if self.auth.allows(header):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "error_code": 401,
                "message": "Authentication required: missing or invalid credentials",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", self.auth.challenge().encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
