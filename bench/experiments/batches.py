"""Training and evaluation batches as the engine makes them (src/data/batches.ts, resize.ts).

Each epoch a seeded shuffle; each sample a zoom crop (a window of 1/s of the
width and height, s uniform in [1, 1.5], at a uniform position) and a mirror
with probability 1/2; the window resampled to the model input, bilinear for
the image (averaging ceil(step / 2)^2 taps a pixel when shrinking by 2x or
more) and nearest for the labels; ImageNet normalisation. Done in torch on the
device the data lives on. The random streams are torch's, not the engine's.
"""

import numpy as np
import torch

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def resample(images, labels, windows, out_h, out_w, windows_on_device=None):
    """images uint8 [N, Hs, Ws, 3], labels uint8 [N, Hs, Ws], windows float [N, 5] (x, y, width, height, flip)
    as numpy (and optionally already on the images' device, saving a copy a batch) ->
    normalised float [N, 3, out_h, out_w] and labels uint8 [N, out_h, out_w]."""
    dev = images.device
    n, hs, ws = labels.shape
    windows = np.asarray(windows, np.float64).reshape(n, 5)
    win = torch.as_tensor(windows, device=dev) if windows_on_device is None else windows_on_device
    x, y, w, h, flip = (win[:, i:i + 1] for i in range(5))
    step_x, step_y = w / out_w, h / out_h
    ox = torch.arange(out_w, dtype=torch.float64, device=dev)[None]
    mx = torch.where(flip > 0, out_w - 1 - ox, ox)  # [N, out_w]
    oy = torch.arange(out_h, dtype=torch.float64, device=dev)[None]  # [1, out_h]
    batch = torch.arange(n, device=dev)[:, None, None]
    lx = (x + (mx + 0.5) * step_x).floor().clamp(0, ws - 1).long()
    ly = (y + (oy + 0.5) * step_y).floor().clamp(0, hs - 1).long()
    out_labels = labels[batch, ly[:, :, None], lx[:, None, :]]

    # Taps per sample from the host copy: no device read-back a batch.
    taps = np.maximum(1, np.ceil(np.maximum(windows[:, 2] / out_w, windows[:, 3] / out_h) / 2)).astype(int)
    rgb = None
    for t in sorted(set(taps.tolist())):
        whole = bool((taps == t).all())
        rows = slice(None) if whole else torch.as_tensor(np.nonzero(taps == t)[0], device=dev)
        acc = 0
        for ty in range(t):
            sy = (y[rows] + (oy + (ty + 0.5) / t) * step_y[rows] - 0.5).clamp(0, hs - 1)  # [R, out_h]
            for tx in range(t):
                sx = (x[rows] + (mx[rows] + (tx + 0.5) / t) * step_x[rows] - 0.5).clamp(0, ws - 1)  # [R, out_w]
                acc = acc + _bilinear(images[rows], sx, sy)
        if whole:
            rgb = acc / (t * t)
        else:
            if rgb is None:
                rgb = torch.zeros(n, out_h, out_w, 3, dtype=torch.float64, device=dev)
            rgb[rows] = acc / (t * t)
    mean = torch.tensor(MEAN, dtype=torch.float64, device=dev)
    std = torch.tensor(STD, dtype=torch.float64, device=dev)
    normalised = (rgb / 255 - mean) / std
    return normalised.permute(0, 3, 1, 2).float().contiguous(), out_labels


def _bilinear(images, sx, sy):
    n, hs, ws, _ = images.shape
    x0, y0 = sx.floor().long(), sy.floor().long()
    x1, y1 = (x0 + 1).clamp(max=ws - 1), (y0 + 1).clamp(max=hs - 1)
    fx, fy = (sx - x0)[:, None, :, None], (sy - y0)[:, :, None, None]
    b = torch.arange(n, device=images.device)[:, None, None]
    px = lambda yy, xx: images[b, yy[:, :, None], xx[:, None, :]].double()
    return (px(y0, x0) * (1 - fx) * (1 - fy) + px(y0, x1) * fx * (1 - fy)
            + px(y1, x0) * (1 - fx) * fy + px(y1, x1) * fx * fy)


class BatchStream:
    """`steps` augmented batches over (images, labels) tensors, reshuffled each epoch. The whole run's
    sample order and crop windows are drawn up front and put on the device once."""

    def __init__(self, images, labels, batch_size, out_h, out_w, seed, steps, min_scale=1.0, max_scale=1.5, flip=True):
        self.images, self.labels = images, labels
        self.batch_size, self.out_h, self.out_w = batch_size, out_h, out_w
        rng = np.random.default_rng(seed)
        count = steps * batch_size
        order = []
        while len(order) < count:
            order.extend(rng.permutation(len(images)).tolist())
        hs, ws = labels.shape[1:]
        scale = rng.uniform(min_scale, max_scale, count)
        w, h = ws / scale, hs / scale
        x, y = rng.uniform(size=count) * (ws - w), rng.uniform(size=count) * (hs - h)
        mirror = (rng.uniform(size=count) < 0.5) & flip
        self.windows = np.stack([x, y, w, h, mirror.astype(np.float64)], 1)
        self.picks = torch.as_tensor(order[:count], device=images.device)
        self.windows_on_device = torch.as_tensor(self.windows, device=images.device)
        self.step, self.steps = 0, steps

    def next(self):
        if self.step == self.steps:
            raise StopIteration(f'the stream was drawn for {self.steps} batches')
        rows = slice(self.step * self.batch_size, (self.step + 1) * self.batch_size)
        self.step += 1
        idx = self.picks[rows]
        return resample(self.images[idx], self.labels[idx], self.windows[rows], self.out_h, self.out_w, self.windows_on_device[rows])


def in_order(images, labels, batch_size, out_h, out_w):
    """One pass without augmentation (evaluation), the last batch possibly smaller."""
    hs, ws = labels.shape[1:]
    for i in range(0, len(images), batch_size):
        k = min(batch_size, len(images) - i)
        yield resample(images[i:i + k], labels[i:i + k], [(0.0, 0.0, ws, hs, 0.0)] * k, out_h, out_w)
