"""Money as people type it, and as the bot shows it.

Amounts are integer minor units plus an ISO 4217 code (``bot.models.Money``); nothing here
touches a float. ``parse_amount`` reads what staff type after ``/spend`` ("£48 dry cleaning",
"48,50 € taxi", "1.2k refund", "48p") and returns the amount and the rest of the text (the
reason). Anything it cannot read with confidence is refused with ``InvalidAmount`` and one
short line saying why, so nothing is ever recorded from a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from bot.errors import InvalidAmount
from bot.models import Money

USAGE_HINT: Final = "try '/spend £48 dry cleaning'"
DEFAULT_MAX_MAJOR: Final = 1_000_000  # absurdly large: above this many major units


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    exponent: int  # ISO 4217 minor unit: 2 for pence/cents, 0 for yen, 3 for fils
    symbol: str | None = None  # shown before the amount; None shows "CODE 1,234.00"
    decimal_comma: bool = False  # local habit is "1.234,50" (decides "1.200" alone)


def _table(*rows: Currency) -> dict[str, Currency]:
    return {c.code: c for c in rows}


# Common currencies (ISO 4217 minor-unit exponents).
CURRENCIES: Final[dict[str, Currency]] = _table(
    Currency("GBP", 2, "£"),
    Currency("EUR", 2, "€", decimal_comma=True),
    Currency("USD", 2, "$"),
    Currency("JPY", 0, "¥"),
    Currency("CHF", 2),
    Currency("CAD", 2, "C$"),
    Currency("AUD", 2, "A$"),
    Currency("NZD", 2, "NZ$"),
    Currency("SEK", 2, decimal_comma=True),
    Currency("NOK", 2, decimal_comma=True),
    Currency("DKK", 2, decimal_comma=True),
    Currency("ISK", 0, decimal_comma=True),
    Currency("PLN", 2, decimal_comma=True),
    Currency("CZK", 2, decimal_comma=True),
    Currency("HUF", 2, decimal_comma=True),
    Currency("RON", 2, decimal_comma=True),
    Currency("BGN", 2, decimal_comma=True),
    Currency("RSD", 2, decimal_comma=True),
    Currency("UAH", 2, "₴", decimal_comma=True),
    Currency("TRY", 2, "₺", decimal_comma=True),
    Currency("ILS", 2, "₪"),
    Currency("INR", 2, "₹"),
    Currency("PKR", 2),
    Currency("LKR", 2),
    Currency("NPR", 2),
    Currency("BDT", 2),
    Currency("ZAR", 2),
    Currency("NGN", 2, "₦"),
    Currency("KES", 2),
    Currency("GHS", 2),
    Currency("EGP", 2),
    Currency("MAD", 2),
    Currency("TND", 3),
    Currency("SGD", 2, "S$"),
    Currency("HKD", 2, "HK$"),
    Currency("TWD", 2, "NT$"),
    Currency("CNY", 2, "CN¥"),
    Currency("KRW", 0, "₩"),
    Currency("THB", 2, "฿"),
    Currency("MYR", 2),
    Currency("IDR", 2, decimal_comma=True),
    Currency("PHP", 2, "₱"),
    Currency("VND", 0, "₫", decimal_comma=True),
    Currency("AED", 2),
    Currency("SAR", 2),
    Currency("QAR", 2),
    Currency("KWD", 3),
    Currency("BHD", 3),
    Currency("OMR", 3),
    Currency("JOD", 3),
    Currency("MXN", 2, "MX$"),
    Currency("BRL", 2, "R$", decimal_comma=True),
    Currency("ARS", 2, decimal_comma=True),
    Currency("CLP", 0, decimal_comma=True),
    Currency("COP", 2, decimal_comma=True),
    Currency("PEN", 2),
    Currency("UYU", 2, decimal_comma=True),
)

# Currencies written with a bare "$", "kr", "¥" or "Rs": which one is meant depends on where
# you are, so the organisation's own currency wins when it is one of them.
DOLLAR_CURRENCIES: Final = frozenset(
    {"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "MXN", "CLP", "COP", "ARS", "UYU"}
)
KRONA_CURRENCIES: Final = frozenset({"SEK", "NOK", "DKK", "ISK"})
YEN_CURRENCIES: Final = frozenset({"JPY", "CNY"})
RUPEE_CURRENCIES: Final = frozenset({"INR", "PKR", "LKR", "NPR"})
PESO_CURRENCIES: Final = frozenset({"MXN", "CLP", "COP", "ARS", "UYU", "PHP"})


def _local(group: frozenset[str], fallback: str) -> Callable[[str], str]:
    def resolve(org_currency: str) -> str:
        return org_currency if org_currency in group else fallback

    return resolve


def _fixed(code: str) -> Callable[[str], str]:
    return lambda _org: code


def _cents(org_currency: str) -> str:
    """'c' / 'cents': the organisation's hundredth if it has cents, else US cents."""
    cur = CURRENCIES.get(org_currency)
    if cur is not None and cur.exponent == 2 and org_currency != "GBP":
        return org_currency
    return "USD"


_DOLLAR = _local(DOLLAR_CURRENCIES, "USD")
_KRONA = _local(KRONA_CURRENCIES, "SEK")
_YEN = _local(YEN_CURRENCIES, "JPY")
_RUPEE = _local(RUPEE_CURRENCIES, "INR")
_PESO = _local(PESO_CURRENCIES, "MXN")

# Symbols written before or after the number. Matched case-insensitively unless listed in
# _CASE_SENSITIVE_SYMBOLS (short letter symbols that are easily ordinary words).
SYMBOLS: Final[dict[str, Callable[[str], str]]] = {
    "US$": _fixed("USD"),
    "AU$": _fixed("AUD"),
    "A$": _fixed("AUD"),
    "CA$": _fixed("CAD"),
    "C$": _fixed("CAD"),
    "NZ$": _fixed("NZD"),
    "HK$": _fixed("HKD"),
    "SG$": _fixed("SGD"),
    "S$": _fixed("SGD"),
    "NT$": _fixed("TWD"),
    "MX$": _fixed("MXN"),
    "R$": _fixed("BRL"),
    "CN¥": _fixed("CNY"),
    "JP¥": _fixed("JPY"),
    "$": _DOLLAR,
    "£": _fixed("GBP"),
    "€": _fixed("EUR"),
    "¥": _YEN,
    "￥": _YEN,
    "元": _fixed("CNY"),
    "₹": _fixed("INR"),
    "₩": _fixed("KRW"),
    "₪": _fixed("ILS"),
    "฿": _fixed("THB"),
    "₺": _fixed("TRY"),
    "₦": _fixed("NGN"),
    "₱": _fixed("PHP"),
    "₫": _fixed("VND"),
    "₴": _fixed("UAH"),
    "zł": _fixed("PLN"),
    "kr": _KRONA,
    "Kč": _fixed("CZK"),
    "Ft": _fixed("HUF"),
    "RM": _fixed("MYR"),
    "Rp": _fixed("IDR"),
    "Rs": _RUPEE,
    "R": _fixed("ZAR"),
}
_CASE_SENSITIVE_SYMBOLS: Final = frozenset({"R", "RM", "Rp", "Rs", "Ft"})
_PREFIX_SYMBOLS: Final = tuple(sorted(SYMBOLS, key=len, reverse=True))
# Symbols that only make sense written before the number ("R48", not "48 R").
_SUFFIX_SYMBOLS: Final = tuple(s for s in _PREFIX_SYMBOLS if s not in {"R", "RM", "Rp", "Rs"})

# Words written after the number ("48 quid", "20 bucks").
CURRENCY_WORDS: Final[dict[str, Callable[[str], str]]] = {
    **dict.fromkeys(("quid", "quids", "pound", "pounds"), _fixed("GBP")),
    **dict.fromkeys(("euro", "euros"), _fixed("EUR")),
    **dict.fromkeys(("dollar", "dollars", "buck", "bucks"), _DOLLAR),
    **dict.fromkeys(("yen",), _fixed("JPY")),
    **dict.fromkeys(("yuan", "rmb", "renminbi"), _fixed("CNY")),
    **dict.fromkeys(("rupee", "rupees"), _RUPEE),
    **dict.fromkeys(("franc", "francs"), _fixed("CHF")),
    **dict.fromkeys(("krona", "kronor", "krone", "kroner", "kronur"), _KRONA),
    **dict.fromkeys(("zloty", "zlotys", "złoty", "złotych", "zlotych"), _fixed("PLN")),
    **dict.fromkeys(("rand",), _fixed("ZAR")),
    **dict.fromkeys(("baht",), _fixed("THB")),
    **dict.fromkeys(("shekel", "shekels"), _fixed("ILS")),
    **dict.fromkeys(("lira",), _fixed("TRY")),
    **dict.fromkeys(("reais",), _fixed("BRL")),
    **dict.fromkeys(("dirham", "dirhams"), _fixed("AED")),
    **dict.fromkeys(("riyal", "riyals"), _fixed("SAR")),
    **dict.fromkeys(("peso", "pesos"), _PESO),
    **dict.fromkeys(("forint",), _fixed("HUF")),
    **dict.fromkeys(("koruna",), _fixed("CZK")),
    **dict.fromkeys(("ringgit",), _fixed("MYR")),
}
# Minor units written after the number: the value is already in minor units ("48p").
MINOR_WORDS: Final[dict[str, Callable[[str], str]]] = {
    **dict.fromkeys(("p", "pence", "penny", "pennies"), _fixed("GBP")),
    **dict.fromkeys(("c", "ct", "cent", "cents"), _cents),
}
# One-letter minor units must touch the number ("48p"); "48 p" is not read as pence.
_GLUED_ONLY_WORDS: Final = frozenset({"p", "c", "ct"})

# Upper-case three-letter words that often follow a number but are not currencies.
_NOT_CURRENCY_WORDS = (
    "VIP SPA VAT TAX BAR DVD ATM AND FOR THE OFF PER NOT BUT CAR BUS CAB TAB BED GYM POS SMS ETA"
    " TVS PCS PAX QTY REF MIN MAX HRS DAY APP ALL NEW OLD BOX KEY FEE TIP LOW TOP RED WIN ADD"
)
_NOT_CURRENCY_CODES: Final = frozenset(_NOT_CURRENCY_WORDS.split())

# Codes that are also English words count only in capitals ("48 pen" is not Peruvian soles).
_WORDLIKE_CODES: Final = frozenset({"TRY", "MAD", "PEN", "COP", "ARS", "BAM"})


def _code(word: str) -> str | None:
    """A currency code typed as a word ('gbp', 'EUR'), or None."""
    code = word.upper()
    if code not in CURRENCIES or (code in _WORDLIKE_CODES and word != code):
        return None
    return code


_SIGNS: Final = "-−–"  # hyphen, minus sign, en dash
_SPACE_SEPS: Final = " \u00a0\u202f"
_APOSTROPHES: Final = "'’"
_NOT_POSITIVE: Final = "the amount must be positive"
_MAX_DIGITS: Final = 24  # beyond any limit; also keeps int() away from huge strings

_SPACED_NUMBER = re.compile(r"[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3}(?![0-9]))+(?:[.,][0-9]+)?")
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:[.,'’][0-9]+)*|\.[0-9]+")
_SCIENTIFIC = re.compile(r"[eE][-+]?[0-9]")
_NOT_A_NUMBER = re.compile(r"[-+−]?(?:nan|inf|infinity|snan)\b", re.IGNORECASE)
_CODE = re.compile(r"[A-Za-z]{3}(?![A-Za-z])")
_WORD = re.compile(r"[^\W\d_]+")


def currency_exponent(code: str) -> int:
    """Number of decimal places of ``code`` (2 for GBP, 0 for JPY); InvalidAmount if unknown."""
    return _currency(code).exponent


def _currency(code: str) -> Currency:
    try:
        return CURRENCIES[code]
    except KeyError:
        raise InvalidAmount(f"unknown currency {code!r}") from None


def to_minor(major: Decimal | int, currency: str) -> int:
    """Exact major → minor units (Decimal('48.5'), 'GBP' → 4850); never rounds.

    Raises InvalidAmount for more decimals than the currency has, or NaN/infinity.
    """
    exponent = currency_exponent(currency)
    if isinstance(major, bool) or not isinstance(major, int | Decimal):
        raise InvalidAmount(f"not an amount: {major!r}")
    value = Decimal(major)
    if not value.is_finite():
        raise InvalidAmount(f"not an amount: {major}")
    sign, digits, exp = value.as_tuple()
    assert isinstance(exp, int)
    if len(digits) > _MAX_DIGITS * 2:
        raise InvalidAmount(f"not a sensible amount: {major}")
    number = int("".join(map(str, digits)))
    shift = exp + exponent
    if shift >= 0:
        minor = number * 10**shift
    elif number % 10**-shift:
        raise InvalidAmount(_too_many_decimals(currency, str(major)))
    else:
        minor = number // 10**-shift
    return -minor if sign else minor


def to_major(money: Money) -> Decimal:
    """Minor → major units as an exact Decimal (4850 GBP → Decimal('48.50'))."""
    return Decimal(money.minor).scaleb(-currency_exponent(money.currency))


def format_money(m: Money, *, compact: bool = False) -> str:
    """'£48.50', '€1,200.00', '¥500', 'CHF 20.00'. ``compact`` drops '.00' ('£100')."""
    cur = _currency(m.currency)
    whole, frac = divmod(abs(m.minor), 10**cur.exponent)
    text = f"{whole:,}"
    if cur.exponent and not (compact and frac == 0):
        text += "." + str(frac).zfill(cur.exponent)
    text = f"{cur.symbol}{text}" if cur.symbol else f"{cur.code} {text}"
    return f"-{text}" if m.minor < 0 else text


def _too_many_decimals(currency: str, typed: str) -> str:
    exponent = currency_exponent(currency)
    if exponent == 0:
        return f"{currency} has no decimal places: {typed!r}"
    return f"{currency} has at most {exponent} decimal places: {typed!r}"


def _mismatch(org_currency: str, typed: str) -> str:
    return f"this organisation spends in {org_currency}; you typed {typed}"


# --- scanning -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    money: Money | None  # None: not usable, see error
    marked: bool  # a currency symbol, code or word was written with it
    error: InvalidAmount | None = None
    soft: bool = False  # the error may be a false alarm (a word, not money): keep looking


def _boundary_before(text: str, i: int) -> bool:
    return i == 0 or not (text[i - 1].isalnum() or text[i - 1] in ".,'’$£€¥")


def _boundary_after(text: str, i: int) -> bool:
    if i >= len(text) or text[i].isspace():
        return True
    if text[i] in ",;:.!?)]}" and (i + 1 >= len(text) or not text[i + 1].isalnum()):
        return True
    return text[i] in ",;" and not text[i + 1].isdigit()


def _skip_spaces(text: str, i: int, limit: int = 3) -> int:
    j = i
    while j < len(text) and j - i < limit and text[j] in " \t\u00a0\u202f":
        j += 1
    return j


def _match_symbol(text: str, i: int, symbols: tuple[str, ...]) -> str | None:
    for sym in symbols:
        piece = text[i : i + len(sym)]
        if sym in _CASE_SENSITIVE_SYMBOLS:
            if piece == sym:
                return sym
        elif piece.casefold() == sym.casefold():
            return sym
    return None


def _read_prefix(text: str, i: int, org: str) -> tuple[int, str | None, str | None]:
    """Currency written before the number: (position after it, code, text as typed)."""
    sym = _match_symbol(text, i, _PREFIX_SYMBOLS)
    if sym is not None:
        after = i + len(sym)
        # A letter symbol must not run into more letters ("kr" in "krill", "R" in "Room").
        if sym[-1].isalpha() and after < len(text) and text[after].isalpha():
            sym = None
        else:
            return after, SYMBOLS[sym](org), text[i:after]
    code = _CODE.match(text, i)
    if code is not None:
        word = code.group()
        if _code(word) is not None:
            return code.end(), word.upper(), word.upper()
        if word.isupper() and word not in CURRENCIES and word not in _NOT_CURRENCY_CODES:
            j = _skip_spaces(text, code.end())
            if j < len(text) and (text[j].isdigit() or text[j] in _SIGNS):
                raise InvalidAmount(f"unknown currency {word!r}")
    return i, None, None


def _read_suffix(
    text: str, i: int, org: str
) -> tuple[int, str | None, str | None, bool, InvalidAmount | None]:
    """Currency after the number: (end, code, as typed, is minor units, soft error)."""
    j = _skip_spaces(text, i)
    glued = j == i
    sym = _match_symbol(text, j, _SUFFIX_SYMBOLS)
    if sym is not None:
        end = j + len(sym)
        if not (sym[-1].isalpha() and end < len(text) and text[end].isalpha()):
            return end, SYMBOLS[sym](org), text[j:end], False, None
    word_m = _WORD.match(text, j)
    if word_m is not None:
        word = word_m.group()
        low = word.casefold()
        if low in MINOR_WORDS and (glued or low not in _GLUED_ONLY_WORDS):
            return word_m.end(), MINOR_WORDS[low](org), word, True, None
        if low in CURRENCY_WORDS:
            return word_m.end(), CURRENCY_WORDS[low](org), word, False, None
        if len(word) == 3 and word.isascii():
            if _code(word) is not None:
                return word_m.end(), word.upper(), word.upper(), False, None
            known = word.upper() in CURRENCIES
            if word.isupper() and not known and word not in _NOT_CURRENCY_CODES:
                err = InvalidAmount(f"unknown currency {word!r}")
                return word_m.end(), None, None, False, err
    return i, None, None, False, None


def _group_ok(groups: list[str], indian: bool) -> bool:
    """Thousands groups: '1', '200', '000' — or Indian lakh grouping ('1', '20', '000')."""
    head, rest = groups[0], groups[1:]
    if not rest or not head or (head[0] == "0" and len(groups) > 1):
        return False
    if 1 <= len(head) <= 3 and all(len(g) == 3 for g in rest):
        return True
    return indian and len(head) <= 2 and all(len(g) == 2 for g in rest[:-1]) and len(rest[-1]) == 3


def _interpret(number: str, currency: str) -> tuple[int, int]:
    """Digits as typed → (integer of all digits, count of decimal places)."""
    cur = _currency(currency)
    bad = InvalidAmount(f"can't read {number!r} as an amount — {USAGE_HINT}")
    if number.startswith("."):
        return int(number[1:]), len(number) - 1
    norm = "".join(" " if ch in _SPACE_SEPS else "'" if ch in _APOSTROPHES else ch for ch in number)
    seps = [ch for ch in norm if not ch.isdigit()]
    groups = re.split(r"[.,' ]", norm)
    indian = currency in RUPEE_CURRENCIES
    if not seps:
        return int(norm), 0
    kinds = set(seps)
    decimal: str | None
    if len(kinds) > 1:
        decimal = seps[-1]
        thousands = set(seps[:-1])
        if decimal not in ".," or seps.count(decimal) > 1 or len(thousands) != 1:
            raise bad
        if not _group_ok(groups[:-1], indian):
            raise bad
    else:
        (kind,) = kinds
        if kind in "' " or len(seps) > 1:
            if not _group_ok(groups, indian):
                raise bad
            decimal = None
        else:
            # One '.' or ','. Three digits after it reads as thousands ("1,200", "1.200 €"),
            # except a '.' where the currency writes decimal points ("£4.555" is refused).
            looks_grouped = len(groups[1]) == 3 and _group_ok(groups, indian=False)
            decimal = None if looks_grouped and (kind == "," or cur.decimal_comma) else kind
    if decimal is None:
        return int("".join(groups)), 0
    return int("".join(groups)), len(groups[-1])


def _scan_at(text: str, i: int, org: str, max_minor: int) -> _Candidate | None:
    """Read an amount starting exactly at ``i``; None when there is none there."""
    j = i
    negative = False
    # A sign counts only when it touches the amount: "towels - £5" is a dash, not -5.
    if j < len(text) and text[j] in _SIGNS:
        negative = True
        j += 1
    j, pre_code, pre_typed = _read_prefix(text, j, org)
    if pre_code is not None:
        j = _skip_spaces(text, j)
        if j < len(text) and text[j] in _SIGNS:
            negative = True
            j += 1
    if negative and pre_code is None and not (j < len(text) and text[j].isdigit()):
        return None

    number_m = None
    spaced = _SPACED_NUMBER.match(text, j)
    if spaced is not None:
        number_m = spaced
    plain = _PLAIN_NUMBER.match(text, j)
    if number_m is None:
        number_m = plain
    if number_m is None:
        return None

    def finish(number_m: re.Match[str]) -> _Candidate:
        k = number_m.end()
        number = number_m.group()
        if _SCIENTIFIC.match(text, k):
            err = InvalidAmount("scientific notation is not an amount — write the number out")
            return _Candidate(i, k + 2, None, pre_code is not None, err)
        thousand = False
        if k < len(text) and text[k] in "kK" and (k + 1 >= len(text) or not text[k + 1].isalnum()):
            thousand = True
            k += 1
        end, post_code, post_typed, minor_units, soft = _read_suffix(text, k, org)
        marked = pre_code is not None or post_code is not None
        if soft is not None:
            return _Candidate(i, end, None, True, soft, soft=True)
        if not _boundary_after(text, end):
            stop = end
            while stop < len(text) and not text[stop].isspace():
                stop += 1
            err = InvalidAmount(f"{text[i:stop]!r} doesn't look like an amount — {USAGE_HINT}")
            return _Candidate(i, stop, None, marked, err, soft=True)
        try:
            money = _to_money(
                number,
                thousand,
                negative,
                pre_code,
                pre_typed,
                post_code,
                post_typed,
                minor_units,
                org,
                max_minor,
            )
        except InvalidAmount as exc:
            return _Candidate(i, end, None, marked, exc)
        return _Candidate(i, end, money, marked)

    candidate = finish(number_m)
    if number_m is spaced and spaced is not None and plain is not None:
        has_fraction = bool(re.search(r"[.,][0-9]+$", spaced.group()))
        if not candidate.marked and not has_fraction:
            candidate = finish(plain)  # "12 200 sheets" is 12, not 12,200
    return candidate


def _to_money(
    number: str,
    thousand: bool,
    negative: bool,
    pre_code: str | None,
    pre_typed: str | None,
    post_code: str | None,
    post_typed: str | None,
    minor_units: bool,
    org: str,
    max_minor: int,
) -> Money:
    if pre_code is not None and post_code is not None and pre_code != post_code:
        raise InvalidAmount(f"two different currencies: {pre_typed} and {post_typed}")
    currency = pre_code or post_code or org
    if currency != org:
        raise InvalidAmount(_mismatch(org, currency))
    if negative:
        raise InvalidAmount(_NOT_POSITIVE)
    if sum(ch.isdigit() for ch in number) > _MAX_DIGITS:
        raise InvalidAmount(_too_large(org, max_minor))
    digits, places = _interpret(number, currency)
    if thousand:
        digits, places = (digits, places - 3) if places >= 3 else (digits * 10 ** (3 - places), 0)
    exponent = 0 if minor_units else currency_exponent(currency)
    if minor_units and currency_exponent(currency) == 0:
        raise InvalidAmount(f"{currency} has no minor units: {number}{post_typed or ''}")
    if places > exponent:
        typed = f"{pre_typed or ''}{number}{'k' if thousand else ''}{post_typed or ''}"
        if minor_units:
            unit = "pence" if currency == "GBP" else "cents"
            raise InvalidAmount(f"whole {unit} only, no decimals: {typed!r}")
        raise InvalidAmount(_too_many_decimals(currency, typed))
    minor = digits * 10 ** (exponent - places)
    if minor == 0:
        raise InvalidAmount("the amount must be more than zero")
    if minor > max_minor:
        raise InvalidAmount(_too_large(org, max_minor))
    return Money(minor, currency)


def _too_large(currency: str, max_minor: int) -> str:
    limit = format_money(Money(max_minor, currency), compact=True)
    return f"that is more than the {limit} limit for one spend — check the amount"


def _reason(text: str, start: int, end: int) -> str:
    before = text[:start].rstrip(" \t,;:-–—(")
    after = text[end:].lstrip(" \t,;:.-–—)")
    return " ".join(part for part in (before.strip(), after.strip()) if part)


def parse_amount(
    text: str, default_currency: str, *, max_minor: int | None = None
) -> tuple[Money, str]:
    """Read the amount staff typed and return it with the rest of the text (the reason).

    ``default_currency`` is the organisation's currency: a bare number is in it, and any
    other currency typed is refused. The amount is looked for at the start ("£48 dry
    cleaning"); failing that, the first amount elsewhere that carries a currency ("dry
    cleaning £48"); a bare number in the middle ("room 214") is never taken as money.
    ``max_minor`` caps one amount (default: 1,000,000 major units). Raises InvalidAmount.
    """
    org = default_currency.strip().upper()
    exponent = currency_exponent(org)
    limit = DEFAULT_MAX_MAJOR * 10**exponent if max_minor is None else max_minor
    if limit <= 0:
        raise ValueError("max_minor must be positive")
    body = text.strip()
    if not body:
        raise InvalidAmount(f"no amount found — {USAGE_HINT}")
    nan = _NOT_A_NUMBER.match(body)
    if nan is not None:
        raise InvalidAmount(f"{nan.group()!r} is not an amount — {USAGE_HINT}")

    first = _scan_at(body, 0, org, limit)
    if first is not None and first.marked and not first.soft:
        return _take(body, first)
    if first is not None and first.error is not None and not first.soft:
        raise first.error  # zero, negative, too many decimals, too large …

    deferred = first.error if first is not None else None
    i = first.end if first is not None else 1
    while i < len(body):
        if _boundary_before(body, i):
            found = _scan_at(body, i, org, limit)
            if found is not None and found.marked:
                if found.error is None or not found.soft:
                    return _take(body, found)
                deferred = deferred or found.error
                i = max(found.end, i + 1)
                continue
        i += 1

    if first is not None and first.money is not None:
        return _take(body, first)
    if deferred is not None:
        raise deferred
    raise InvalidAmount(f"no amount found — {USAGE_HINT}")


def _take(text: str, candidate: _Candidate) -> tuple[Money, str]:
    if candidate.error is not None:
        raise candidate.error
    assert candidate.money is not None
    return candidate.money, _reason(text, candidate.start, candidate.end)


# A limit typed as zero ("0", "£0.00", "0 GBP", "0p"): the number, and what surrounds it.
# A spend may not be zero; a limit may (a role with no authority of its own).
_ZERO_LIMIT = re.compile(r"(?P<before>\D*?)\s*0+(?:[.,]0*)?\s*(?P<after>\D*)")
_LIMIT_NEGATIVE: Final = "cannot be negative"


def parse_limit(typed: str | Decimal, currency: str, *, allow_zero: bool = True) -> Decimal:
    """A limit or cap as an admin types it, read as ``parse_amount`` reads a spend ("40",
    "£40", "12.50", "1,200", "40 GBP") in the organisation's ``currency``; returned in
    major units, as the policy stores them ("40", not "40.00", in the audit trail).

    Zero only where ``allow_zero`` (a role or user with no authority of its own); never
    negative, another currency, text beside the number, or more than ``DEFAULT_MAX_MAJOR``.
    A Decimal (from code) is checked as its text would be. Raises ``InvalidAmount`` with
    a short message that leaves the setting's name to the caller (a form shows it beside
    the field; ``InvalidSetting`` names it): "cannot be negative", "is too large (at most
    £1,000,000)", "type an amount such as 40 or £40.50" …
    """
    org = currency.strip().upper()
    ceiling = Money(DEFAULT_MAX_MAJOR * 10 ** currency_exponent(org), org)
    example = _limit_example(org)
    if isinstance(typed, Decimal):
        typed = format(typed, "f")
    text = typed.strip()
    if not text:
        raise InvalidAmount(f"type an amount such as {example}")
    if text[0] in _SIGNS:
        raise InvalidAmount(_LIMIT_NEGATIVE)
    zero = _ZERO_LIMIT.fullmatch(text)
    # A zero is read as a one in its place, so that its currency is still checked.
    probe = text if zero is None else f"{zero['before']}1{zero['after']}"
    try:
        amount, rest = parse_amount(probe, org, max_minor=ceiling.minor)
    except InvalidAmount as exc:
        said = str(exc)
        if said == _NOT_POSITIVE:  # "£-5"
            raise InvalidAmount(_LIMIT_NEGATIVE) from None
        if said == _too_large(org, ceiling.minor):  # speaks of "one spend"
            at_most = format_money(ceiling, compact=True)
            raise InvalidAmount(f"is too large (at most {at_most})") from None
        if said.endswith(USAGE_HINT):  # "no amount found — try '/spend …'"
            raise InvalidAmount(f"{text!r} is not an amount — type one such as {example}") from None
        raise  # another currency, too many decimals …: as said of a spend
    if rest:
        raise InvalidAmount(f"type just the amount, such as {example} (not {text!r})")
    if zero is not None:
        if not allow_zero:
            raise InvalidAmount("must be more than zero")
        return Decimal(0)
    major = to_major(amount)
    return major.quantize(Decimal(1)) if major == major.to_integral_value() else major


def _limit_example(currency: str) -> str:
    """'40 or £40.50' in the organisation's currency ('40 or ¥40' where it has no cents)."""
    exponent = currency_exponent(currency)
    cents = 4050 * 10 ** (exponent - 2) if exponent >= 2 else 40 * 10**exponent
    return f"40 or {format_money(Money(cents, currency))}"
