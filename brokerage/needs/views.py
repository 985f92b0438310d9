"""Need pages: the shared listing pages, with what makes them about needs."""

from brokerage.listings.forms import NeedForm
from brokerage.listings.models import ListingSide
from brokerage.listings.views import Side, register
from brokerage.needs import bp
from brokerage.needs.models import Need
from brokerage.needs.services import create_need, update_need
from brokerage.permissions import Action

NEEDS = Side(
    side=ListingSide.NEED,
    model=Need,
    form=NeedForm,
    create=create_need,
    update=update_need,
    browse=Action.PUBLIC,  # anyone can see what the city's charities need
    see=Action.NEED_SEE,
    manage=Action.NEED_MANAGE,
    post=Action.NEED_POST,
)

register(bp, NEEDS)
