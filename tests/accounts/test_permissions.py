"""`can`: roles per area cover the subtree, municipalities stay apart, the public reads only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from gebiedskompas.accounts.models import Role
from gebiedskompas.accounts.permissions import (
    area_filter,
    can,
    can_somewhere,
    can_within,
    require,
)
from gebiedskompas.accounts.roles import DEFAULT_ROLES
from gebiedskompas.areas.models import Area, Cluster
from tests.accounts.conftest import World
from tests.accounts.helpers import grant, user_with

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_every_default_role_is_stored_by_the_migration() -> None:
    assert set(Role.objects.values_list("code", flat=True)) >= set(DEFAULT_ROLES)


def test_a_role_on_a_stadsdeel_covers_its_wijken_and_buurten_not_its_parent(world: World) -> None:
    town = world.town
    manager = user_with("gebiedsmanager", town.stadsdeel)
    assert can(manager, "view_internal", town.stadsdeel)
    assert can(manager, "view_internal", town.wijk)
    assert can(manager, "view_internal", town.small_buurt)
    assert not can(manager, "view_internal", town.gemeente)
    assert not can(manager, "run_analysis", town.wijk), "gebiedsmanager does not run analyses"


def test_municipalities_never_see_each_others_internal_data(world: World) -> None:
    analist = user_with("analist", world.town.gemeente)
    assert can(analist, "view_internal", world.town.small_buurt)
    assert not can(analist, "view_internal", world.other)
    assert not can(analist, "view_internal", world.other_buurt)
    with pytest.raises(PermissionDenied):
        require(analist, "write_observations", world.other_buurt)


def test_the_public_may_only_do_public_actions(world: World) -> None:
    anonymous = AnonymousUser()
    assert can(anonymous, "view_public", world.town.small_buurt)
    assert not can(anonymous, "view_internal", world.town.small_buurt)
    assert not can_somewhere(anonymous, "view_internal")
    no_role = user_with(None)
    assert not can(no_role, "view_internal", world.town.gemeente)


def test_an_installation_wide_operator_may_act_everywhere(world: World) -> None:
    operator = user_with("operator", None)
    assert can(operator, "manage_roles", world.other_buurt)
    assert can(operator, "edit_area")  # no area: only installation-wide roles qualify
    beheerder = user_with("beheerder", world.town.gemeente)
    assert not can(beheerder, "edit_area")


def test_the_wethouder_reads_but_does_not_write(world: World) -> None:
    wethouder = user_with("wethouder", world.town.gemeente)
    assert can(wethouder, "view_internal", world.town.wijk)
    assert not can(wethouder, "write_observations", world.town.wijk)
    assert not can(wethouder, "edit_area", world.town.wijk)


def test_a_cluster_is_checked_on_its_municipality(world: World) -> None:
    cluster = Cluster.objects.create(code="CL1", name="Focus", municipality=world.town.gemeente)
    assert can(user_with("beheerder", world.town.gemeente), "edit_area", cluster)
    assert not can(user_with("beheerder", world.other), "edit_area", cluster)


def test_grants_are_read_once_per_user_object(world: World, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    user = user_with("analist", world.town.gemeente)
    buurten = list(Area.objects.select_related("parent__parent__parent").filter(level="buurt"))
    with django_assert_num_queries(1):
        for buurt in buurten:
            can(user, "view_internal", buurt)


def test_area_filter_keeps_the_subtree_in_scope(world: World) -> None:
    user = user_with("gebiedsverbinder", world.town.wijk)
    codes = set(
        Area.objects.filter(area_filter(user, "view_internal")).values_list("code", flat=True)
    )
    assert codes == {world.town.wijk.code, *(b.code for b in world.town.buurten[:3])}


def test_can_within_lets_a_stadsdeel_role_read_the_municipality_analysis(world: World) -> None:
    manager = user_with("gebiedsmanager", world.town.stadsdeel)
    assert can_within(manager, "view_analysis", world.town.gemeente)
    assert not can_within(manager, "view_analysis", world.other)


def test_an_unknown_action_is_a_programming_error(world: World) -> None:
    with pytest.raises(ValueError, match="unknown action 'fly'"):
        can(user_with("analist", world.town.gemeente), "fly", world.town.gemeente)


def test_assigning_a_role_needs_manage_roles_on_that_area(world: World) -> None:
    from gebiedskompas.accounts.services import assign_role

    beheerder = user_with("beheerder", world.town.gemeente)
    someone = user_with(None, username="iemand")
    assign_role(someone, "analist", world.town.wijk.code, by=beheerder)
    assert can(someone, "view_internal", world.town.wijk)
    with pytest.raises(PermissionDenied):
        assign_role(someone, "analist", world.other.code, by=beheerder)
    grant(someone, "wethouder", world.other)
    assert can(someone, "view_internal", world.other_buurt)
