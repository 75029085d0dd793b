// Softmax cross-entropy with an ignore label and optional class weights, as
// PyTorch's nn.CrossEntropyLoss(weight, ignore_index=ignoreIndex) with
// reduction 'mean'.

import { IGNORE_LABEL } from '../../base/labels';
import { ShapeError, formatShape } from '../../base/shape';
import { checkLogitsAndLabels, crossEntropyBackward, crossEntropyForward } from '../../kernels/crossentropy';
import type { LabelMap } from '../labels';
import { record } from '../tape';
import { Tensor } from '../tensor';

/**
 * logits [N, C, H, W], labels [N, H, W] -> [1]: the mean over counted pixels of
 * -log softmax(logits)[label], weighted by classWeights[label] when given ([C],
 * not differentiated): sum of w * loss over the sum of w, as PyTorch. Labels
 * equal to ignoreIndex are not counted; with
 * no counted pixel the loss is 0 and so is the gradient. The kernel cannot raise,
 * so it skips a label outside [0, C) too, where PyTorch throws: make `labels`
 * with LabelMap.from(..., { classes: C, ignoreIndex }), which refuses one.
 */
export function crossEntropy(logits: Tensor, labels: LabelMap, ignoreIndex = IGNORE_LABEL, classWeights: Tensor | null = null): Tensor {
  const shape = checkLogitsAndLabels('crossEntropy', logits.shape, labels.shape);
  if (classWeights && (classWeights.shape.length !== 1 || classWeights.shape[0] !== shape[1])) {
    throw new ShapeError('crossEntropy', `class weights ${formatShape(classWeights.shape)} do not match the ${shape[1]} classes of logits ${formatShape(logits.shape)}`);
  }
  const rt = logits.rt;
  const weights = classWeights?.buffer ?? null;
  const { loss, totals } = crossEntropyForward(rt, logits.buffer, labels.buffer, weights, shape, ignoreIndex);
  const totalsTensor = new Tensor(rt, [2], totals);
  const out = new Tensor(rt, [1], loss);
  return record('crossEntropy', [logits], out, (g) => [
    new Tensor(rt, logits.shape, crossEntropyBackward(rt, logits.buffer, labels.buffer, weights, totalsTensor.buffer, g.buffer, shape, ignoreIndex)),
  ]);
}
