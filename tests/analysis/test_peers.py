"""Peer groups on a standardised structural profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gebiedskompas.analysis.domain.peers import cluster_areas, nearest_peers, standardise_profile
from gebiedskompas.core.errors import KompasError

pytestmark = pytest.mark.unit


def profile() -> pd.DataFrame:
    # Two kinds of buurt: dense and young (1–3) versus green and old (4–6); constant column.
    return pd.DataFrame(
        {
            "dichtheid": [9000.0, 9500.0, 8800.0, 1200.0, 900.0, 1100.0],
            "pct_65plus": [8.0, 9.0, 7.5, 30.0, 28.0, 31.0],
            "gemeente": [1.0] * 6,
        },
        index=["BU1", "BU2", "BU3", "BU4", "BU5", "BU6"],
    )


def test_profile_is_standardised_and_says_which_columns_it_used() -> None:
    p = standardise_profile(profile())
    assert p.columns_used == ("dichtheid", "pct_65plus")
    assert p.columns_dropped == ("gemeente",)
    assert p.standardised.mean().abs().max() == pytest.approx(0.0, abs=1e-12)
    assert p.standardised.std(ddof=0).to_numpy() == pytest.approx([1.0, 1.0])


def test_nearest_peers_come_from_the_same_kind_of_buurt_and_never_the_area_itself() -> None:
    peers = nearest_peers(profile(), k=2)
    n = peers.neighbours
    assert len(n) == 12
    assert not (n["area"] == n["peer"]).any()
    dense = {"BU1", "BU2", "BU3"}
    for _, row in n.iterrows():
        assert (row["area"] in dense) == (row["peer"] in dense)
    assert (n.groupby("area")["distance"].apply(lambda s: s.is_monotonic_increasing)).all()


def test_kmeans_separates_the_two_kinds_and_is_reproducible() -> None:
    first = cluster_areas(profile(), n_clusters=2, seed=1)
    again = cluster_areas(profile(), n_clusters=2, seed=1)
    pd.testing.assert_series_equal(first.labels, again.labels)
    labels = first.labels
    assert labels["BU1"] == labels["BU2"] == labels["BU3"]
    assert labels["BU4"] == labels["BU5"] == labels["BU6"]
    assert labels["BU1"] != labels["BU4"]
    assert first.profile.columns_used == ("dichtheid", "pct_65plus")


def test_missing_profile_values_are_imputed_and_reported() -> None:
    table = profile()
    table.loc["BU2", "pct_65plus"] = np.nan
    p = standardise_profile(table)
    assert p.affected_areas == ("BU2",)
    assert len(p.standardised) == 6


def test_peer_errors_name_the_cause() -> None:
    with pytest.raises(KompasError, match="column 'onbekend' is not in the table"):
        nearest_peers(profile(), ["onbekend"])
    with pytest.raises(KompasError, match="k must be from 1 to 5"):
        nearest_peers(profile(), k=6)
    with pytest.raises(KompasError, match="no profile column varies"):
        standardise_profile(profile(), ["gemeente"])
