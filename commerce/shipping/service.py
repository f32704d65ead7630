"""Shipping verbs: templates with their rules (create, update, delete, make default), the
pure pricing function ``quote_shipping`` and ``shipping_fee_for`` for checkout, and the
default template of a new store.

Money is integer fen, weights whole grams; the only rounding is that every started
``extra_weight_g`` is charged in full (integer ceiling division).
"""
from flask_babel import gettext as _
from sqlalchemy import select, update

from commerce.shipping.errors import InvalidShippingTemplate, NotDeliverable
from commerce.shipping.models import ShippingRule, ShippingTemplate
from commerce.shipping.regions import HK_MACAO_TAIWAN_ABROAD, is_known_region, region_name
from core.audit import record_audit
from core.extensions import db
from tenants.provisioning import provisioning_step

MAX_NAME = 40
MAX_RULES = 30
MAX_FEE = 100_000_00  # fen: 十万元, far above any parcel; catches a price typed in fen as yuan
MAX_WEIGHT_G = 1_000_000  # grams: one tonne
RULE_FIELDS = ("first_weight_g", "first_fee", "extra_weight_g", "extra_fee")


# --- pricing ------------------------------------------------------------------------------

def quote_shipping(template, *, province_code, lines, subtotal):
    """The fee in fen for sending ``lines`` to ``province_code`` under ``template``.

    ``lines`` are ``(weight_g or None, quantity)``; a line without a weight weighs 0 g, so
    an order of weightless goods pays the first-weight fee. The fee is ``first_fee`` up to
    ``first_weight_g``, plus ``extra_fee`` for every started ``extra_weight_g`` beyond it.
    A ``subtotal`` (fen) of at least ``free_over`` ships free. Reads no database.

    :raise NotDeliverable: the province is excluded, or no rule covers it
    """
    if province_code in template.not_delivered:
        raise NotDeliverable(_("This store does not deliver to %(region)s.", region=region_name(province_code)),
                             province_code=province_code)
    rule = template.rule_for(province_code)
    if rule is None:
        raise NotDeliverable(_("This store does not deliver to %(region)s.", region=region_name(province_code)),
                             province_code=province_code)
    if template.free_over is not None and subtotal >= template.free_over:
        return 0
    total_g = sum((weight_g or 0) * quantity for weight_g, quantity in lines)
    if total_g <= rule.first_weight_g:
        return rule.first_fee
    extra_units = -(-(total_g - rule.first_weight_g) // rule.extra_weight_g)  # ceiling: a started unit counts
    return rule.first_fee + extra_units * rule.extra_fee


def default_template():
    """The current store's default template, with its rules, or None."""
    return db.session.scalar(select(ShippingTemplate).where(ShippingTemplate.is_default))


def shipping_fee_for(province_code, lines, subtotal):
    """The fee in fen under the current store's default template (see ``quote_shipping``).

    A store with no shipping template at all ships everything free, everywhere: new stores
    get the "全国包邮" template at provisioning, so this only happens when a merchant has
    deleted every template.

    :raise NotDeliverable: the default template does not deliver to the province
    """
    template = default_template()
    if template is None:
        return 0
    return quote_shipping(template, province_code=province_code, lines=lines, subtotal=subtotal)


# --- templates ----------------------------------------------------------------------------

def list_templates():
    """The current store's templates, the default first."""
    return db.session.scalars(
        select(ShippingTemplate).order_by(ShippingTemplate.is_default.desc(), ShippingTemplate.id)).all()


def create_template(*, actor, name, rules, free_over=None, not_delivered=(), is_default=False):
    """A new template. ``rules`` is a list of dicts with ``regions`` (province codes, empty
    for "everywhere else"), ``first_weight_g``, ``first_fee``, ``extra_weight_g`` and
    ``extra_fee``. The store's first template becomes its default whatever ``is_default`` says.

    :raise InvalidShippingTemplate: a rule is broken; ``field`` names what to fix
    """
    template = ShippingTemplate(is_default=False)
    _fill_template(template, name=name, rules=rules, free_over=free_over, not_delivered=not_delivered)
    db.session.add(template)
    db.session.flush()
    if is_default or default_template() is None:
        _make_default(template)
    record_audit("shipping_template.create", actor=actor, tenant_id=template.tenant_id, target=template,
                 details={"name": template.name, "rules": len(template.rules)})
    return template


def update_template(template, *, actor, name, rules, free_over=None, not_delivered=(), is_default=False):
    """Change a template and replace its rules. ``is_default`` can make it the default; the
    default stops being one only when another template is made default.

    :raise InvalidShippingTemplate: a rule is broken; ``field`` names what to fix
    """
    _fill_template(template, name=name, rules=rules, free_over=free_over, not_delivered=not_delivered)
    db.session.flush()
    if is_default and not template.is_default:
        _make_default(template)
    record_audit("shipping_template.update", actor=actor, tenant_id=template.tenant_id, target=template,
                 details={"name": template.name, "rules": len(template.rules)})
    return template


def set_default_template(template, *, actor):
    """Make ``template`` the one checkout uses; the previous default stays as a template."""
    if not template.is_default:
        _make_default(template)
        record_audit("shipping_template.default", actor=actor, tenant_id=template.tenant_id, target=template,
                     details={"name": template.name})
    return template


def delete_template(template, *, actor):
    """Delete a template. The default goes only when it is the last one (the store then
    ships free); otherwise another template has to be made default first.

    :raise InvalidShippingTemplate: it is the default and other templates exist
    """
    if template.is_default and db.session.scalar(
            select(ShippingTemplate.id).where(ShippingTemplate.id != template.id).limit(1)) is not None:
        raise InvalidShippingTemplate(_("Make another template the default before deleting this one."),
                                      field="is_default")
    record_audit("shipping_template.delete", actor=actor, tenant_id=template.tenant_id, target=template,
                 details={"name": template.name})
    db.session.delete(template)
    db.session.flush()


def _make_default(template):
    # Clear the old default first: the partial unique index admits one default per store.
    db.session.execute(update(ShippingTemplate).where(ShippingTemplate.is_default, ShippingTemplate.id != template.id)
                       .values(is_default=False).execution_options(synchronize_session="fetch"))
    template.is_default = True
    db.session.flush()


def _fill_template(template, *, name, rules, free_over, not_delivered):
    name = (name or "").strip()
    if not name:
        raise InvalidShippingTemplate(_("Name is required."), field="name")
    if len(name) > MAX_NAME:
        raise InvalidShippingTemplate(_("Name can be at most %(n)d characters.", n=MAX_NAME), field="name")
    taken = select(ShippingTemplate.id).where(ShippingTemplate.name == name)
    if template.id is not None:
        taken = taken.where(ShippingTemplate.id != template.id)
    if db.session.scalar(taken.limit(1)) is not None:
        raise InvalidShippingTemplate(_("Another template is already called %(name)s.", name=name), field="name")
    if free_over is not None and not _is_whole(free_over, minimum=0, maximum=MAX_FEE):
        raise InvalidShippingTemplate(_("The free-shipping threshold must be an amount of at least 0."),
                                      field="free_over")
    excluded = _region_codes(not_delivered, field="not_delivered")
    checked = _checked_rules(rules, excluded)
    template.name, template.free_over, template.not_delivered = name, free_over, excluded
    template.rules = [ShippingRule(position=position, **rule) for position, rule in enumerate(checked)]


def _checked_rules(rules, excluded):
    rules = list(rules)
    if not rules:
        raise InvalidShippingTemplate(_("Add at least one rule."), field="rules")
    if len(rules) > MAX_RULES:
        raise InvalidShippingTemplate(_("A template can have at most %(n)d rules.", n=MAX_RULES), field="rules")
    claimed, catch_all, checked = {}, None, []
    for index, rule in enumerate(rules):
        number = index + 1
        regions = _region_codes(rule.get("regions") or (), field=f"rule_{index}_regions")
        for code in regions:
            if code in claimed:
                raise InvalidShippingTemplate(
                    _("%(region)s is in rule %(a)d and rule %(b)d; a region can be in one rule only.",
                      region=region_name(code), a=claimed[code], b=number), field=f"rule_{index}_regions")
            if code in excluded:
                raise InvalidShippingTemplate(
                    _("%(region)s is in rule %(n)d but also not delivered to.", region=region_name(code), n=number),
                    field=f"rule_{index}_regions")
            claimed[code] = number
        if not regions:
            if catch_all is not None:
                raise InvalidShippingTemplate(
                    _("Rules %(a)d and %(b)d both cover everywhere else; pick regions for one of them.",
                      a=catch_all, b=number), field=f"rule_{index}_regions")
            catch_all = number
        for key, minimum, maximum in (("first_weight_g", 1, MAX_WEIGHT_G), ("extra_weight_g", 1, MAX_WEIGHT_G),
                                      ("first_fee", 0, MAX_FEE), ("extra_fee", 0, MAX_FEE)):
            if not _is_whole(rule.get(key), minimum=minimum, maximum=maximum):
                message = (_("Rule %(n)d: weights must be whole grams above 0.", n=number) if minimum
                           else _("Rule %(n)d: fees must be amounts of at least 0.", n=number))
                raise InvalidShippingTemplate(message, field=f"rule_{index}_{key}")
        checked.append({"regions": regions, **{key: rule[key] for key in RULE_FIELDS}})
    return checked


def _region_codes(codes, *, field):
    """Known region codes, de-duplicated, in the order given."""
    cleaned = []
    for code in codes:
        code = str(code).strip()
        if not is_known_region(code):
            raise InvalidShippingTemplate(_("Unknown region code %(code)s.", code=code), field=field)
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def _is_whole(value, *, minimum, maximum):
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum


# --- provisioning -------------------------------------------------------------------------

def nationwide_free_shipping():
    """The arguments of a "全国包邮" template: free everywhere in the mainland, no delivery
    to Hong Kong, Macao, Taiwan or abroad."""
    return {"name": _("Free shipping nationwide"), "free_over": None,
            "not_delivered": list(HK_MACAO_TAIWAN_ABROAD),
            "rules": [{"regions": [], "first_weight_g": 1000, "first_fee": 0, "extra_weight_g": 1000, "extra_fee": 0}]}


@provisioning_step(order=25)
def create_default_shipping_template(tenant):
    """A new store ships free nationwide, unless it already has a template."""
    if db.session.scalar(select(ShippingTemplate.id).limit(1)) is not None:
        return None
    return create_template(actor=None, is_default=True, **nationwide_free_shipping())
