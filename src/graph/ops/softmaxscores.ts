// Classifier baseline anomaly scores from logits (MSP, max logit, entropy) and
// the class prediction. Scores, not losses: nothing is recorded for autograd.

import { checkNchw } from '../../kernels/channelshapes';
import { softmaxScores as kernel } from '../../kernels/softmaxscores';
import { LabelMap } from '../labels';
import { Tensor } from '../tensor';

export interface SoftmaxScoreMaps {
  msp: Tensor;
  maxLogit: Tensor;
  entropy: Tensor;
  /** int32 class per pixel, [N, 1, H, W]. */
  argmax: LabelMap;
}

/** logits [N, C, H, W] -> per-pixel maps [N, 1, H, W]. */
export function softmaxScores(logits: Tensor): SoftmaxScoreMaps {
  const rt = logits.rt;
  const [n, c, h, w] = checkNchw('softmaxScores', logits.shape);
  const maps = kernel(rt, logits.buffer, n, c, h, w);
  const shape = [n, 1, h, w];
  return {
    msp: new Tensor(rt, shape, maps.msp),
    maxLogit: new Tensor(rt, shape, maps.maxLogit),
    entropy: new Tensor(rt, shape, maps.entropy),
    argmax: new LabelMap(new Tensor(rt, shape, maps.argmax)),
  };
}
