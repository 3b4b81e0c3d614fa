"""Paging per the API Design Rules: ``page`` and ``pageSize``, links to the other pages."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

MAX_PAGE_SIZE = 100


class PagePagination(PageNumberPagination):
    page_query_param = "page"
    page_size_query_param = "pageSize"
    page_size = 20
    max_page_size = MAX_PAGE_SIZE

    def _href(self, url: str | None) -> dict[str, str] | None:
        return {"href": url} if url else None

    def get_paginated_response(self, data: Any) -> Response:
        page = self.page
        assert page is not None
        request = self.request
        assert request is not None
        from rest_framework.utils.urls import replace_query_param

        url = request.build_absolute_uri()
        links = {
            "self": self._href(url),
            "first": self._href(replace_query_param(url, self.page_query_param, 1)),
            "prev": self._href(
                self.get_previous_link()
                and replace_query_param(url, self.page_query_param, page.number - 1)
            ),
            "next": self._href(self.get_next_link()),
            "last": self._href(
                replace_query_param(url, self.page_query_param, page.paginator.num_pages)
            ),
        }
        return Response(
            {
                "_links": {k: v for k, v in links.items() if v is not None},
                "totaal": page.paginator.count,
                "pagina": page.number,
                "paginaGrootte": page.paginator.per_page,
                "resultaten": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {
            "type": "object",
            "properties": {"href": {"type": "string", "format": "uri"}},
            "required": ["href"],
        }
        return {
            "type": "object",
            "required": ["_links", "totaal", "pagina", "paginaGrootte", "resultaten"],
            "properties": {
                "_links": {
                    "type": "object",
                    "properties": {k: link for k in ("self", "first", "prev", "next", "last")},
                },
                "totaal": {"type": "integer"},
                "pagina": {"type": "integer"},
                "paginaGrootte": {"type": "integer"},
                "resultaten": schema,
            },
        }
