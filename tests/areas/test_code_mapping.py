from __future__ import annotations

from pathlib import Path

import pytest

from gebiedskompas.areas.models import CodeMapping
from gebiedskompas.areas.services import import_code_mapping
from gebiedskompas.core.errors import KompasError
from gebiedskompas.indicators.services import import_cbs
from tests.indicators.cbs_files import write_cbs

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_code_mapping_loads_once_and_refuses_unknown_new_codes(tmp_path: Path) -> None:
    import_cbs(write_cbs(tmp_path / "kwb.csv"), year=2024)
    path = tmp_path / "map.csv"
    path.write_text(
        "old_code,new_code,year,share\nBU99980199,BU99980101,2024,0.6\n"
        "BU99980199,BU99980102,2024,0.4\n"
    )
    assert import_code_mapping(path) == (2, 0)
    assert import_code_mapping(path) == (0, 2)
    assert CodeMapping.objects.get(new_code="BU99980102").share == pytest.approx(0.4)
    bad = tmp_path / "bad.csv"
    bad.write_text("old_code,new_code,year\nBU1,BU00000000,2024\nBU2,BU99980101,volgend\n")
    with pytest.raises(KompasError) as info:
        import_code_mapping(bad)
    text = str(info.value)
    assert 'bad.csv, row 2, column new_code: unknown area "BU00000000"' in text
    assert 'bad.csv, row 3, column year: "volgend" is not a year' in text
    assert CodeMapping.objects.count() == 2
