// Semantic segmentation quality of the teacher over a whole split: a confusion
// matrix over the known classes, accumulated image by image.

import { ANOMALY_LABEL, IGNORE_LABEL, UNCLASSIFIED_LABEL } from '../base/labels';
import { checkSameLength, type LabelArray } from './labels';

export class ConfusionMatrix {
  /** counts[truth * classes + predicted] */
  readonly counts: Float64Array;

  constructor(readonly classes: number) {
    this.counts = new Float64Array(classes * classes);
  }

  /** Counts pixels whose truth is a known class; anomaly, unclassified and ignore pixels are left out. */
  add(prediction: LabelArray, labels: LabelArray): void {
    checkSameLength('prediction', labels.length, prediction.length);
    const classes = this.classes;
    for (let i = 0; i < labels.length; i++) {
      const truth = labels[i]!;
      if (truth === ANOMALY_LABEL || truth === IGNORE_LABEL || truth === UNCLASSIFIED_LABEL) continue;
      if (!(truth >= 0 && truth < classes)) throw new RangeError(`label ${truth} at pixel ${i} is outside 0..${classes - 1}`);
      const predicted = prediction[i]!;
      if (!(predicted >= 0 && predicted < classes)) {
        throw new RangeError(`predicted class ${predicted} at pixel ${i} is outside 0..${classes - 1}`);
      }
      this.counts[truth * classes + predicted]!++;
    }
  }

  /** IoU per class, TP / (TP + FP + FN); null for a class in neither prediction nor truth. */
  classIou(): (number | null)[] {
    const { classes, counts } = this;
    const iou: (number | null)[] = [];
    for (let c = 0; c < classes; c++) {
      let truth = 0;
      let predicted = 0;
      for (let other = 0; other < classes; other++) {
        truth += counts[c * classes + other]!;
        predicted += counts[other * classes + c]!;
      }
      const truePositive = counts[c * classes + c]!;
      const union = truth + predicted - truePositive;
      iou.push(union === 0 ? null : truePositive / union);
    }
    return iou;
  }

  /** Mean IoU over the classes present in prediction or truth; null before any pixel. */
  meanIou(): number | null {
    const present = this.classIou().filter((iou): iou is number => iou !== null);
    return present.length === 0 ? null : present.reduce((sum, iou) => sum + iou, 0) / present.length;
  }

  /** Correct known pixels over all counted pixels; null before any pixel. */
  pixelAccuracy(): number | null {
    let total = 0;
    let correct = 0;
    for (let i = 0; i < this.counts.length; i++) total += this.counts[i]!;
    for (let c = 0; c < this.classes; c++) correct += this.counts[c * this.classes + c]!;
    return total === 0 ? null : correct / total;
  }
}
