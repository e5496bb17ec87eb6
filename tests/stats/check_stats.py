#!/usr/bin/python3
"""End-to-end test of `nzview-cli stats` against numpy on the same voxels.

usage: check_stats.py NZVIEW_CLI REFDATA_DIR [HTTP_BASE]

Ground truth: the level's array read with zarr-python (axes reversed to NIfTI order) or the
NIfTI read with nibabel, scaled by scl_slope/scl_inter, then np.nanmin/nanmax/nanmean/nanstd/
nanmedian/nanpercentile and the NaN count. Covers uint8 (oblique), scaled int16, float32,
NaN-filled missing chunks (big-endian float32), a big-endian plain NIfTI, a 4D float32 scan with
NaNs at a chosen t, int8/int32/float64 scans (one, two and four selection passes), levels 0 and
coarser, per-label counts (np.bincount x voxel volume) and bounding boxes, image statistics per
label of a second label map, the bad-input messages, and (with HTTP_BASE, the nginx fixture
serving tests/data) one remote run whose chunk requests and bytes are counted.
Prints 'ok' or raises.
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import warnings

import nibabel as nib
import numpy as np
import zarr

CLI, REF = sys.argv[1], sys.argv[2]
HTTP = sys.argv[3] if len(sys.argv) > 3 else None
PCTS = [1, 5, 25, 75, 95, 99]


def run(args, expect_ok=True):
    p = subprocess.run([CLI, "stats"] + args, capture_output=True, text=True,
                       env=dict(os.environ, NZVIEW_DISK_CACHE="off"))
    if expect_ok and p.returncode != 0:
        raise AssertionError(f"stats {args} failed: {p.stderr}")
    return p


def stats_json(args):
    p = run(args + ["--json"])
    return json.loads(p.stdout), p.stderr


def num(v):
    return float(v) if not isinstance(v, str) else float(v.replace("Infinity", "inf"))


def close(a, b, rel, what):
    a, b = num(a), float(b)
    if math.isnan(a) and math.isnan(b):
        return
    if math.isinf(a) or math.isinf(b):
        assert a == b, f"{what}: {a} != {b}"
        return
    assert abs(a - b) <= rel * max(1.0, abs(b)), f"{what}: got {a!r}, numpy {b!r}"


def zarr_level(path, level):
    g = zarr.open_group(path, mode="r")
    a = np.asarray(g[str(level)][...])
    return np.transpose(a)  # [t,(c,)z,y,x] -> x,y,z(,c),t ; 3D/4D only here


def check(name, got, data, slope=1.0, inter=0.0, voxel_volume=None):
    v = data.astype(np.float64)
    if slope not in (0.0,) and not (slope == 1.0 and inter == 0.0):
        v = v * slope + inter
    assert got["voxels"] == v.size, f"{name}: voxels {got['voxels']} != {v.size}"
    nan = int(np.isnan(v).sum())
    assert got["nan_count"] == nan, f"{name}: nan_count {got['nan_count']} != {nan}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN regions: numpy says NaN too
        check_moments(name, got, v)
    if voxel_volume is not None:
        close(got["voxel_volume_mm3"], voxel_volume, 1e-6, f"{name} voxel volume")


def check_moments(name, got, v):
    if True:
        close(got["min"], np.nanmin(v), 0, f"{name} min")
        close(got["max"], np.nanmax(v), 0, f"{name} max")
        close(got["mean"], np.nanmean(v), 1e-9, f"{name} mean")
        close(got["std"], np.nanstd(v), 1e-9, f"{name} std")
    close(got["median"], np.nanmedian(v), 1e-12, f"{name} median")
    ref = np.nanpercentile(v, PCTS)
    for p, r in zip(PCTS, ref):
        close(got["percentiles"][str(p)], r, 1e-12, f"{name} p{p}")


def roi_arg(box):
    return ",".join(f"{a}:{b}" for a, b in box)


def sub(data, box):
    return data[tuple(slice(a, b) for a, b in box)]


def main():
    tmp = tempfile.mkdtemp(prefix="nz-stats-")
    man = json.load(open(os.path.join(REF, "manifest.json")))["datasets"]

    # Reference datasets: zarr levels, whole and an ROI.
    for ds, level, box in [("a_uint8_oblique_sform", 0, None), ("a_uint8_oblique_sform", 0,
                            [(5, 40), (3, 30), (2, 39)]), ("a_uint8_oblique_sform", 1, None),
                           ("b_int16_scl_qform", 0, None), ("b_int16_scl_qform", 1,
                            [(2, 20), (0, 15), (3, 14)]), ("e_uint16_pyramid_4levels", 0,
                            [(10, 140), (7, 100), (0, 60)]), ("e_uint16_pyramid_4levels", 2, None),
                           ("f_blosc_default_chunk64_float32", 0, [(3, 70), (1, 64), (0, 66)]),
                           ("f_blosc_default_chunk64_float32", 1, None),
                           ("h2_missing_chunks_nanfill", 0, None),
                           ("f_zstd_via_zlib_option", 0, None)]:
        path = os.path.join(REF, ds + ".nii.zarr")
        data = zarr_level(path, level)
        args = [path, "--level", str(level)]
        if box:
            data = sub(data, box)
            args += ["--roi", roi_arg(box)]
        got, _ = stats_json(args)
        m = man[ds]
        check(f"{ds} L{level}", got, data, m.get("scl_slope") or 1.0, m.get("scl_inter") or 0.0)
        assert got["level"] == level

    # Level 0 equals nibabel's get_fdata (scaled int16, oblique uint8).
    for ds in ["b_int16_scl_qform", "a_uint8_oblique_sform"]:
        img = nib.load(os.path.join(REF, ds + ".nii.gz"))
        got, _ = stats_json([os.path.join(REF, ds + ".nii.zarr")])
        zooms = img.header.get_zooms()[:3]
        check(ds + " nibabel", got, img.get_fdata(), voxel_volume=abs(np.linalg.det(img.affine[:3, :3])))
        close(got["volume_mm3"], img.get_fdata().size * abs(np.linalg.det(img.affine[:3, :3])), 1e-6,
              ds + " volume")
        del zooms

    # A big-endian plain NIfTI (not NIfTI-Zarr).
    img = nib.load(os.path.join(REF, "c_float32_bigendian.nii.gz"))
    got, _ = stats_json([os.path.join(REF, "c_float32_bigendian.nii.gz")])
    check("c big-endian nii.gz", got, img.get_fdata())

    # Generated: 4D float32 with NaNs, int8/int32/float64, label maps.
    rng = np.random.default_rng(7)
    shape4 = (21, 18, 15, 4)
    f4 = (rng.normal(100, 30, size=shape4)).astype(np.float32)
    f4[rng.random(shape4) < 0.03] = np.nan
    aff = np.diag([1.2, 0.9, 2.0, 1.0])
    aff[:3, 3] = [-10, 5, 3]
    nib.save(nib.Nifti1Image(f4, aff), os.path.join(tmp, "f4d.nii.gz"))
    others = {
        "i8": rng.integers(-128, 127, size=(19, 17, 13)).astype(np.int8),
        "i32": rng.integers(-2**31, 2**31 - 1, size=(19, 17, 13), dtype=np.int64).astype(np.int32),
        "f64": rng.standard_cauchy(size=(19, 17, 13)),
    }
    others["f64"][0, 0, :4] = others["f64"][0, 0, 4]  # ties
    for k, v in others.items():
        nib.save(nib.Nifti1Image(v, aff), os.path.join(tmp, k + ".nii.gz"))
    lab = np.zeros(shape4[:3], np.int16)
    i, j, k = np.meshgrid(*[np.arange(n) for n in shape4[:3]], indexing="ij")
    lab[(i - 10) ** 2 + (j - 9) ** 2 + (k - 7) ** 2 < 30] = 17
    lab[(i < 6) & (j > 10)] = 3
    lab[(k > 12)] = 250
    nib.save(nib.Nifti1Image(lab, aff), os.path.join(tmp, "labels.nii.gz"))
    far = aff.copy()
    far[:3, 3] += 5000
    nib.save(nib.Nifti1Image(lab, far), os.path.join(tmp, "labels_far.nii.gz"))
    for n in ["f4d", "i8", "i32", "f64", "labels", "labels_far"]:
        subprocess.run([CLI, "convert", os.path.join(tmp, n + ".nii.gz"),
                        os.path.join(tmp, n + ".nii.zarr"), "--chunk", "8", "--zarr-version", "2"],
                       check=True, capture_output=True)
    f4z = os.path.join(tmp, "f4d.nii.zarr")
    for t in [0, 2]:
        box = [(2, 19), (0, 18), (1, 15), (t, t + 1)]
        got, _ = stats_json([f4z, "--roi", roi_arg(box)])
        check(f"4D t={t}", got, sub(f4, box), voxel_volume=1.2 * 0.9 * 2.0)
        assert got["passes"] == 2, got["passes"]
    got, _ = stats_json([f4z])
    check("4D all t", got, f4)
    # The converter's pyramid spreads NaNs: level 1 is all NaN, and every statistic says so.
    got, _ = stats_json([f4z, "--level", "1", "--roi", "0:11,0:9,0:8,3:4"])
    check("4D L1 t=3", got, zarr_level(f4z, 1)[:, :, :, 3:4])
    assert got["nan_count"] == got["voxels"] and got["median"] == "NaN", got
    # A scaled int16 4D scan at a coarser level and a chosen t.
    s4 = rng.integers(-3000, 3000, size=shape4).astype(np.int16)
    img = nib.Nifti1Image(s4, aff)
    img.header.set_slope_inter(0.5, 10)
    nib.save(img, os.path.join(tmp, "s4d.nii.gz"))
    s4z = os.path.join(tmp, "s4d.nii.zarr")
    subprocess.run([CLI, "convert", os.path.join(tmp, "s4d.nii.gz"), s4z, "--chunk", "8",
                    "--zarr-version", "2"], check=True, capture_output=True)
    for level in [0, 1]:
        got, _ = stats_json([s4z, "--level", str(level), "--roi", "1:9,0:8,2:8,2:3"])
        check(f"scaled 4D L{level} t=2", got, zarr_level(s4z, level)[1:9, 0:8, 2:8, 2:3], 0.5, 10)
        assert got["scaled"] is True
    for k, v in others.items():
        got, _ = stats_json([os.path.join(tmp, k + ".nii.zarr")])
        check(k, got, v)
        want_passes = {"i8": 1, "i32": 2, "f64": 4}[k]
        assert got["passes"] <= want_passes, (k, got["passes"])

    # Per label: np.bincount x voxel volume, bounding boxes.
    labz = os.path.join(tmp, "labels.nii.zarr")
    got, _ = stats_json([labz, "--per-label"])
    counts = np.bincount(lab.ravel())
    vv = 1.2 * 0.9 * 2.0
    rows = {r["label"]: r for r in got["labels"]}
    assert sorted(rows) == [int(x) for x in np.nonzero(counts)[0]], sorted(rows)
    for l, r in rows.items():
        assert r["voxels"] == counts[l], (l, r["voxels"], counts[l])
        close(r["volume_mm3"], counts[l] * vv, 1e-6, f"label {l} volume")
        idx = np.nonzero(lab == l)
        bbox = [[int(a.min()), int(a.max()) + 1] for a in idx]
        assert r["bbox"] == bbox, (l, r["bbox"], bbox)
    # Per label in an ROI.
    box = [(4, 15), (2, 16), (3, 15)]
    got, _ = stats_json([labz, "--per-label", "--roi", roi_arg(box)])
    counts = np.bincount(sub(lab, box).ravel())
    for r in got["labels"]:
        assert r["voxels"] == counts[r["label"]], r

    # Image statistics per label of a second label map (same grid here), at t = 1.
    got, _ = stats_json([f4z, "--labels", labz, "--roi", "0:21,0:18,0:15,1:2"])
    img = f4[:, :, :, 1].astype(np.float64)
    for r in got["labels"]:
        v = img[lab == r["label"]]
        assert r["voxels"] == v.size, r
        assert r["nan_count"] == int(np.isnan(v).sum()), r
        close(r["mean"], np.nanmean(v), 1e-9, f"label {r['label']} mean")
        close(r["std"], np.nanstd(v), 1e-9, f"label {r['label']} std")
        close(r["min"], np.nanmin(v), 0, f"label {r['label']} min")
        close(r["max"], np.nanmax(v), 0, f"label {r['label']} max")

    # Text output names the numbers.
    p = run([f4z, "--roi", "0:21,0:18,0:15,2:3"])
    assert "median" in p.stdout and "p99" in p.stdout and "NaN" in p.stdout, p.stdout

    # Bad input: one clear line each, non-zero exit.
    a = os.path.join(REF, "a_uint8_oblique_sform.nii.zarr")
    for args, msg in [
        ([a, "--roi", "5:5,0:10,0:10"], "is empty"),
        ([a, "--roi", "100:200,0:10,0:10"], "lies outside the volume"),
        ([a, "--roi", "-50:-10,0:10,0:10"], "lies outside the volume"),
        ([a, "--level", "7"], "does not exist"),
        ([f4z, "--labels", os.path.join(tmp, "labels_far.nii.zarr")], "does not overlap"),
        ([f4z, "--per-label"], "label map"),
        ([a, "--percentiles", "5,101"], "--percentiles"),
        ([os.path.join(tmp, "missing.nii.zarr")], "missing.nii.zarr"),
    ]:
        p = run(args, expect_ok=False)
        assert p.returncode != 0, args
        err = p.stderr.strip()
        assert msg in err and err.count("\n") == 0, (args, err)

    # Remote: the same numbers over HTTP, every intersecting chunk fetched once, bytes counted.
    if HTTP:
        box = [(10, 140), (7, 100), (0, 60)]
        path = os.path.join(REF, "e_uint16_pyramid_4levels.nii.zarr")
        got, err = stats_json([HTTP + "/refdata/e_uint16_pyramid_4levels.nii.zarr", "--roi",
                               roi_arg(box), "--stats"])
        check("remote e", got, sub(zarr_level(path, 0), box), 1.0, 0.0)
        st = json.loads(err.strip().splitlines()[-1])
        za = json.load(open(os.path.join(path, "0", ".zarray")))
        ch = za["chunks"][::-1]  # x, y, z
        sep = za.get("dimension_separator", ".")
        nbytes, nchunks = 0, 0
        for cz in range(box[2][0] // ch[2], (box[2][1] - 1) // ch[2] + 1):
            for cy in range(box[1][0] // ch[1], (box[1][1] - 1) // ch[1] + 1):
                for cx in range(box[0][0] // ch[0], (box[0][1] - 1) // ch[0] + 1):
                    f = os.path.join(path, "0", sep.join(map(str, [cz, cy, cx])))
                    if os.path.exists(f):
                        nbytes += os.path.getsize(f)
                    nchunks += 1
        assert st["cache_misses"] == nchunks and st["cache_hits"] == 0, (st, nchunks)
        assert st["bytes_fetched"] == nbytes, (st, nbytes)
        # Metadata: a handful of small requests on top of one per chunk.
        assert nchunks <= st["requests"] <= nchunks + 12, (st, nchunks)
        assert nbytes <= st["bytes"] <= nbytes + 65536, (st, nbytes)
    print("ok")


main()
