"""Prometheus metrics, defined once in the core so every adapter and the core share them.

No platform imports here: the core increments what it knows (advice, spends,
escalations, notification delivery), ``adapters/server.py`` times HTTP requests. Each
``coachbot serve`` process exposes its own figures at ``GET /metrics``; Prometheus scrapes
every process and sums them, so no multiprocess mode is needed.

Label values are always from small, fixed sets (route templates, playbook ids, statuses,
platform names), never user input, so a scrape cannot grow without bound.
"""

from __future__ import annotations

# The default registry also carries the process and Python collectors (memory, CPU, GC),
# which operators expect next to the application's own figures.
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, disable_created_metrics

# ``*_created`` timestamps double the series count and Prometheus does not need them.
disable_created_metrics()

__all__ = [
    "ADVICE_SERVED",
    "ESCALATIONS_RAISED",
    "NOTIFICATIONS_DELIVERED",
    "NOTIFICATIONS_UNDELIVERABLE",
    "NOTIFICATION_RETRIES",
    "REGISTRY",
    "REQUESTS",
    "REQUEST_LATENCY",
    "SHARED_STATE_DEGRADED",
    "SPENDS",
    "STATE_FALLBACKS",
]

# Buckets around the budgets that matter: Slack wants an ack within 3 s (we aim for well
# under 150 ms), Teams a reply within 15 s.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)

REQUESTS = Counter(
    "coachbot_http_requests_total",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
)
REQUEST_LATENCY = Histogram(
    "coachbot_http_request_duration_seconds",
    "Time from request received to response ready, by route template.",
    ["route"],
    buckets=_LATENCY_BUCKETS,
)
ADMISSION_WAITS = Counter(
    "coachbot_admission_waits_total",
    "Platform requests held because the process still had its limit of follow-up work.",
)
ADMISSION_OVERRUNS = Counter(
    "coachbot_admission_overruns_total",
    "Held requests that went ahead after the longest wait, over the follow-up limit.",
)
ADVICE_SERVED = Counter(
    "coachbot_advice_served_total",
    "Situations answered with a playbook, by the playbook chosen.",
    ["playbook"],
)
SPENDS = Counter(
    "coachbot_spends_total",
    "Discretionary spends recorded in the ledger, by status at recording.",
    ["status"],
)
ESCALATIONS_RAISED = Counter(
    "coachbot_escalations_total",
    "Escalations raised, by kind (spend over authority, or situation).",
    ["kind"],
)
NOTIFICATION_RETRIES = Counter(
    "coachbot_notification_retries_total",
    "Notification deliveries that failed and were scheduled again, by platform.",
    ["platform"],
)
NOTIFICATIONS_DELIVERED = Counter(
    "coachbot_notifications_delivered_total",
    "Notifications the platform accepted, by platform.",
    ["platform"],
)
NOTIFICATIONS_UNDELIVERABLE = Counter(
    "coachbot_notifications_undeliverable_total",
    "Notifications given up on (a person must fix the configuration), by platform.",
    ["platform"],
)
SHARED_STATE_DEGRADED = Gauge(
    "coachbot_shared_state_degraded",
    "1 while Redis is unreachable and this process runs on in-process state.",
)
STATE_FALLBACKS = Counter(
    "coachbot_shared_state_fallbacks_total",
    "Shared-state operations served in-process because Redis was unreachable, by operation.",
    ["operation"],
)
