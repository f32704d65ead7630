"""Every package's models and event subscribers, imported once so the ORM and Alembic see
all tables and a process delivering an outbox event knows every subscriber of its topic.

This is the composition root's list: the packages themselves never import it.
"""
import billing.models  # noqa: F401
import billing.password_mail  # noqa: F401
import billing.subscriptions  # noqa: F401
import commerce.aftersales.models  # noqa: F401
import commerce.aftersales.service  # noqa: F401
import commerce.catalog.events  # noqa: F401
import commerce.catalog.images  # noqa: F401
import commerce.catalog.library  # noqa: F401
import commerce.catalog.models  # noqa: F401
import commerce.catalog.search_index  # noqa: F401
import commerce.catalog.service  # noqa: F401
import commerce.marketing.bargains.jobs  # noqa: F401
import commerce.marketing.bargains.models  # noqa: F401
import commerce.marketing.bargains.service  # noqa: F401
import commerce.marketing.coupons.models  # noqa: F401
import commerce.marketing.coupons.service  # noqa: F401
import commerce.marketing.distribution.jobs  # noqa: F401
import commerce.marketing.distribution.models  # noqa: F401
import commerce.marketing.distribution.service  # noqa: F401
import commerce.marketing.flash_sales.models  # noqa: F401
import commerce.marketing.flash_sales.service  # noqa: F401
import commerce.marketing.group_buys.jobs  # noqa: F401
import commerce.marketing.group_buys.models  # noqa: F401
import commerce.marketing.group_buys.service  # noqa: F401
import commerce.marketing.invites.models  # noqa: F401
import commerce.marketing.invites.service  # noqa: F401
import commerce.marketing.windows  # noqa: F401
import commerce.members.models  # noqa: F401
import commerce.members.points  # noqa: F401
import commerce.members.top_ups  # noqa: F401
import commerce.orders.catalog_keepers  # noqa: F401
import commerce.orders.jobs  # noqa: F401
import commerce.orders.models  # noqa: F401
import commerce.orders.queries  # noqa: F401
import commerce.orders.subscribers  # noqa: F401
import commerce.shipping.jobs  # noqa: F401
import commerce.shipping.models  # noqa: F401
import core.audit  # noqa: F401
import core.login_throttle  # noqa: F401
import core.outbox  # noqa: F401
import payments.models  # noqa: F401
import tenants.domains  # noqa: F401
import tenants.models  # noqa: F401
import tenants.provisioning  # noqa: F401
import themes.library_usage  # noqa: F401
import themes.models  # noqa: F401
import themes.pages  # noqa: F401
