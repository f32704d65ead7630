"""Console forms of distribution (分销) and invite rewards: the program's settings and the
invite tiers. Input is read once into whole numbers; ranges stay with the verbs
(``save_distribution_settings``, ``save_invite_settings``), which say which rule was broken.
Field names are the ones the screens have always posted."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

from commerce.marketing.invites.service import MAX_TIERS
from core.forms import WholeField

UNSET = -1  # an empty number the verb must refuse with its own range message


def _or(value, fallback):
    return fallback if value is None else value


class DistributionSettingsForm(FlaskForm):
    enabled = BooleanField(_l("Run a distribution program"))
    level1_percent = WholeField(_l("Level 1 commission (percent)"))
    level2_percent = WholeField(_l("Level 2 commission (percent), 0 for none"))
    settle_days = WholeField(_l("Days after completion before a commission settles"))

    def arguments(self):
        return {"enabled": self.enabled.data, "level1_percent": _or(self.level1_percent.data, UNSET),
                "level2_percent": _or(self.level2_percent.data, UNSET),
                "settle_days": _or(self.settle_days.data, UNSET)}


class InviteTiersForm(FlaskForm):
    """``enabled`` and up to ``MAX_TIERS`` rows of ``invites_<n>``, ``coupon_id_<n>``,
    ``points_<n>`` (rows left empty are skipped)."""

    enabled = BooleanField(_l("Give invite rewards"))

    @classmethod
    def of(cls, settings):
        data = {"enabled": settings.enabled}
        for row, tier in enumerate(settings.tiers[:MAX_TIERS]):
            data.update({f"invites_{row}": tier["invites"], f"coupon_id_{row}": tier.get("coupon_id"),
                         f"points_{row}": tier.get("points") or None})
        return cls(data=data)

    def rows(self):
        """``[(invites field, coupon field, points field)]`` for every row of the form."""
        return [(self[f"invites_{row}"], self[f"coupon_id_{row}"], self[f"points_{row}"]) for row in range(MAX_TIERS)]

    def tiers(self):
        """``[(invites, coupon id or None, points)]`` of the rows filled in, for ``save_invite_settings``."""
        tiers = []
        for invites, coupon, points in self.rows():
            if not any(field.raw_data and (field.raw_data[0] or "").strip() for field in (invites, coupon, points)):
                continue
            tiers.append((_or(invites.data, UNSET), coupon.data, _or(points.data, 0)))
        return tiers


for _row in range(MAX_TIERS):
    setattr(InviteTiersForm, f"invites_{_row}", WholeField(_l("Friends counted")))
    setattr(InviteTiersForm, f"coupon_id_{_row}", WholeField(_l("Coupon")))
    setattr(InviteTiersForm, f"points_{_row}", WholeField(_l("Points")))
