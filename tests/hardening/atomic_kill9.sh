#!/usr/bin/env bash
# kill -9 in the middle of an export and of a conversion: the destination must not exist
# (only a hidden temporary sibling may remain, since nothing can clean up after SIGKILL), and a
# rerun must succeed and produce a readable file.
set -euo pipefail
CLI="$1"
WORK="$2"
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$WORK"

# 64 MiB uint16 NIfTI with noisy content so gzip level 9 takes seconds.
/usr/bin/python3 - <<'PY'
import numpy as np, nibabel as nib
rng = np.random.default_rng(7)
data = rng.integers(0, 4096, size=(256, 256, 512), dtype=np.uint16)
nib.save(nib.Nifti1Image(data, np.diag([0.5, 0.5, 0.5, 1.0])), "big.nii")
PY

fail=0
kill_midway() {  # kill_midway NAME OUT CMD...
  local name="$1" out="$2"; shift 2
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep 0.7
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL $name: finished before it could be killed (cannot check atomicity)"; fail=1; return
  fi
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  if [ -e "$out" ]; then
    echo "FAIL $name: $out exists after kill -9"; fail=1
  else
    echo "ok   $name: no $out after kill -9 (left: $(ls -A | grep -v '^big.nii$' | tr '\n' ' '))"
  fi
}

kill_midway export-nii-gz out.nii.gz "$CLI" export big.nii -o out.nii.gz --gzip-level 9
kill_midway convert-zarr out.nii.zarr "$CLI" convert big.nii out.nii.zarr --chunk 32 --compressor gzip

# A rerun after the crash works and is readable.
"$CLI" export big.nii -o small.nii.gz --roi 0:64,0:64,0:64 >/dev/null
/usr/bin/python3 -c "import nibabel as nib, numpy as np; a=nib.load('small.nii.gz').get_fdata(); b=nib.load('big.nii').dataobj[:64,:64,:64]; assert np.array_equal(a,b)" \
  && echo "ok   rerun: small.nii.gz equals the source ROI" || { echo "FAIL rerun"; fail=1; }

if [ $fail -eq 0 ]; then echo "2 passed, 0 failed"; else echo "atomic_kill9: FAILED"; fi
exit $fail
