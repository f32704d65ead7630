"""Fault switches, all off by default, so tests and the fault harness (``make chaos``) can
make the sandbox misbehave the way WeChat Pay sometimes does. Set them in process
(``sandbox.faults.refund_answer_delay = 3``) or over the shared server's control API
(``POST /control/faults``, loopback only)."""
import threading
from dataclasses import dataclass, field, fields

# The API endpoints ``fail_next`` can name.
ENDPOINTS = ("prepay", "query", "close", "refund", "refund_query")


@dataclass
class Faults:
    # Seconds the create-refund endpoint sleeps AFTER recording the refund, before answering:
    # WeChat has the refund, the caller times out without knowing.
    refund_answer_delay: float = 0.0
    # endpoint name → how many of its next requests answer HTTP 500 SYSTEM_ERROR without doing the work.
    fail_next: dict = field(default_factory=dict)
    # Seconds to wait before POSTing a payment or refund notification.
    notify_delay: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def reset(self):
        with self._lock:
            self.refund_answer_delay, self.notify_delay = 0.0, 0.0
            self.fail_next = {}

    def take_failure(self, endpoint):
        """True (and one fewer left) when the next request to ``endpoint`` must fail."""
        with self._lock:
            left = int(self.fail_next.get(endpoint) or 0)
            if left <= 0:
                return False
            self.fail_next[endpoint] = left - 1
            return True

    def update(self, values):
        """Set switches from a JSON object; unknown names or endpoints raise ``ValueError``."""
        known = {f.name for f in fields(self) if not f.name.startswith("_")}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown fault switches: {', '.join(sorted(unknown))}")
        fail_next = values.get("fail_next", {})
        if not isinstance(fail_next, dict) or set(fail_next) - set(ENDPOINTS):
            raise ValueError(f"fail_next maps endpoint names ({', '.join(ENDPOINTS)}) to counts")
        with self._lock:
            for name in ("refund_answer_delay", "notify_delay"):
                if name in values:
                    setattr(self, name, float(values[name]))
            self.fail_next.update({name: int(count) for name, count in fail_next.items()})

    def as_json(self):
        with self._lock:
            return {"refund_answer_delay": self.refund_answer_delay, "fail_next": dict(self.fail_next),
                    "notify_delay": self.notify_delay}
