"""Metrics and baselines of text classification: majority class, TF-IDF + logistic
regression, and NB-scaled n-grams + logistic regression (NBSVM's linear model)."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from pipelines.sentiment.text import clean, tokenize


def classification_metrics(labels: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    """``accuracy``, macro ``f1``, and ``roc_auc`` (binary only) of class probabilities;
    all NaN when a probability is not finite (a broken model scores nothing)."""
    labels = np.asarray(labels)
    probs = np.asarray(probs, dtype="float64")
    binary = probs.shape[1] == 2 and len(np.unique(labels)) == 2
    if not np.all(np.isfinite(probs)):
        return dict.fromkeys(("accuracy", "f1", *(["roc_auc"] if binary else [])),
                             float("nan"))
    predicted = probs.argmax(axis=1)
    classes = list(range(probs.shape[1]))
    out = {
        "accuracy": float(accuracy_score(labels, predicted)),
        "f1": float(f1_score(labels, predicted, average="macro", labels=classes,
                             zero_division=0)),
    }
    if binary:  # undefined with one class
        out["roc_auc"] = float(roc_auc_score(labels, probs[:, 1]))
    return out


def majority(train_labels: np.ndarray, n: int, num_classes: int) -> np.ndarray:
    """The training split's most common class, with probability 1, for ``n`` texts."""
    counts = np.bincount(np.asarray(train_labels), minlength=num_classes)
    probs = np.zeros((n, num_classes), dtype="float64")
    probs[:, int(counts.argmax())] = 1.0
    return probs


def tfidf_logistic(train_texts, train_labels, test_texts, num_classes: int,
                   max_features: int = 100000, ngrams: int = 2, c: float = 4.0,
                   seed: int = 0) -> np.ndarray:
    """Probabilities of TF-IDF (sublinear tf, word 1..n-grams) + logistic regression.

    Texts are cleaned as the model's tokenizer cleans them (``<br />`` removed).
    """
    vectorizer = TfidfVectorizer(preprocessor=clean, ngram_range=(1, ngrams),
                                 max_features=max_features, min_df=2, sublinear_tf=True,
                                 token_pattern=r"(?u)\b\w[\w']*\b")
    x_train = vectorizer.fit_transform(train_texts)
    classifier = LogisticRegression(C=c, max_iter=2000, random_state=seed)
    classifier.fit(x_train, train_labels)
    probs = np.zeros((len(test_texts), num_classes), dtype="float64")
    probs[:, classifier.classes_] = classifier.predict_proba(vectorizer.transform(test_texts))
    return probs


def nb_logistic(train_texts, train_labels, test_texts, ngrams: int = 2, c: float = 1.0,
                seed: int = 0) -> np.ndarray:
    """Probabilities of NBSVM's linear model for two classes (Wang & Manning 2012).

    ```
    x̂ = [n-gram present]  (the model's tokens, every 1..n-gram of the training texts)
    r = log((p / ‖p‖₁) / (q / ‖q‖₁)),  p = 1 + Σ_{y=1} x̂,  q = 1 + Σ_{y=0} x̂
    p(y = 1 | x) = σ(w · (r ∘ x̂) + b)     (L2-regularised logistic regression, C = c)
    ```
    It is exact where the model's n-gram channel hashes (same r, no collisions): the
    plain linear model that channel must beat.
    """
    vectorizer = CountVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None,
                                 ngram_range=(1, ngrams), binary=True, dtype=np.float32)
    x_train = vectorizer.fit_transform(train_texts)
    labels = np.asarray(train_labels)
    p = 1.0 + np.asarray(x_train[labels == 1].sum(axis=0)).ravel()
    q = 1.0 + np.asarray(x_train[labels == 0].sum(axis=0)).ravel()
    scale = sparse.diags(np.log(p / p.sum()) - np.log(q / q.sum()))
    classifier = LogisticRegression(C=c, solver="liblinear", dual=True, max_iter=1000,
                                    random_state=seed)
    classifier.fit(x_train @ scale, labels)
    return classifier.predict_proba(vectorizer.transform(test_texts) @ scale)
