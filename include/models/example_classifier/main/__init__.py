"""Qwak-layout example model: ``load_model()`` returns the instance the platform builds and serves."""

from .model import BreastCancerClassifier


def load_model() -> BreastCancerClassifier:
    return BreastCancerClassifier()
