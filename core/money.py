"""Money is integer fen (分) everywhere; this module only formats it."""


def format_money(fen, symbol="¥"):
    """``12345`` → ``¥123.45``; negative amounts keep their sign in front."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"
