"""Money is integer fen (分) everywhere; this module formats it and reads yuan people type."""
from decimal import Decimal, InvalidOperation


def format_money(fen, symbol="¥"):
    """``12345`` → ``¥123.45``; negative amounts keep their sign in front."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


def parse_yuan(text):
    """``"29.9"`` yuan → ``2990`` fen; None for anything that is not an amount with at most
    two decimals (callers add their own range rules and messages)."""
    try:
        amount = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)
