#!/usr/bin/python3
"""Compares `nzview-cli info --json` output with refdata/manifest.json for one dataset.

usage: check_info.py MANIFEST DATASET INFO_JSON_FILE   (prints 'ok' or raises)
"""
import json
import sys

import numpy as np

DTYPES = {"u1": "uint8", "i1": "int8", "u2": "uint16", "i2": "int16", "u4": "uint32",
          "i4": "int32", "u8": "uint64", "i8": "int64", "f4": "float32", "f8": "float64"}


def dtype_name(d):
    return DTYPES[d.lstrip("<>|=")] if d.lstrip("<>|=") in DTYPES else d


def main():
    manifest = json.load(open(sys.argv[1]))["datasets"]
    name = sys.argv[2]
    info = json.load(open(sys.argv[3]))
    m = manifest[name]
    base = manifest.get(m.get("data_from") or m.get("same_values_as") or name, m)
    for key in ("uri", "format", "zarr_format", "nifti_version", "header_byte_order", "shape",
                "axes", "dtype", "affine", "affine_source", "pixdim", "spacing", "units",
                "scl_slope", "scl_inter", "levels", "stats"):
        assert key in info, f"missing field {key}"
    assert info["format"] == "nifti-zarr", info["format"]
    assert info["zarr_format"] == m.get("zarr_format", 2), info["zarr_format"]
    assert info["nifti_version"] == m.get("nifti_version", 1)
    shape = base["nifti_shape_xyztc"]
    assert info["shape"] == shape, (info["shape"], shape)
    assert info["axes"] == ["x", "y", "z", "t", "c"][: len(shape)], info["axes"]
    want_dtype = dtype_name(base["nifti_dtype"])
    assert info["dtype"] == want_dtype, (info["dtype"], want_dtype)
    assert info["header_byte_order"] == base.get("nifti_header_endianness", "little")
    assert np.allclose(np.array(info["affine"]), np.array(base["affine_best"]), atol=1e-4)
    assert np.allclose(info["pixdim"], base["pixdim"], atol=1e-6)
    assert abs(info["scl_slope"] - base["scl_slope"]) < 1e-9
    assert abs(info["scl_inter"] - base["scl_inter"]) < 1e-9
    spacing = np.linalg.norm(np.array(base["affine_best"])[:3, :3], axis=0)
    assert np.allclose(info["spacing"], spacing, atol=1e-5), (info["spacing"], spacing)
    levels = m["levels"]
    assert len(info["levels"]) == len(levels), (len(info["levels"]), len(levels))
    for i, (got, want) in enumerate(zip(info["levels"], levels)):
        assert got["path"] == want["path"], (i, got["path"])
        assert got["shape"] == list(reversed(want["shape"])), (i, got["shape"], want["shape"])
        assert got["chunks"] == list(reversed(want["chunks"])), (i, got["chunks"], want["chunks"])
        assert got["dtype"] == want_dtype
        assert isinstance(got["codecs"], list) and got["codecs"], got["codecs"]
        assert np.allclose(np.array(got["affine"]), np.array(want["affine_world_from_level_voxel"]),
                           atol=1e-4), (i, got["affine"])
    st = info["stats"]
    assert st["requests"] >= 1 and st["bytes"] > 0 and st["seconds"] >= 0, st
    print("ok")


if __name__ == "__main__":
    main()
