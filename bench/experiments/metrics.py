"""Evaluation as src/eval computes it.

- Segmentation: a confusion matrix over the 13 known classes (anomaly and
  ignored pixels left out); IoU per class, mean over the classes present in
  prediction or truth (confusion.ts).
- Anomaly metrics per image, then averaged over the images with both anomaly
  and known pixels (aggregate.ts): AUROC, average precision (anomaly
  positive) and FPR at 95% recall, on scikit-learn's threshold curve with the
  reference's FPR95 rule (curve.ts, ranking.ts).
- Colour rarity: a control score from colour statistics of the training
  images alone.
"""

import math

import numpy as np

KNOWN = 13
ANOMALY = 13
IGNORE = 255


class Confusion:
    def __init__(self, classes=KNOWN):
        self.classes = classes
        self.counts = np.zeros((classes, classes), np.int64)

    def add(self, prediction, labels):
        prediction, labels = np.asarray(prediction).ravel(), np.asarray(labels).ravel()
        keep = labels < self.classes
        self.counts += np.bincount(labels[keep].astype(np.int64) * self.classes + prediction[keep],
                                   minlength=self.classes ** 2).reshape(self.classes, self.classes)

    def class_iou(self):
        tp = np.diag(self.counts).astype(np.float64)
        union = self.counts.sum(0) + self.counts.sum(1) - tp
        return [None if u == 0 else t / u for t, u in zip(tp, union)]

    def mean_iou(self):
        present = [v for v in self.class_iou() if v is not None]
        return sum(present) / len(present)

    def pixel_accuracy(self):
        return np.trace(self.counts) / self.counts.sum()


def threshold_curve(scores, positive):
    """Distinct thresholds descending with the positives and negatives at or above each (sklearn's _binary_clf_curve)."""
    order = np.argsort(-scores, kind='stable')
    s, p = scores[order], positive[order]
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tps = np.cumsum(p)[last].astype(np.float64)
    fps = (last + 1 - tps).astype(np.float64)
    return s[last], tps, fps


def image_anomaly_metrics(scores, labels, prediction=None):
    """AUROC, AP, FPR95 (and with the teacher's class per pixel, cFPR and eFPR: the FPR at the FPR95
    threshold over the known pixels it classifies rightly / wrongly) of one image, or None without
    anomaly or known pixels."""
    scores, labels = np.asarray(scores, np.float32).ravel(), np.asarray(labels).ravel()
    anomaly, known = labels == ANOMALY, labels < KNOWN
    if not anomaly.any() or not known.any():
        return None
    keep = anomaly | known
    if not np.isfinite(scores[keep]).all():
        raise ValueError('non-finite score')
    thresholds, tps, fps = threshold_curve(scores[keep], anomaly[keep])
    pos, neg = tps[-1], fps[-1]
    auroc = np.sum(np.diff(np.r_[0, fps]) * (tps + np.r_[0, tps[:-1]])) / (2 * pos * neg)
    new = np.diff(np.r_[0, tps]) > 0
    ap = np.sum(np.diff(np.r_[0, tps])[new] * (tps[new] / (tps[new] + fps[new]))) / pos
    last_index = int(np.searchsorted(tps, pos))  # first point of full recall
    distance = np.abs(tps[:last_index + 1] / pos - 0.95)
    # Walk from full recall towards the highest threshold; the first minimum met wins.
    cutoff = last_index - int(np.argmin(distance[::-1]))
    out = {'auroc': auroc, 'aupr': ap, 'fpr95': fps[cutoff] / neg}
    if prediction is not None:
        prediction = np.asarray(prediction).ravel()
        flagged = scores >= thresholds[cutoff]
        correct = known & (prediction == labels)
        wrong = known & (prediction != labels)
        out['cfpr'] = flagged[correct].mean() if correct.any() else None
        out['efpr'] = flagged[wrong].mean() if wrong.any() else None
    return out


class AnomalyEvaluation:
    def __init__(self):
        self.images = []

    def add(self, scores, labels, prediction=None):
        self.images.append(image_anomaly_metrics(scores, labels, prediction))

    def summary(self):
        scored = [m for m in self.images if m is not None]
        out = {k: float(np.mean([m[k] for m in scored])) for k in ('auroc', 'aupr', 'fpr95')}
        for k in ('cfpr', 'efpr'):
            defined = [m[k] for m in scored if m.get(k) is not None]
            if defined:
                out[k] = float(np.mean(defined))
        out['images'] = len(scored)
        return out

    def per_image(self, metric):
        """The metric of each image, NaN where the image is not scored."""
        return np.array([np.nan if m is None or m.get(metric) is None else m[metric] for m in self.images], np.float64)


LOWER_IS_BETTER = {'auroc': False, 'aupr': False, 'fpr95': True}


def paired_difference(method, baseline, lower_is_better, resamples=10000, seed=1):
    """Per-image values of two methods on the same images (NaN = not scored, left out of both) ->
    mean difference, percentile bootstrap 95% interval, win rate (ties half)."""
    method, baseline = np.asarray(method, np.float64), np.asarray(baseline, np.float64)
    keep = np.isfinite(method) & np.isfinite(baseline)
    d = method[keep] - baseline[keep]
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), (resamples, len(d)))].mean(1)
    wins = np.where(d == 0, 0.5, (d < 0) == lower_is_better).mean()
    low, high = np.quantile(means, [0.025, 0.975])
    return {'mean': float(d.mean()), 'low': float(low), 'high': float(high), 'win_rate': float(wins), 'images': int(len(d))}


def colour_counts(train_images):
    """Pixels of each of the 16^3 colour bins (each of R, G, B of the 8-bit image to 16 levels) over the training images."""
    q = (np.asarray(train_images) >> 4).astype(np.int64)
    bins = (q[..., 0] * 16 + q[..., 1]) * 16 + q[..., 2]
    return np.bincount(bins.ravel(), minlength=4096)


def colour_rarity(image, counts):
    """-ln((count + 1) / (total + 4096)) of each pixel's colour bin, blurred by a Gaussian of sigma = width / 80
    (radius ceil(3 sigma), separable, edges clamped). image uint8 [H, W, 3] at its stored size."""
    q = (np.asarray(image) >> 4).astype(np.int64)
    bins = (q[..., 0] * 16 + q[..., 1]) * 16 + q[..., 2]
    score = -np.log((counts[bins] + 1) / (counts.sum() + 4096))
    sigma = image.shape[1] / 80
    radius = math.ceil(3 * sigma)
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k /= k.sum()
    for axis in (0, 1):
        n = score.shape[axis]
        idx = np.clip(np.arange(n)[:, None] + np.arange(-radius, radius + 1)[None], 0, n - 1)
        taken = np.take(score, idx, axis=axis)  # the axis becomes (n, 2r+1)
        score = np.tensordot(taken, k, axes=([axis + 1], [0]))
    return score.astype(np.float32)
