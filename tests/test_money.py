"""Amounts as staff type them: parsing, refusing, formatting (examples and properties)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import InvalidAmount, InvalidInput
from bot.models import Money
from bot.money import (
    CURRENCIES,
    currency_exponent,
    format_money,
    parse_amount,
    parse_limit,
    to_major,
    to_minor,
)


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


# --- accepted as people type them ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "org", "minor", "currency"),
    [
        ("48", "GBP", 4800, "GBP"),
        ("£48.50", "GBP", 4850, "GBP"),
        ("$1,200", "USD", 120000, "USD"),
        ("48 GBP", "GBP", 4800, "GBP"),
        ("48GBP", "GBP", 4800, "GBP"),
        ("gbp 48", "GBP", 4800, "GBP"),
        ("GBP48", "GBP", 4800, "GBP"),
        ("48,50 €", "EUR", 4850, "EUR"),
        ("€48,50", "EUR", 4850, "EUR"),
        ("1.200,50 €", "EUR", 120050, "EUR"),
        ("1 200,50 €", "EUR", 120050, "EUR"),
        ("1\u00a0200,50 €", "EUR", 120050, "EUR"),
        ("1.200 €", "EUR", 120000, "EUR"),
        ("1,200 €", "EUR", 120000, "EUR"),
        ("1,200.50", "GBP", 120050, "GBP"),
        ("1'200.50 CHF", "CHF", 120050, "CHF"),
        ("48.5", "GBP", 4850, "GBP"),
        ("48,5", "GBP", 4850, "GBP"),
        ("1,200", "GBP", 120000, "GBP"),
        ("1,000,000", "GBP", 100000000, "GBP"),
        ("48,50", "GBP", 4850, "GBP"),
        ("£1.2k", "GBP", 120000, "GBP"),
        ("1k", "GBP", 100000, "GBP"),
        ("1.5K", "GBP", 150000, "GBP"),
        ("48p", "GBP", 48, "GBP"),
        ("50 pence", "GBP", 50, "GBP"),
        ("50c", "USD", 50, "USD"),
        ("50c", "EUR", 50, "EUR"),
        ("48 quid", "GBP", 4800, "GBP"),
        ("20 bucks", "USD", 2000, "USD"),
        ("20 bucks", "CAD", 2000, "CAD"),
        ("£ 48", "GBP", 4800, "GBP"),
        ("48£", "GBP", 4800, "GBP"),
        ("48 £", "GBP", 4800, "GBP"),
        (".50", "GBP", 50, "GBP"),
        ("$5", "AUD", 500, "AUD"),
        ("A$5", "AUD", 500, "AUD"),
        ("US$5", "USD", 500, "USD"),
        ("R$5,50", "BRL", 550, "BRL"),
        ("¥500", "JPY", 500, "JPY"),
        ("¥1,000", "JPY", 1000, "JPY"),
        ("¥500", "CNY", 50000, "CNY"),
        ("kr 48", "NOK", 4800, "NOK"),
        ("48 kr", "DKK", 4800, "DKK"),
        ("48 kr", "SEK", 4800, "SEK"),
        ("48 zł", "PLN", 4800, "PLN"),
        ("₹1,20,000", "INR", 12000000, "INR"),
        ("₩5000", "KRW", 5000, "KRW"),
        ("CHF 20", "CHF", 2000, "CHF"),
        ("KWD 1.500", "KWD", 1500, "KWD"),
        ("48 eur", "eur", 4800, "EUR"),
        ("1000000", "GBP", 100000000, "GBP"),  # exactly the default limit is allowed
        ("£1.250k", "GBP", 125000, "GBP"),
        ("CHF 1’000", "CHF", 100000, "CHF"),  # a typographic apostrophe groups thousands too
        ("₹1,00,000.50", "INR", 10000050, "INR"),  # lakh grouping with paise
        ("$20", "NZD", 2000, "NZD"),  # a bare '$' is the organisation's own dollar
        ("£48.", "GBP", 4800, "GBP"),  # a full stop after the amount ends the sentence
        ("48 Kr", "NOK", 4800, "NOK"),  # 'kr' in any case
        ("50kr", "SEK", 5000, "SEK"),  # 'k' before 'r' is krona, not thousands
        ("₹10,00,000", "INR", 100000000, "INR"),  # ten lakh: a two-digit head
        ("£1.2505k", "GBP", 125050, "GBP"),
        ("1 200,50", "EUR", 120050, "EUR"),  # spaces group digits when a fraction follows
    ],
)
def test_accepts_amounts_as_typed(text: str, org: str, minor: int, currency: str) -> None:
    money, reason = parse_amount(text, org)
    assert money == Money(minor, currency)
    assert reason == ""


@pytest.mark.parametrize(
    ("text", "minor", "reason"),
    [
        ("£48 dry cleaning", 4800, "dry cleaning"),
        ("£48 dry cleaning + flowers, lodge 12", 4800, "dry cleaning + flowers, lodge 12"),
        ("48 dry cleaning", 4800, "dry cleaning"),
        ("  £48.50   taxi home ", 4850, "taxi home"),
        ("£48 - dry cleaning", 4800, "dry cleaning"),
        ("£48, dry cleaning", 4800, "dry cleaning"),
        ("48. Dry cleaning", 4800, "Dry cleaning"),
        ("dry cleaning £48", 4800, "dry cleaning"),
        ("dry cleaning, £48", 4800, "dry cleaning"),
        ("dry cleaning £48 and flowers", 4800, "dry cleaning and flowers"),
        ("flowers for room 214 48 quid", 4800, "flowers for room 214"),
        ("2 towels £10", 1000, "2 towels"),  # a marked amount beats a bare count
        ("towels - £5", 500, "towels"),  # a dash is not a minus sign
        ("3rd floor kettle £20", 2000, "3rd floor kettle"),
        ("12 200 sheets", 1200, "200 sheets"),  # spaces group digits only with a currency
        ("£12 200 sheets", 1220000, "sheets"),
        ("20 VIP upgrade", 2000, "VIP upgrade"),
        ("48 pen refund", 4800, "pen refund"),  # 'pen' is a word; only 'PEN' is soles
        ("48 p refund", 4800, "p refund"),
        ("48 cleaning", 4800, "cleaning"),
        ("£1.2k refund", 120000, "refund"),
        ("£48,dry cleaning", 4800, "dry cleaning"),
        ("£12,A4 paper", 1200, "A4 paper"),
        ("£5,b", 500, "b"),
        ("(£5) towels", 500, "towels"),
        # Two amounts in one line: the first firm one is the spend, the rest is the reason.
        ("£48 dry cleaning and £20 flowers", 4800, "dry cleaning and £20 flowers"),
        # Capitals that are not a currency do not stop the search for the amount.
        ("taxi for 2 NHS nurses £30", 3000, "taxi for 2 NHS nurses"),
        ("BBQ charcoal £20", 2000, "BBQ charcoal"),
        ("taxi for 2 nurses £30", 3000, "taxi for 2 nurses"),
        ("48 TOWELS", 4800, "TOWELS"),  # capitals after a number are not always a currency
        ("dry cleaning GBP 48", 4800, "dry cleaning"),
        ("£48 X-ray films", 4800, "X-ray films"),
        ("parking at Gate X £25", 2500, "parking at Gate X"),
    ],
)
def test_returns_the_rest_as_the_reason(text: str, minor: int, reason: str) -> None:
    money, rest = parse_amount(text, "GBP")
    assert money == gbp(minor)
    assert rest == reason


# --- refused, with a short clear message ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "org", "message"),
    [
        ("", "GBP", "no amount found — try '/spend £48 dry cleaning'"),
        ("   ", "GBP", "no amount found"),
        ("dry cleaning", "GBP", "no amount found"),
        ("room 214 refund", "GBP", "no amount found"),  # a number mid-text is not money
        ("0", "GBP", "the amount must be more than zero"),
        ("£0.00", "GBP", "the amount must be more than zero"),
        ("0p", "GBP", "the amount must be more than zero"),
        ("-5", "GBP", "the amount must be positive"),
        ("−5 refund", "GBP", "the amount must be positive"),
        ("-£5", "GBP", "the amount must be positive"),
        ("£-5", "GBP", "the amount must be positive"),
        ("dry cleaning -£5", "GBP", "the amount must be positive"),
        ("£4.555", "GBP", "GBP has at most 2 decimal places: '£4.555'"),
        ("£1.200", "GBP", "GBP has at most 2 decimal places: '£1.200'"),
        ("£0,500", "GBP", "GBP has at most 2 decimal places: '£0,500'"),  # not £500
        ("50c sweets", "GBP", "this organisation spends in GBP; you typed USD"),  # no GBP cents
        ("50c", "JPY", "this organisation spends in JPY; you typed USD"),
        ("4.555", "GBP", "GBP has at most 2 decimal places: '4.555'"),
        ("£1.234567k", "GBP", "GBP has at most 2 decimal places: '£1.234567k'"),
        ("1234,567", "GBP", "GBP has at most 2 decimal places: '1234,567'"),
        ("4.5c", "USD", "whole cents only, no decimals: '4.5c'"),
        ("GBP 5 EUR", "GBP", "two different currencies: GBP and EUR"),
        ("£5 EUR", "GBP", "two different currencies: £ and EUR"),
        ("towels 48 XYZ", "GBP", "unknown currency 'XYZ'"),
        ("2 towels €10", "GBP", "this organisation spends in GBP; you typed EUR"),  # not £2
        ("taxi £1E3", "GBP", "scientific notation is not an amount — write the number out"),
        ("48abc taxi", "GBP", "'48abc' doesn't look like an amount"),
        ("dry cleaning £48abc", "GBP", "'£48abc' doesn't look like an amount"),
        ("£5X", "GBP", "'£5X' doesn't look like an amount"),  # not 5 thousand
        ("room12£5", "GBP", "no amount found"),  # not £12 glued to the room number
        ("₹123,45,678", "INR", "can't read '123,45,678'"),
        ("₹1,00,000,000", "INR", "can't read '1,00,000,000'"),
        ("1,000'000.50", "GBP", "can't read"),  # two kinds of thousands separator
        ("1.000'50", "GBP", "can't read"),
        ("¥1.5", "JPY", "JPY has no decimal places"),
        ("4.5p", "GBP", "whole pence only"),
        ("48 XYZ", "GBP", "unknown currency 'XYZ'"),
        ("XYZ 48", "GBP", "unknown currency 'XYZ'"),
        ("48XYZ", "GBP", "unknown currency 'XYZ'"),
        ("€48", "GBP", "this organisation spends in GBP; you typed EUR"),
        ("48 EUR", "GBP", "this organisation spends in GBP; you typed EUR"),
        ("dry cleaning €48", "GBP", "this organisation spends in GBP; you typed EUR"),
        ("$5", "GBP", "this organisation spends in GBP; you typed USD"),
        ("48 kr", "GBP", "this organisation spends in GBP"),
        ("£5 EUR", "GBP", "two different currencies"),
        ("2000000", "GBP", "that is more than the £1,000,000 limit for one spend"),
        ("1000000.01", "GBP", "that is more than the £1,000,000 limit"),
        ("9" * 5000, "GBP", "that is more than the £1,000,000 limit"),
        ("nan", "GBP", "'nan' is not an amount — try '/spend £48 dry cleaning'"),
        ("NaN", "GBP", "'NaN' is not an amount"),
        ("inf", "GBP", "'inf' is not an amount"),
        ("-Infinity", "GBP", "'-Infinity' is not an amount"),
        ("1e5", "GBP", "scientific notation"),
        ("£1E3 taxi", "GBP", "scientific notation"),
        ("48abc", "GBP", "'48abc' doesn't look like an amount"),
        ("£48abc", "GBP", "'£48abc' doesn't look like an amount"),
        ("1kg", "GBP", "'1kg' doesn't look like an amount"),
        ("10%", "GBP", "'10%' doesn't look like an amount"),
        ("48:30", "GBP", "'48:30' doesn't look like an amount — try '/spend £48 dry cleaning'"),
        ("1.2.3", "GBP", "can't read '1.2.3'"),
        ("1,20,000", "GBP", "can't read"),  # lakh grouping only for rupees
    ],
)
def test_refuses_bad_amounts(text: str, org: str, message: str) -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        parse_amount(text, org)
    assert str(excinfo.value).startswith(message)
    assert "\n" not in str(excinfo.value)


def test_invalid_amount_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        parse_amount("zero", "GBP")


def test_max_minor_is_configurable_and_named_in_the_message() -> None:
    assert parse_amount("£250", "GBP", max_minor=25000)[0] == gbp(25000)
    with pytest.raises(InvalidAmount, match="£250 limit"):
        parse_amount("£250.01", "GBP", max_minor=25000)


def test_max_minor_must_be_positive() -> None:
    assert parse_amount("1p", "GBP", max_minor=1)[0] == gbp(1)
    with pytest.raises(ValueError, match=r"^max_minor must be positive$"):
        parse_amount("1p", "GBP", max_minor=0)


def test_unknown_organisation_currency_is_refused() -> None:
    with pytest.raises(InvalidAmount, match="unknown currency 'XYZ'"):
        parse_amount("48", "XYZ")


# --- formatting and conversion --------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(4850, "GBP"), "£48.50"),
        (Money(120000, "EUR"), "€1,200.00"),
        (Money(500, "JPY"), "¥500"),
        (Money(2000, "CHF"), "CHF 20.00"),
        (Money(5, "USD"), "$0.05"),
        (Money(1500, "KWD"), "KWD 1.500"),
        (Money(100000000, "GBP"), "£1,000,000.00"),
        (Money(-500, "GBP"), "-£5.00"),
        (Money(2000, "CAD"), "C$20.00"),
    ],
)
def test_format_money(money: Money, text: str) -> None:
    assert format_money(money) == text


def test_format_money_compact_drops_zero_pence() -> None:
    assert format_money(gbp(10000), compact=True) == "£100"
    assert format_money(gbp(10050), compact=True) == "£100.50"


def test_currency_exponent() -> None:
    assert currency_exponent("GBP") == 2
    assert currency_exponent("JPY") == 0
    assert currency_exponent("KRW") == 0
    assert currency_exponent("KWD") == 3
    with pytest.raises(InvalidAmount, match="unknown currency 'XYZ'"):
        currency_exponent("XYZ")


def test_table_has_the_common_currencies() -> None:
    common = "GBP EUR USD JPY CHF CAD AUD NZD SEK NOK DKK PLN CZK HUF INR ZAR SGD HKD AED SAR"
    for code in [*common.split(), "MXN", "BRL", "TRY", "ILS", "THB", "KRW", "CNY"]:
        assert code in CURRENCIES


def test_to_minor_is_exact() -> None:
    assert to_minor(Decimal("48.5"), "GBP") == 4850
    assert to_minor(Decimal("100"), "JPY") == 100
    assert to_minor(Decimal("100.00"), "JPY") == 100
    assert to_minor(250, "GBP") == 25000
    assert to_minor(Decimal("12345678901234567890123456789.01"), "GBP") == (
        1234567890123456789012345678901
    )
    assert to_minor(Decimal("-5"), "GBP") == -500
    # Exact even beyond a float's 53 bits.
    assert to_minor(Decimal("12345678901234567890123.000"), "JPY") == 12345678901234567890123
    assert to_minor(Decimal("9" * 48), "JPY") == int("9" * 48)
    with pytest.raises(InvalidAmount, match=r"^not a sensible amount: 9{49}$"):
        to_minor(Decimal("9" * 49), "JPY")
    with pytest.raises(InvalidAmount, match=r"^GBP has at most 2 decimal places: '4\.555'$"):
        to_minor(Decimal("4.555"), "GBP")
    with pytest.raises(InvalidAmount, match=r"^not an amount: NaN$"):
        to_minor(Decimal("NaN"), "GBP")
    with pytest.raises(InvalidAmount, match=r"^not an amount: 1\.5$"):
        to_minor(1.5, "GBP")  # type: ignore[arg-type]
    assert to_major(gbp(4850)) == Decimal("48.50")


# --- properties ----------------------------------------------------------------------------

DEFAULT_LIMIT_MAJOR = 1_000_000


@st.composite
def money_in_range(draw: st.DrawFn) -> Money:
    code = draw(st.sampled_from(sorted(CURRENCIES)))
    limit = DEFAULT_LIMIT_MAJOR * 10 ** CURRENCIES[code].exponent
    minor = draw(st.one_of(st.integers(1, 1000), st.integers(1, limit)))
    return Money(minor, code)


@given(money_in_range())
@settings(max_examples=400)
def test_format_then_parse_round_trips(m: Money) -> None:
    parsed, reason = parse_amount(format_money(m), m.currency)
    assert parsed == m
    assert reason == ""


@given(money_in_range(), st.sampled_from(["dry cleaning", "flowers, room 214", "taxi"]))
def test_round_trips_with_a_reason_after(m: Money, reason: str) -> None:
    assert parse_amount(f"{format_money(m)} {reason}", m.currency) == (m, reason)


ORG_CURRENCIES = st.sampled_from(["GBP", "EUR", "USD", "JPY", "CHF", "INR", "SEK", "KWD"])
MONEYISH = st.text(
    alphabet=st.sampled_from(list("0123456789.,'k pcK-−£€$¥₹krzł GBPEURXYZ e+%:abcnif")),
    max_size=30,
)


@given(st.one_of(st.text(max_size=60), MONEYISH), ORG_CURRENCIES)
@settings(max_examples=800, suppress_health_check=[HealthCheck.too_slow])
def test_parse_only_ever_raises_invalid_amount_and_never_returns_non_positive(
    text: str, org: str
) -> None:
    try:
        money, reason = parse_amount(text, org)
    except InvalidAmount as exc:
        message = str(exc)
        assert message, "every refusal says why"
        return
    assert money.minor > 0
    assert money.currency == org
    assert money.minor <= DEFAULT_LIMIT_MAJOR * 10 ** CURRENCIES[org].exponent
    assert isinstance(reason, str)
    assert reason == reason.strip()


@given(st.integers(1, 10**8), st.sampled_from(["GBP", "EUR", "USD"]))
def test_plain_decimal_text_parses_to_the_same_value(minor: int, org: str) -> None:
    text = str(Decimal(minor).scaleb(-2))
    assert parse_amount(text, org)[0] == Money(minor, org)


# -- limits (an admin's `limits set`): read as spends are, zero allowed -----------------


@pytest.mark.parametrize(
    ("typed", "major"),
    [
        ("40", "40"),
        ("£40", "40"),
        ("40 GBP", "40"),
        ("1,200", "1200"),
        ("12.50", "12.50"),
        ("0", "0"),
        ("£0.00", "0"),
        ("0 GBP", "0"),
        ("0p", "0"),
        (Decimal("40.00"), "40"),
    ],
)
def test_a_limit_is_read_like_a_spend_and_may_be_zero(typed: str | Decimal, major: str) -> None:
    assert parse_limit(typed, "GBP") == Decimal(major)
    assert str(parse_limit(typed, "GBP")) == major  # "40", not "40.00", in the audit trail


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("-5", "cannot be negative"),
        ("£-5", "cannot be negative"),
        ("-0", "cannot be negative"),
        ("$40", "this organisation spends in GBP; you typed USD"),
        ("$0", "this organisation spends in GBP; you typed USD"),
        ("lots", "'lots' is not an amount — type one such as 40 or £40.50"),
        ("£12.555", "GBP has at most 2 decimal places: '£12.555'"),
        ("40 and a bit", "type just the amount, such as 40 or £40.50 (not '40 and a bit')"),
        ("", "type an amount such as 40 or £40.50"),
        ("£5,000,000", "is too large (at most £1,000,000)"),
        (Decimal("-1"), "cannot be negative"),  # from code: checked as its text would be
    ],
)
def test_a_bad_limit_says_why_in_a_shop_owners_words(typed: str | Decimal, said: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_limit(typed, "GBP")
    message = str(caught.value)
    assert message == said
    assert "/spend" not in message and "one spend" not in message


def test_a_limit_that_may_not_be_zero_says_so_and_examples_are_in_the_orgs_currency() -> None:
    assert parse_limit("0", "GBP") == 0
    with pytest.raises(InvalidAmount, match=r"^must be more than zero$"):
        parse_limit("£0.00", "GBP", allow_zero=False)
    with pytest.raises(InvalidAmount, match=r"^type an amount such as 40 or €40\.50$"):
        parse_limit(" ", "EUR")
    with pytest.raises(InvalidAmount, match=r"^is too large \(at most ¥1,000,000\)$"):
        parse_limit("¥2,000,000", "JPY")
