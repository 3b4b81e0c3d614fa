"""Category suggestion: a text classifier trained on the installation's own handled signals.

Per municipality, TF-IDF on word and character n-grams with a logistic regression
(scikit-learn), scored by stratified k-fold cross-validation before the final fit on all rows.
The model is stored with joblib in the data folder; the intake form asks `suggest()` and shows a
category only when the predicted probability reaches KOMPAS_SIGNAL_SUGGEST_THRESHOLD.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from gebiedskompas.areas.models import Area
from gebiedskompas.core.errors import KompasError, NotFound, gettext_noop
from gebiedskompas.signals.domain.workflow import Status
from gebiedskompas.signals.models import Category, Signal

MIN_PER_CATEGORY = 5  # fewer handled signals: the category is left out of the model
MAX_FOLDS = 5


@dataclass
class TrainResult:
    municipality: str
    signals: int
    categories: int
    left_out: list[str] = field(default_factory=list)
    folds: int = 0
    accuracy: list[float] = field(default_factory=list)
    macro_f1: list[float] = field(default_factory=list)
    path: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality, "signals": self.signals,
            "categories": self.categories, "left_out": self.left_out, "folds": self.folds,
            "accuracy": self.accuracy, "macro_f1": self.macro_f1,
            "accuracy_mean": _mean(self.accuracy), "macro_f1_mean": _mean(self.macro_f1),
            "model": self.path,
        }  # fmt: skip

    def __str__(self) -> str:
        return (
            f"{self.municipality}: {self.signals} handled signals, {self.categories} categories, "
            f"{self.folds}-fold stratified CV: accuracy {_mean(self.accuracy):.3f} "
            f"({_fmt(self.accuracy)}), macro-F1 {_mean(self.macro_f1):.3f} "
            f"({_fmt(self.macro_f1)}); model {self.path}"
            + (
                f"; left out (< {MIN_PER_CATEGORY} signals): {', '.join(self.left_out)}"
                if self.left_out
                else ""
            )  # fmt: skip
        )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _fmt(values: list[float]) -> str:
    return " ".join(f"{v:.3f}" for v in values)


def model_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


def model_path(municipality_code: str) -> Path:
    return model_dir() / f"signals-category-{municipality_code}.joblib"


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(lowercase=True, ngram_range=(1, 2), min_df=1, sublinear_tf=True),
        TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
    )
    return make_pipeline(features, LogisticRegression(max_iter=2000, C=10.0))


def training_rows(municipality: Area) -> tuple[list[str], list[str]]:
    """Descriptions and category codes of the municipality's handled (closed) signals."""
    rows = Signal.objects.filter(municipality=municipality, status=Status.CLOSED).exclude(
        description=""
    )
    texts, labels = [], []
    for text, code in rows.values_list("description", "category__code"):
        texts.append(text)
        labels.append(code)
    return texts, labels


def train(municipality_code: str, *, seed: int = 0) -> TrainResult:
    """Cross-validate and fit the classifier for one municipality; store it. Raises KompasError
    when there is too little to learn from."""
    import joblib
    from sklearn.model_selection import StratifiedKFold, cross_validate

    municipality = Area.objects.filter(code=municipality_code, parent__isnull=True).first()
    if municipality is None:
        raise NotFound(
            gettext_noop("no municipality with code {municipality_code!r}"),
            municipality_code=municipality_code,
        )
    texts, labels = training_rows(municipality)
    counts = Counter(labels)
    keep = {code for code, n in counts.items() if n >= MIN_PER_CATEGORY}
    result = TrainResult(municipality.code, 0, len(keep),
                         left_out=sorted(set(counts) - keep))  # fmt: skip
    pairs = [(t, c) for t, c in zip(texts, labels, strict=True) if c in keep]
    result.signals = len(pairs)
    if len(keep) < 2:
        raise KompasError(
            gettext_noop(
                "{code}: {n_keep} categories with at least {MIN_PER_CATEGORY} handled signals; a "
                "classifier needs two or more"
            ),
            code=municipality.code,
            n_keep=len(keep),
            MIN_PER_CATEGORY=MIN_PER_CATEGORY,
        )
    x = [t for t, _ in pairs]
    y = [c for _, c in pairs]
    folds = min(MAX_FOLDS, min(Counter(y).values()))
    result.folds = folds
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_validate(_pipeline(), x, y, cv=splitter,
                                scoring=("accuracy", "f1_macro"))  # fmt: skip
    result.accuracy = [round(float(v), 4) for v in scores["test_accuracy"]]
    result.macro_f1 = [round(float(v), 4) for v in scores["test_f1_macro"]]
    model = _pipeline().fit(x, y)
    path = model_path(municipality.code)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump({"model": model, "municipality": municipality.code}, tmp)
    tmp.replace(path)
    _cache.clear()
    result.path = str(path)
    return result


def train_all() -> list[TrainResult | KompasError]:
    """Train every municipality that has handled signals; a failure is reported, not raised."""
    codes = (
        Signal.objects.filter(status=Status.CLOSED)
        .values_list("municipality__code", flat=True)
        .distinct()
    )
    out: list[TrainResult | KompasError] = []
    for code in sorted(set(codes)):
        try:
            out.append(train(code))
        except KompasError as exc:
            out.append(exc)
    return out


_cache: dict[Path, tuple[float, Any]] = {}


def _load(path: Path) -> Any:
    import joblib

    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _cache.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    model = joblib.load(path)["model"]
    _cache[path] = (mtime, model)
    return model


@dataclass(frozen=True)
class Suggestion:
    choice: str  # as the form's category field holds it: MUNICIPALITY/CODE
    label: str
    confidence: float


def suggest(
    text: str, municipality_code: str = "", threshold: float | None = None
) -> Suggestion | None:
    """The most probable category for `text`, or None when no model is stored, the text is too
    short, or the probability is below the threshold."""
    if len(text.strip()) < 3:
        return None
    limit = settings.SIGNAL_SUGGEST_THRESHOLD if threshold is None else threshold
    if municipality_code:
        codes = [municipality_code]
    else:
        codes = sorted({p.name.removeprefix("signals-category-").removesuffix(".joblib")
                        for p in model_dir().glob("signals-category-*.joblib")})  # fmt: skip
        if len(codes) != 1:
            return None
    model = _load(model_path(codes[0]))
    if model is None:
        return None
    probabilities = model.predict_proba([text])[0]
    best = int(probabilities.argmax())
    confidence = float(probabilities[best])
    if confidence < limit:
        return None
    code = str(model.classes_[best])
    category = (
        Category.objects.filter(municipality__code=codes[0], code=code, is_active=True)
        .select_related("parent", "municipality")
        .first()
    )
    if category is None:
        return None
    return Suggestion(f"{codes[0]}/{code}", str(category), confidence)
