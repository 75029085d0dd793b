"""Trains the teacher of bench/peers/dicnet_torch.py with one recipe and reports its segmentation.

    /usr/bin/python3 bench/experiments/teacher.py --data scratch/npz/s96 --name default --seed 1

The defaults are the engine's main job (tiny network, 96x160, 400 train
scenes, batch 8, 12 epochs = 4,800 images, SGD lr 0.05 momentum 0.9 wd 1e-4,
poly 0.9). Appends one JSON line to --out: the recipe, the images seen, the
cost in teacher-image equivalents (the network's conv FLOPs per image over
those of the tiny teacher at 96x160, times the images seen), the mIoU and
per-class IoU on --eval-split (validation unless asked), and the time.
"""

import argparse
import json
import os
import sys
import time
from dataclasses import replace

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'peers'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dicnet_torch as dn  # noqa: E402
from batches import BatchStream, in_order  # noqa: E402
from dataset import CLASS_NAMES, KNOWN_CLASSES, load  # noqa: E402
from metrics import Confusion  # noqa: E402

BASE_FLOPS = dn.conv_flops(dn.Teacher(dn.TINY), lambda m, x: m.feature_and_logits(x), 96, 160)


def parse(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--name', default='run')
    p.add_argument('--data', required=True, help='prefix of dataset.py npz files')
    p.add_argument('--train', type=int, default=400, help='training scenes (the first N)')
    p.add_argument('--val', type=int, default=200, help='evaluation scenes (the first N)')
    p.add_argument('--eval-split', default='validation')
    p.add_argument('--input', default=None, help='HxW model input (default: the data size)')
    p.add_argument('--width', type=float, default=1.0, help='channel multiplier of the tiny teacher')
    p.add_argument('--depth', type=int, default=None, help='blocks per layer (tiny: 1)')
    p.add_argument('--os', type=int, default=8, help='output stride 4, 8 or 16')
    p.add_argument('--skip', type=int, default=0, help='channels of a skip from layer1 into the classifier head (0: none)')
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--images', type=int, default=4800, help='training images seen (steps = images / batch)')
    p.add_argument('--lr', type=float, default=0.05)
    p.add_argument('--optimizer', default='sgd', choices=['sgd', 'adam'])
    p.add_argument('--weights', default='none', help='class weights: none, or (median freq / freq)^P as "pow:P"')
    p.add_argument('--weight-clip', type=float, default=10.0, help='largest class weight, relative to the smallest')
    p.add_argument('--max-scale', type=float, default=1.5, help='zoom crop scale range 1..this')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--evals', type=int, default=1, help='evaluations spread over training (the last at its end)')
    p.add_argument('--device', default='cpu')
    p.add_argument('--threads', type=int, default=1, help='CPU threads (2 spin against each other on a busy 2-core machine)')
    p.add_argument('--also-test', action='store_true', help='also evaluate on the test split (the replica check and the final recipe only)')
    p.add_argument('--save', default=None, help='safetensors path for the trained teacher')
    p.add_argument('--out', default=None, help='JSON lines file to append the result to')
    p.add_argument('--partial', default=None, help='JSON lines file for each evaluation before the last (kept if the run is stopped)')
    return p.parse_args(argv)


def class_weights(labels, spec, clip):
    if spec == 'none':
        return None
    power = float(spec.split(':')[1])
    counts = np.bincount(labels[labels < KNOWN_CLASSES].ravel(), minlength=KNOWN_CLASSES).astype(np.float64)
    freq = counts / counts.sum()
    w = (np.median(freq) / np.maximum(freq, 1e-12)) ** power
    return torch.tensor(np.minimum(w / w.min(), clip), dtype=torch.float32)


def config_for(a, height, width):
    teacher = dn.scale_network(dn.TINY.teacher, a.width, a.depth)
    return replace(dn.TINY, input_height=height, input_width=width, teacher=teacher, output_stride=a.os, skip_channels=a.skip)


@torch.no_grad()
def evaluate(teacher, images, labels, height, width, batch=16):
    teacher.eval()
    confusion = Confusion()
    for x, y in in_order(images, labels, batch, height, width):
        logits = dn.upsample(teacher.logits(x), height, width)
        confusion.add(logits.argmax(1).cpu().numpy(), y.cpu().numpy())
    teacher.train()
    iou = confusion.class_iou()
    return {'miou': confusion.mean_iou(), 'pixel_accuracy': float(confusion.pixel_accuracy()),
            'class_iou': {n: (None if v is None else round(float(v), 4)) for n, v in zip(CLASS_NAMES, iou)}}


def run(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)
    if dev.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    train_x, train_y = load(a.data, 'train', a.train)
    val_x, val_y = load(a.data, a.eval_split, a.val)
    height, width = (int(v) for v in a.input.split('x')) if a.input else train_y.shape[1:]
    config = config_for(a, height, width)
    teacher = dn.Teacher(config).to(dev)
    flops = dn.conv_flops(teacher, lambda m, x: m.feature_and_logits(x), height, width)
    weights = class_weights(train_y, a.weights, a.weight_clip)
    if weights is not None:
        weights = weights.to(dev)
    to = lambda arr: torch.from_numpy(np.ascontiguousarray(arr)).to(dev)
    train_x, train_y, val_x, val_y = to(train_x), to(train_y), to(val_x), to(val_y)
    if a.optimizer == 'sgd':
        optimizer = dn.teacher_optimizer(teacher, a.lr)
    else:
        optimizer = torch.optim.Adam(teacher.parameters(), lr=a.lr, weight_decay=1e-5)
    steps = a.images // a.batch
    stream = BatchStream(train_x, train_y, a.batch, height, width, seed=a.seed, steps=steps, max_scale=a.max_scale)
    eval_at = {round(steps * (k + 1) / a.evals) for k in range(a.evals)}
    curve, losses = [], []
    teacher.train()
    start = time.time()
    train_seconds = 0.0
    for step in range(steps):
        x, y = stream.next()
        loss = dn.train_step(optimizer, dn.teacher_loss(teacher, x, y, weights), dn.poly_lr(a.lr, step, steps))
        if step % 50 == 0 or step == steps - 1:
            losses.append((step, float(loss)))
            if not np.isfinite(losses[-1][1]):
                raise FloatingPointError(f'{a.name}: loss {losses[-1][1]} at step {step}')
        if step + 1 in eval_at:
            train_seconds += time.time() - start
            result = evaluate(teacher, val_x, val_y, height, width)
            curve.append((a.batch * (step + 1), round(result['miou'], 4)))
            if a.partial and step + 1 < steps:
                append(a.partial, {'name': a.name, 'seed': a.seed, 'images_seen': a.batch * (step + 1), 'of': steps * a.batch, **result})
            start = time.time()
    record = {
        'name': a.name, 'seed': a.seed, 'device': torch.cuda.get_device_name(dev) if dev.type == 'cuda' else 'cpu',
        'recipe': {k: v for k, v in vars(a).items() if k not in ('out', 'save', 'partial', 'also_test', 'device', 'threads', 'name', 'seed', 'evals')},
        'input': [height, width], 'train_scenes': len(train_x), 'eval_scenes': len(val_x),
        'parameters': dn.parameter_count(teacher), 'gflops_per_image': flops / 1e9,
        'steps': steps, 'images_seen': steps * a.batch,
        'cost_teacher_image_equivalents': round(flops / BASE_FLOPS * steps * a.batch),
        'class_weights': None if weights is None else [round(float(w), 3) for w in weights],
        'train_seconds': round(train_seconds, 1), 'losses': losses, 'curve': curve, **result,
    }
    if a.also_test:
        test_x, test_y = load(a.data, 'test')
        record['test'] = evaluate(teacher, to(test_x), to(test_y), height, width)
    if a.save:
        dn.save_safetensors(a.save, teacher.state_dict(), {'config': 'tiny', 'seed': a.seed, 'format': 'pt'})
    if a.out:
        append(a.out, record)
    print(json.dumps(record), flush=True)
    return record


def append(path, record):
    with open(path, 'a') as f:
        f.write(json.dumps(record) + '\n')


if __name__ == '__main__':
    run(parse())
