"""Who may use which part of ``xltools serve``: two roles, signed sessions, throttled sign-in.

* Two roles. The clerks' token (``--token``) opens the check page, ``/api/check`` and
  ``/api/annotate``; the district's token (``--district-token``) opens those and also ``/district``
  and ``/api/combine``. With a clerks' token but no district token the district routes are off
  (404). With no token at all everything is open (one person on their own computer).
* Sessions. A browser signs in once on ``/login`` and then carries a cookie
  ``<role>.<expires>.<signature>``: an HMAC-SHA256 with a key drawn at random when the server
  starts, so a cookie cannot be made from the token, expires after ``session_hours`` and ends with
  the server process.
* Throttling. Wrong tokens (sign-in form or ``Authorization`` header) are counted per client
  address; after ``attempts`` failures within ``window`` seconds that client is refused with 429
  until the window has passed, whatever it sends.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

__all__ = ["CLERK", "DISTRICT", "DISTRICT_PATHS", "Keys", "Throttle", "client_of"]

CLERK, DISTRICT = "clerk", "district"
#: The district's routes (the district page and its form door, and the combine API).
DISTRICT_PATHS = frozenset({"/district", "/api/combine"})


def client_of(scope: dict) -> str:
    """The client's address (what the per-client limits count by)."""
    client = scope.get("client")
    return str(client[0]) if client else "?"


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


@dataclass(frozen=True)
class Keys:
    """The two tokens and the session key of one server process."""

    clerk: str | None = None
    district: str | None = None
    session_hours: float = 8.0
    secret: bytes = b""

    @classmethod
    def make(cls, clerk: str | None, district: str | None, session_hours: float = 8.0) -> Keys:
        return cls(clerk or None, district or None, session_hours, secrets.token_bytes(32))

    @property
    def open(self) -> bool:
        """No token at all: every route is open."""
        return self.clerk is None and self.district is None

    def district_routes_on(self) -> bool:
        return self.open or self.district is not None

    def role_of_token(self, given: str) -> str | None:
        """The role a token opens, or None (both tokens are compared, each in constant time)."""
        matches = [hmac.compare_digest(_digest(given), _digest(token)) if token is not None else False
                   for token in (self.district, self.clerk)]
        return DISTRICT if matches[0] else CLERK if matches[1] else None

    def cookie_for(self, role: str, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + self.session_hours * 3600)
        payload = f"{role}.{expires}"
        return f"{payload}.{self._sign(payload)}"

    def role_of_cookie(self, value: str, now: float | None = None) -> str | None:
        """The role of a session cookie that this process signed and that has not expired, or None."""
        role, _, rest = value.partition(".")
        expires, _, signature = rest.partition(".")
        if role not in (CLERK, DISTRICT) or not expires.isdigit():
            return None
        if not hmac.compare_digest(signature, self._sign(f"{role}.{expires}")):
            return None
        if int(expires) <= (time.time() if now is None else now):
            return None
        return role

    def allows(self, role: str | None, path: str) -> bool:
        """Whether ``role`` (None: no valid credential) may use ``path``."""
        if self.open:
            return True
        if path in DISTRICT_PATHS:
            return role == DISTRICT
        return role is not None or self.clerk is None  # without a clerks' token their routes are open

    def _sign(self, payload: str) -> str:
        return hmac.new(self.secret, payload.encode("ascii"), hashlib.sha256).hexdigest()


class Throttle:
    """Failed sign-ins per client address: at most ``attempts`` within ``window`` seconds."""

    def __init__(self, attempts: int = 5, window: float = 300.0, clients: int = 10_000) -> None:
        self.attempts, self.window, self.clients = attempts, window, clients
        self.failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self.failures.get(client)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self.failures[client]
        return times

    def wait(self, client: str, now: float | None = None) -> float:
        """Seconds until ``client`` may try again (0: it may try now)."""
        now = time.monotonic() if now is None else now
        times = self._recent(client, now)
        if len(times) < self.attempts:
            return 0.0
        return max(1.0, times[0] + self.window - now)

    def failed(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        times = self._recent(client, now)
        self.failures[client] = times
        self.failures.move_to_end(client)
        times.append(now)
        while len(self.failures) > self.clients:  # bounded memory: the longest quiet client is forgotten
            self.failures.popitem(last=False)
