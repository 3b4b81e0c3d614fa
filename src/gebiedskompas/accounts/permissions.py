"""The one permission check: may this user do this action for this area?

Every view, API endpoint, export and command acting for a user asks `can` (or `require`). A role
assigned on an area covers that area and everything below it; on a gemeente, the municipality;
without an area, the whole installation. Anonymous users get the public actions only; a Django
superuser is an operator. Grants and area chains are cached on the user object, which lives for
one request, so a page asking many times costs one query for the grants and at most one per area.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse

from gebiedskompas.accounts.roles import ACTIONS, PUBLIC_ACTIONS
from gebiedskompas.areas.models import Area

INSTALLATION = None  # the scope of an assignment without an area


@dataclass(frozen=True)
class Grant:
    actions: frozenset[str]
    area_id: int | None  # None: the whole installation
    organisation_id: int | None


def _is_signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def grants(user: Any) -> tuple[Grant, ...]:
    """The user's role assignments as grants; one query, cached on the user object."""
    if not _is_signed_in(user):
        return ()
    cached = getattr(user, "_kompas_grants", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]  # set below
    if user.is_superuser:
        found: tuple[Grant, ...] = (Grant(ACTIONS, None, None),)
    else:
        from gebiedskompas.accounts.models import RoleAssignment

        found = tuple(
            Grant(frozenset(permissions or ()), area_id, organisation_id)
            for permissions, area_id, organisation_id in RoleAssignment.objects.filter(
                user_id=user.pk
            ).values_list("role__permissions", "area_id", "organisation_id")
        )
    user._kompas_grants = found
    return found


def forget(user: Any) -> None:
    """Drop the cached grants (after changing the user's assignments in the same request)."""
    for name in ("_kompas_grants", "_kompas_chains"):
        if hasattr(user, name):
            delattr(user, name)


def _scope_area(target: Any) -> Area | None:
    """The area a permission is checked on: an area itself; for a cluster (or anything else with
    a municipality and no level) its municipality."""
    if target is None or isinstance(target, Area):
        return target
    municipality = getattr(target, "municipality", None)
    if isinstance(municipality, Area):
        return municipality
    raise TypeError(f"cannot check a permission on {type(target).__name__}")


def area_chain(area: Area, cache: dict[int, frozenset[int]] | None = None) -> frozenset[int]:
    """Ids of the area and all its ancestors (and its municipality). Uses the loaded parent chain;
    otherwise one query for up to four levels."""
    if cache is not None and area.pk in cache:
        return cache[area.pk]
    ids = {area.pk}
    if area.municipality_id:
        ids.add(area.municipality_id)
    current = area
    while current.parent_id is not None:
        if Area.parent.is_cached(current):  # type: ignore[attr-defined]  # Django descriptor
            current = current.parent  # type: ignore[assignment]  # parent_id is set
            ids.add(current.pk)
            continue
        row = (
            Area.objects.filter(pk=current.parent_id)
            .values_list("pk", "parent_id", "parent__parent_id", "parent__parent__parent_id")
            .first()
        )
        ids.update(pk for pk in (row or ()) if pk is not None)
        break
    chain = frozenset(ids)
    if cache is not None:
        cache[area.pk] = chain
    return chain


def can(user: Any, action: str, area: Any = None) -> bool:
    """Whether `user` may do `action` for `area` (an Area, a Cluster, or None for the
    installation as a whole, which only installation-wide roles cover)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if action in PUBLIC_ACTIONS:
        return True
    relevant = [g for g in grants(user) if action in g.actions]
    if not relevant:
        return False
    if any(g.area_id is INSTALLATION for g in relevant):
        return True
    scoped = _scope_area(area)
    if scoped is None:
        return False
    cache = getattr(user, "_kompas_chains", None)
    if cache is None:
        cache = {}
        user._kompas_chains = cache
    chain = area_chain(scoped, cache)
    return any(g.area_id in chain for g in relevant)


def require(user: Any, action: str, area: Any = None) -> None:
    """`can`, raising PermissionDenied when not."""
    if not can(user, action, area):
        raise PermissionDenied(f"not allowed: {action}")


def can_somewhere(user: Any, action: str) -> bool:
    """Whether the user may do `action` for at least one area (menus, list pages)."""
    return action in PUBLIC_ACTIONS or any(action in g.actions for g in grants(user))


def scope_roots(user: Any, action: str) -> set[int] | None:
    """Ids of the areas whose subtrees the user may do `action` in; None means everywhere."""
    if action in PUBLIC_ACTIONS:
        return None
    roots: set[int] = set()
    for g in grants(user):
        if action in g.actions:
            if g.area_id is INSTALLATION:
                return None
            roots.add(g.area_id)
    return roots


def area_filter(user: Any, action: str, field: str = "") -> Q:
    """A filter on a queryset (areas, or rows with an area at `field`) keeping only what the
    user may do `action` for. Areas nest at most four deep (gemeente › stadsdeel › wijk › buurt),
    so the subtree is the root or a parent chain up to three links long, or its municipality."""
    roots = scope_roots(user, action)
    if roots is None:
        return Q()
    if not roots:
        return Q(pk__in=[])
    prefix = f"{field}__" if field else ""
    q = Q(**{f"{prefix}pk__in": roots}) | Q(**{f"{prefix}municipality_id__in": roots})
    chain = "parent"
    for _ in range(3):
        q |= Q(**{f"{prefix}{chain}_id__in": roots})
        chain += "__parent"
    return q


def can_within(user: Any, action: str, municipality: Area) -> bool:
    """Whether the user may do `action` for the municipality or any area inside it: e.g. a
    gebiedsmanager of one stadsdeel reading an analysis of the whole municipality."""
    if can(user, action, municipality):
        return True
    roots = scope_roots(user, action)
    if not roots:
        return roots is None
    return Area.objects.filter(pk__in=roots, municipality_id=municipality.pk).exists()


def organisations(user: Any) -> set[int]:
    """Ids of the organisations the user acts for (a partner's or department's assignments)."""
    return {g.organisation_id for g in grants(user) if g.organisation_id is not None}


def _deny(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


ViewFunc = Callable[..., HttpResponse]


def area_permission(action: str, area_kwarg: str = "code") -> Callable[[ViewFunc], ViewFunc]:
    """View decorator: the area named by the URL argument `area_kwarg` (its code) must exist
    (else 404) and the user may do `action` for it (else login for anonymous users, 403 for
    others). The area, with its parent chain, is passed on as ``request.kompas_area``."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            area = (
                Area.objects.select_related("parent__parent__parent__parent", "municipality")
                .filter(code=kwargs.get(area_kwarg))
                .first()
            )
            if area is None:
                raise Http404
            if not can(request.user, action, area):
                return _deny(request)
            request.kompas_area = area  # type: ignore[attr-defined]  # for the view
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def permission_somewhere(action: str) -> Callable[[ViewFunc], ViewFunc]:
    """View decorator for pages not tied to one area (lists, forms choosing an area): the user
    may do `action` for some area. The view still checks the area it acts on with `require`."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not can_somewhere(request.user, action):
                return _deny(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def all_in_scope(user: Any, action: str, areas: Iterable[Any]) -> bool:
    """Whether the user may do `action` for every one of `areas` (and there is at least one)."""
    listed = list(areas)
    return bool(listed) and all(can(user, action, a) for a in listed)
