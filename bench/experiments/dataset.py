"""The embedded synthetic StreetHazards scenes as arrays.

`convert` reads a dataset written by the engine's generator
(src/data/synthetic, StreetHazards layout) once and stores each split as one
compressed .npz: images uint8 [N, H, W, 3], labels uint8 [N, H, W] with the
loader's rule (src/data/streethazards.ts): annotation value v in 1..14 gives
class v - 1 (13 = anomaly), 0 and 255 give 255 (ignored).

    /usr/bin/python3 bench/experiments/dataset.py ROOT OUT_PREFIX
writes OUT_PREFIX-train.npz, -validation.npz, -test.npz, -test-easy.npz.
`render` makes the same arrays without PNGs, on a machine with node and a
bundle of bench/experiments/render-scenes.ts, in parallel shards.
"""

import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

SPLITS = {
    'train': ('train', 'images/training', 'annotations/training'),
    'validation': ('train', 'images/validation', 'annotations/validation'),
    'test': ('test', 'images/test', 'annotations/test'),
    'test-easy': ('test', 'images/test-easy', 'annotations/test-easy'),
}

KNOWN_CLASSES = 13
ANOMALY = 13
IGNORE = 255
CLASS_NAMES = ['unlabeled', 'building', 'fence', 'other', 'pedestrian', 'pole', 'road line',
               'road', 'sidewalk', 'vegetation', 'car', 'wall', 'traffic sign']


def annotation_to_classes(a):
    out = np.full(a.shape, IGNORE, np.uint8)
    known = (a >= 1) & (a <= ANOMALY + 1)
    out[known] = a[known] - 1
    bad = ~known & (a != 0) & (a != 255)
    if bad.any():
        raise ValueError(f'label values out of range: {sorted(set(a[bad].tolist()))[:10]}')
    return out


def _index(path):
    """The generator's names are <folder>/<i>.png: order by i, as the engine lists them."""
    return int(re.sub(r'\.png$', '', os.path.basename(path)))


def read_split(root, split):
    from PIL import Image
    folder, images, annotations = SPLITS[split]
    base = os.path.join(root, folder, images)
    files = []
    for d, _, names in os.walk(base):
        files += [os.path.join(d, n) for n in names if n.endswith('.png')]
    files.sort(key=_index)
    imgs, labels = [], []
    for f in files:
        rel = os.path.relpath(f, base)
        img = np.asarray(Image.open(f).convert('RGB'))
        ann = np.asarray(Image.open(os.path.join(root, folder, annotations, rel)))
        if ann.shape != img.shape[:2]:
            raise ValueError(f'{rel}: label map {ann.shape} but image {img.shape[:2]}')
        imgs.append(img)
        labels.append(annotation_to_classes(ann))
    return np.stack(imgs), np.stack(labels)


def load(prefix, split, count=None):
    """(images uint8 [N,H,W,3], labels uint8 [N,H,W]) of a converted split, the first `count` only if given."""
    with np.load(f'{prefix}-{split}.npz') as z:
        images, labels = z['images'], z['labels']
    if count is not None:
        if count > len(images):
            raise ValueError(f'{prefix}-{split}.npz holds {len(images)} images, {count} asked')
        images, labels = images[:count], labels[:count]
    return images, labels


def convert(root, prefix):
    for split in SPLITS:
        if not os.path.isdir(os.path.join(root, SPLITS[split][0], SPLITS[split][1])):
            continue  # generator v2 datasets have no test-easy
        images, labels = read_split(root, split)
        np.savez_compressed(f'{prefix}-{split}.npz', images=images, labels=labels)
        print(split, images.shape, file=sys.stderr)


def from_raw(shards, width, height):
    """Shards written by render-scenes.ts: count x H x W x 3 RGB bytes, then count x H x W classes."""
    images, labels = [], []
    for path in shards:
        raw = np.fromfile(path, np.uint8)
        n = raw.size // (width * height * 4)
        if n * width * height * 4 != raw.size:
            raise ValueError(f'{path}: {raw.size} bytes is no whole number of {width}x{height} scenes')
        images.append(raw[:n * width * height * 3].reshape(n, height, width, 3))
        classes = raw[n * width * height * 3:].reshape(n, height, width)
        labels.append(np.where(classes <= ANOMALY, classes, IGNORE).astype(np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def render(node, script, prefix, width, height, counts, seed=1, workers=8, shard=50):
    """Renders {split: count} scenes through `node script` (render-scenes.ts bundled) into PREFIX-split.npz (uncompressed)."""
    with tempfile.TemporaryDirectory() as tmp:
        tasks = [(split, start, min(shard, count - start), os.path.join(tmp, f'{split}-{start}.bin'))
                 for split, count in counts.items() for start in range(0, count, shard)]
        run = lambda t: subprocess.run([node, script, str(seed), str(width), str(height), t[0], str(t[1]), str(t[2]), t[3]], check=True)
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, tasks))
        for split in counts:
            images, labels = from_raw([t[3] for t in tasks if t[0] == split], width, height)
            np.savez(f'{prefix}-{split}.npz', images=images, labels=labels)


if __name__ == '__main__':
    convert(sys.argv[1], sys.argv[2])
