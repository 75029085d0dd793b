"""Markdown rows of student runs (student.py's per-image .npz files), for docs/experiments.md.

    /usr/bin/python3 bench/experiments/compare.py --runs scratch/runs --run NAME --seeds 1,2 --scores kl1@decoder,mse@decoder [--controls]

Each row: a score's per-image means (AUROC, AUPR, FPR95, cFPR; over the seeds'
runs) and its mean difference from MSP and from the best other method (the
controls of the run: MSP, max logit, entropy, colour rarity, and the untrained
pair and the trained teacher with the untrained student, each with the engine's
KL and feature distance and with the same score as the row), with a paired
bootstrap 95% interval. With several seeds the per-image values are first
averaged over the seeds, so the interval is over the images of the split.
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from metrics import LOWER_IS_BETTER, paired_difference  # noqa: E402

METRICS = ('auroc', 'aupr', 'fpr95', 'cfpr')
ENGINE_CONTROLS = ('msp', 'maxLogit', 'entropy', 'colourRarity', 'untrained/kl1@decoder', 'untrained/mse@decoder',
                   'teacherOnly/kl1@decoder', 'teacherOnly/mse@decoder')


def load_runs(runs, name, seeds):
    """{score: {metric: per-image values averaged over the seeds}}."""
    per_seed = []
    for seed in seeds:
        with np.load(os.path.join(runs, f'{name}-s{seed}.npz')) as z:
            per_seed.append({k: z[k] for k in z.files})
    keys = set.intersection(*(set(p) for p in per_seed))
    out = {}
    for k in keys:
        score, metric = k.rsplit('|', 1)
        out.setdefault(score, {})[metric] = np.mean([p[k] for p in per_seed], 0)
    return out


def mean(values):
    return float(np.nanmean(values))


def controls_of(scores, score):
    same = [f'{prefix}/{score}' for prefix in ('untrained', 'teacherOnly')]
    return [c for c in (*ENGINE_CONTROLS, *same) if c in scores and c != score]


def best_other(scores, score, metric):
    others = controls_of(scores, score)
    pick = min if LOWER_IS_BETTER[metric] else max
    return pick(others, key=lambda c: mean(scores[c][metric]))


def fmt_difference(d):
    return f"{100 * d['mean']:+.1f} [{100 * d['low']:+.1f}, {100 * d['high']:+.1f}]"


def rows(scores, names, label=None, versus=True):
    head = '| score | AUROC | AUPR | FPR95 | cFPR |'
    rule = '| --- | ---: | ---: | ---: | ---: |'
    if versus:
        head += ' AUROC - MSP | AUPR - MSP | FPR95 - MSP | best other (AUROC / AUPR / FPR95) | AUROC - best | AUPR - best | FPR95 - best |'
        rule += ' ---: | ---: | ---: | --- | ---: | ---: | ---: |'
    print(head)
    print(rule)
    for name in names:
        s = scores[name]
        cells = [f'{100 * mean(s[m]):.2f}' for m in METRICS]
        line = f"| {label or ''}{name} | " + ' | '.join(cells) + ' |'
        if versus:
            vs_msp = [fmt_difference(paired_difference(s[m], scores['msp'][m], LOWER_IS_BETTER[m])) for m in ('auroc', 'aupr', 'fpr95')]
            best = {m: best_other(scores, name, m) for m in ('auroc', 'aupr', 'fpr95')}
            vs_best = [fmt_difference(paired_difference(s[m], scores[best[m]][m], LOWER_IS_BETTER[m])) for m in ('auroc', 'aupr', 'fpr95')]
            line += ' ' + ' | '.join(vs_msp) + f" | {' / '.join(best.values())} | " + ' | '.join(vs_best) + ' |'
        print(line)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--runs', default='scratch/runs')
    p.add_argument('--run', required=True)
    p.add_argument('--seeds', default='1,2')
    p.add_argument('--scores', default=None, help='comma-separated (default: every DiCNet score of the run)')
    p.add_argument('--controls', action='store_true', help='also the control rows (no comparisons)')
    p.add_argument('--no-versus', action='store_true')
    a = p.parse_args()
    scores = load_runs(a.runs, a.run, [int(s) for s in a.seeds.split(',')])
    names = a.scores.split(',') if a.scores else sorted(k for k in scores if not k.startswith(('untrained/', 'teacherOnly/'))
                                                        and k.split('/')[0] not in ENGINE_CONTROLS)
    rows(scores, names, versus=not a.no_versus)
    if a.controls:
        print()
        rows(scores, [c for c in ENGINE_CONTROLS if c in scores] + sorted(k for k in scores if k.startswith(('untrained/', 'teacherOnly/'))
                                                                         and k not in ENGINE_CONTROLS), versus=False)


if __name__ == '__main__':
    main()
