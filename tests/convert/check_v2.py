#!/usr/bin/python3
"""Independent oracle for nzview's Zarr v2 NIfTI-Zarr output (Debian's zarr 2.13 + nibabel).

usage: check_v2.py OURS.nii.zarr SOURCE.nii[.gz] [REFERENCE.nii.zarr]
Checks: zarr-python opens it; the `nifti` array parses with nibabel and matches the source
header; level 0 equals the source voxels (raw, unscaled); every level's shape is ceil(n/2^L);
with a reference (niizarr output) the OME multiscales attributes are identical and levels >= 1
are compared. Prints one JSON line {"ok":..., "max_abs_diff":[per level], ...}; exit 1 on failure.
"""
import io
import json
import math
import sys

import nibabel as nib
import numpy as np
import zarr


def main():
    ours_path, src_path = sys.argv[1], sys.argv[2]
    ref_path = sys.argv[3] if len(sys.argv) > 3 else None
    out = {"ok": True, "errors": []}

    def fail(msg):
        out["ok"] = False
        out["errors"].append(msg)

    g = zarr.open_group(ours_path, mode="r")
    src = nib.load(src_path)
    hdr_bytes = bytes(np.asarray(g["nifti"][:], dtype=np.uint8))
    klass = nib.Nifti2Header if len(hdr_bytes) >= 540 and hdr_bytes[:4] in (
        b"\x1c\x02\x00\x00", b"\x00\x00\x02\x1c") else nib.Nifti1Header
    h = klass.from_fileobj(io.BytesIO(hdr_bytes + b"\0" * 4), check=False)
    if tuple(h.get_data_shape()) != tuple(src.header.get_data_shape()):
        fail("header shape %s != source %s" % (h.get_data_shape(), src.header.get_data_shape()))
    if not np.allclose(h.get_best_affine(), src.header.get_best_affine()):
        fail("header affine differs from the source")
    if h.get_data_dtype() != src.header.get_data_dtype():
        fail("header dtype differs")
    ms = g.attrs["multiscales"][0]
    data = np.asarray(src.dataobj.get_unscaled())
    nd = data.ndim
    perm = {3: (2, 1, 0), 4: (3, 2, 1, 0), 5: (3, 4, 2, 1, 0)}[nd]
    level0 = data.transpose(perm)
    diffs = []
    for L, ds in enumerate(ms["datasets"]):
        arr = g[ds["path"]][:]
        expect = list(level0.shape)
        for a in range(nd - 3, nd):
            expect[a] = level0.shape[a]
            for _ in range(L):
                expect[a] = math.ceil(expect[a] / 2)
        if list(arr.shape) != expect:
            fail("level %d shape %s != %s" % (L, arr.shape, expect))
            continue
        if L == 0:
            same = np.array_equal(arr, level0, equal_nan=arr.dtype.kind in "fc")
            if not same:
                fail("level 0 differs from the source voxels")
            diffs.append(0.0 if same else float("inf"))
        elif ref_path:
            ref = zarr.open_group(ref_path, mode="r")[ds["path"]][:]
            d = np.abs(arr.astype(np.float64) - ref.astype(np.float64))
            d = d[np.isfinite(d)]
            diffs.append(float(d.max()) if d.size else 0.0)
    out["max_abs_diff"] = diffs
    if ref_path:
        ref_ms = zarr.open_group(ref_path, mode="r").attrs["multiscales"]
        if ref_ms != g.attrs["multiscales"]:
            fail("multiscales attributes differ from the reference")
        ref_hdr = bytes(np.asarray(zarr.open_group(ref_path, mode="r")["nifti"][:], np.uint8))
        out["header_bytes_equal_reference"] = ref_hdr == hdr_bytes
    print(json.dumps(out))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
