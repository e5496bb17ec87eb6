#!/usr/bin/python3
"""Checks a file written by `nzview-cli export` against numpy + zarr + nibabel.

usage: check_export.py REFDATA_DIR DATASET LEVEL ROI|- CROP_OR_PAD|- MODE PAD_VALUE OUT
Expected voxels: the level read with zarr-python (v2 copy of the data for the v3 datasets),
ROI clipped to the volume, CropOrPad's box (ceil(d/2) at the start), padded with numpy/TorchIO
rules (tests/roi/gen_pad_expected.py). Expected affine: the manifest's level affine moved to
the first output voxel. Prints 'ok' or raises.
"""
import json
import math
import os
import sys

import nibabel as nib
import numpy as np
import zarr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "roi"))
from gen_pad_expected import pad_crop  # noqa: E402


def main():
    refdir, name, level, roi, cop, mode, pad_value, out = sys.argv[1:9]
    level = int(level)
    manifest = json.load(open(os.path.join(refdir, "manifest.json")))["datasets"]
    m = manifest[name]
    base_name = m.get("data_from") or name
    base = manifest[base_name]
    arr = zarr.open(os.path.join(refdir, base_name + ".nii.zarr", str(level)), mode="r")[...]
    arr = np.ascontiguousarray(arr.transpose(tuple(reversed(range(arr.ndim)))))  # x, y, z
    arr = arr.astype(arr.dtype.newbyteorder("="))
    shape = arr.shape
    if roi == "-":
        begin, end = [0, 0, 0], list(shape)
    else:
        parts = [p.split(":") for p in roi.split(",")]
        begin = [int(a) for a, _ in parts]
        end = [int(b) for _, b in parts]
    out_begin, out_end = list(begin), list(end)
    if cop != "-":
        target = [int(t) for t in cop.split(",")]
        for a in range(3):
            d = target[a] - (end[a] - begin[a])
            pad_ini = math.ceil(d / 2) if d > 0 else 0
            crop_ini = math.ceil(-d / 2) if d < 0 else 0
            out_begin[a] = begin[a] - pad_ini + crop_ini
            out_end[a] = out_begin[a] + target[a]
    rb = [min(max(b, 0), n) for b, n in zip(begin, shape)]
    re_ = [min(max(e, b), n) for e, b, n in zip(end, rb, shape)]
    region = arr[rb[0]:re_[0], rb[1]:re_[1], rb[2]:re_[2]]
    slope, inter = base["scl_slope"], base["scl_inter"]
    constant = (float(pad_value) - inter) / slope if slope not in (0,) else float(pad_value)
    expected = pad_crop(region, [b - r for b, r in zip(out_begin, rb)],
                        [e - r for e, r in zip(out_end, rb)], mode, constant)

    img = nib.load(out)
    raw = np.asanyarray(img.dataobj.get_unscaled())
    assert raw.dtype == arr.dtype, (raw.dtype, arr.dtype)
    assert raw.shape == expected.shape, (raw.shape, expected.shape)
    assert np.array_equal(raw, expected, equal_nan=raw.dtype.kind == "f"), "voxel values differ"
    lv_aff = np.array(m["levels"][level]["affine_world_from_level_voxel"])
    want = lv_aff.copy()
    want[:3, 3] = lv_aff[:3, :3] @ np.array(out_begin, dtype=float) + lv_aff[:3, 3]
    assert np.allclose(img.affine, want, atol=1e-4), (img.affine, want)
    s = img.dataobj.slope
    i = img.dataobj.inter
    assert abs(s - slope) < 1e-9 and abs(i - inter) < 1e-9, (s, i, slope, inter)
    scode = int(img.header["sform_code"])
    # The stored header's codes are kept (README "Header fidelity"): a qform-only source stays
    # qform-only, its ROI placed by the qform.
    assert scode == base["sform_code"], scode
    assert int(img.header["qform_code"]) == base["qform_code"], img.header["qform_code"]
    print("ok")


if __name__ == "__main__":
    main()
