"""Student experiments: what makes DiCNet find the anomalies (docs/experiments.md, "Student experiments").

    /usr/bin/python3 bench/experiments/student.py --data scratch/npz/v3s96 --teacher T.safetensors --skip 16 \\
        --name NAME --seed 1 [--levels decoder,layer2] [--loss kl --temperature 2] [--images 10000] ...

Distils one student (or an ensemble of --students) from a saved teacher with the
levers given: the student's architecture (width, depth, stem, pyramid pooling),
the teacher maps it learns (the decoder's compared feature as the engine, encoder
layers, several at once), the loss and its temperature, the length and lr. Then
scores an evaluation split (per-image AUROC / AUPR / FPR95 / cFPR as src/eval)
with each discrepancy of each level and of their sum, raw and calibrated on
normal images only:
  kl<T>   T^2 KL(softmax(teacher / T) || softmax(student / T)) over channels;
  mse     mean over channels of the squared difference (the engine's feature distance);
  cos     1 - cosine similarity over channels;
  wmse    mse with each channel's residual standardised by its mean and std over the
          normal images (a diagonal Gaussian of the student's errors on normal data);
  var     with several students: the variance of their predictions, mean over channels;
  sum     over levels, each divided by its mean over the normal images;
  /pos    each pixel's score standardised by the mean and std of that score at that
          pixel position over the normal images ('Uninformed Students' standardises
          per score; the street's layout makes position matter);
  /cls    each pixel's score divided by the mean of that score over the normal
          pixels the teacher gives the same class (some classes are harder to
          distil than others: their normal discrepancy is higher);
  /clsz   standardised by that class's mean and std instead.
Every map is upsampled to the input size (bilinear) before scoring. The normal
images are the training scenes, unaugmented (or --calib-holdout scenes after
them, which the student never saw).

With --controls, the same scores of the controls: the teacher's MSP, max logit
and entropy (also /pos), the untrained pair (the teacher and students as drawn)
and the trained teacher with the untrained students (each with the same score
pipeline and calibration), and colour rarity. Appends one JSON line to --out
(summaries, cost, and each DiCNet score against MSP with a bootstrap interval)
and writes the per-image metrics to --per-image (.npz) for compare.py.
"""

import argparse
import json
import os
import sys
import time
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'peers'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dicnet_torch as dn  # noqa: E402
from batches import BatchStream, in_order  # noqa: E402
from dataset import load  # noqa: E402
from metrics import LOWER_IS_BETTER, AnomalyEvaluation, Confusion, colour_counts, colour_rarity, paired_difference  # noqa: E402

METRICS = ('auroc', 'aupr', 'fpr95', 'cfpr')
BASELINES = ('msp', 'maxLogit', 'entropy')
EVAL_BATCH = 16


def parse(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument('--name', default='run')
    p.add_argument('--data', required=True)
    p.add_argument('--teacher', required=True, help='trained teacher (safetensors, from teacher.py --save)')
    p.add_argument('--skip', type=int, default=16, help='the teacher\'s head skip channels')
    p.add_argument('--train', type=int, default=400)
    p.add_argument('--split', default='validation')
    p.add_argument('--count', type=int, default=None, help='evaluation scenes (the first N; default all)')
    p.add_argument('--width', type=float, default=1.0, help='student channel multiplier')
    p.add_argument('--depth', type=int, default=None, help='student blocks per layer (tiny: 1)')
    p.add_argument('--stem', default='single', choices=['single', 'deep'], help='single 7x7 conv (the engine) or the teacher\'s three 3x3')
    p.add_argument('--no-ppm', action='store_true', help='decoder level without pyramid pooling (a 3x3 conv on the encoder map)')
    p.add_argument('--levels', default='decoder', help='comma-separated teacher maps to distil: decoder, layer1..layer4, head, logits')
    p.add_argument('--student-skip', action='store_true', help='head/logits: the student\'s head gets the teacher\'s skip from layer1 (stride 4)')
    p.add_argument('--target-norm', default='channel', choices=['channel', 'none'],
                   help='encoder levels and head: standardise each channel by its mean and std over the training images (decoder: always its BN statistics)')
    p.add_argument('--loss', default='kl', choices=['kl', 'mse', 'cos'])
    p.add_argument('--temperature', type=float, default=1.0)
    p.add_argument('--images', type=int, default=5600, help='images each student sees')
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--students', type=int, default=1)
    p.add_argument('--calib-holdout', type=int, default=0, help='calibrate on the N training scenes after --train instead of the training scenes')
    p.add_argument('--controls', action='store_true')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--out', default=None)
    p.add_argument('--per-image', default=None)
    p.add_argument('--save', default=None, help='path prefix for the students\' safetensors (PREFIX-<i>.safetensors)')
    p.add_argument('--load', default=None, help='path prefix of saved students: score them instead of training')
    return p.parse_args(argv)


# Networks ------------------------------------------------------------------

def student_network(a):
    n = dn.scale_network(dn.TINY.student, a.width, a.depth)
    if a.stem == 'deep':
        t = dn.scale_network(dn.TINY.teacher, a.width)
        n = replace(n, encoder=replace(n.encoder, stem='deep', stem_channels=t.encoder.stem_channels))
    return n


def draw_students(a, config, levels, teacher_maps):
    targets = {lv: teacher_maps[lv].shape[1] for lv in levels}
    return [new_student(a, config, targets) for _ in range(a.students)]


def new_student(a, config, targets):
    return dn.DistillStudent(student_network(a), config.pool_scales, config.output_stride, targets, not a.no_ppm,
                             config.skip_channels if a.student_skip else 0, config.num_classes)


class Targets:
    """The teacher's maps the students learn: decoder standardised by the BN statistics (Teacher.levels),
    encoder layers by each channel's mean and std over the training images (or as they are)."""

    def __init__(self, teacher, levels, images, h, w, norm):
        self.teacher, self.levels = teacher, levels
        self.stats = {}
        encoder_levels = [lv for lv in levels if lv.startswith('layer') or lv == 'head']
        if norm == 'channel' and encoder_levels:
            sums = {}
            with torch.no_grad():
                for x, _ in in_order(images, images[..., 0], EVAL_BATCH, h, w):
                    maps = teacher.levels(x)
                    for lv in encoder_levels:
                        m = maps[lv].double()
                        s = sums.setdefault(lv, [0, 0, 0])
                        s[0] += m.sum((0, 2, 3))
                        s[1] += m.pow(2).sum((0, 2, 3))
                        s[2] += m.numel() / m.shape[1]
            for lv, (s1, s2, n) in sums.items():
                mean = s1 / n
                std = (s2 / n - mean ** 2).clamp_min(0).sqrt()
                self.stats[lv] = (mean.float()[None, :, None, None], (std.float() + 1e-5)[None, :, None, None])

    @torch.no_grad()
    def __call__(self, x):
        maps = self.teacher.levels(x)
        out = {}
        for lv in self.levels:
            m = maps[lv]
            if lv in self.stats:
                mean, std = self.stats[lv]
                m = (m - mean) / std
            out[lv] = m
        return out, maps['logits']


def discrepancy(kind, s, t, temperature=1.0):
    if kind == 'kl':
        return dn.kl_distance(s, t, temperature)
    if kind == 'mse':
        return dn.feature_distance(s, t)
    return dn.cosine_distance(s, t)


def aligned(student, x, t):
    """The student's maps, each upsampled to its target's size where they differ (logits: the teacher's are at
    layer1's resolution with the head skip)."""
    out = student(x)
    return {lv: m if m.shape[2:] == t[lv].shape[2:] else dn.upsample(m, *t[lv].shape[2:]) for lv, m in out.items()}


def train_student(student, targets, stream, steps, a):
    optimizer = dn.student_optimizer(student, a.lr)
    student.train()
    losses = []
    for step in range(steps):
        x, _ = stream.next()
        t, _ = targets(x)
        s = aligned(student, x, t)
        loss = sum(discrepancy(a.loss, s[lv], t[lv], a.temperature).mean() for lv in targets.levels)
        loss = dn.train_step(optimizer, loss, dn.poly_lr(a.lr, step, steps))
        if step % 100 == 0 or step == steps - 1:
            losses.append((step, round(float(loss), 5)))
    student.eval()
    return losses


# Scores --------------------------------------------------------------------

class Scorer:
    """Score maps of a teacher and its students; calibrate() fits the normal-data statistics, then maps()."""

    def __init__(self, targets, students, kinds, h, w):
        self.targets, self.students, self.kinds, self.h, self.w = targets, students, kinds, h, w
        self.whiten = None
        self.level_mean = None
        self.position = None

    @torch.no_grad()
    def raw(self, x):
        """{(kind, level): [N, H, W]} at the input size, and the teacher's logits."""
        t, logits = self.targets(x)
        outs = [aligned(s, x, t) for s in self.students]
        raw = {}
        for lv in self.targets.levels:
            per = {}
            for kind in self.kinds:
                if kind == 'var':
                    continue
                if kind == 'wmse':
                    if self.whiten is None:
                        continue
                    mean, std = self.whiten[lv]
                    maps = [((o[lv] - t[lv] - mean[i]) / std[i]).pow(2).mean(1, keepdim=True) for i, o in enumerate(outs)]
                elif kind.startswith('kl'):
                    maps = [dn.kl_distance(o[lv], t[lv], float(kind[2:])) for o in outs]
                else:
                    maps = [discrepancy(kind, o[lv], t[lv]) for o in outs]
                per[kind] = torch.stack(maps).mean(0)
            if len(outs) > 1 and 'var' in self.kinds:
                per['var'] = torch.stack([o[lv] for o in outs]).var(0, unbiased=False).mean(1, keepdim=True)
            for kind, m in per.items():
                raw[(kind, lv)] = dn.upsample(m, self.h, self.w)[:, 0]
        return raw, logits

    def calibrate(self, images):
        """Residual statistics per student, level and channel; then each score's mean per level and per position."""
        if 'wmse' in self.kinds:
            acc = {}
            with torch.no_grad():
                for x, _ in in_order(images, images[..., 0], EVAL_BATCH, self.h, self.w):
                    t, _ = self.targets(x)
                    for i, s in enumerate(self.students):
                        o = aligned(s, x, t)
                        for lv in self.targets.levels:
                            r = (o[lv] - t[lv]).double()
                            v = acc.setdefault((i, lv), [0, 0, 0])
                            v[0] += r.sum((0, 2, 3))
                            v[1] += r.pow(2).sum((0, 2, 3))
                            v[2] += r.numel() / r.shape[1]
            self.whiten = {}
            for lv in self.targets.levels:
                means, stds = [], []
                for i in range(len(self.students)):
                    s1, s2, n = acc[(i, lv)]
                    mean = s1 / n
                    means.append(mean.float()[None, :, None, None])
                    stds.append((s2 / n - mean ** 2).clamp_min(1e-12).sqrt().float()[None, :, None, None])
                self.whiten[lv] = (means, stds)
        sums, by_class = {}, {}
        for x, _ in in_order(images, images[..., 0], EVAL_BATCH, self.h, self.w):
            raw, logits = self.raw(x)
            raw.update(baseline_maps(logits, self.h, self.w))
            predicted = dn.upsample(logits, self.h, self.w).argmax(1).flatten()
            for key, m in raw.items():
                m = m.double()
                s = sums.setdefault(key, [0, 0, 0])
                s[0] += m.sum(0)
                s[1] += m.pow(2).sum(0)
                s[2] += m.shape[0]
                c = by_class.setdefault(key, torch.zeros(3, logits.shape[1], dtype=torch.float64))
                c[0].index_add_(0, predicted, m.flatten())
                c[1].index_add_(0, predicted, m.flatten().pow(2))
                c[2].index_add_(0, predicted, torch.ones_like(m.flatten()))
        self.position, self.level_mean, self.class_stats = {}, {}, {}
        for key, (s1, s2, n) in sums.items():
            mean = s1 / n
            std = (s2 / n - mean ** 2).clamp_min(0).sqrt()
            self.position[key] = (mean.float(), (std + 1e-6 * std.mean() + 1e-12).float())
            self.level_mean[key] = float(mean.mean())
            c1, c2, cn = by_class[key]
            # A class the teacher never predicts on normal images gets the overall statistics.
            cmean = torch.where(cn > 0, c1 / cn.clamp_min(1), mean.mean())
            cstd = torch.where(cn > 1, (c2 / cn.clamp_min(1) - cmean ** 2).clamp_min(0).sqrt(), std.mean())
            scale = float(cmean.abs().mean()) + 1e-12
            self.class_stats[key] = (cmean.float(), (cstd + 1e-6 * scale).float(), (cmean.abs() + 1e-6 * scale).float())

    def calibrated(self, key, m, predicted):
        """{suffix: map} of one raw score: as it is, and each calibration."""
        mean, std = self.position[key]
        cmean, cstd, cscale = self.class_stats[key]
        return {'': m, '/pos': (m - mean) / std, '/cls': m / cscale[predicted], '/clsz': (m - cmean[predicted]) / cstd[predicted]}

    def maps(self, x):
        """{score name: [N, H, W]} and the teacher's logits at the input size."""
        raw, logits = self.raw(x)
        logits = dn.upsample(logits, self.h, self.w)
        predicted = logits.argmax(1)
        out = {}
        by_kind = {}
        for (kind, lv), m in raw.items():
            scale = self.level_mean[(kind, lv)]
            for suffix, c in self.calibrated((kind, lv), m, predicted).items():
                out[f'{kind}@{lv}{suffix}'] = c
                # In the sum each level weighs alike: raw levels over their mean (the others are standardised).
                by_kind.setdefault((kind, suffix), []).append(c / scale if suffix == '' else c)
        if len(self.targets.levels) > 1:
            for (kind, suffix), parts in by_kind.items():
                out[f'{kind}@sum{suffix}'] = sum(parts)
        for key, m in baseline_maps(logits, self.h, self.w, upsampled=True).items():
            for suffix, c in self.calibrated(key, m, predicted).items():
                out[key[0] + suffix] = c
        return out, logits


def baseline_maps(logits, h, w, upsampled=False):
    s = dn.softmax_scores(logits if upsampled else dn.upsample(logits, h, w))
    return {(k, 'teacher'): s[k] for k in BASELINES}


def score_kinds(a):
    kinds = ['kl1', 'mse', 'cos', 'wmse']
    if a.loss == 'kl' and a.temperature != 1:
        kinds.insert(1, f'kl{a.temperature:g}')
    if a.students > 1:
        kinds.append('var')
    return kinds


def evaluate(scorer, images, labels, prefix, evals, confusion=None, baselines=True):
    with torch.no_grad():
        for x, y in in_order(images, labels, EVAL_BATCH, scorer.h, scorer.w):
            maps, logits = scorer.maps(x)
            prediction = logits.argmax(1).numpy()
            y = y.numpy()
            if confusion is not None:
                confusion.add(prediction, y)
            for name, m in maps.items():
                if not baselines and name.split('/')[0] in BASELINES:
                    continue
                m = m.numpy()
                e = evals.setdefault(prefix + name, AnomalyEvaluation())
                for i in range(len(y)):
                    e.add(m[i], y[i], prediction[i])


# Run -----------------------------------------------------------------------

def cost_unit(config):
    """FLOPs of one image through today's student step (teacher forward, student forward and backward)."""
    teacher = dn.conv_flops(dn.Teacher(config), lambda m, x: m.levels(x), config.input_height, config.input_width)
    student = dn.conv_flops(dn.Student(config), lambda m, x: m.feature(x), config.input_height, config.input_width)
    return teacher, student


def run(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    levels = a.levels.split(',')
    train_x, train_y = load(a.data, 'train', a.train + a.calib_holdout)
    calib_x = train_x[a.train:] if a.calib_holdout else train_x
    train_x, train_y = train_x[:a.train], train_y[:a.train]
    eval_x, eval_y = load(a.data, a.split, a.count)
    h, w = train_y.shape[1:]
    config = replace(dn.TINY, input_height=h, input_width=w, skip_channels=a.skip)
    to = lambda arr: torch.from_numpy(np.ascontiguousarray(arr))
    tx, ty, cx, ex, ey = to(train_x), to(train_y), to(calib_x), to(eval_x), to(eval_y)

    # As the engine: one seeded generator draws the teacher, then the students.
    fresh_teacher = dn.Teacher(config).eval()
    probe = fresh_teacher.levels(torch.zeros(1, 3, h, w))
    fresh = draw_students(a, config, levels, probe)
    teacher = dn.Teacher(config)
    teacher.load_state_dict(dn.load_safetensors(a.teacher))
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    targets = Targets(teacher, levels, tx, h, w, a.target_norm)

    students, losses, start = [], [], time.time()
    steps = a.images // a.batch
    for i, f in enumerate(fresh):
        s = new_student(a, config, f.targets)
        if a.load:
            s.load_state_dict(dn.load_safetensors(f'{a.load}-{i}.safetensors'))
            s.eval()
        else:
            s.load_state_dict(f.state_dict())
            stream = BatchStream(tx, ty, a.batch, h, w, seed=a.seed + 1 + 1000 * i, steps=steps)
            losses.append(train_student(s, targets, stream, steps, a))
        if a.save:
            dn.save_safetensors(f'{a.save}-{i}.safetensors', s.state_dict(), {'seed': a.seed, 'recipe': json.dumps(vars(a))})
        students.append(s)
    train_seconds = time.time() - start

    kinds = score_kinds(a)
    evals, confusion = {}, Confusion()
    scorer = Scorer(targets, students, kinds, h, w)
    scorer.calibrate(cx)
    evaluate(scorer, ex, ey, '', evals, confusion)
    if a.controls:
        control_pairs = {'untrained/': Targets(fresh_teacher, levels, tx, h, w, a.target_norm), 'teacherOnly/': targets}
        for prefix, t in control_pairs.items():
            sc = Scorer(t, [f.eval() for f in fresh], kinds, h, w)
            sc.calibrate(cx)
            evaluate(sc, ex, ey, prefix, evals, baselines=False)
        counts = colour_counts(train_x)
        rarity = evals.setdefault('colourRarity', AnomalyEvaluation())
        for img, lab in zip(eval_x, eval_y):
            rarity.add(colour_rarity(img, counts), lab)

    teacher_flops, today_flops = cost_unit(config)
    student_flops = dn.conv_flops(students[0], lambda m, x: m(x), h, w)
    unit = teacher_flops + 3 * today_flops
    summaries = {k: {m: round(v, 5) for m, v in e.summary().items()} for k, e in evals.items()}
    versus_msp = {}
    for k, e in evals.items():
        if k.split('@')[0] in kinds:
            versus_msp[k] = {m: {x: round(v, 5) if isinstance(v, float) else v for x, v in
                                 paired_difference(e.per_image(m), evals['msp'].per_image(m), LOWER_IS_BETTER[m]).items()}
                             for m in ('auroc', 'aupr', 'fpr95')}
    record = {
        'name': a.name, 'seed': a.seed, 'split': a.split, 'recipe': {k: v for k, v in vars(a).items() if k not in ('out', 'per_image', 'threads', 'name', 'seed', 'split')},
        'student_parameters': dn.parameter_count(students[0]), 'student_gflops': student_flops / 1e9, 'teacher_gflops': teacher_flops / 1e9,
        'images_per_student': steps * a.batch,
        'cost_student_image_equivalents': round(steps * a.batch * a.students * (teacher_flops + 3 * student_flops) / unit),
        'score_cost_vs_today': round((teacher_flops + a.students * student_flops) / (teacher_flops + today_flops), 3),
        'train_seconds': round(train_seconds, 1), 'losses': losses,
        'teacher_miou': round(confusion.mean_iou(), 4), 'scores': summaries, 'versus_msp': versus_msp,
    }
    if a.out:
        with open(a.out, 'a') as f:
            f.write(json.dumps(record) + '\n')
    if a.per_image:
        np.savez_compressed(a.per_image, **{f'{k}|{m}': e.per_image(m) for k, e in evals.items() for m in METRICS})
    print(json.dumps({'name': a.name, 'seed': a.seed, 'train_seconds': record['train_seconds'],
                      'top': sorted(((v['auroc'], k) for k, v in summaries.items()), reverse=True)[:8]}), flush=True)
    return record


if __name__ == '__main__':
    run(parse())
