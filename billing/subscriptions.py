"""Subscriptions. For now: the trial every new store starts with."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from billing.models import Subscription
from core.extensions import db
from core.models import utcnow
from tenants.provisioning import provisioning_step

TRIAL_PLAN = "pro"  # trials show the full product; the plan catalogue comes with billing


@provisioning_step(order=30)
def start_trial(tenant):
    """Give the store its trial subscription, once."""
    subscription = db.session.scalar(select(Subscription))
    if subscription is None:
        ends = utcnow() + timedelta(days=current_app.config["TRIAL_DAYS"])
        subscription = Subscription(plan=TRIAL_PLAN, status=Subscription.TRIALING, trial_ends_at=ends,
                                    current_period_end=ends)
        db.session.add(subscription)
        db.session.flush()
    return subscription
