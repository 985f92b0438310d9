"""Offer pages: the shared listing pages, with what makes them about offers."""

from brokerage.listings.forms import OfferForm
from brokerage.listings.models import ListingSide
from brokerage.listings.views import Side, register
from brokerage.offers import bp
from brokerage.offers.models import Offer
from brokerage.offers.services import create_offer, update_offer
from brokerage.permissions import Action

OFFERS = Side(
    side=ListingSide.OFFER,
    model=Offer,
    form=OfferForm,
    create=create_offer,
    update=update_offer,
    browse=Action.OFFER_BROWSE,  # offers are for verified organisations, not the public
    see=Action.OFFER_SEE,
    manage=Action.OFFER_MANAGE,
    post=Action.OFFER_POST,
)

register(bp, OFFERS)
