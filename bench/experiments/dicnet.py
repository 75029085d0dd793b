"""DiCNet and its controls on the test split, with the replica of bench/peers/dicnet_torch.py.

    /usr/bin/python3 bench/experiments/dicnet.py --data scratch/npz/s96 --teacher T.safetensors

Distills the student from a trained teacher (the engine's student phase:
Adam lr 1e-3 wd 1e-5, poly, batch 8, 14 epochs of the 400 train scenes,
KL at T = 1 on the standardised feature), then scores the test split
(per-image AUROC / AUPR / FPR95 as src/eval) with:
  - DiCNet (KL and feature distance) and the teacher's MSP, max logit, entropy;
  - controls: the untrained pair (teacher and student as initialised),
    the trained teacher with the untrained student, and colour rarity.
Appends one JSON line to --out.
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
from dataset import load  # noqa: E402
from metrics import AnomalyEvaluation, Confusion, colour_counts, colour_rarity  # noqa: E402

SCORES = ('dicnetKl', 'dicnetMse', 'msp', 'maxLogit', 'entropy')


def parse(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True)
    p.add_argument('--teacher', required=True, help='trained teacher (safetensors, from teacher.py --save)')
    p.add_argument('--train', type=int, default=400)
    p.add_argument('--width', type=float, default=1.0, help='the teacher checkpoint\'s channel multiplier')
    p.add_argument('--depth', type=int, default=None)
    p.add_argument('--os', type=int, default=8)
    p.add_argument('--skip', type=int, default=0)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--student-images', type=int, default=5600)
    p.add_argument('--student-lr', type=float, default=1e-3)
    p.add_argument('--loss', default='kl', choices=['kl', 'mse'])
    p.add_argument('--temperature', type=float, default=1.0)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--device', default='cpu')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--out', default=None)
    return p.parse_args(argv)


@torch.no_grad()
def score_split(teacher, student, images, labels, h, w, temperature, names):
    teacher.eval()
    student.eval()
    evals = {k: AnomalyEvaluation() for k in names}
    confusion = Confusion()
    for x, y in in_order(images, labels, 16, h, w):
        scores = dn.score_batch(teacher, student, x, temperature)
        y = y.cpu().numpy()
        confusion.add(scores['argmax'].cpu().numpy(), y)
        for k in names:
            s = scores[k].cpu().numpy()
            for i in range(len(y)):
                evals[k].add(s[i], y[i])
    return {k: e.summary() for k, e in evals.items()}, confusion


def run(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)
    train_x, train_y = load(a.data, 'train', a.train)
    test_x, test_y = load(a.data, 'test')
    h, w = train_y.shape[1:]
    config = replace(dn.TINY, input_height=h, input_width=w, output_stride=a.os, skip_channels=a.skip,
                     teacher=dn.scale_network(dn.TINY.teacher, a.width, a.depth))
    # As the engine: one seeded generator draws the teacher, then the student.
    fresh_teacher, fresh_student = dn.Teacher(config).to(dev), dn.Student(config).to(dev)
    teacher = dn.Teacher(config).to(dev)
    teacher.load_state_dict(dn.load_safetensors(a.teacher))
    student = dn.Student(config).to(dev)
    student.load_state_dict(fresh_student.state_dict())
    to = lambda arr: torch.from_numpy(np.ascontiguousarray(arr)).to(dev)
    tx, ty, sx, sy = to(train_x), to(train_y), to(test_x), to(test_y)

    teacher.eval()
    student.train()
    for p in teacher.parameters():
        p.requires_grad_(False)
    optimizer = dn.student_optimizer(student, a.student_lr)
    steps = a.student_images // a.batch
    stream = BatchStream(tx, ty, a.batch, h, w, seed=a.seed + 1, steps=steps)
    start, losses = time.time(), []
    for step in range(steps):
        x, _ = stream.next()
        loss = dn.train_step(optimizer, dn.distill_loss(teacher, student, x, a.loss, a.temperature), dn.poly_lr(a.student_lr, step, steps))
        if step % 50 == 0 or step == steps - 1:
            losses.append((step, float(loss)))
    student_seconds = time.time() - start

    results, confusion = score_split(teacher, student, sx, sy, h, w, a.temperature, SCORES)
    untrained, _ = score_split(fresh_teacher, fresh_student, sx, sy, h, w, a.temperature, ('dicnetKl', 'dicnetMse'))
    teacher_only, _ = score_split(teacher, fresh_student, sx, sy, h, w, a.temperature, ('dicnetKl', 'dicnetMse'))
    counts = colour_counts(train_x)
    rarity = AnomalyEvaluation()
    for img, lab in zip(test_x, test_y):
        rarity.add(colour_rarity(img, counts), lab)
    record = {
        'teacher': a.teacher, 'seed': a.seed, 'device': a.device, 'student_steps': steps,
        'student_images': steps * a.batch, 'student_seconds': round(student_seconds, 1), 'losses': losses,
        'teacher_test_miou': confusion.mean_iou(), 'teacher_test_pixel_accuracy': float(confusion.pixel_accuracy()),
        'trained': results,
        'untrained_pair': {f'{k}': v for k, v in untrained.items()},
        'trained_teacher_untrained_student': teacher_only,
        'colour_rarity': rarity.summary(),
    }
    line = json.dumps(record)
    if a.out:
        with open(a.out, 'a') as f:
            f.write(line + '\n')
    print(line, flush=True)
    return record


if __name__ == '__main__':
    run(parse())
