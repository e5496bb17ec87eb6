#!/usr/bin/python3
"""Fixtures and checks for header fidelity and the OME-Zarr layouts (tests/fidelity).

Data are written by the real writers: NIfTI files by nibabel, Zarr v2 arrays by zarr-python
2.13 (numcodecs), Zarr v3 groups by editing the refdata copy written in zarr-python 3's layout.
Every check prints 'ok' or raises with what differs.

  fidelity.py make DIR                      NIfTI-1/NIfTI-2 sources with every header field set
  fidelity.py same-header SRC OUT           OUT's header == SRC's, field by field + extensions
  fidelity.py roi-header SRC OUT X0 Y0 Z0 SLICE  header of an ROI export (SLICE: shift|cleared)
  fidelity.py nifti-array SRC ZARR          ZARR/nifti/0 == the bytes niizarr stores for SRC
  fidelity.py info-header SRC INFO.json     info --json "nifti_header" == nibabel's header
  fidelity.py ome05 REFDATA DIR             v3 groups: ome only, top-level only, both disagreeing
  fidelity.py ome06 REFDATA DIR             0.6 coordinateSystems + affine / nifti:sform
  fidelity.py ome06-bydim REFDATA DIR       0.6 byDimension (rc0 inputAxes and dev input_axes)
  fidelity.py ome06-scene REFDATA DIR       0.6 scene of two images (affine, translation)
  fidelity.py info-affine INFO.json EXPECTED.npy  info --json affine == expected (1e-4)
  fidelity.py big-endian SRC OUT            OUT (export --byte-order big) is big-endian on
                                            disk and holds SRC's header fields and voxels
  fidelity.py codecs DIR                    zarr-python 2.13 groups: lz4, bz2, lzma, delta,
                                            fixedscaleoffset, float16, 2D yx and cyx
  fidelity.py check-codec ZARR OUT.nii      export of ZARR == zarr-python's read
  fidelity.py nested DIR                    a v3 array with nested sharding (shards of shards)
  fidelity.py check-array NPY OUT.nii       OUT's voxels == the array saved in NPY
  fidelity.py check-array-of A.nii B.nii    A's voxels == B's
  fidelity.py check-zarrita 3d|2d OUT.nii   export of a zarrita-written image: values, affine
  fidelity.py ozx GROUP OUT.ozx zip64|stored|deflated   zipped OME-Zarr (RFC-9)
  fidelity.py same-volume A.nii B.nii       voxels, affine and header equal
  fidelity.py level-sanity REFDATA DIR      a pyramid whose level 1 declares the wrong scale
  fidelity.py info-level-affine INFO.json L EXPECTED.npy  level L's affine == expected
"""
import io
import json
import os
import shutil
import sys

import nibabel as nib
import numpy as np

DESCRIP = b"FSL3.3\x00 v2.25 NIfTI-1 Single file format"
COMMENT1 = b"first comment extension"
COMMENT2 = b"second comment, 31 bytes long!!"
MRS_JSON = {"SpectrometerFrequency": [123.2], "ResonantNucleus": ["1H"]}


def set_fields(hdr, version):
    hdr["dim_info"] = 57  # freq 1, phase 2, slice 3
    hdr["intent_code"] = 3  # t test
    hdr["intent_p1"] = 12.5
    hdr["intent_name"] = b"tstat"
    hdr["slice_start"] = 2
    hdr["slice_end"] = 9
    hdr["slice_code"] = 1
    hdr["slice_duration"] = 0.125
    hdr["cal_min"] = 10
    hdr["cal_max"] = 200
    hdr["toffset"] = 1.5
    hdr["aux_file"] = b"aux\x00junk"
    hdr["descrip"] = DESCRIP
    hdr.set_xyzt_units("mm", "sec")
    if version == 1:
        hdr["db_name"] = b"db\x00name"
        hdr["glmax"] = 255
        hdr["session_error"] = 3
        hdr["extents"] = 16384
    hdr.extensions.append(nib.nifti1.Nifti1Extension(6, COMMENT1))
    hdr.extensions.append(nib.nifti1.Nifti1Extension(6, COMMENT2))
    hdr.extensions.append(nib.nifti1.Nifti1Extension(44, json.dumps(MRS_JSON).encode()))


def make(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(23)
    data = rng.integers(0, 1000, size=(20, 18, 12), dtype=np.int16)
    sform = np.array([[0.9, 0.1, 0.0, -10.0], [-0.1, 0.95, 0.05, 20.0],
                      [0.0, -0.04, 2.0, -5.0], [0, 0, 0, 1]])
    qform = np.array([[-1.0, 0, 0, 9.0], [0, 1.0, 0, -8.0], [0, 0, 2.0, 7.0], [0, 0, 0, 1]])
    for version, cls in ((1, nib.Nifti1Image), (2, nib.Nifti2Image)):
        img = cls(data, sform)
        hdr = img.header
        hdr.set_sform(sform, code=2)
        hdr.set_qform(qform, code=1)
        hdr.set_slope_inter(2.0, -100.0)
        set_fields(hdr, version)
        nib.save(img, os.path.join(out, f"fields_v{version}.nii.gz"))
    plain = nib.Nifti1Image(data[:10, :9, :8], sform)
    plain.header.set_sform(sform, code=1)
    plain.header["descrip"] = b"no extensions"
    nib.save(plain, os.path.join(out, "plain.nii.gz"))
    # FSL-written examples shipped with nibabel: example4d has descrip
    # 'FSL3.3\0 v2.25 NIfTI-1 Single file format' and two comment extensions; example_nifti2
    # is a NIfTI-2 file.
    data_dir = os.path.join(os.path.dirname(nib.__file__), "tests", "data")
    for name in ("example4d", "example_nifti2"):
        shutil.copy(os.path.join(data_dir, name + ".nii.gz"), os.path.join(out, name + ".nii.gz"))
    print("ok")


def load(path):
    """nib.load, with scl_slope/scl_inter put back into the header (nibabel moves them into
    the data proxy on load, leaving NaN in the header, as niizarr's nii2zarr also undoes)."""
    img = nib.load(path)
    if hasattr(img.dataobj, "_slope"):
        img.header.set_slope_inter(img.dataobj._slope, img.dataobj._inter)
    return img


def fields(hdr):
    out = {}
    for k in hdr.keys():
        v = hdr[k]
        out[k] = v.tobytes() if v.dtype.kind == "S" else np.asarray(v).tolist()
    return out


def extensions(hdr):
    return [(e.get_code(), e.get_content()) for e in hdr.extensions]


def compare(a, b, skip=()):
    fa, fb = fields(a), fields(b)

    def same(x, y):
        if isinstance(x, bytes) or isinstance(y, bytes):
            return x == y
        return np.array_equal(np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                              equal_nan=True)
    diff = [k for k in fa if k not in skip and (k not in fb or not same(fa[k], fb[k]))]
    assert not diff, "fields differ: " + ", ".join(f"{k}: {fa[k]!r} vs {fb.get(k)!r}" for k in diff)
    assert extensions(a) == extensions(b), (extensions(a), extensions(b))


def same_header(src, out):
    a, b = load(src), load(out)
    assert type(a.header) is type(b.header), (type(a.header), type(b.header))
    compare(a.header, b.header)
    assert np.array_equal(np.asanyarray(a.dataobj.get_unscaled()),
                          np.asanyarray(b.dataobj.get_unscaled())), "voxels differ"
    assert np.allclose(a.affine, b.affine, atol=1e-4)
    print("ok")


def roi_header(src, out, x0, y0, z0, slice_rule):
    a, b = load(src), load(out)
    assert type(a.header) is type(b.header)
    shift = np.eye(4)
    shift[:3, 3] = [float(x0), float(y0), float(z0)]
    skip = {"dim", "srow_x", "srow_y", "srow_z", "qoffset_x", "qoffset_y", "qoffset_z",
            "slice_start", "slice_end", "slice_code"}
    compare(a.header, b.header, skip)
    assert np.allclose(b.header.get_sform(), a.header.get_sform() @ shift, atol=1e-4)
    assert np.allclose(b.header.get_qform(), a.header.get_qform() @ shift, atol=1e-4)
    ha, hb = a.header, b.header
    if slice_rule == "shift":
        assert hb["slice_code"] == ha["slice_code"]
        assert hb["slice_start"] == ha["slice_start"] - int(z0), (hb["slice_start"], ha["slice_start"])
        assert hb["slice_end"] == ha["slice_end"] - int(z0), (hb["slice_end"], ha["slice_end"])
    else:
        assert (hb["slice_code"], hb["slice_start"], hb["slice_end"]) == (0, 0, 0), \
            (hb["slice_code"], hb["slice_start"], hb["slice_end"])
    shape = b.shape
    want = np.asanyarray(a.dataobj.get_unscaled())[int(x0):int(x0) + shape[0],
                                                   int(y0):int(y0) + shape[1],
                                                   int(z0):int(z0) + shape[2]]
    assert np.array_equal(want, np.asanyarray(b.dataobj.get_unscaled())), "voxels differ"
    print("ok")


def niizarr_header_bytes(src):
    """What niizarr's nii2zarr stores in the `nifti` array: nibabel's header.write_to, without
    the 4-byte extender when there are no extensions."""
    img = nib.load(src)
    if hasattr(img.dataobj, "_slope"):
        img.header.set_slope_inter(img.dataobj._slope, img.dataobj._inter)
    stream = io.BytesIO()
    img.header.write_to(stream)
    b = stream.getvalue()
    return b if len(img.header.extensions) else b[:-4]


def nifti_array(src, zarr_dir):
    want = niizarr_header_bytes(src)
    for key in ("nifti/0", "nifti/c/0"):
        p = os.path.join(zarr_dir, key)
        if os.path.exists(p):
            got = open(p, "rb").read()
            break
    else:
        raise AssertionError("no nifti/0 or nifti/c/0 chunk")
    if got != want:
        d = [i for i in range(min(len(got), len(want))) if got[i] != want[i]]
        raise AssertionError(f"nifti array differs: {len(got)} vs {len(want)} bytes, first "
                             f"differing offsets {d[:10]}")
    print("ok")


def info_header(src, info_json):
    h = load(src).header
    j = json.load(open(info_json))["nifti_header"]
    for k, v in fields(h).items():
        if k in ("vox_offset", "sizeof_hdr"):
            continue
        g = j[k] if k not in ("srow_x", "srow_y", "srow_z") else j[k]
        if isinstance(v, bytes):
            v = v.rstrip(b"\x00").decode("latin-1")  # numpy's S<n> view: no trailing NULs
        if k == "magic":
            v = v.split("\x00")[0]
        assert g == v or (isinstance(v, float) and abs(g - v) < 1e-6) or \
            (isinstance(v, list) and np.allclose(g, v)), f"{k}: {g!r} vs {v!r}"
    exts = j["extensions"]
    want = extensions(h)
    assert [(e["code"], e["size"]) for e in exts] == [(c, len(t)) for c, t in want], exts
    for e, (c, t) in zip(exts, want):
        if e["kind"] == "json":
            assert e["content"] == json.loads(t)
        elif e["kind"] == "text":
            assert e["content"] == t.decode()
    print("ok")


def copy_group(refdata, dst):
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(os.path.join(refdata, "g1_v3_uint8_oblique.nii.zarr"), dst)
    shutil.rmtree(os.path.join(dst, "nifti"))  # plain OME-Zarr: the OME geometry is the truth
    zj = json.load(open(os.path.join(dst, "zarr.json")))
    return zj


def write_group(dst, zj):
    json.dump(zj, open(os.path.join(dst, "zarr.json"), "w"), indent=2)


def ome05(refdata, out):
    os.makedirs(out, exist_ok=True)
    base = copy_group(refdata, os.path.join(out, "tmp"))
    ms = base["attributes"]["ome"]["multiscales"]
    # 1. "ome" only (as in refdata); 2. top-level only; 3. both, disagreeing (ome wins).
    zj = copy_group(refdata, os.path.join(out, "ome_only.ome.zarr"))
    write_group(os.path.join(out, "ome_only.ome.zarr"), zj)
    zj = copy_group(refdata, os.path.join(out, "top_only.ome.zarr"))
    zj["attributes"] = {"multiscales": ms}
    write_group(os.path.join(out, "top_only.ome.zarr"), zj)
    zj = copy_group(refdata, os.path.join(out, "both.ome.zarr"))
    wrong = json.loads(json.dumps(ms))
    for d in wrong[0]["datasets"]:
        d["coordinateTransformations"][0]["scale"] = [s * 3 for s in
                                                      d["coordinateTransformations"][0]["scale"]]
    zj["attributes"] = {"ome": {"version": "0.5", "multiscales": ms}, "multiscales": wrong}
    write_group(os.path.join(out, "both.ome.zarr"), zj)
    shutil.rmtree(os.path.join(out, "tmp"))
    # Expected level-0 affine: diag(scale) in xyz.
    s = ms[0]["datasets"][0]["coordinateTransformations"][0]["scale"][::-1]
    np.save(os.path.join(out, "expected05.npy"), np.diag(s + [1.0]))
    print("ok")


def ome06(refdata, out):
    os.makedirs(out, exist_ok=True)
    zj = copy_group(refdata, os.path.join(out, "affine.ome.zarr"))
    ms = zj["attributes"]["ome"]["multiscales"][0]
    axes = ms["axes"]
    s0 = ms["datasets"][0]["coordinateTransformations"][0]["scale"]
    # Oblique world: rotation about x by 30 degrees, then a shift, in z,y,x order (rows and
    # columns follow the input system's axes).
    c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
    rot_xyz = np.array([[1, 0, 0, 5.0], [0, c, -s, -7.0], [0, s, c, 11.0], [0, 0, 0, 1]])
    perm = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])  # xyz <-> zyx
    rot_zyx = perm @ rot_xyz @ perm
    datasets = []
    for d in ms["datasets"]:
        sc, tr = d["coordinateTransformations"]
        datasets.append({"path": d["path"], "coordinateTransformations": [{
            "type": "sequence", "input": {"path": d["path"]}, "output": {"name": "physical"},
            "transformations": [sc, tr]}]})
    ms06 = {
        "coordinateSystems": [
            {"name": "physical", "axes": axes},
            {"name": "world", "axes": axes},
            {"name": "nifti:sform", "axes": axes},
        ],
        "datasets": datasets,
        "coordinateTransformations": [
            {"type": "sequence", "input": {"name": "physical"}, "output": {"name": "nifti:sform"},
             "transformations": [{"type": "affine", "affine": rot_zyx[:3].tolist()}]},
            {"type": "scale", "scale": [9.0, 9.0, 9.0], "input": {"name": "physical"},
             "output": {"name": "world"}},
        ],
    }
    zj["attributes"] = {"ome": {"version": "0.6", "multiscales": [ms06]}}
    write_group(os.path.join(out, "affine.ome.zarr"), zj)
    p0 = np.diag(s0[::-1] + [1.0])
    np.save(os.path.join(out, "expected06.npy"), rot_xyz @ p0)
    print("ok")


def _image06(refdata, dst, global_transforms=None):
    """A plain OME-Zarr 0.6 image (the refdata g1 pyramid): intrinsic system "physical"."""
    zj = copy_group(refdata, dst)
    ms = zj["attributes"]["ome"]["multiscales"][0]
    axes = ms["axes"]
    datasets = []
    for d in ms["datasets"]:
        sc, tr = d["coordinateTransformations"]
        datasets.append({"path": d["path"], "coordinateTransformations": [{
            "type": "sequence", "input": {"path": d["path"]}, "output": {"name": "physical"},
            "transformations": [sc, tr]}]})
    ms06 = {"coordinateSystems": [{"name": "physical", "axes": axes}], "datasets": datasets}
    if global_transforms:
        ms06["coordinateSystems"].append({"name": "world", "axes": axes})
        ms06["coordinateTransformations"] = global_transforms
    zj["attributes"] = {"ome": {"version": "0.6", "multiscales": [ms06]}}
    write_group(dst, zj)
    s0 = ms["datasets"][0]["coordinateTransformations"][0]["scale"]
    t0 = ms["datasets"][0]["coordinateTransformations"][1]["translation"]
    p0 = np.diag(s0[::-1] + [1.0])
    p0[:3, 3] = t0[::-1]
    return p0  # xyz: physical from level-0 voxel


PERM = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])  # xyz <-> zyx


def ome06_bydim(refdata, out):
    """byDimension: z scaled by 2 and shifted; (y, x) rotated by 20 degrees and shifted."""
    os.makedirs(out, exist_ok=True)
    c, s = np.cos(np.radians(20)), np.sin(np.radians(20))
    zyx = np.eye(4)
    zyx[0, 0], zyx[0, 3] = 2.0, -3.0
    zyx[1:3, 1:3] = [[c, -s], [s, c]]
    zyx[1:3, 3] = [4.0, -6.0]
    for style, (ik, ok) in (("rc0", ("inputAxes", "outputAxes")),
                            ("dev", ("input_axes", "output_axes"))):
        bd = {"type": "byDimension", "input": {"name": "physical"}, "output": {"name": "world"},
              "transformations": [
                  {"transformation": {"type": "affine",
                                      "affine": [[c, -s, 4.0], [s, c, -6.0]]},
                   ik: [1, 2], ok: [1, 2]},
                  {"transformation": {"type": "sequence", "transformations": [
                      {"type": "scale", "scale": [2.0]},
                      {"type": "translation", "translation": [-3.0]}]},
                   ik: [0], ok: [0]}]}
        p0 = _image06(refdata, os.path.join(out, f"bydim_{style}.ome.zarr"), [bd])
        np.save(os.path.join(out, f"expected_bydim_{style}.npy"), PERM @ zyx @ PERM @ p0)
    print("ok")


def ome06_scene(refdata, out):
    """A scene group relating two images to the system "atlas" (dev4+/rc0 {name, path})."""
    root = os.path.join(out, "scene.ome.zarr")
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    p0 = _image06(refdata, os.path.join(root, "brainA"))
    _image06(refdata, os.path.join(root, "brainB"))
    c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
    zyx = np.eye(4)
    zyx[1:3, 1:3] = [[c, -s], [s, c]]  # rotation in the y-x plane
    zyx[:3, 3] = [10.0, -20.0, 5.0]
    axes = [{"name": n, "type": "space", "unit": "millimeter"} for n in ("z", "y", "x")]
    group = {"zarr_format": 3, "node_type": "group", "attributes": {"ome": {
        "version": "0.6",
        "scene": {
            "coordinateSystems": [{"name": "atlas", "axes": axes}],
            "coordinateTransformations": [
                {"type": "affine", "affine": zyx[:3].tolist(),
                 "input": {"name": "physical", "path": "brainA"}, "output": {"name": "atlas"}},
                {"type": "translation", "translation": [0.0, 0.0, 50.0],
                 "input": {"name": "physical", "path": "brainB"}, "output": {"name": "atlas"}}]}}}}
    json.dump(group, open(os.path.join(root, "zarr.json"), "w"), indent=2)
    np.save(os.path.join(out, "expected_scene.npy"), PERM @ zyx @ PERM @ p0)
    shift = np.eye(4)
    shift[:3, 3] = [0.0, 0.0, 50.0]  # brainB's translation, zyx
    np.save(os.path.join(out, "expected_scene_brainB.npy"), PERM @ shift @ PERM @ p0)
    print("ok")


def level_sanity(refdata, out):
    """A copy of refdata e whose level 1 declares the level-0 scale (as early niizarr releases
    did on some axes): it must be read by its shape."""
    os.makedirs(out, exist_ok=True)
    dst = os.path.join(out, "badscale.nii.zarr")
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(os.path.join(refdata, "e_uint16_pyramid_4levels.nii.zarr"), dst)
    attrs = json.load(open(os.path.join(dst, ".zattrs")))
    ds = attrs["multiscales"][0]["datasets"]
    s0 = ds[0]["coordinateTransformations"][0]["scale"]
    t0 = ds[0]["coordinateTransformations"][1]["translation"]
    ds[1]["coordinateTransformations"][0]["scale"] = list(s0)
    ds[1]["coordinateTransformations"][1]["translation"] = list(t0)
    json.dump(attrs, open(os.path.join(dst, ".zattrs"), "w"))
    import zarr
    n0 = np.array(zarr.open(os.path.join(dst, "0"), mode="r").shape[::-1], dtype=float)
    n1 = np.array(zarr.open(os.path.join(dst, "1"), mode="r").shape[::-1], dtype=float)
    a0 = nib.load(os.path.join(refdata, "e_uint16_pyramid_4levels.nii.gz")).affine
    r = n0 / n1
    vox = np.eye(4)
    vox[:3, :3] = np.diag(r)
    vox[:3, 3] = (r - 1) / 2
    np.save(os.path.join(out, "expected_level1.npy"), a0 @ vox)
    print("ok")


def info_level_affine(info_json, level, expected):
    j = json.load(open(info_json))
    got = np.array(j["levels"][int(level)]["affine"], dtype=float)
    want = np.load(expected)
    assert np.allclose(got, want, atol=1e-4), (got, want)
    print("ok")


CODEC_CASES = {
    # name: (dtype, compressor, filters, axes)
    "lz4": ("<u2", "lz4", None, "zyx"),
    "bz2": ("<i2", "bz2", None, "zyx"),
    "lzma": ("<f4", "lzma", None, "zyx"),
    "delta": ("<i4", "zlib", [("delta", "<i4", "<i2")], "zyx"),
    "fixedscaleoffset": ("<f8", "zstd", [("fso", "<f8", "<u2")], "zyx"),
    "float16": ("<f2", "blosc", None, "zyx"),
    "yx": ("<u1", "blosc", None, "yx"),
    "cyx": ("<u2", "lz4", None, "cyx"),
}


def codecs(out):
    """Plain OME-Zarr 0.4 groups written by zarr-python 2.13 with numcodecs compressors and
    filters that niizarr never uses."""
    import numcodecs
    import zarr
    rng = np.random.default_rng(5)
    for name, (dtype, comp, filters, axes) in CODEC_CASES.items():
        shape = {"zyx": (9, 14, 11), "yx": (21, 17), "cyx": (3, 13, 10)}[axes]
        dt = np.dtype(dtype)
        if name == "fixedscaleoffset":
            data = np.round(rng.uniform(0, 60, size=shape), 1)  # 0.1 steps survive scale 10
        elif dt.kind == "f":
            data = rng.normal(100, 30, size=shape).astype(dt)
        else:
            data = rng.integers(0, 300 if dt.itemsize > 1 else 250, size=shape).astype(dt)
        compressor = {"lz4": numcodecs.LZ4(), "bz2": numcodecs.BZ2(level=5),
                      "lzma": numcodecs.LZMA(), "zlib": numcodecs.Zlib(level=3),
                      "zstd": numcodecs.Zstd(level=3), "blosc": numcodecs.Blosc()}[comp]
        flt = None
        if filters:
            flt = []
            for kind, d, a in filters:
                if kind == "delta":
                    flt.append(numcodecs.Delta(dtype=d, astype=a))
                else:
                    flt.append(numcodecs.FixedScaleOffset(offset=0, scale=10, dtype=d, astype=a))
        path = os.path.join(out, name + ".ome.zarr")
        if os.path.exists(path):
            shutil.rmtree(path)
        g = zarr.open_group(path, mode="w")
        chunks = tuple(max(1, n // 2) for n in shape)
        g.create_dataset("0", data=data, chunks=chunks, compressor=compressor, filters=flt,
                         dtype=dt)
        scale = {"zyx": [2.0, 0.5, 0.75], "yx": [0.5, 0.75], "cyx": [1.0, 0.5, 0.75]}[axes]
        g.attrs["multiscales"] = [{
            "version": "0.4",
            "axes": [{"name": a, "type": "channel" if a == "c" else "space"} for a in axes],
            "datasets": [{"path": "0", "coordinateTransformations": [
                {"type": "scale", "scale": scale}]}]}]
    print("ok")


def check_codec(zarr_dir, nii):
    """The export of a whole codec fixture equals zarr-python's read (NIfTI order x, y, z, c)."""
    import zarr
    a = zarr.open(os.path.join(zarr_dir, "0"), mode="r")[...]
    name = os.path.basename(zarr_dir).split(".")[0]
    axes = CODEC_CASES[name][3]
    if axes == "yx":
        a = a[None]
    if axes == "cyx":
        a = a[:, None]  # c, z=1, y, x
        want = np.transpose(a, (3, 2, 1, 0))  # x, y, z, c
        want = want[:, :, :, None, :]  # x, y, z, t=1, c
    else:
        want = np.transpose(a, (2, 1, 0))
    if a.dtype == np.float16:
        want = want.astype(np.float32)
    img = nib.load(nii)
    got = np.asanyarray(img.dataobj.get_unscaled())
    assert got.dtype == want.dtype.newbyteorder("="), (got.dtype, want.dtype)
    assert got.reshape(want.shape).shape == want.shape
    assert np.array_equal(got.reshape(want.shape), want), "voxels differ"
    print("ok")


def _members(group):
    """RFC-9 order: root zarr.json first, other zarr.json next (breadth-first), then data."""
    files = []
    for root, _, names in os.walk(group):
        for n in names:
            full = os.path.join(root, n)
            files.append(os.path.relpath(full, group).replace(os.sep, "/"))
    meta = sorted([f for f in files if f.endswith("zarr.json") or f.endswith((".zattrs",
                   ".zarray", ".zgroup"))], key=lambda f: (f.count("/"), f))
    return meta + sorted(f for f in files if f not in meta)


def _zip64_writer(group, out):
    """A STORED archive that uses ZIP64 everywhere, as RFC-9 recommends: saturated 32-bit
    fields, ZIP64 extras, a ZIP64 end-of-central-directory record and locator, and the RFC-9
    comment. Written by hand because Python's zipfile only adds ZIP64 records when needed."""
    import struct
    import zlib
    body = bytearray()
    central = bytearray()
    names = _members(group)
    for name in names:
        data = open(os.path.join(group, name), "rb").read()
        crc = zlib.crc32(data)
        nb = name.encode()
        offset = len(body)
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0x800, 0, 0, 0, crc,
                            0xFFFFFFFF, 0xFFFFFFFF, len(nb), len(local_extra))
        body += nb + local_extra + data
        cextra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0x800, 0, 0, 0, crc,
                               0xFFFFFFFF, 0xFFFFFFFF, len(nb), len(cextra), 0, 0, 0, 0,
                               0xFFFFFFFF)
        central += nb + cextra
    cd_offset = len(body)
    out_bytes = body + central
    z64_offset = len(out_bytes)
    n = len(names)
    out_bytes += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(central),
                             cd_offset)
    out_bytes += struct.pack("<IIQI", 0x07064B50, 0, z64_offset, 1)
    comment = json.dumps({"ome": {"version": "0.5", "zipFile": {
        "centralDirectory": {"jsonFirst": True}}}}).encode()
    out_bytes += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                             0xFFFFFFFF, len(comment)) + comment
    open(out, "wb").write(out_bytes)


def ozx(group, out, kind):
    """Zips GROUP (its root at the archive root) into OUT: 'zip64' (hand-written, STORED,
    ZIP64 records), 'stored' or 'deflated' (Python's zipfile)."""
    import zipfile
    if kind == "zip64":
        _zip64_writer(group, out)
    else:
        method = zipfile.ZIP_STORED if kind == "stored" else zipfile.ZIP_DEFLATED
        with zipfile.ZipFile(out, "w", method) as z:
            for name in _members(group):
                z.write(os.path.join(group, name), name)
    with zipfile.ZipFile(out) as z:  # Python's reader accepts it
        assert z.testzip() is None
    print("ok")


def same_volume(a, b):
    x, y = load(a), load(b)
    assert np.array_equal(np.asanyarray(x.dataobj.get_unscaled()),
                          np.asanyarray(y.dataobj.get_unscaled())), "voxels differ"
    assert np.allclose(x.affine, y.affine, atol=1e-4)
    compare(x.header, y.header)
    print("ok")


def _crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def nested(out):
    """A Zarr v3 array with nested sharding, encoded here by the sharding_indexed rules
    (zarr-specs v3 sharding codec): outer shards 16^3 (index at the end, with crc32c) of inner
    shards 8^3 (index at the start, no crc) of 4^3 chunks (bytes + gzip), some chunks empty."""
    import gzip
    import struct
    assert _crc32c(b"123456789") == 0xE3069283
    rng = np.random.default_rng(9)
    shape = (20, 24, 28)
    data = rng.integers(1, 60000, size=shape).astype("<u2")
    data[:4, :4, :4] = 0  # left out of its inner shard (empty entry)
    outer, inner, chunk = 16, 8, 4
    path = os.path.join(out, "nested.ome.zarr")
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(os.path.join(path, "0"))
    empty = (2**64 - 1, 2**64 - 1)

    def encode_inner(z0, y0, x0):
        n = inner // chunk
        entries, body = [], b""
        for cz in range(n):
            for cy in range(n):
                for cx in range(n):
                    z, y, x = z0 + cz * chunk, y0 + cy * chunk, x0 + cx * chunk
                    block = np.zeros((chunk,) * 3, dtype="<u2")
                    part = data[z:z + chunk, y:y + chunk, x:x + chunk]
                    block[:part.shape[0], :part.shape[1], :part.shape[2]] = part
                    if part.size == 0 or not block.any():
                        entries.append(empty)
                        continue
                    enc = gzip.compress(block.tobytes(), mtime=0)
                    entries.append((16 * n**3 + len(body), len(enc)))  # index at the start
                    body += enc
        index = b"".join(struct.pack("<QQ", *e) for e in entries)
        return index + body

    for sz in range(-(-shape[0] // outer)):
        for sy in range(-(-shape[1] // outer)):
            for sx in range(-(-shape[2] // outer)):
                n = outer // inner
                entries, body = [], b""
                for iz in range(n):
                    for iy in range(n):
                        for ix in range(n):
                            z0, y0, x0 = sz * outer + iz * inner, sy * outer + iy * inner, \
                                sx * outer + ix * inner
                            if z0 >= shape[0] or y0 >= shape[1] or x0 >= shape[2]:
                                entries.append(empty)
                                continue
                            enc = encode_inner(z0, y0, x0)
                            entries.append((len(body), len(enc)))
                            body += enc
                index = b"".join(struct.pack("<QQ", *e) for e in entries)
                index += struct.pack("<I", _crc32c(index))
                d = os.path.join(path, "0", "c", str(sz), str(sy))
                os.makedirs(d, exist_ok=True)
                open(os.path.join(d, str(sx)), "wb").write(body + index)
    inner_codec = {"name": "sharding_indexed", "configuration": {
        "chunk_shape": [chunk] * 3,
        "codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                   {"name": "gzip", "configuration": {"level": 5}}],
        "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
        "index_location": "start"}}
    arr = {"zarr_format": 3, "node_type": "array", "shape": list(shape), "data_type": "uint16",
           "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [outer] * 3}},
           "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
           "fill_value": 0, "dimension_names": ["z", "y", "x"],
           "codecs": [{"name": "sharding_indexed", "configuration": {
               "chunk_shape": [inner] * 3, "codecs": [inner_codec],
               "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                                {"name": "crc32c"}],
               "index_location": "end"}}]}
    json.dump(arr, open(os.path.join(path, "0", "zarr.json"), "w"))
    group = {"zarr_format": 3, "node_type": "group", "attributes": {"ome": {
        "version": "0.5", "multiscales": [{
            "axes": [{"name": a, "type": "space", "unit": "millimeter"} for a in "zyx"],
            "datasets": [{"path": "0", "coordinateTransformations": [
                {"type": "scale", "scale": [1.0, 1.0, 1.0]}]}]}]}}}
    json.dump(group, open(os.path.join(path, "zarr.json"), "w"))
    np.save(os.path.join(out, "nested_expected.npy"), np.transpose(data, (2, 1, 0)))
    print("ok")


def check_array(npy, nii):
    want = np.load(npy)
    got = np.asanyarray(nib.load(nii).dataobj.get_unscaled())
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype)
    assert np.array_equal(got, want), "voxels differ"
    print("ok")


def check_array_of(a, b):
    """The voxels of two NIfTI files are equal (dtype and shape included)."""
    x = np.asanyarray(nib.load(a).dataobj.get_unscaled())
    y = np.asanyarray(nib.load(b).dataobj.get_unscaled())
    assert x.shape == y.shape and x.dtype == y.dtype, (x.shape, x.dtype, y.shape, y.dtype)
    assert np.array_equal(x, y), "voxels differ"
    print("ok")


def check_zarrita(kind, nii):
    """An export of a zarrita-written image (tests/servers/write_zarrita.mjs) holds its values
    and its OME geometry (scale, translation; x, y, z order) to 1e-4."""
    img = nib.load(nii)
    got = np.asanyarray(img.dataobj.get_unscaled())
    if kind == "3d":
        z, y, x = np.meshgrid(range(10), range(12), range(14), indexing="ij")
        want = ((z * 37 + y * 11 + x * 3) % 1000).astype(np.uint16).transpose(2, 1, 0)
        aff = np.array([[0.75, 0, 0, 3.0], [0, 0.5, 0, -2.0], [0, 0, 2.0, 1.0], [0, 0, 0, 1]])
    else:
        y, x = np.meshgrid(range(9), range(11), indexing="ij")
        want = (y * 13 - x * 7).astype(np.int16).transpose(1, 0)[:, :, None]
        aff = np.diag([0.2, 0.3, 1.0, 1.0])
    got = got.reshape(got.shape[:3])
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.shape)
    assert np.array_equal(got, want), "voxels differ"
    assert np.allclose(img.affine[:, :2], aff[:, :2], atol=1e-4) and \
        np.allclose(img.affine[:3, 3], aff[:3, 3], atol=1e-4), (img.affine, aff)
    if kind == "3d":
        assert np.allclose(img.affine, aff, atol=1e-4), (img.affine, aff)
    print("ok")


def info_affine(info_json, expected):
    j = json.load(open(info_json))
    got = np.array(j["affine"], dtype=float)
    want = np.load(expected)
    assert np.allclose(got, want, atol=1e-4), (got, want)
    print("ok")


def _sizeof_hdr_big(raw):
    """The header's first int32 read big-endian: 348 (NIfTI-1) or 540 (NIfTI-2) when big."""
    import struct
    size = struct.unpack(">i", raw[:4])[0]
    assert size in (348, 540), f"sizeof_hdr read big-endian is {size}: not a big-endian header"
    return size


def big_endian(src, out):
    import gzip
    a = load(src)
    if out.endswith(".nii") or out.endswith(".nii.gz"):
        raw = (gzip.open if out.endswith(".gz") else open)(out, "rb").read(4)
        _sizeof_hdr_big(raw)
        b = load(out)
        assert b.header.endianness == ">", b.header.endianness
        assert b.get_data_dtype().byteorder == ">" or b.get_data_dtype().itemsize == 1, \
            b.get_data_dtype()
        assert type(a.header) is type(b.header), (type(a.header), type(b.header))
        compare(a.header, b.header)  # every field and extension, by value
        want = np.asanyarray(a.dataobj.get_unscaled())
        got = np.asanyarray(b.dataobj.get_unscaled())
        assert np.array_equal(got, want), "voxels differ"
        assert np.allclose(a.affine, b.affine, atol=1e-4)
        print("ok")
        return
    # .nii.zarr: the header array holds a big-endian header, level 0 is big-endian.
    v3 = os.path.exists(os.path.join(out, "zarr.json"))
    head = open(os.path.join(out, "nifti", "c" if v3 else "", "0"), "rb").read()
    _sizeof_hdr_big(head)
    if v3:
        zj = json.load(open(os.path.join(out, "0", "zarr.json")))
        codecs = zj["codecs"]
        if codecs[0]["name"] == "sharding_indexed":
            codecs = codecs[0]["configuration"]["codecs"]
        assert codecs[0] == {"name": "bytes", "configuration": {"endian": "big"}}, codecs[0]
    else:
        import zarr
        arr = zarr.open(os.path.join(out, "0"), mode="r")
        assert arr.dtype.byteorder == ">", arr.dtype
        want = np.asanyarray(a.dataobj.get_unscaled())
        got = np.transpose(arr[...], tuple(range(arr.ndim))[::-1])
        assert got.shape == want.shape, (got.shape, want.shape)
        assert np.array_equal(got, want), "voxels differ (zarr-python 2.13's read)"
    print("ok")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"make": make, "same-header": same_header, "roi-header": roi_header,
     "nifti-array": nifti_array, "info-header": info_header, "ome05": ome05, "ome06": ome06,
     "info-affine": info_affine, "level-sanity": level_sanity,
     "info-level-affine": info_level_affine, "codecs": codecs,
     "check-codec": check_codec, "ozx": ozx, "same-volume": same_volume, "nested": nested,
     "check-array": check_array, "big-endian": big_endian, "ome06-bydim": ome06_bydim,
     "ome06-scene": ome06_scene, "check-array-of": check_array_of,
     "check-zarrita": check_zarrita}[cmd](*args)
