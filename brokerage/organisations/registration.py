"""The shapes of what an organisation registers with: registration numbers by scheme,
postcodes and website addresses, each checked and written one way."""

from __future__ import annotations

import re

from brokerage.errors import DomainError
from brokerage.organisations.models import RegistrationScheme

# Companies House prefixes followed by six digits (R is followed by seven).
COMPANIES_HOUSE_PREFIXES = frozenset(
    [
        "AC",
        "BR",
        "CE",
        "CS",
        "FC",
        "FE",
        "GE",
        "GN",
        "GS",
        "IC",
        "IP",
        "LP",
        "NA",
        "NC",
        "NF",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NV",
        "NZ",
        "OC",
        "PC",
        "RC",
        "RS",
        "SA",
        "SC",
        "SE",
        "SF",
        "SG",
        "SI",
        "SL",
        "SO",
        "SP",
        "SR",
        "SZ",
        "ZC",
    ]
)

REGISTRATION_HINTS = {
    RegistrationScheme.CHARITY_EW: "6 or 7 digits, like 1234567",
    RegistrationScheme.CHARITY_SC: "SC followed by 6 digits, like SC012345",
    RegistrationScheme.CHARITY_NI: "NIC followed by 6 digits, like NIC101234, or 6 digits from "
    "100000",
    RegistrationScheme.COMPANIES_HOUSE: "8 characters, like 01234567 or SC123456",
}


def normalise_registration_number(scheme: RegistrationScheme, raw: str | None) -> str | None:
    """The number in its stored form, or a DomainError saying what shape it should have."""
    value = re.sub(r"[\s\-.]", "", raw or "").upper()
    if scheme is RegistrationScheme.NONE:
        if value:
            raise DomainError("Remove the registration number, or choose who it is registered with")
        return None
    if not value:
        raise DomainError(f"Enter the registration number: {REGISTRATION_HINTS[scheme]}")
    ok = False
    if not value.isascii():
        pass  # \d and str.isdigit() also match other scripts' digits, which no register uses
    elif scheme is RegistrationScheme.CHARITY_EW:
        ok = re.fullmatch(r"\d{6,7}", value) is not None
    elif scheme is RegistrationScheme.CHARITY_SC:
        ok = re.fullmatch(r"SC0\d{5}", value) is not None
    elif scheme is RegistrationScheme.CHARITY_NI:
        ok = re.fullmatch(r"NIC\d{6}|[1-9]\d{5}", value) is not None
    elif scheme is RegistrationScheme.COMPANIES_HOUSE:
        if value.isdigit() and len(value) <= 8:
            value = value.zfill(8)  # people often drop the leading zeros
            ok = True
        elif re.fullmatch(r"R\d{7}", value):
            ok = True
        else:
            ok = (
                re.fullmatch(r"[A-Z]{2}\d{6}", value) is not None
                and value[:2] in COMPANIES_HOUSE_PREFIXES
            )
    if not ok:
        raise DomainError(
            f"Enter a {scheme.label} number in the right format: {REGISTRATION_HINTS[scheme]}"
        )
    return value


_POSTCODE = re.compile(r"([A-Z]{1,2}\d[A-Z\d]?|GIR) ?(\d[A-Z]{2})", re.ASCII)


def normalise_postcode(raw: str | None) -> str:
    value = re.sub(r"\s+", "", raw or "").upper()
    match = _POSTCODE.fullmatch(value)
    if not match:
        raise DomainError("Enter a real postcode, like LS1 1UR")
    return f"{match.group(1)} {match.group(2)}"


# A scheme is letters then a colon; "example.org:8080" is a host and port, not a scheme.
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):(?!\d)", re.IGNORECASE)
_WEB_ADDRESS = re.compile(
    r"https?://[^\s/?#:@]+\.[^\s/?#:@.]+(?::\d{1,5})?(?:[/?#]\S*)?", re.IGNORECASE
)
WEBSITE_MAX_LENGTH = 300


def normalise_website(raw: str | None) -> str | None:
    """A website as people type it ("example.org") kept as a link that works
    ("https://example.org"). Only web addresses: a javascript: or data: link on an
    organisation's page would run or show whatever its author chose."""
    value = (raw or "").strip()
    if not value:
        return None
    scheme = _SCHEME.match(value)
    if scheme is None:
        value = "https://" + value.lstrip("/")
    elif scheme.group(1).lower() not in {"http", "https"}:
        raise DomainError(
            "Enter a website address starting with https://, like https://www.example.org"
        )
    if len(value) > WEBSITE_MAX_LENGTH:
        raise DomainError("Website must be 300 characters or fewer")
    if not _WEB_ADDRESS.fullmatch(value):
        raise DomainError("Enter a website address in the correct format, like www.example.org")
    return value
