// Dilated ResNet encoders, output stride 8: the strides of layer3 and layer4
// are removed and their 3x3 convs dilated by 2 and 4 instead (the first conv of
// each keeps half the dilation), as the reference's ResnetDilated does.
// Names follow torchvision/the reference: conv1, bn1, layer1.0.conv1, downsample.0 ...

import type { Random } from '../base/random';
import type { GpuRuntime } from '../gpu';
import { BatchNorm2d, Conv2d, MaxPool2d, convBn } from '../graph/nn';
import { Module, Sequential } from '../graph/module';
import type { Tensor } from '../graph/tensor';
import type { EncoderConfig } from './config';

interface BlockGeometry {
  inplanes: number;
  planes: number;
  stride: number;
  /** Dilation of the block's 3x3 convs (the strided one included). */
  dilation: number;
  /** Dilation of the first 3x3 conv when it replaced a stride. */
  firstDilation: number;
}

class BasicBlock extends Module {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(rt: GpuRuntime, rng: Random, g: BlockGeometry) {
    super();
    this.conv1 = new Conv2d(rt, rng, g.inplanes, g.planes, 3, { stride: g.stride, padding: g.firstDilation, dilation: g.firstDilation });
    this.bn1 = new BatchNorm2d(rt, g.planes);
    this.conv2 = new Conv2d(rt, rng, g.planes, g.planes, 3, { padding: g.dilation, dilation: g.dilation });
    this.bn2 = new BatchNorm2d(rt, g.planes);
    this.downsample = downsample(rt, rng, g, BasicBlock.expansion);
  }

  forward(x: Tensor): Tensor {
    const out = convBn(this.conv1, this.bn1, x, { relu: true });
    return convBn(this.conv2, this.bn2, out, { residual: shortcut(this.downsample, x), relu: true });
  }
}

class Bottleneck extends Module {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(rt: GpuRuntime, rng: Random, g: BlockGeometry) {
    super();
    this.conv1 = new Conv2d(rt, rng, g.inplanes, g.planes, 1);
    this.bn1 = new BatchNorm2d(rt, g.planes);
    this.conv2 = new Conv2d(rt, rng, g.planes, g.planes, 3, { stride: g.stride, padding: g.firstDilation, dilation: g.firstDilation });
    this.bn2 = new BatchNorm2d(rt, g.planes);
    this.conv3 = new Conv2d(rt, rng, g.planes, g.planes * 4, 1);
    this.bn3 = new BatchNorm2d(rt, g.planes * 4);
    this.downsample = downsample(rt, rng, g, Bottleneck.expansion);
  }

  forward(x: Tensor): Tensor {
    let out = convBn(this.conv1, this.bn1, x, { relu: true });
    out = convBn(this.conv2, this.bn2, out, { relu: true });
    return convBn(this.conv3, this.bn3, out, { residual: shortcut(this.downsample, x), relu: true });
  }
}

/** The block's input, or its downsampling (1x1 conv and batch norm) where the shape changes. */
function shortcut(downsample: Sequential | null, x: Tensor): Tensor {
  if (!downsample) return x;
  const [conv, bn] = downsample.layers as [Conv2d, BatchNorm2d];
  return convBn(conv, bn, x);
}

function downsample(rt: GpuRuntime, rng: Random, g: BlockGeometry, expansion: number): Sequential | null {
  const out = g.planes * expansion;
  if (g.stride === 1 && g.inplanes === out) return null;
  return new Sequential(new Conv2d(rt, rng, g.inplanes, out, 1, { stride: g.stride }), new BatchNorm2d(rt, out));
}

export class ResNetDilated extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d | null = null;
  readonly bn2: BatchNorm2d | null = null;
  readonly conv3: Conv2d | null = null;
  readonly bn3: BatchNorm2d | null = null;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  private readonly maxpool = new MaxPool2d(3, 2, 1);
  readonly outputChannels: number;
  /** Channels of layer1's map. */
  readonly lowChannels: number;

  constructor(rt: GpuRuntime, rng: Random, c: EncoderConfig) {
    super();
    const s = c.stemChannels;
    const padding = c.stemPadding;
    if (c.stem === 'deep') {
      this.conv1 = new Conv2d(rt, rng, 3, s[0]!, 3, { stride: 2, padding });
      this.bn1 = new BatchNorm2d(rt, s[0]!);
      this.conv2 = new Conv2d(rt, rng, s[0]!, s[1]!, 3, { padding });
      this.bn2 = new BatchNorm2d(rt, s[1]!);
      this.conv3 = new Conv2d(rt, rng, s[1]!, s[2]!, 3, { padding });
      this.bn3 = new BatchNorm2d(rt, s[2]!);
    } else {
      this.conv1 = new Conv2d(rt, rng, 3, s[0]!, 7, { stride: 2, padding });
      this.bn1 = new BatchNorm2d(rt, s[0]!);
    }
    const Block = c.block === 'basic' ? BasicBlock : Bottleneck;
    let inplanes = s[s.length - 1]!;
    const makeLayer = (i: number, stride: number, dilation: number): Sequential => {
      const planes = c.planes[i]!;
      const blocks: (BasicBlock | Bottleneck)[] = [];
      for (let b = 0; b < c.layers[i]!; b++) {
        const first = b === 0;
        blocks.push(
          new Block(rt, rng, {
            inplanes,
            planes,
            stride: first ? stride : 1,
            dilation,
            firstDilation: first && dilation > 1 ? dilation / 2 : dilation,
          }),
        );
        inplanes = planes * Block.expansion;
      }
      return new Sequential(...blocks);
    };
    this.layer1 = makeLayer(0, 1, 1);
    this.lowChannels = inplanes;
    this.layer2 = makeLayer(1, 2, 1);
    this.layer3 = makeLayer(2, 1, 2);
    this.layer4 = makeLayer(3, 1, 4);
    this.outputChannels = inplanes;
  }

  forward(x: Tensor): Tensor {
    return this.forwardWithLow(x).out;
  }

  /** The encoder's output and layer1's map (output stride 4), which a head skip reads. */
  forwardWithLow(x: Tensor): { low: Tensor; out: Tensor } {
    x = convBn(this.conv1, this.bn1, x, { relu: true });
    if (this.conv2 && this.bn2 && this.conv3 && this.bn3) {
      x = convBn(this.conv2, this.bn2, x, { relu: true });
      x = convBn(this.conv3, this.bn3, x, { relu: true });
    }
    const low = this.layer1.forward(this.maxpool.forward(x));
    return { low, out: this.layer4.forward(this.layer3.forward(this.layer2.forward(low))) };
  }

}
