"""A scikit-learn classifier on the breast-cancer data set that ships with scikit-learn (no download needed)."""

from __future__ import annotations

import os

import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def load_data() -> tuple[pd.DataFrame, pd.Series]:
    data = load_breast_cancer(as_frame=True)
    return data.data, data.target


class BreastCancerClassifier:
    """build() trains and returns its metrics; predict(df) answers one label (0 malignant, 1 benign) per row."""

    def __init__(self) -> None:
        self.model = None
        self.features: list[str] = []
        # Build parameters arrive as environment variables (BuildSpecifications.parameters).
        self.max_iter = int(os.environ.get("max_iter", "1000"))
        self.c = float(os.environ.get("C", "1.0"))

    def build(self) -> dict[str, float]:
        x, y = load_data()
        x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=42, stratify=y)
        self.model = make_pipeline(StandardScaler(), LogisticRegression(C=self.c, max_iter=self.max_iter))
        self.model.fit(x_train, y_train)
        self.features = list(x.columns)
        predicted = self.model.predict(x_test)
        return {"f1_score": float(f1_score(y_test, predicted)), "accuracy": float(accuracy_score(y_test, predicted))}

    def initialize_model(self) -> None:
        if self.model is None:
            raise RuntimeError("the model was never built")

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        missing = [name for name in self.features if name not in df.columns]
        if missing:
            raise ValueError(f"missing feature columns: {missing[:5]}{'...' if len(missing) > 5 else ''}")
        return pd.DataFrame({"prediction": self.model.predict(df[self.features])})
