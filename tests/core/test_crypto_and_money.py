import pytest

from core.crypto import DecryptionError, decrypt_pii, encrypt_pii, generate_key, mask_phone
from core.money import format_money

KEY = generate_key()


def test_encrypted_value_round_trips_and_hides_the_plaintext():
    stored = encrypt_pii("13812345678", key=KEY)
    assert stored.startswith("v1:") and "13812345678" not in stored
    assert decrypt_pii(stored, key=KEY) == "13812345678"


def test_same_value_encrypts_differently_each_time():
    assert encrypt_pii("广东省深圳市", key=KEY) != encrypt_pii("广东省深圳市", key=KEY)


def test_tampered_ciphertext_or_wrong_key_is_refused():
    stored = encrypt_pii("13812345678", key=KEY)
    tampered = stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        decrypt_pii(tampered, key=KEY)
    with pytest.raises(DecryptionError):
        decrypt_pii(stored, key=generate_key())


def test_short_key_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        encrypt_pii("x", key="c2hvcnQ=")


@pytest.mark.parametrize("phone, masked", [("13812345678", "138****5678"), ("", ""), ("12345", "****")])
def test_phone_masking(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("fen, text", [(0, "¥0.00"), (7900, "¥79.00"), (123456789, "¥1,234,567.89"),
                                       (-505, "-¥5.05"), (None, "")])
def test_money_is_formatted_from_integer_fen(fen, text):
    assert format_money(fen) == text


@pytest.mark.parametrize("text, fen", [("29.9", 2990), ("0.01", 1), (" 12 ", 1200), ("-5", -500), ("1e3", 100000),
                                        ("1.234", None), ("abc", None), ("", None), (None, None), ("NaN", None)])
def test_parse_yuan_reads_amounts_of_at_most_two_decimals(text, fen):
    from core.money import parse_yuan

    assert parse_yuan(text) == fen
