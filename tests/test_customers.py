from __future__ import annotations

import pytest

from bot.customers import extract_customer_ref, normalise_ref


@pytest.mark.parametrize(
    ("text", "ref", "rest"),
    [
        ("dry cleaning + flowers, lodge 12", "lodge 12", "dry cleaning + flowers"),
        ("free dessert tbl 7", "table 7", "free dessert"),
        ("refund for order #5531", "order 5531", "refund"),
        ("Room 214 late checkout", "room 214", "late checkout"),
        ("rm214 minibar", "room 214", "minibar"),
        ("voucher for booking AB1234", "booking AB1234", "voucher"),
        ("flowers and a card", None, "flowers and a card"),
        ("the room was cold", None, "the room was cold"),  # no id: not a reference
    ],
)
def test_references_are_found_where_staff_type_them(text: str, ref: str | None, rest: str) -> None:
    assert extract_customer_ref(text) == (ref, rest)


def test_same_customer_typed_differently_is_one_reference() -> None:
    assert normalise_ref("Room 214") == normalise_ref("rm 214") == normalise_ref("room #214")
    assert normalise_ref("just some text") is None
