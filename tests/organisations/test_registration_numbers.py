"""The shapes of registration numbers and postcodes: what is accepted, stored how, and refused."""

import pytest

from brokerage.errors import DomainError
from brokerage.organisations.models import RegistrationScheme
from brokerage.organisations.registration import (
    normalise_postcode,
    normalise_registration_number,
)

EW = RegistrationScheme.CHARITY_EW
SC = RegistrationScheme.CHARITY_SC
NI = RegistrationScheme.CHARITY_NI
CH = RegistrationScheme.COMPANIES_HOUSE
NONE = RegistrationScheme.NONE


@pytest.mark.parametrize(
    ("scheme", "raw", "stored"),
    [
        # England and Wales: 6 or 7 digits.
        (EW, "123456", "123456"),
        (EW, "1234567", "1234567"),
        (EW, " 1 234 567 ", "1234567"),
        (EW, "1234-567", "1234567"),
        # Scotland: SC0 and 5 more digits.
        (SC, "SC012345", "SC012345"),
        (SC, "sc012345", "SC012345"),
        (SC, "SC 012 345", "SC012345"),
        # Northern Ireland: NIC and 6 digits, or 6 digits from 100000.
        (NI, "NIC101234", "NIC101234"),
        (NI, "nic 101234", "NIC101234"),
        (NI, "100000", "100000"),
        (NI, "999999", "999999"),
        # Companies House: always 8 characters.
        (CH, "01234567", "01234567"),
        (CH, "1234567", "01234567"),
        (CH, "12345678", "12345678"),
        (CH, "SC123456", "SC123456"),
        (CH, "sc123456", "SC123456"),
        (CH, "NI123456", "NI123456"),
        (CH, "OC123456", "OC123456"),
        (CH, "SO123456", "SO123456"),
        (CH, "SL123456", "SL123456"),
        (CH, "NC123456", "NC123456"),
        (CH, "NL123456", "NL123456"),
        (CH, "LP123456", "LP123456"),
        (CH, "R1234567", "R1234567"),
        (CH, "r 123 4567", "R1234567"),
        # Unregistered groups give no number.
        (NONE, "", None),
        (NONE, None, None),
        (NONE, "   ", None),
    ],
)
def test_a_number_of_the_right_shape_is_stored_in_its_standard_form(scheme, raw, stored):
    assert normalise_registration_number(scheme, raw) == stored


@pytest.mark.parametrize(
    ("scheme", "raw", "hint"),
    [
        (EW, "12345", "6 or 7 digits"),
        (EW, "12345678", "6 or 7 digits"),
        (EW, "12345A", "6 or 7 digits"),
        (EW, "SC012345", "6 or 7 digits"),
        (EW, "", "6 or 7 digits"),
        (EW, None, "6 or 7 digits"),
        # Non-Latin digits are digits to Python, not to the Charity Commission.
        (EW, "١٢٣٤٥٦٧", "6 or 7 digits"),
        (SC, "SC1234567", "SC followed by 6 digits"),
        (SC, "SC112345", "SC followed by 6 digits"),
        (SC, "SC01234", "SC followed by 6 digits"),
        (SC, "012345", "SC followed by 6 digits"),
        (NI, "NIC12345", "NIC followed by 6 digits"),
        (NI, "NIC1234567", "NIC followed by 6 digits"),
        (NI, "099999", "NIC followed by 6 digits"),
        (NI, "12345", "NIC followed by 6 digits"),
        (NI, "NI101234", "NIC followed by 6 digits"),
        (CH, "XX123456", "8 characters"),
        (CH, "SC12345", "8 characters"),
        (CH, "SC1234567", "8 characters"),
        (CH, "123456789", "8 characters"),
        (CH, "R123456", "8 characters"),
        (CH, "R12345678", "8 characters"),
        (CH, "S1234567", "8 characters"),
        (CH, "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "8 characters"),  # full-width
        (CH, "", "8 characters"),
    ],
)
def test_a_number_of_the_wrong_shape_is_refused_with_the_shape_it_should_have(scheme, raw, hint):
    with pytest.raises(DomainError, match=hint):
        normalise_registration_number(scheme, raw)


def test_a_number_given_for_an_unregistered_group_is_refused():
    with pytest.raises(DomainError, match="Remove the registration number"):
        normalise_registration_number(NONE, "1234567")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("LS1 1UR", "LS1 1UR"),
        ("ls11ur", "LS1 1UR"),
        ("  ls1   1ur ", "LS1 1UR"),
        ("LS11 5AB", "LS11 5AB"),
        ("ls115ab", "LS11 5AB"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("ec1a1bb", "EC1A 1BB"),
        ("GIR 0AA", "GIR 0AA"),
    ],
)
def test_a_uk_postcode_is_stored_in_capitals_with_one_space(raw, stored):
    assert normalise_postcode(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "   ",
        "LS1",
        "1UR",
        "LS1 1U",
        "LS1 1URR",
        "LS 1UR",
        "1LS 1UR",
        "LSS1 1UR",
        "LS1 UR1",
        "LS1-1UR",
        "12345",
        "LS1 \uff11UR",  # a full-width digit
        "not a postcode",
    ],
)
def test_something_that_is_not_a_postcode_is_refused(raw):
    with pytest.raises(DomainError, match="Enter a real postcode, like LS1 1UR"):
        normalise_postcode(raw)
