#!/usr/bin/python3
"""Writes the benchmark volume: a Zarr v2 NIfTI-Zarr group, uint16, level 0 of N^3 voxels
(default 1024^3) in 64^3 chunks, blosc lz4 (shuffle), levels 1.. down to 64^3 (2x2x2 mean),
the NIfTI-1 header in array `nifti`, OME 0.4 multiscales. The pattern is smooth with a little
noise so blosc compresses it about as well as a real scan (roughly 2-4x).
Usage: make_big_volume.py OUT.nii.zarr [--size 1024] [--chunk 64]
"""
import argparse
import json
import os
import shutil
import sys
import time

import nibabel as nib
import numcodecs
import numpy as np
import zarr


def pattern(z0, z1, n):
    z = np.arange(z0, z1, dtype=np.float32)[:, None, None]
    y = np.arange(n, dtype=np.float32)[None, :, None]
    x = np.arange(n, dtype=np.float32)[None, None, :]
    v = (20000 + 8000 * np.sin(x * 0.013 + z * 0.004) * np.cos(y * 0.011)
         + 4000 * np.sin(z * 0.02 + y * 0.003))
    noise = np.random.default_rng(z0).integers(0, 16, size=(z1 - z0, n, n), dtype=np.uint16)
    return v.astype(np.uint16) + noise


def down2(a):
    s = a.shape
    a = a[: s[0] // 2 * 2, : s[1] // 2 * 2, : s[2] // 2 * 2].astype(np.uint32)
    m = (a[0::2, 0::2, 0::2] + a[1::2, 0::2, 0::2] + a[0::2, 1::2, 0::2] + a[0::2, 0::2, 1::2]
         + a[1::2, 1::2, 0::2] + a[1::2, 0::2, 1::2] + a[0::2, 1::2, 1::2] + a[1::2, 1::2, 1::2])
    return (m // 8).astype(np.uint16)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--chunk", type=int, default=64)
    a = ap.parse_args()
    n, c = a.size, a.chunk
    t0 = time.time()
    tmp = a.out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    store = zarr.DirectoryStore(tmp, dimension_separator="/")
    root = zarr.group(store=store)
    comp = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)

    spacing = 0.5
    levels = []
    size = n
    while True:
        levels.append(size)
        if size <= c:
            break
        size //= 2
    arrays = []
    for i, s in enumerate(levels):
        arr = root.create_dataset(str(i), shape=(s, s, s), chunks=(c, c, c), dtype="<u2",
                                  compressor=comp, fill_value=None, order="C",
                                  dimension_separator="/")
        arr.attrs["_ARRAY_DIMENSIONS"] = ["z", "y", "x"]
        arrays.append(arr)

    # Level 0 slab by slab; level 1 accumulated in memory (n/2)^3, the rest from level 1.
    l1 = np.zeros((levels[1],) * 3, dtype=np.uint16) if len(levels) > 1 else None
    for z0 in range(0, n, c):
        slab = pattern(z0, min(n, z0 + c), n)
        arrays[0][z0:z0 + slab.shape[0]] = slab
        if l1 is not None:
            l1[z0 // 2:(z0 + slab.shape[0]) // 2] = down2(slab)
        print(f"\rlevel 0: {z0 + c}/{n} z", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    cur = l1
    for i in range(1, len(levels)):
        arrays[i][:] = cur
        if i + 1 < len(levels):
            cur = down2(cur)

    hdr = nib.Nifti1Header()
    hdr.set_data_dtype(np.uint16)
    hdr.set_data_shape((n, n, n))
    hdr.set_zooms((spacing,) * 3)
    aff = np.diag([spacing, spacing, spacing, 1.0])
    aff[:3, 3] = -spacing * n / 2
    hdr.set_sform(aff, code=1)
    hdr.set_qform(aff, code=1)
    hdr.set_xyzt_units("mm", "sec")
    block = np.frombuffer(hdr.binaryblock, dtype=np.uint8)
    nif = root.create_dataset("nifti", shape=block.shape, chunks=block.shape, dtype="|u1",
                              compressor=None, fill_value=None, dimension_separator="/")
    nif[:] = block
    nif.attrs.update({"NIIFormat": "n+1", "Dim": [n, n, n], "DataType": "uint16"})

    datasets = []
    for i, s in enumerate(levels):
        f = 2 ** i
        datasets.append({"path": str(i), "coordinateTransformations": [
            {"type": "scale", "scale": [spacing * f] * 3},
            {"type": "translation", "translation": [spacing * (f - 1) / 2] * 3}]})
    root.attrs["multiscales"] = [{
        "version": "0.4", "name": "", "type": "mean window 2x2x2",
        "axes": [{"name": ax, "type": "space", "unit": "millimeter"} for ax in "zyx"],
        "datasets": datasets,
        "coordinateTransformations": [{"type": "scale", "scale": [1.0, 1.0, 1.0]}]}]
    shutil.rmtree(a.out, ignore_errors=True)
    os.replace(tmp, a.out)
    print(f"wrote {a.out}: levels {levels}, {time.time() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
