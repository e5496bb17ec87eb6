#!/usr/bin/python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (committed; rerun only to refresh).

    /usr/bin/python3 tests/fuzz/make_seeds.py [REFDATA_DIR]

Sources: the reference datasets (default tests/data/refdata) for metadata, headers and whole
small datasets, and numcodecs/nibabel/numpy (Debian's python3-zarr, python3-nibabel) for codec
frames, shards and tiny NIfTI files. Every seed is kept small (a few KB) so that the regression
run (ctest -L fuzz) stays fast.
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import sys

import nibabel as nib
import numpy as np
from numcodecs import GZip, Blosc, Zlib, Zstd

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
REFDATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "data", "refdata")
MAX_SEED = 24 * 1024


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def put(target, data, name=None):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_SEED:
        return
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = name or hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def zarr_dirs():
    for name in sorted(os.listdir(REFDATA)):
        if name.endswith(".nii.zarr"):
            yield name, os.path.join(REFDATA, name)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def uris():
    for u in ["az://container/scans/brain.nii.zarr", "abfs://container@acct.dfs.core.windows.net/a/b",
              "https://acct.blob.core.windows.net/c/p/x.nii.zarr?sv=2021&sig=abc%2Bdef&se=2030",
              "s3://bucket/key/scan.nii.zarr/", "gs://bucket/a%20b/scan.nii.gz",
              "http://127.0.0.1:18080/refdata/e.nii.zarr", "https://user:pw@host:8443/p?token=x#frag",
              "file:///tmp/x.nii", "file://localhost/tmp/x y.nii.gz", "relative/path/scan.nii.zarr",
              "/abs/path/", "mem://demo", "https://h/p?X-Amz-Signature=deadbeef&X-Amz-Credential=AK",
              "Authorization: Bearer eyJhbGciOi.x.y", "s3://", "az:///", "%41%zz%", "https://[::1]:99/x"]:
        put("fuzz_uri", u)


def roi_sets():
    for s in ['{"nzview_rois": 1, "source": "https://h/x.nii.zarr", "rois": [{"name": "left hippo", '
              '"level": 0, "box": [[100, 228], [80, 208], [40, 168]], "crop_or_pad": [128, 128, 128], '
              '"pad_mode": "constant", "pad_value": 0}]}',
              '{"nzview_rois": 1, "rois": [{"name": "../../etc/passwd", "level": 2, '
              '"box": [[-5, 10], [0, 10], [0, 10], [0, 3]], "pad_mode": "reflect", "pad_value": -1.5}, '
              '{"name": "a/b\\u0001", "box": [[0, 1], [0, 1], [0, 1], [0, 1], [2, 3]]}]}',
              '{"nzview_rois": 1, "rois": []}', '{"nzview_rois": 2}', "NUL", "..", ".hidden", "com1.nii",
              '{"nzview_rois": 1, "rois": [{"name": "x", "box": [[0, 1099511627776], [0, 1], [0, 1]]}]}']:
        put("fuzz_roi_set", s)


def azure():
    key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
    for s in [f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={key};EndpointSuffix=core.windows.net",
              "UseDevelopmentStorage=true",
              f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};"
              "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
              "BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2021&ss=b&sig=a%3D",
              "AccountName=a;AccountKey=;", ";;=;", "AccountKey=abc==;AccountName=x;EndpointSuffix=example"]:
        put("fuzz_azure_connection_string", s)


def zarr_metadata():
    for _, root in zarr_dirs():
        for dirpath, _, files in os.walk(root):
            for f in files:
                p = os.path.join(dirpath, f)
                if f == ".zarray":
                    put("fuzz_zarr_v2_metadata", read(p))
                elif f == "zarr.json" and json.loads(read(p)).get("node_type") == "array":
                    put("fuzz_zarr_v3_metadata", read(p))


def nifti_files():
    """(name, raw bytes of a single-file .nii) from the refdata and a few made here."""
    out = []
    for name in sorted(os.listdir(REFDATA)):
        if name.endswith(".nii.gz"):
            raw = gzip.decompress(read(os.path.join(REFDATA, name)))
            out.append((name, raw))
    data = np.arange(4 * 3 * 2, dtype=np.int16).reshape(4, 3, 2)
    for cls, tag in [(nib.Nifti1Image, "n1"), (nib.Nifti2Image, "n2")]:
        for endian in "<>":
            img = cls(data.astype(endian + "i2"), np.diag([2.0, 2.0, 3.0, 1.0]))
            img.header.set_data_dtype(np.dtype(endian + "i2"))
            bio = io.BytesIO()
            img.to_file_map({"image": nib.FileHolder(fileobj=bio)})
            out.append((f"tiny_{tag}_{'le' if endian == '<' else 'be'}.nii", bio.getvalue()))
    return out


def nifti():
    for name, raw in nifti_files():
        hsize = 540 if struct.unpack("<i", raw[:4])[0] in (540, 0x1C020000) else 348
        put("fuzz_nifti_header", raw[:hsize + 4], name + ".hdr")
        put("fuzz_dataset_nifti", b"\x00" + raw, name)
        put("fuzz_dataset_nifti", b"\x01" + gzip.compress(raw, 9, mtime=0), name + ".gz")
    for _, root in zarr_dirs():  # the nifti header objects stored in the zarr groups
        for rel in ["nifti/0", "nifti/c/0"]:
            p = os.path.join(root, rel)
            if os.path.exists(p):
                put("fuzz_nifti_header", read(p))


def codecs():
    raw = np.arange(512, dtype=np.uint16).tobytes() + bytes(range(256)) * 2
    frames = {
        "fuzz_codec_blosc": [Blosc(cname=c, clevel=5, shuffle=s).encode(raw)
                             for c in ["lz4", "zstd", "zlib", "blosclz"]
                             for s in [Blosc.NOSHUFFLE, Blosc.SHUFFLE, Blosc.BITSHUFFLE]],
        "fuzz_codec_zstd": [Zstd(level=1).encode(raw), Zstd(level=19).encode(raw)],
        "fuzz_codec_zlib": [Zlib(level=1).encode(raw), Zlib(level=9).encode(raw)],
        "fuzz_codec_gzip": [GZip(level=1).encode(raw), GZip(level=9).encode(raw)],
        "fuzz_codec_crc32c": [raw + struct.pack("<I", crc32c(raw)), b"" + struct.pack("<I", crc32c(b""))],
    }
    for target, items in frames.items():
        for frame in items:
            put(target, struct.pack("<I", len(raw)) + bytes(frame))
    put("fuzz_codec_crc32c", struct.pack("<I", 0) + struct.pack("<I", crc32c(b"")))


def shards():
    """Shards matching fuzz_zarr_shard.cpp's 16 metadata variants."""
    inner_codecs = [lambda b: b, lambda b: bytes(Zstd(level=1).encode(b)),
                    lambda b: bytes(Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE).encode(b)),
                    lambda b: bytes(GZip(level=1).encode(b))]
    for variant in range(16):
        enc = inner_codecs[variant % 4]
        with_crc = (variant // 4) % 2 == 0
        at_start = (variant // 8) % 2 == 1
        endian = ">" if variant % 4 == 3 else "<"
        chunks = []
        for i in range(8):
            if i == 5:
                chunks.append(None)  # missing inner chunk
                continue
            a = (np.arange(64, dtype=np.uint16) + 100 * i).astype(endian + "u2")
            chunks.append(enc(a.tobytes()))
        index_len = 8 * 16 + (4 if with_crc else 0)
        offset = index_len if at_start else 0
        body, entries = b"", []
        for c in chunks:
            if c is None:
                entries.append((2**64 - 1, 2**64 - 1))
            else:
                entries.append((offset + len(body), len(c)))
                body += c
        index = b"".join(struct.pack("<QQ", o, n) for o, n in entries)
        if with_crc:
            index += struct.pack("<I", crc32c(index))
        shard = index + body if at_start else body + index
        put("fuzz_zarr_shard", bytes([variant]) + shard, f"variant{variant:02d}")


def datasets():
    """Whole small datasets as records: every metadata object and the chunks of the coarsest
    level (while the seed stays small)."""
    for name, root in zarr_dirs():
        meta, chunks = [], []
        levels = sorted((d for d in os.listdir(root) if d.isdigit()), key=int)
        coarsest = levels[-1] if levels else None
        for dirpath, _, files in os.walk(root):
            for f in sorted(files):
                p = os.path.join(dirpath, f)
                key = os.path.relpath(p, root)
                if f in (".zgroup", ".zattrs", ".zarray", "zarr.json") or key.startswith("nifti/"):
                    meta.append((key, read(p)))
                elif coarsest is not None and key.split("/")[0] == coarsest:
                    chunks.append((key, read(p)))
        records = meta + sorted(chunks, key=lambda kv: len(kv[1]))
        out = b""
        for key, value in records:
            rec = key.encode() + b"\n" + value
            if len(out) + len(rec) + 6 > MAX_SEED:
                continue
            out += (b"\n@@@@\n" if out else b"") + rec
        put("fuzz_dataset_zarr", out, name)


def main():
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    uris()
    roi_sets()
    azure()
    zarr_metadata()
    nifti()
    codecs()
    shards()
    datasets()
    for t in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, t))
        size = sum(os.path.getsize(os.path.join(CORPUS, t, f)) for f in files)
        print(f"{t:34s} {len(files):3d} seeds {size:7d} bytes")


if __name__ == "__main__":
    main()
