"""Faults the sandbox can be told to make, for tests and the fault harness; all off by
default."""
from dataclasses import dataclass, field


@dataclass
class Faults:
    # Seconds the create-refund endpoint sleeps after recording the refund in the ledger,
    # before answering: the refund is made at "WeChat" while the caller's read times out.
    refund_answer_delay: float = 0.0
    # Endpoint name ("refund", "refund_query") → how many of its next requests are answered
    # HTTP 500 SYSTEM_ERROR without doing the work.
    fail_next: dict = field(default_factory=dict)

    def reset(self):
        self.refund_answer_delay = 0.0
        self.fail_next = {}
