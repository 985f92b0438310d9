"""Staff turnover in Chromium, with axe, the HTML checker and the console on every
page: an owner hands ownership to a colleague, then leaves; the new owner removes a
member."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_ownership_changes_hands_then_the_old_owner_leaves(make, new_context, sign_in, check_page):
    olive = make.user(name="Olive Owner", email="olive@example.org")
    org = make.organisation(olive, name="Armley Digital")
    make.member(org, make.user(name="Mo Member", email="mo@example.org"))
    make.member(org, make.user(name="Rae Removed", email="rae@example.org"))

    page = new_context().new_page()
    sign_in(page, "olive@example.org", PASSWORD)
    page.goto(f"/organisations/{org.id}/members")
    check_page(page)
    page.get_by_role("link", name="Make owner Mo Member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Make Mo Member an owner of Armley Digital"
    )
    check_page(page)
    page.get_by_role("button", name="Make Mo Member an owner").click()
    expect(page.get_by_text("Mo Member is now an owner of Armley Digital.")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Leave Armley Digital").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leave Armley Digital")
    check_page(page)
    page.get_by_role("button", name="Leave Armley Digital").click()
    expect(page.get_by_text("You have left Armley Digital.")).to_be_visible()
    check_page(page)

    mo = new_context().new_page()
    sign_in(mo, "mo@example.org", PASSWORD, check=False)
    mo.goto(f"/organisations/{org.id}/members")
    mo.get_by_role("link", name="Remove Rae Removed").click()
    expect(mo.get_by_role("heading", level=1)).to_have_text(
        "Remove Rae Removed from Armley Digital"
    )
    check_page(mo)
    mo.get_by_role("button", name="Remove Rae Removed").click()
    expect(mo.get_by_text("Rae Removed is no longer a member of Armley Digital.")).to_be_visible()
    expect(mo.get_by_role("table", name="People in Armley Digital")).not_to_contain_text("Rae")
    check_page(mo)
