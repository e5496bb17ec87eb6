#!/usr/bin/python3
"""End-to-end test of `nzview-cli export IMAGE ... --with LABELS -o DIR/`.

usage: check_export_with.py NZVIEW_CLI REFDATA_DIR

Builds label maps with nibabel on grids unlike the image's (other voxel size, shape, origin,
an oblique rotation; one far away from the image), runs the CLI, and checks every written
label voxel against a nearest-neighbour resampling done here with numpy alone: output voxel p
(image ROI grid, affine read back from the image output) takes the label voxel
floor(inv(A_labels) @ A_out @ p + 0.5), 0 outside the label map, and 0 where the image ROI
was padded (outside the ROI's part of the image volume). Also checks file names, shapes, affines (1e-4), dtype,
the float-labels and no-overlap messages. Prints 'ok' or raises.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import nibabel as nib
import numpy as np


def rotation(ax, deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    r = np.eye(3)
    i, j = [(1, 2), (0, 2), (0, 1)][ax]
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r


def make_labels(path, origin_shift=(0.0, 0.0, 0.0), dtype=np.int16):
    shape = (48, 50, 60)
    i, j, k = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
    data = ((i // 6) * 7 + (j // 7) * 3 + (k // 5) * 11) % 41
    data = data.astype(dtype)
    lin = rotation(2, 12) @ rotation(0, 7) @ np.diag([1.3, 1.1, 1.45])
    aff = np.eye(4)
    aff[:3, :3] = lin
    centre = np.array([12.0, 3.0, 18.0]) + np.array(origin_shift)
    aff[:3, 3] = centre - lin @ (np.array(shape) - 1) / 2.0
    img = nib.Nifti1Image(data, aff)
    img.set_sform(aff, code=1)
    img.set_qform(aff, code=1)
    nib.save(img, path)
    return data, aff


def expected_labels(labels, lab_aff, out_aff, out_shape, data_box, out_begin):
    """Nearest-neighbour resampling of `labels` onto the output grid, numpy only."""
    idx = np.stack(np.meshgrid(*[np.arange(n) for n in out_shape], indexing="ij"), -1)
    pts = idx.reshape(-1, 3).astype(np.float64)
    world = pts @ out_aff[:3, :3].T + out_aff[:3, 3]
    inv = np.linalg.inv(lab_aff)
    src = world @ inv[:3, :3].T + inv[:3, 3]
    near = np.floor(src + 0.5).astype(np.int64)
    inside = np.all((near >= 0) & (near < np.array(labels.shape)), axis=1)
    out = np.zeros(len(pts), dtype=labels.dtype)
    n = near[inside]
    out[inside] = labels[n[:, 0], n[:, 1], n[:, 2]]
    # CropOrPad pads the labels with 0: voxels outside the ROI's data (ROI ∩ image volume), the
    # image's padding, hold no label.
    img_idx = pts.astype(np.int64) + np.array(out_begin)
    lo, hi = data_box
    in_data = np.all((img_idx >= np.array(lo)) & (img_idx < np.array(hi)), axis=1)
    out[~in_data] = 0
    return out.reshape(out_shape)


def run(cli, *args):
    p = subprocess.run([cli, *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def check_pair(image_path, labels_path, labels, lab_aff, image_shape, image_affine, roi):
    im = nib.load(image_path)
    lb = nib.load(labels_path)
    assert im.shape[:3] == lb.shape[:3], (im.shape, lb.shape)
    assert np.allclose(im.affine, lb.affine, atol=1e-4), (im.affine, lb.affine)
    assert lb.get_data_dtype() == labels.dtype, lb.get_data_dtype()
    # The output's first voxel in image voxel indices (CropOrPad may start outside).
    begin = np.linalg.inv(image_affine) @ im.affine @ np.array([0, 0, 0, 1.0])
    begin = np.round(begin[:3]).astype(int)
    data_box = ([max(b, 0) for b in roi[0]], [min(e, n) for e, n in zip(roi[1], image_shape)])
    want = expected_labels(labels, lab_aff, im.affine, im.shape[:3], data_box, begin)
    got = np.asarray(lb.dataobj).reshape(lb.shape[:3])
    diff = np.count_nonzero(got != want)
    assert diff == 0, f"{labels_path}: {diff} of {want.size} label voxels differ"
    return int(np.count_nonzero(want)), len(np.unique(want))


def main():
    cli, refdir = sys.argv[1:3]
    image = os.path.join(refdir, "e_uint16_pyramid_4levels.nii.zarr")
    manifest = json.load(open(os.path.join(refdir, "manifest.json")))["datasets"]
    lvl0 = manifest["e_uint16_pyramid_4levels"]["levels"][0]
    image_shape = lvl0["shape"][::-1]  # zarr z,y,x -> x,y,z
    image_affine = np.array(lvl0["affine_world_from_level_voxel"], dtype=np.float64)
    with tempfile.TemporaryDirectory() as tmp:
        lab_path = os.path.join(tmp, "seg.nii.gz")
        labels, lab_aff = make_labels(lab_path)

        # One ROI, cropped/padded (the crop-or-pad box reaches outside the image in z).
        out = os.path.join(tmp, "pair") + "/"
        rc, so, se = run(cli, "export", image, "--roi", "10:70,20:90,60:110", "--crop-or-pad",
                         "56,64,80", "--with", lab_path, "-o", out)
        assert rc == 0, se
        img_out, lab_out = out + "roi_image.nii.gz", out + "roi_labels.nii.gz"
        assert so.split() == [img_out, lab_out], so
        # Both files get a manifest (the image's also records the label map: see manifest_replay).
        assert sorted(os.listdir(out)) == ["roi_image.nii.gz", "roi_image.nii.gz.nzview.json",
                                           "roi_labels.nii.gz", "roi_labels.nii.gz.nzview.json"], \
            sorted(os.listdir(out))
        assert nib.load(img_out).shape[:3] == (56, 64, 80)
        nonzero, distinct = check_pair(img_out, lab_out, labels, lab_aff, image_shape,
                                       image_affine, ([10, 20, 60], [70, 90, 110]))
        assert nonzero > 1000 and distinct > 10, (nonzero, distinct)

        # --rois: every ROI, safe names, .nii format.
        rois = {"nzview_rois": 1, "rois": [
            {"name": "left hippo", "box": [[30, 80], [40, 100], [40, 90]]},
            {"name": "../edge", "box": [[-10, 30], [0, 40], [-5, 30]],
             "crop_or_pad": [32, 32, 32]}]}
        rois_path = os.path.join(tmp, "rois.json")
        json.dump(rois, open(rois_path, "w"))
        out2 = os.path.join(tmp, "set")
        rc, so, se = run(cli, "export", image, "--rois", rois_path, "--with", lab_path,
                         "--format", "nii", "-o", out2)
        assert rc == 0, se
        names = sorted(n for n in os.listdir(out2) if not n.endswith(".nzview.json"))
        assert names == ["edge_image.nii", "edge_labels.nii", "left_hippo_image.nii",
                         "left_hippo_labels.nii"], names
        assert os.path.exists(os.path.join(out2, "edge_image.nii.nzview.json"))
        for stem, roi in (("left_hippo", ([30, 40, 40], [80, 100, 90])),
                          ("edge", ([-10, 0, -5], [30, 40, 30]))):
            check_pair(os.path.join(out2, stem + "_image.nii"),
                       os.path.join(out2, stem + "_labels.nii"), labels, lab_aff, image_shape,
                       image_affine, roi)

        # Labels far away from the image: all zero, and a warning naming the label map.
        far_path = os.path.join(tmp, "far.nii.gz")
        make_labels(far_path, origin_shift=(500.0, 0.0, 0.0))
        out3 = os.path.join(tmp, "far")
        rc, so, se = run(cli, "export", image, "--roi", "0:20,0:20,0:20", "--with", far_path,
                         "-o", out3)
        assert rc == 0, se
        assert "does not overlap" in se and "far.nii.gz" in se, se
        far = np.asarray(nib.load(os.path.join(out3, "roi_labels.nii.gz")).dataobj)
        assert far.shape[:3] == (20, 20, 20) and not far.any()

        # Float data as labels: a clear error, nothing written.
        flt = os.path.join(refdir, "f_blosc_default_chunk64_float32.nii.zarr")
        out4 = os.path.join(tmp, "float")
        rc, so, se = run(cli, "export", image, "--roi", "0:20,0:20,0:20", "--with", flt,
                         "-o", out4)
        assert rc != 0 and "float32" in se and "not integer labels" in se, (rc, se)
        assert not os.path.exists(out4) or not os.listdir(out4), os.listdir(out4)
    print("ok")


if __name__ == "__main__":
    main()
