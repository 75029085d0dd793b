"""Markdown rows of teacher runs (teacher.py JSON lines), for docs/experiments.md.

    /usr/bin/python3 bench/experiments/report.py RUNS.jsonl... [--where cpu]
"""

import argparse
import json

SHORT = {'unlabeled': 'sky', 'building': 'bld', 'fence': 'fen', 'other': 'oth', 'pedestrian': 'ped', 'pole': 'pole',
         'road line': 'line', 'road': 'road', 'sidewalk': 'walk', 'vegetation': 'veg', 'car': 'car', 'wall': 'wall',
         'traffic sign': 'sign'}


def rows(paths, where, split):
    print('| run | seed | input | images | E | mIoU | acc | ' + ' | '.join(SHORT.values()) + ' | mIoU at 1/4, 1/2, 3/4 | where |')
    print('| --- | ---: | --- | ---: | ---: | ---: | ---: | ' + ' | '.join('---:' for _ in SHORT) + ' | --- | --- |')
    for path in paths:
        for line in open(path):
            r = json.loads(line)
            res = r if split == 'validation' else r.get(split)
            if res is None or 'miou' not in res:
                continue
            name = r['name'].rsplit('-s', 1)[0]
            iou = ' | '.join('%.0f' % (100 * (v or 0)) for v in res['class_iou'].values())
            curve = ', '.join('%.1f' % (100 * m) for _, m in r['curve'][:-1])
            print(f"| {name} | {r['seed']} | {r['input'][0]}x{r['input'][1]} | {r['images_seen']} | "
                  f"{r['cost_teacher_image_equivalents'] / 1000:.1f}k | **{100 * res['miou']:.1f}** | {100 * res['pixel_accuracy']:.1f} | "
                  f"{iou} | {curve} | {where} |")


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('paths', nargs='+')
    p.add_argument('--where', default='CPU')
    p.add_argument('--split', default='validation', help='validation, or test for runs made with --also-test')
    a = p.parse_args()
    rows(a.paths, a.where, a.split)
