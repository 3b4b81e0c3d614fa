"""Staff pages for the import pipeline: upload a file, see the recent imports."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gebiedskompas.accounts.permissions import permission_somewhere
from gebiedskompas.accounts.roles import IMPORT_DATA
from gebiedskompas.core.errors import InputError, KompasError
from gebiedskompas.i18n import error_text, problem_text
from gebiedskompas.indicators import services
from gebiedskompas.indicators.forms import UploadForm


def _save(upload, folder: Path) -> Path:  # type: ignore[no-untyped-def]  # UploadedFile
    # Keep the user's file name (minus any path) so messages name the file they know.
    path = folder / Path(upload.name).name
    with path.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return path


@permission_somewhere(IMPORT_DATA)
def upload(request: HttpRequest) -> HttpResponse:
    summary = None
    problems: list[str] = []
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with tempfile.TemporaryDirectory() as tmp:
            path = _save(data["file"], Path(tmp))
            try:
                if data["kind"] == "cbs":
                    meta = _save(data["metadata"], Path(tmp) / "meta") if data["metadata"] else None
                    summary = services.import_cbs(
                        path, year=data.get("year"), metadata_path=meta, user=request.user
                    )
                else:
                    summary = services.import_csv(
                        path,
                        area_column=data["area_column"],
                        period=data["period"],
                        mapping=data["mapping_dict"] or None,
                        user=request.user,
                    )
            except InputError as exc:
                problems = [problem_text(p) for p in exc.problems[: InputError.MAX_REPORTED]]
            except KompasError as exc:
                problems = [error_text(exc)]
    return render(
        request,
        "indicators/upload.html",
        {
            "form": form,
            "summary": summary,
            "problems": problems,
            "batches": services.batches(20),
        },
    )
