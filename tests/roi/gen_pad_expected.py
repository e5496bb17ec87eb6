#!/usr/bin/python3
"""Generates pad_expected.json: expected outputs of nz::padCrop / CropOrPad from numpy.

Run with Debian's python (numpy): /usr/bin/python3 tests/roi/gen_pad_expected.py
The C++ test (tst_crop_or_pad) compares nzview's padding with these arrays.

Rules reproduced here:
- edge/reflect/symmetric/wrap/constant: numpy's np.pad on the region, then crop to the box.
- minimum/maximum/mean/median: TorchIO's Pad: one constant, the statistic of the WHOLE region
  (median = torch.quantile(x, 0.5), i.e. linear interpolation), not numpy's per-axis statistic.
  Integer outputs store the statistic rounded to nearest (the closest representable value).
- CropOrPad: for d = target - size, ceil(d/2) at the start and floor(d/2) at the end; pad first,
  then crop.
"""
import json
import math
import os

import numpy as np

MODES = ["constant", "edge", "minimum", "maximum", "mean", "median", "reflect", "symmetric", "wrap"]


def stat(data, mode):
    d = data.astype(np.float64)
    if mode == "minimum":
        return float(d.min())
    if mode == "maximum":
        return float(d.max())
    if mode == "mean":
        return float(d.mean())
    return float(np.quantile(d, 0.5))  # linear interpolation, as torch.quantile


def wrap_pad(region, pads):
    """np.pad(mode='wrap') as numpy >= 1.25 defines it: strict periodic repetition.

    numpy 1.24 (Debian 12) mis-pads when a pad exceeds the axis length on both sides
    (numpy PR #22575); the two agree whenever each pad is at most the axis length.
    """
    out = region
    for axis, (a, b) in enumerate(pads):
        n = region.shape[axis]
        idx = np.arange(-a, n + b) % n
        out = np.take(out, idx, axis=axis)
    small = all(a <= n and b <= n for (a, b), n in zip(pads, region.shape))
    if small:
        assert np.array_equal(out, np.pad(region, pads, mode="wrap"))
    return out


def pad_crop(region, out_begin, out_end, mode, constant):
    """Pads `region` (placed at 0) so it covers [out_begin, out_end), then crops to it."""
    pads = [(max(0, -b), max(0, e - n)) for b, e, n in zip(out_begin, out_end, region.shape)]
    if mode == "constant" or mode in ("minimum", "maximum", "mean", "median"):
        value = constant if mode == "constant" else stat(region, mode)
        if np.issubdtype(region.dtype, np.integer):
            info = np.iinfo(region.dtype)
            value = min(max(math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5),
                            info.min), info.max)
        padded = np.pad(region, pads, mode="constant", constant_values=value)
    elif mode == "wrap":
        padded = wrap_pad(region, pads)
    else:
        padded = np.pad(region, pads, mode=mode)
    sl = tuple(slice(b + p[0], e + p[0]) for b, e, p in zip(out_begin, out_end, pads))
    return padded[sl]


def flat(a):
    return [float(x) for x in a.flatten(order="F")]  # x fastest, like NIfTI


def main():
    rng = np.random.default_rng(20261123)
    cases = []
    shapes = [(5, 4, 3), (1, 3, 2), (4, 1, 1), (2, 2, 2)]
    for si, shape in enumerate(shapes):
        for mi, mode in enumerate(MODES):
            dtype = np.int16 if (si + mi) % 2 == 0 else np.float32
            if dtype == np.int16:
                region = rng.integers(-50, 200, size=shape).astype(np.int16)
            else:
                region = rng.normal(10, 5, size=shape).astype(np.float32)
            for k in range(2):
                begin, end = [], []
                for n in shape:
                    if k == 0:  # pure padding, sometimes larger than the axis (periodic modes)
                        b = -int(rng.integers(0, n + 3))
                        e = n + int(rng.integers(0, n + 3))
                    else:  # mixed: crop one side, pad the other
                        b = int(rng.integers(-n - 1, n))
                        e = max(b + 1, int(rng.integers(b + 1, 2 * n + 3)))
                    begin.append(b)
                    end.append(e)
                constant = float(rng.integers(-3, 9))
                out = pad_crop(region, begin, end, mode, constant)
                cases.append({
                    "name": f"{mode}_{'x'.join(map(str, shape))}_{k}",
                    "dtype": "int16" if dtype == np.int16 else "float32",
                    "shape": list(shape), "data": flat(region),
                    "out_begin": begin, "out_end": end, "mode": mode, "constant": constant,
                    "out_shape": list(out.shape), "expected": flat(out),
                })
    # TorchIO CropOrPad on a 3D region: target per axis, odd and even differences.
    crop_or_pad = []
    for size, target in [(10, 15), (10, 14), (11, 14), (11, 15), (15, 10), (14, 10), (14, 11),
                         (15, 11), (7, 7), (1, 4), (4, 1)]:
        d = target - size
        pad_ini, pad_fin = (math.ceil(d / 2), d // 2) if d > 0 else (0, 0)
        crop_ini, crop_fin = (math.ceil(-d / 2), (-d) // 2) if d < 0 else (0, 0)
        crop_or_pad.append({"size": size, "target": target, "pad_ini": pad_ini,
                            "pad_fin": pad_fin, "crop_ini": crop_ini, "crop_fin": crop_fin})
    # Whole CropOrPad through padding (pad first, then crop) for every mode.
    cop_cases = []
    region = rng.integers(0, 100, size=(6, 5, 4)).astype(np.int16)
    target = (9, 3, 5)  # pad x by 3 (2 ini, 1 fin), crop y by 2 (1, 1), pad z by 1 (1, 0)
    for mode in MODES:
        pads = []
        crops = []
        for n, t in zip(region.shape, target):
            d = t - n
            pads.append((math.ceil(d / 2), d // 2) if d > 0 else (0, 0))
            crops.append((math.ceil(-d / 2), (-d) // 2) if d < 0 else (0, 0))
        if mode in ("minimum", "maximum", "mean", "median"):
            v = stat(region, mode)
            v = math.floor(v + 0.5)
            padded = np.pad(region, pads, mode="constant", constant_values=v)
        elif mode == "constant":
            padded = np.pad(region, pads, mode="constant", constant_values=7)
        else:
            padded = np.pad(region, pads, mode=mode)
        sl = tuple(slice(c[0], padded.shape[i] - c[1]) for i, c in enumerate(crops))
        out = padded[sl]
        cop_cases.append({"mode": mode, "constant": 7.0, "shape": list(region.shape),
                          "data": flat(region), "target": list(target),
                          "out_shape": list(out.shape), "expected": flat(out)})
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "pad_expected.json"), "w") as f:
        json.dump({"generator": "tests/roi/gen_pad_expected.py", "numpy": np.__version__,
                   "cases": cases, "crop_or_pad": crop_or_pad, "crop_or_pad_cases": cop_cases},
                  f, separators=(",", ":"))


if __name__ == "__main__":
    main()
