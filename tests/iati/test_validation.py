"""cbcoord.iati.validation: libxml2's schema messages in plain words."""

from __future__ import annotations

from cbcoord.iati.validation import rewrite_message


def test_rewrite_message_names_the_element() -> None:
    assert rewrite_message(
        "Element 'budget', attribute 'type': The attribute 'type' is required but missing."
    ) == ("budget is missing its required attribute 'type'")
    assert rewrite_message(
        "Element 'value': 'x' is not a valid value of the atomic type 'xs:decimal'."
    ) == ("value is 'x', which is not a valid decimal number")
    assert rewrite_message("Element 'foo': This element is not expected.") == (
        "foo is not allowed here (no more child elements are allowed)"
    )
