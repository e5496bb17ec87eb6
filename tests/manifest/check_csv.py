#!/usr/bin/env python3
# Reads `nzview-cli manifest DIR --csv` from stdin with Python's csv module and checks every row
# against the manifest beside the output and the output's own bytes (SHA-256).
import csv, hashlib, io, json, os, sys
root = sys.argv[1]
rows = list(csv.DictReader(io.StringIO(sys.stdin.read())))
assert [r['path'] for r in rows] == ['b.nii.gz', 'left_hippo.nii.gz', 'sub/z.nii.zarr'], rows
for r in rows:
    m = json.load(open(os.path.join(root, r['path'] + '.nzview.json')))
    assert r['source'] == m['source']['uri'], r
    assert int(r['level']) == m['request']['level']
    box = ','.join('%d:%d' % tuple(p) for p in m['result']['voxel_box'])
    assert r['box'] == box, (r['box'], box)
    assert r['shape'] == 'x'.join(str(s) for s in m['result']['shape'])
    p = os.path.join(root, r['path'])
    if os.path.isdir(p):
        lines = ''.join('%s  %s\n' % (hashlib.sha256(open(os.path.join(p, o['key']), 'rb').read()).hexdigest(), o['key'])
                        for o in sorted(m['output']['objects'], key=lambda o: o['key']))
        assert r['sha256'] == hashlib.sha256(lines.encode()).hexdigest()
    else:
        assert r['sha256'] == hashlib.sha256(open(p, 'rb').read()).hexdigest()
print('rows', len(rows), rows[0]['shape'], rows[1]['box'])
