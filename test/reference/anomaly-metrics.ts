// Line-by-line transliterations, on plain arrays, of what the anomaly metrics are
// defined by: scikit-learn's _binary_clf_curve, roc_auc_score (trapezoid over
// roc_curve without drop_intermediate, which removes only collinear vertices),
// average_precision_score, and fpr_and_fdr_at_recall from the DiCNet / hendrycks
// anomaly-seg anom_utils.py. Slow and literal on purpose; src/eval must agree.

interface NumpyCurve {
  fps: number[];
  tps: number[];
  thresholds: number[];
}

function binaryClfCurve(yTrue: readonly number[], yScore: readonly number[]): NumpyCurve {
  // desc_score_indices = np.argsort(y_score, kind="mergesort")[::-1]  (Array sort is stable)
  const order = yScore.map((_, i) => i).sort((a, b) => yScore[a]! - yScore[b]!).reverse();
  const score = order.map((i) => yScore[i]!);
  const truth = order.map((i) => yTrue[i]!);
  // threshold_idxs = np.r_[np.where(np.diff(y_score))[0], y_true.size - 1]
  const thresholdIdxs: number[] = [];
  for (let i = 0; i + 1 < score.length; i++) if (score[i + 1]! - score[i]! !== 0) thresholdIdxs.push(i);
  thresholdIdxs.push(score.length - 1);
  // tps = stable_cumsum(y_true)[threshold_idxs]; fps = 1 + threshold_idxs - tps
  const cumsum: number[] = [];
  truth.reduce((sum, t, i) => (cumsum[i] = sum + t), 0);
  const tps = thresholdIdxs.map((i) => cumsum[i]!);
  const fps = thresholdIdxs.map((i, k) => 1 + i - tps[k]!);
  return { fps, tps, thresholds: thresholdIdxs.map((i) => score[i]!) };
}

export function sklearnRocAuc(yTrue: readonly number[], yScore: readonly number[]): number {
  const { fps, tps } = binaryClfCurve(yTrue, yScore);
  const fpr = [0, ...fps.map((f) => f / fps[fps.length - 1]!)];
  const tpr = [0, ...tps.map((t) => t / tps[tps.length - 1]!)];
  let area = 0;
  for (let i = 0; i + 1 < fpr.length; i++) area += ((fpr[i + 1]! - fpr[i]!) * (tpr[i + 1]! + tpr[i]!)) / 2;
  return area;
}

export function sklearnAveragePrecision(yTrue: readonly number[], yScore: readonly number[]): number {
  const { fps, tps } = binaryClfCurve(yTrue, yScore);
  const precision = tps.map((t, k) => t / (t + fps[k]!));
  const recall = tps.map((t) => t / tps[tps.length - 1]!);
  // precision_recall_curve reverses and appends precision 1, recall 0
  const p = [...precision.reverse(), 1];
  const r = [...recall.reverse(), 0];
  let sum = 0;
  for (let i = 0; i + 1 < r.length; i++) sum += (r[i + 1]! - r[i]!) * p[i]!;
  return -sum;
}

export function referenceFprAtRecall(yTrue: readonly number[], yScore: readonly number[], recallLevel = 0.95) {
  const curve = binaryClfCurve(yTrue, yScore);
  const tpsAll = curve.tps;
  const last = tpsAll[tpsAll.length - 1]!;
  const recallAll = tpsAll.map((t) => t / last);
  // last_ind = tps.searchsorted(tps[-1]); sl = slice(last_ind, None, -1)
  const lastInd = tpsAll.findIndex((t) => t >= last);
  const reversed = <T>(a: T[]) => a.slice(0, lastInd + 1).reverse();
  const recall = [...reversed(recallAll), 1];
  const fps = [...reversed(curve.fps), 0];
  const thresholds = reversed(curve.thresholds);
  // cutoff = np.argmin(np.abs(recall - recall_level))
  const distances = recall.map((r) => Math.abs(r - recallLevel));
  const cutoff = distances.indexOf(Math.min(...distances));
  const negatives = yTrue.filter((t) => t === 0).length;
  return { fpr: fps[cutoff]! / negatives, threshold: thresholds[cutoff]! };
}
