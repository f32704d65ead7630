from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from core.clock import CHINA_TZ
from themes.blocks.registry import BlockSettings, BlockType, register
from themes.data import Need
from themes.fields import N_, Number, Text


def _check_ends_at(value):
    """An ISO 8601 date-time, stored with its offset so the countdown is unambiguous.

    A time without an offset is read as China time, where merchants and shoppers are.
    """
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("use a date and time like 2026-06-18T20:00:00+08:00") from None
    if not 2000 <= moment.year <= 2100:
        raise ValueError("the end time must be between the years 2000 and 2100")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TZ)
    return moment.isoformat(timespec="seconds")


class FlashSaleSettings(BlockSettings):
    title: Text(N_("Title"), max_length=30)
    ends_at: Annotated[str, Field(default="", max_length=40, title=N_("Ends at"),
                                  json_schema_extra={"widget": "datetime"}),
                       AfterValidator(_check_ends_at)]
    count: Number(N_("How many"), default=4, ge=1, le=20)


def needs(settings):
    return [Need("flash_sales", count=settings.count)]


register(BlockType(name="flash_sale", label=N_("Flash sale countdown"), icon="⚡", settings=FlashSaleSettings,
                   group="marketing", max_per_page=3, needs=needs))
