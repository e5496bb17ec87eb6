#!/usr/bin/python3
"""The numpy + zarr-python side of run_stats_bench.sh: reads the same ROI of level 0 over HTTP
(a zarr store on `requests` whose getitems fetches a region's chunks on 32 threads, as fsspec's
HTTP store would; Debian has no fsspec), then np.min/max/mean/std/median/percentile.
Prints one JSON line: seconds, bytes fetched, requests and the statistics.
usage: stats_numpy.py URL x0:x1,y0:y1,z0:z1
"""
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
import threading

import numpy as np
import requests
import zarr
from zarr.storage import BaseStore


class HttpStore(BaseStore):
    # A BaseStore (not a plain mapping, which zarr wraps in a KVStore without getitems).
    def __init__(self, url):
        self.url = url.rstrip("/")
        self.local = threading.local()
        self.bytes = 0
        self.requests = 0
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(32)

    def _get(self, key):
        s = getattr(self.local, "s", None)
        if s is None:
            s = self.local.s = requests.Session()
        r = s.get(f"{self.url}/{key}")
        with self.lock:
            self.requests += 1
            self.bytes += len(r.content)
        if r.status_code == 404:
            return None
        r.raise_for_status()
        return r.content

    def __getitem__(self, key):
        v = self._get(key)
        if v is None:
            raise KeyError(key)
        return v

    def getitems(self, keys, **kwargs):
        out = {}
        for k, v in zip(keys, self.pool.map(self._get, keys)):
            if v is not None:
                out[k] = v
        return out

    def __contains__(self, key):
        return self._get(key) is not None

    def __setitem__(self, k, v):
        raise NotImplementedError

    def __delitem__(self, k):
        raise NotImplementedError

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0


def main():
    url, roi = sys.argv[1], sys.argv[2]
    (x0, x1), (y0, y1), (z0, z1) = [tuple(map(int, r.split(":"))) for r in roi.split(",")]
    t0 = time.monotonic()
    store = HttpStore(url)
    a = zarr.open_array(store=store, path="0", mode="r")
    sl = [slice(z0, z1), slice(y0, y1), slice(x0, x1)]
    data = a[tuple([slice(None)] * (a.ndim - 3) + sl)]
    p = np.percentile(data, [1, 5, 25, 50, 75, 95, 99])
    stats = {"min": float(data.min()), "max": float(data.max()), "mean": float(data.mean()),
             "std": float(data.std()), "median": float(p[3]),
             "percentiles": dict(zip(["1", "5", "25", "75", "95", "99"], map(float, np.delete(p, 3))))}
    print(json.dumps({"seconds": time.monotonic() - t0, "bytes": store.bytes,
                      "requests": store.requests, "stats": stats}))


main()
