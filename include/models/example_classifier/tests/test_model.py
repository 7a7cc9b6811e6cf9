from main.model import BreastCancerClassifier, load_data


def test_build_reaches_a_useful_f1():
    model = BreastCancerClassifier()
    metrics = model.build()
    assert metrics["f1_score"] > 0.9


def test_predict_returns_one_label_per_row():
    model = BreastCancerClassifier()
    model.build()
    features, _ = load_data()
    predictions = model.predict(features.head(3))
    assert list(predictions.columns) == ["prediction"]
    assert len(predictions) == 3
    assert set(predictions["prediction"]) <= {0, 1}
