#!/usr/bin/python3
"""Writes the layer benchmark's label map: a NIfTI (.nii.gz) of N^3 uint8 labels (default 512^3)
at 0.8 mm voxels (--voxel-mm) with an oblique affine (rotated 10 deg about z and 6 deg about x) centred on world
(0, 0, 0), the centre of make_big_volume.py's volume (identity orientation), so it covers the
image at another resolution and orientation. Labels are blobs of 1..60 on a 16-voxel lattice
with label 0 between them. Convert it with `nzview-cli convert --label`.
Usage: make_label_volume.py OUT.nii.gz [--size 512] [--voxel-mm 0.8]
"""
import argparse
import math

import nibabel as nib
import numpy as np


def rotation(ax, deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    r = np.eye(3)
    i, j = [(1, 2), (0, 2), (0, 1)][ax]
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--voxel-mm", type=float, default=0.8)
    a = p.parse_args()
    n = a.size
    data = np.zeros((n, n, n), dtype=np.uint8)
    idx = np.arange(n)
    cell = (idx // 16)
    inner = (idx % 16) >= 3
    for z in range(n):
        lab = ((cell[:, None] * 7 + cell[None, :] * 3 + cell[z] * 11) % 60 + 1).astype(np.uint8)
        mask = inner[:, None] & inner[None, :] & inner[z]
        data[:, :, z] = np.where(mask, lab, 0)
    lin = rotation(2, 10) @ rotation(0, 6) @ np.diag([a.voxel_mm] * 3)
    aff = np.eye(4)
    aff[:3, :3] = lin
    aff[:3, 3] = -lin @ (np.full(3, n - 1) / 2.0)  # centre voxel at world (0, 0, 0)
    img = nib.Nifti1Image(data, aff)
    img.set_sform(aff, code=1)
    img.set_qform(aff, code=1)
    img.header.set_intent(1002)  # NIFTI_INTENT_LABEL
    nib.save(img, a.out)


if __name__ == "__main__":
    main()
