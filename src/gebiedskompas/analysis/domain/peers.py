"""Peer groups: areas that look alike on a structural profile, for "similar areas" comparisons.

Rotterdam's Wijkprofiel compares a wijk with "Vergelijkbare wijken" from a wijk typology
(anchors-monitoring.md §1). We standardise a structural profile (e.g. density, age mix,
housing stock; not the outcomes being compared) to z-scores, so each indicator counts the same,
then find each area's nearest peers (Euclidean distance, scipy ``cKDTree``) or group areas with
k-means (scipy ``kmeans2``, seeded). Results name the indicators used, and which were dropped
for having no spread.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster.vq import kmeans2
from scipy.spatial import cKDTree

from gebiedskompas.analysis.domain.methods.common import FloatArray
from gebiedskompas.analysis.domain.model import MissingPolicy
from gebiedskompas.core.errors import KompasError, gettext_noop


@dataclass(frozen=True)
class Profile:
    """The standardised profile: ``standardised`` (areas × columns used), the columns used and
    dropped (no spread), and the areas affected by the missing-value policy."""

    standardised: pd.DataFrame
    columns_used: tuple[str, ...]
    columns_dropped: tuple[str, ...]
    affected_areas: tuple[Hashable, ...]


@dataclass(frozen=True)
class Peers:
    """``neighbours``: columns ``area``, ``peer``, ``order`` (1 = nearest), ``distance`` (in
    standard deviations); ``profile``: what the distances were computed on."""

    neighbours: pd.DataFrame
    profile: Profile


@dataclass(frozen=True)
class Clusters:
    """``labels``: cluster number per area (0-based); ``centres``: cluster × column, in
    standard deviations; ``profile``: what the clustering was computed on."""

    labels: pd.Series
    centres: pd.DataFrame
    profile: Profile


def standardise_profile(
    table: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    missing: MissingPolicy = MissingPolicy.IMPUTE_MEDIAN,
) -> Profile:
    """z-score each column (mean 0, sd 1 over all areas); drop columns without spread.

    ``columns`` default: every numeric column. Raises KompasError for an unknown or
    non-numeric column, or when no column with spread is left.
    """
    chosen = (
        [str(c) for c in columns]
        if columns is not None
        else [str(c) for c in table.select_dtypes("number").columns]
    )
    for col in chosen:
        if col not in table.columns:
            raise KompasError(
                gettext_noop("peers: column {col!r} is not in the table"), column=col, col=col
            )
        if not pd.api.types.is_numeric_dtype(table[col]):
            raise KompasError(
                gettext_noop("peers: column {col!r} is not numeric"), column=col, col=col
            )
    data = table[chosen].astype(float)
    gaps = data.isna().any(axis=1)
    affected = tuple(data.index[gaps])
    if gaps.any():
        data = data[~gaps] if missing is MissingPolicy.EXCLUDE else data.fillna(data.median())
    values = data.to_numpy(dtype=np.float64)
    sd = values.std(axis=0) if len(values) else np.zeros(len(chosen))
    keep = np.isfinite(sd) & (sd > 0)
    if not keep.any():
        raise KompasError(gettext_noop("peers: no profile column varies between the areas"))
    z = (values[:, keep] - values[:, keep].mean(axis=0)) / sd[keep]
    used = tuple(c for c, k in zip(chosen, keep, strict=True) if k)
    dropped = tuple(c for c, k in zip(chosen, keep, strict=True) if not k)
    return Profile(
        standardised=pd.DataFrame(z, index=data.index, columns=list(used)),
        columns_used=used,
        columns_dropped=dropped,
        affected_areas=affected,
    )


def nearest_peers(
    table: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    k: int = 5,
    missing: MissingPolicy = MissingPolicy.IMPUTE_MEDIAN,
) -> Peers:
    """The ``k`` most similar other areas of every area (an area is never its own peer)."""
    profile = standardise_profile(table, columns, missing=missing)
    z = profile.standardised.to_numpy(dtype=np.float64)
    n = len(z)
    if not 1 <= k < n:
        raise KompasError(
            gettext_noop("peers: k must be from 1 to {n_max} (the other areas), not {k}"),
            n_max=n - 1,
            k=k,
        )
    tree = cKDTree(z)
    dist, idx = tree.query(z, k=k + 1)
    dist_arr = np.asarray(dist, dtype=np.float64)
    idx_arr = np.asarray(idx, dtype=np.int64)
    rows = []
    ids = profile.standardised.index
    for i in range(n):
        # Drop the area itself (it may not come first when duplicates are at distance 0).
        order = [j for j in range(k + 1) if idx_arr[i, j] != i][:k]
        for pos, j in enumerate(order, start=1):
            rows.append((ids[i], ids[idx_arr[i, j]], pos, float(dist_arr[i, j])))
    neighbours = pd.DataFrame(rows, columns=["area", "peer", "order", "distance"])
    return Peers(neighbours=neighbours, profile=profile)


def cluster_areas(
    table: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    n_clusters: int = 5,
    seed: int = 0,
    missing: MissingPolicy = MissingPolicy.IMPUTE_MEDIAN,
) -> Clusters:
    """k-means on the standardised profile (k-means++ start, seeded, so reruns agree).

    Clusters are renumbered by size (0 = largest) so the labels do not depend on the start.
    """
    profile = standardise_profile(table, columns, missing=missing)
    z: FloatArray = profile.standardised.to_numpy(dtype=np.float64)
    if not 1 <= n_clusters <= len(z):
        raise KompasError(
            gettext_noop("peers: the number of clusters must be from 1 to {n_z}, not {n_clusters}"),
            n_z=len(z),
            n_clusters=n_clusters,
        )
    centres, labels = kmeans2(z, n_clusters, minit="++", seed=np.random.default_rng(seed))
    counts = np.bincount(labels, minlength=n_clusters)
    order = np.lexsort((np.arange(n_clusters), -counts))
    renumber = np.empty(n_clusters, dtype=np.int64)
    renumber[order] = np.arange(n_clusters)
    return Clusters(
        labels=pd.Series(renumber[labels], index=profile.standardised.index, name="cluster"),
        centres=pd.DataFrame(
            np.asarray(centres)[order], columns=list(profile.columns_used)
        ).rename_axis("cluster"),
        profile=profile,
    )
