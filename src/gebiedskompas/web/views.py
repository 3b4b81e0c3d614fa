from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gebiedskompas.areas import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"municipalities": selectors.municipalities()})


def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.area_or_404(code)
    return render(request, "web/area.html", {"area": area})
