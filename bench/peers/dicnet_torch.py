"""DiCNet in PyTorch, a replica of the engine's model and training steps.

The same networks as src/model (dilated ResNet + pyramid pooling decoder; the
teacher with a classifier, the student without), the same state-dict names as
the engine's checkpoints, the same initialisation rule, the teacher's step
(cross-entropy on logits upsampled to the label size, SGD with momentum and
weight decay, poly schedule) and the student's (T^2 * KL(p_teacher || p_student)
per pixel on the teacher's standardised feature, Adam). Used as the PyTorch
peer of the whole-model benchmark and by the experiments in bench/experiments/.

Beyond the engine, for experiments: an output stride (4, 8 or 16), a skip
connection from layer1 into the teacher's classifier head (DeepLabv3+'s
decoder; the compared feature stays as it is), class weights in the
teacher's loss, and students that distil other maps of the teacher (its
encoder layers, several at once) with other architectures (DistillStudent).
"""

import json
import math
import struct
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

IGNORE_LABEL = 255
# Pixels of painted outliers in distillation batches (src/base/labels.ts).
ANOMALY_LABEL = 254


@dataclass(frozen=True)
class EncoderConfig:
    block: str  # 'basic' | 'bottleneck'
    stem: str  # 'deep': three 3x3 convs; 'single': one 7x7 conv
    stem_channels: tuple
    layers: tuple  # blocks in layer1..layer4
    planes: tuple  # planes of layer1..layer4


@dataclass(frozen=True)
class NetworkConfig:
    encoder: EncoderConfig
    ppm_channels: int
    feature_channels: int


@dataclass(frozen=True)
class ModelConfig:
    name: str
    input_height: int
    input_width: int
    num_classes: int
    pool_scales: tuple
    teacher: NetworkConfig
    student: NetworkConfig
    output_stride: int = 8
    # Channels of the teacher head's skip from layer1 (0: none, as the engine).
    skip_channels: int = 0


TINY = ModelConfig(
    name='tiny', input_height=96, input_width=160, num_classes=13, pool_scales=(1, 2, 3, 6),
    teacher=NetworkConfig(EncoderConfig('basic', 'deep', (16, 16, 32), (1, 1, 1, 1), (32, 48, 64, 96)), 24, 48),
    student=NetworkConfig(EncoderConfig('basic', 'single', (16,), (1, 1, 1, 1), (32, 48, 64, 96)), 24, 48),
)

PAPER = ModelConfig(
    name='paper', input_height=512, input_width=896, num_classes=13, pool_scales=(1, 2, 3, 6),
    teacher=NetworkConfig(EncoderConfig('bottleneck', 'deep', (64, 64, 128), (3, 4, 6, 3), (64, 128, 256, 512)), 512, 512),
    student=NetworkConfig(EncoderConfig('basic', 'single', (64,), (3, 4, 6, 3), (64, 128, 256, 512)), 512, 512),
)


def scale_network(n: NetworkConfig, width: float = 1.0, depth: int | None = None) -> NetworkConfig:
    """Every channel count times `width` (rounded to a multiple of 4); `depth` blocks in each layer if given."""
    w = lambda c: max(4, int(round(c * width / 4)) * 4)
    e = n.encoder
    encoder = replace(e, stem_channels=tuple(w(c) for c in e.stem_channels), planes=tuple(w(c) for c in e.planes),
                      layers=e.layers if depth is None else (depth,) * 4)
    return NetworkConfig(encoder, w(n.ppm_channels), w(n.feature_channels))


# (stride, dilation) of layer1..layer4 for each output stride; the reference's
# ResnetDilated replaces the strides of the later layers by dilation.
_LAYER_GEOMETRY = {
    4: ((1, 1), (1, 2), (1, 4), (1, 8)),
    8: ((1, 1), (2, 1), (1, 2), (1, 4)),
    16: ((1, 1), (2, 1), (2, 1), (1, 2)),
}


def _conv(cin, cout, k, stride=1, padding=0, dilation=1, bias=False):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=padding, dilation=dilation, bias=bias)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride, dilation, first_dilation):
        super().__init__()
        self.conv1 = _conv(inplanes, planes, 3, stride, first_dilation, first_dilation)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv(planes, planes, 3, 1, dilation, dilation)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = _downsample(inplanes, planes * self.expansion, stride)

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride, dilation, first_dilation):
        super().__init__()
        self.conv1 = _conv(inplanes, planes, 1)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv(planes, planes, 3, stride, first_dilation, first_dilation)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = _conv(planes, planes * 4, 1)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = _downsample(inplanes, planes * self.expansion, stride)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


def _downsample(inplanes, out, stride):
    if stride == 1 and inplanes == out:
        return None
    return nn.Sequential(_conv(inplanes, out, 1, stride), nn.BatchNorm2d(out))


class ResNetDilated(nn.Module):
    def __init__(self, c: EncoderConfig, output_stride: int = 8):
        super().__init__()
        s = c.stem_channels
        self.deep = c.stem == 'deep'
        if self.deep:
            self.conv1, self.bn1 = _conv(3, s[0], 3, 2, 1), nn.BatchNorm2d(s[0])
            self.conv2, self.bn2 = _conv(s[0], s[1], 3, 1, 1), nn.BatchNorm2d(s[1])
            self.conv3, self.bn3 = _conv(s[1], s[2], 3, 1, 1), nn.BatchNorm2d(s[2])
        else:
            self.conv1, self.bn1 = _conv(3, s[0], 7, 2, 3), nn.BatchNorm2d(s[0])
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        block = BasicBlock if c.block == 'basic' else Bottleneck
        inplanes = s[-1]
        for i, (stride, dilation) in enumerate(_LAYER_GEOMETRY[output_stride]):
            blocks = []
            for b in range(c.layers[i]):
                first = b == 0
                blocks.append(block(inplanes, c.planes[i], stride if first else 1, dilation,
                                    dilation // 2 if first and dilation > 1 else dilation))
                inplanes = c.planes[i] * block.expansion
            setattr(self, f'layer{i + 1}', nn.Sequential(*blocks))
        self.output_channels = inplanes

    def forward(self, x, with_low=False):
        """The encoder map; with `with_low`, (layer1's map, the encoder map)."""
        maps = self.layer_maps(x)
        return (maps[0], maps[3]) if with_low else maps[3]

    def layer_maps(self, x):
        """The maps of layer1..layer4."""
        x = F.relu(self.bn1(self.conv1(x)))
        if self.deep:
            x = F.relu(self.bn2(self.conv2(x)))
            x = F.relu(self.bn3(self.conv3(x)))
        maps = [self.layer1(self.maxpool(x))]
        for layer in (self.layer2, self.layer3, self.layer4):
            maps.append(layer(maps[-1]))
        return maps


class PyramidPoolingDecoder(nn.Module):
    def __init__(self, in_channels, ppm_channels, feature_channels, pool_scales, num_classes, low_channels=0, skip_channels=0,
                 feature_norm=False):
        super().__init__()
        self.ppm = nn.ModuleList(
            nn.Sequential(nn.AdaptiveAvgPool2d(s), _conv(in_channels, ppm_channels, 1), nn.BatchNorm2d(ppm_channels), nn.ReLU())
            for s in pool_scales)
        conv = _conv(in_channels + len(pool_scales) * ppm_channels, feature_channels, 3, 1, 1)
        if num_classes is None:
            # A student of the teacher's layers keeps the teacher's feature norm, frozen (standardised_feature).
            self.conv_last = nn.Sequential(conv, nn.BatchNorm2d(feature_channels).requires_grad_(False)) if feature_norm else nn.Sequential(conv)
        else:
            self.conv_last = nn.Sequential(conv, nn.BatchNorm2d(feature_channels), nn.ReLU(), nn.Dropout2d(0.1),
                                           _conv(feature_channels, num_classes, 1, bias=True))
        if skip_channels:
            self.skip_proj = nn.Sequential(_conv(low_channels, skip_channels, 1), nn.BatchNorm2d(skip_channels), nn.ReLU())
            self.skip_fuse = nn.Sequential(_conv(feature_channels + skip_channels, feature_channels, 3, 1, 1),
                                           nn.BatchNorm2d(feature_channels), nn.ReLU())
        self.skip = bool(skip_channels)

    def conv_feature(self, x):
        h, w = x.shape[2:]
        branches = [F.interpolate(b(x), size=(h, w), mode='bilinear', align_corners=False) for b in self.ppm]
        return self.conv_last[0](torch.cat([x, *branches], 1))

    def standardised_feature(self, conv):
        """The teacher feature: batch norm without affine on the running statistics."""
        bn = self.conv_last[1]
        return F.batch_norm(conv, bn.running_mean, bn.running_var, None, None, False, 0.0, bn.eps)

    def head(self, conv, low=None):
        """The classifier's input: BN, ReLU and dropout of the conv feature, fused with layer1's map by the skip."""
        for layer in self.conv_last[1:4]:
            conv = layer(conv)
        if self.skip:
            conv = F.interpolate(conv, size=low.shape[2:], mode='bilinear', align_corners=False)
            conv = self.skip_fuse(torch.cat([conv, self.skip_proj(low)], 1))
        return conv

    def logits(self, conv, low=None):
        return self.conv_last[4](self.head(conv, low))


def _initialise(module):
    """torchvision's ResNet rule, as the engine draws them: Kaiming normal (fan out) conv weights, BN 1 and 0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
            if m.bias is not None:
                bound = 1 / math.sqrt(m.in_channels * m.kernel_size[0] * m.kernel_size[1])
                nn.init.uniform_(m.bias, -bound, bound)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class _EncoderDecoder(nn.Module):
    def __init__(self, c: NetworkConfig, pool_scales, num_classes, output_stride, skip_channels=0, feature_norm=False):
        super().__init__()
        self.encoder = ResNetDilated(c.encoder, output_stride)
        low_channels = c.encoder.planes[0] * (1 if c.encoder.block == 'basic' else 4)
        self.decoder = PyramidPoolingDecoder(self.encoder.output_channels, c.ppm_channels, c.feature_channels, pool_scales, num_classes,
                                             low_channels, skip_channels, feature_norm)
        _initialise(self)

    def conv_feature(self, image):
        return self.decoder.conv_feature(self.encoder(image))


class Teacher(_EncoderDecoder):
    def __init__(self, config: ModelConfig):
        super().__init__(config.teacher, config.pool_scales, config.num_classes, config.output_stride, config.skip_channels)

    def _conv_and_low(self, image):
        if not self.decoder.skip:
            return self.conv_feature(image), None
        low, x = self.encoder(image, with_low=True)
        return self.decoder.conv_feature(x), low

    def logits(self, image):
        """Class logits at feature resolution (layer1's with the skip)."""
        return self.decoder.logits(*self._conv_and_low(image))

    def feature_and_logits(self, image):
        conv, low = self._conv_and_low(image)
        return self.decoder.standardised_feature(conv), self.decoder.logits(conv, low)

    def feature(self, image):
        return self.decoder.standardised_feature(self.conv_feature(image))

    def levels(self, image):
        """Named maps: layer1..layer4 (the encoder's, after their ReLU), decoder (the compared feature,
        standardised as `feature`), head (the classifier's input) and logits (as `logits`)."""
        maps = self.encoder.layer_maps(image)
        conv = self.decoder.conv_feature(maps[3])
        out = {f'layer{i + 1}': m for i, m in enumerate(maps)}
        out['decoder'] = self.decoder.standardised_feature(conv)
        out['head'] = self.decoder.head(conv, maps[0])
        out['logits'] = self.decoder.conv_last[4](out['head'])
        return out


class Student(_EncoderDecoder):
    """With start 'random', the configuration's student; with 'teacher', the teacher's layers without its classifier,
    the feature through the teacher's frozen feature norm, to start from the trained teacher (start_from), as the
    engine's --student-start teacher."""

    def __init__(self, config: ModelConfig, start: str = 'random'):
        if start not in ('random', 'teacher'):
            raise ValueError(f"start is 'random' or 'teacher', got {start!r}")
        like_teacher = start == 'teacher'
        super().__init__(config.teacher if like_teacher else config.student, config.pool_scales, None, config.output_stride,
                         feature_norm=like_teacher)
        self.like_teacher = like_teacher

    def feature(self, image):
        conv = self.conv_feature(image)
        return self.decoder.standardised_feature(conv) if self.like_teacher else conv

    def start_from(self, teacher: Teacher):
        """Every tensor takes the value of the teacher's of the same name (the teacher's classifier and head skip have none here)."""
        if not self.like_teacher:
            raise ValueError("a student of start 'random' has its own layers")
        theirs = teacher.state_dict()
        with torch.no_grad():
            for name, t in self.state_dict().items():
                t.copy_(theirs[name])


class DistillStudent(nn.Module):
    """A student for the distillation experiments: its own encoder and, for each distilled level of the
    teacher (`targets`: level name -> the teacher's channels there), a map of those channels at that
    level's resolution. 'decoder': a pyramid pooling decoder's 3x3 conv (as Student; with `ppm` False
    the 3x3 conv straight on the encoder map, no global context); 'head' and 'logits': the teacher's
    classifier head on that conv (BN, ReLU, dropout, with `skip_channels` the skip from layer1, then the
    1x1 classifier), its input and its output; 'layerK': a 1x1 conv (with bias) on the student's
    layer K, so that it can match a standardised target of any sign and width. With targets
    {'decoder': 48} and `ppm`, the same network and state-dict names as Student."""

    def __init__(self, network: NetworkConfig, pool_scales, output_stride, targets, ppm=True, skip_channels=0, num_classes=13):
        super().__init__()
        self.encoder = ResNetDilated(network.encoder, output_stride)
        expansion = 1 if network.encoder.block == 'basic' else 4
        self.targets = dict(targets)
        self.heads = nn.ModuleDict()
        for level, channels in self.targets.items():
            if level.startswith('layer'):
                index = int(level[len('layer'):]) - 1
                self.heads[level] = _conv(network.encoder.planes[index] * expansion, channels, 1, bias=True)
        self.classifier = 'head' in self.targets or 'logits' in self.targets
        if 'decoder' in self.targets or self.classifier:
            feature = self.targets.get('decoder', network.feature_channels)
            if ppm:
                self.decoder = PyramidPoolingDecoder(self.encoder.output_channels, network.ppm_channels, feature, pool_scales,
                                                     num_classes if self.classifier else None, network.encoder.planes[0] * expansion,
                                                     skip_channels if self.classifier else 0)
            elif self.classifier:
                raise ValueError('a student without pyramid pooling has no classifier head')
            else:
                self.decoder = nn.Sequential(_conv(self.encoder.output_channels, feature, 3, 1, 1))
        self.ppm = ppm
        _initialise(self)

    def forward(self, image):
        maps = self.encoder.layer_maps(image)
        out = {level: head(maps[int(level[len('layer'):]) - 1]) for level, head in self.heads.items()}
        if hasattr(self, 'decoder'):
            conv = self.decoder.conv_feature(maps[3]) if self.ppm else self.decoder(maps[3])
            if 'decoder' in self.targets:
                out['decoder'] = conv
            if self.classifier:
                head = self.decoder.head(conv, maps[0])
                if 'head' in self.targets:
                    out['head'] = head
                if 'logits' in self.targets:
                    out['logits'] = self.decoder.conv_last[4](head)
        return out


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def conv_flops(model: nn.Module, forward, height: int, width: int) -> int:
    """FLOPs (2 per multiply-add) of the convolutions in one forward pass `forward(model, image)` of one image."""
    total = 0

    def hook(m, _inputs, out):
        nonlocal total
        total += 2 * out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            forward(model, torch.zeros(1, 3, height, width, device=next(model.parameters()).device))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return total


# Losses and scores ----------------------------------------------------------

def upsample(x, height, width):
    return F.interpolate(x, size=(height, width), mode='bilinear', align_corners=False)


def teacher_loss(teacher: Teacher, images, labels, class_weights=None):
    """Cross-entropy on the logits upsampled to the label size; labels outside the known classes are ignored."""
    logits = upsample(teacher.logits(images), *labels.shape[-2:])
    labels = labels.long().masked_fill(labels.long() >= logits.shape[1], IGNORE_LABEL)
    return F.cross_entropy(logits, labels, weight=class_weights, ignore_index=IGNORE_LABEL)


def kl_distance(student_feature, teacher_feature, temperature: float):
    """[N, C, H, W] -> [N, 1, H, W]: T^2 * KL(p_teacher || p_student), softmax over channels of feature / T."""
    log_s = F.log_softmax(student_feature / temperature, 1)
    log_t = F.log_softmax(teacher_feature / temperature, 1)
    return temperature ** 2 * (log_t.exp() * (log_t - log_s)).sum(1, keepdim=True)


def feature_distance(a, b):
    """[N, C, H, W] -> [N, 1, H, W]: mean over channels of (a - b)^2."""
    return (a - b).pow(2).mean(1, keepdim=True)


def cosine_distance(a, b):
    """[N, C, H, W] -> [N, 1, H, W]: 1 - cosine similarity over channels (STPM's half squared distance of unit vectors)."""
    return 1 - F.cosine_similarity(a, b, dim=1, eps=1e-6)[:, None]


# What the student is taught on outlier cells: a flat feature, or the teacher's negated (src/model/steps.ts).
OUTLIER_TARGET_SCALE = {'uniform': 0.0, 'opposite': -1.0}


def outlier_cells(labels, height: int, width: int):
    """[N, H, W] labels -> [N, 1, height, width]: True where at least half a feature cell's pixels are ANOMALY_LABEL (src/model/outlier-cells.ts)."""
    stride = (labels.shape[-2] // height, labels.shape[-1] // width)
    assert stride[0] * height == labels.shape[-2] and stride[1] * width == labels.shape[-1], 'labels at a whole multiple of the feature size'
    return F.avg_pool2d((labels == ANOMALY_LABEL).float()[:, None], stride) >= 0.5


def distill_loss(teacher: Teacher, student: Student, images, loss='kl', temperature=1.0, outliers=None):
    """The distillation loss; `outliers` = (target, weight, labels) for outlier exposure, as src/model/steps.ts exposedLoss."""
    with torch.no_grad():
        target = teacher.feature(images)
    feature = student.feature(images)
    if outliers is None:
        if loss == 'kl':
            return kl_distance(feature, target, temperature).mean()
        return F.mse_loss(feature, target)
    kind, weight, labels = outliers
    cells = outlier_cells(labels, *feature.shape[-2:])
    target = target * torch.where(cells, OUTLIER_TARGET_SCALE[kind], 1.0)
    distance = kl_distance(feature, target, temperature) if loss == 'kl' else feature_distance(feature, target)
    return (distance * torch.where(cells, float(weight), 1.0)).mean()


def softmax_scores(logits):
    """Per pixel of [N, C, H, W] logits: 1 - max softmax, -max logit, softmax entropy, argmax (each [N, H, W])."""
    log_p = F.log_softmax(logits, 1)
    p = log_p.exp()
    max_logit, argmax = logits.max(1)
    return {'msp': 1 - p.max(1).values, 'maxLogit': -max_logit, 'entropy': -(p * log_p).sum(1), 'argmax': argmax}


@torch.no_grad()
def score_batch(teacher: Teacher, student: Student, images, temperature=1.0):
    """DiCNet and baseline anomaly maps at the input size, as src/model/scores.ts."""
    h, w = images.shape[2:]
    feature, logits = teacher.feature_and_logits(images)
    student_feature = student.feature(images)
    scores = softmax_scores(upsample(logits, h, w))
    scores['dicnetMse'] = upsample(feature_distance(feature, student_feature), h, w)[:, 0]
    scores['dicnetKl'] = upsample(kl_distance(student_feature, feature, temperature), h, w)[:, 0]
    return scores


# Optimisation ---------------------------------------------------------------

def teacher_optimizer(teacher: Teacher, lr: float):
    return torch.optim.SGD(teacher.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)


def student_optimizer(student: Student, lr: float):
    return torch.optim.Adam([p for p in student.parameters() if p.requires_grad], lr=lr, weight_decay=1e-5)


def poly_lr(base: float, iteration: int, max_iterations: int, power: float = 0.9) -> float:
    return base * max(0.0, 1 - iteration / max_iterations) ** power


def train_step(optimizer, loss, lr: float):
    """One update at learning rate `lr` from `loss` (the loss tensor is returned unread: no device sync)."""
    for g in optimizer.param_groups:
        g['lr'] = lr
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


# Checkpoints ----------------------------------------------------------------

_DTYPES = {torch.float32: 'F32', torch.int64: 'I64'}


def save_safetensors(path: str, state_dict, metadata=None):
    """A state dict as safetensors (the format and names of the engine's checkpoints)."""
    header, chunks, offset = {}, [], 0
    for name, t in state_dict.items():
        t = t.detach().cpu().contiguous()
        data = t.numpy().tobytes()
        header[name] = {'dtype': _DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def load_safetensors(path: str):
    import numpy as np
    numpy_types = {'F32': np.float32, 'I64': np.int64}
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    header.pop('__metadata__', None)
    return {name: torch.from_numpy(np.frombuffer(body[a:b], numpy_types[h['dtype']]).reshape(h['shape']).copy())
            for name, h in header.items() for a, b in [h['data_offsets']]}
