"""What a list's filters offer: each drop-down's terms, in the team's order (the lists'
form, listings/forms.py, and the list pages read them; search.py applies the filters)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import literal, select, union_all

from brokerage import page_cache
from brokerage.extensions import db
from brokerage.listings.models import DeviceType, ListingKind, Skill
from brokerage.listings.search import CLOSING_WITHIN
from brokerage.organisations.models import BeneficiaryGroup, Ward
from brokerage.taxonomy import offered


@dataclass
class Choices:
    """What the filter form offers: the taxonomies, read once per page."""

    skills: list[Skill]
    devices: list[DeviceType]
    wards: list[Ward]
    groups: list[BeneficiaryGroup]


def filter_choices() -> Choices:
    return Choices(
        skills=offered(Skill),
        devices=offered(DeviceType),
        wards=[w for w in offered(Ward) if not w.is_citywide],
        groups=offered(BeneficiaryGroup),
    )


def filter_options(choices: Choices | None = None) -> dict[str, Sequence[tuple[str, str]]]:
    """(value, text) pairs for each filter's drop-down: from `choices`, or else read
    in one query (the same terms, in the same order, as `filter_choices`)."""
    if choices is not None:
        taxonomies = {
            "skill": [(s.slug, s.name) for s in choices.skills],
            "device": [(d.slug, d.name) for d in choices.devices],
            "ward": [(w.slug, w.name) for w in choices.wards],
            "group": [(g.slug, g.name) for g in choices.groups],
        }
    else:
        # The same for everyone and rarely changed: read once for every list page shown
        # in the next seconds (page_cache.shared_value), signed in or not.
        taxonomies = page_cache.shared_value("listings.filter_options", _read_taxonomies)
    return {
        "kind": [(k.value, k.label) for k in ListingKind],
        **taxonomies,
        "closing": list(CLOSING_WITHIN.items()),
    }


def _read_taxonomies() -> dict[str, tuple[tuple[str, str], ...]]:
    taxonomies: dict[str, list[tuple[str, str]]] = {name: [] for name, _, _ in _TAXONOMIES}
    for number, slug, text in db.session.execute(_taxonomies()):
        taxonomies[_TAXONOMIES[number][0]].append((slug, text))
    return {name: tuple(terms) for name, terms in taxonomies.items()}


# The taxonomies offered as filters, and which of their terms are: the same as
# `filter_choices` (Leeds-wide is not a ward to filter by: it matches every ward).
_TAXONOMIES = (
    ("skill", Skill, Skill.active.is_(True)),
    ("device", DeviceType, DeviceType.active.is_(True)),
    ("ward", Ward, Ward.is_citywide.is_(False)),
    ("group", BeneficiaryGroup, BeneficiaryGroup.active.is_(True)),
)


@cache
def _taxonomies():
    """(taxonomy number, slug, name) of every term offered, in each list's order. The
    statement (not its results) is built once: it is the same for every page."""
    terms = union_all(
        *(
            select(
                literal(number).label("taxonomy"), model.slug, model.name, model.position, model.id
            ).where(shown)
            for number, (_, model, shown) in enumerate(_TAXONOMIES)
        )
    ).subquery()
    return select(terms.c.taxonomy, terms.c.slug, terms.c.name).order_by(
        terms.c.taxonomy, terms.c.position, terms.c.id
    )
