"""The segmentation of a saved teacher (teacher.py --save) on one split, as teacher.py reports it.

    /usr/bin/python3 bench/experiments/evaluate.py --data scratch/npz/s96 --checkpoint T.safetensors --split test [--skip 16 ...]

The network options must be those the teacher was trained with.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'peers'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dicnet_torch as dn  # noqa: E402
from dataset import load  # noqa: E402
from teacher import config_for, evaluate  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True)
    p.add_argument('--checkpoint', required=True)
    p.add_argument('--split', default='validation')
    p.add_argument('--width', type=float, default=1.0)
    p.add_argument('--depth', type=int, default=None)
    p.add_argument('--os', type=int, default=8)
    p.add_argument('--skip', type=int, default=0)
    p.add_argument('--threads', type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    images, labels = load(a.data, a.split)
    h, w = labels.shape[1:]
    teacher = dn.Teacher(config_for(a, h, w))
    teacher.load_state_dict(dn.load_safetensors(a.checkpoint))
    result = evaluate(teacher, torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(np.ascontiguousarray(labels)), h, w)
    print(json.dumps({'checkpoint': a.checkpoint, 'split': a.split, 'scenes': len(images), **result}))


if __name__ == '__main__':
    main()
