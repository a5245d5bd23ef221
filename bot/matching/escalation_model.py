"""A learned second reading of one question: must a manager know about this now, and why?

The rules (``bot.signals``, the safety detector, a playbook's "always escalate") catch
what they have words for. Staff often tell the reason without those words: "house has
been cold for days and he sounds weak" (wellbeing), "said he knows what car she drives"
(abuse), "cc'd the whole member list" (privacy). This model reads the whole line, as the
situation classifier does, but its labels are the escalation reasons plus ``none``.

It adds a page the rules missed (``matcher.LEARNED_ESCALATION_TRUST``). It removes only
a page a word rule raised for a reason other than danger or a customer leaving, when it
is all but sure no manager is needed (``matcher.CALM_TRUST``); and, with the classifier,
it lets the matcher doubt a safety alarm both read as harmless (``matcher.DOUBT_DANGER``).
Every bar was chosen on the development sets, never on the held-out judges.

Trained by ``benchmarks/train_escalation_model.py`` on lines labelled with a reason by
people who did not write the held-out sets or the rules
(``playbooks/training/labelled/*.jsonl``), plus the playbook-labelled training lines of
playbooks whose reason is not in doubt (``PLAYBOOK_REASON``). Shipped as plain arrays
(``escalation_model.npz``); it reuses the situation classifier's features of the line,
so it costs one more small matrix sum (~0.05 ms).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from bot.matching.classifier import (
    SHIPPED_ESCALATION_MLP,
    SHIPPED_ESCALATION_MODEL,
    ClassifierModel,
    load_shipped,
)

# The label for "no manager needed now".
NONE = "none"

# How a training line labelled only with its playbook counts for this model. A playbook
# whose lines may or may not need a manager (a customer leaving: for cause or not; a VIP;
# a vulnerable customer: at risk or not; a legal threat or abuse: which one) is left out:
# only the explicitly labelled lines teach those.
PLAYBOOK_REASON: dict[str, str] = {
    "medical-emergency": "safety",
    "missing-person": "safety",
    "self-harm-or-crisis": "safety",
    "safety-emergency": "safety",
    "staff-harassed": "abuse",
    "privacy-or-data-breach": "privacy",
    "review-threat": "review",
    "theft-or-security": "security",
    **dict.fromkeys(
        (
            "angry-customer",
            "slow-or-poor-service",
            "product-defect",
            "property-damaged-or-stuck",
            "billing-dispute",
            "no-response",
            "hesitant-or-quiet",
            "customer-at-fault",
            "third-party-failure",
            "wrong-order",
            "handoff-transfer",
            "delight-moment",
            "allergy-or-dietary",
            "accessibility-need",
            "language-barrier",
            "overbooked-or-unavailable",
            "lost-property",
            "hygiene-or-pest",
            "mass-disruption",
            "complaint-about-staff",
            "discount-or-status-claim",
            "refund-or-return",
            "disruptive-other-customer",
            "general-recovery",
        ),
        NONE,
    ),
}


@cache
def shipped_escalation_model() -> ClassifierModel | None:
    """The model shipped with the library, loaded once per process (None if absent)."""
    return load_shipped(SHIPPED_ESCALATION_MODEL, (SHIPPED_ESCALATION_MLP,))


@dataclass(frozen=True, slots=True)
class EscalationReading:
    """The model's most likely reason for a page, and how sure it is."""

    reason: str | None  # the most probable reason it pages for
    probability: float  # the probability of the reasons it pages for, together
    needed: float  # 1 - P(none): the probability that some manager must know
    danger: float  # P(safety): the probability that someone is in danger
    leaving: float = 0.0  # P(leaving): a customer leaving who must reach a manager


# Labels the model learns but does not page for: danger has its own readers (the safety
# detector, and the situation classifier, which tells a missing person from a confused
# but safe customer better than a reason alone can), and a second page for it here
# only added false alarms on the development sets ("elderly man confused about his bill").
# A VIP with an ordinary problem is looked after by its playbook, not a page: only a major
# account leaving must reach a manager at once, and "leaving" says that.
NOT_PAGED = frozenset({NONE, "safety", "vip"})


def read_escalation(model: ClassifierModel, features: Iterable[str]) -> EscalationReading:
    probabilities = model.probabilities_of(features)
    reasons = {label: p for label, p in probabilities.items() if label not in NOT_PAGED}
    needed = 1.0 - probabilities.get(NONE, 0.0)
    danger = probabilities.get("safety", 0.0)
    leaving = probabilities.get("leaving", 0.0)
    if not reasons:
        return EscalationReading(None, 0.0, needed, danger, leaving)
    reason = max(reasons, key=reasons.__getitem__)
    # A page's probability is all the paged reasons together: "our biggest client is
    # reviewing the contract" splits between leaving and vip, and needs a manager either way.
    return EscalationReading(reason, sum(reasons.values()), needed, danger, leaving)
