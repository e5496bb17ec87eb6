#!/usr/bin/env bash
# Builds the Debian package: configure + build in build-pkg (Release-like, stripped), then
# `cpack -G DEB`. Prints the .deb path, its control fields and contents.
#   NZ_PKG_BUILD_DIR=dir   build dir (default build-pkg)
#   NZ_JOBS=N              parallel build jobs (default: nproc)
# Install the result with:  sudo apt-get install ./build-pkg/nzview_<version>_<arch>.deb
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD="${NZ_PKG_BUILD_DIR:-build-pkg}"
JOBS="${NZ_JOBS:-$(nproc)}"

scripts/install-deps.sh
# Tests are not needed to make the package; RelWithDebInfo keeps symbols for crash reports in the
# build dir while CPack strips the packaged binaries.
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNZ_WARNINGS_AS_ERRORS=ON \
  -DNZ_BUILD_TESTS=OFF -DNZ_SANITIZE=OFF -DNZ_TSAN=OFF -DNZ_FUZZ=OFF
cmake --build "$BUILD" -j"$JOBS"
rm -f "$BUILD"/nzview_*.deb
(cd "$BUILD" && cpack -G DEB)
deb="$(ls "$BUILD"/nzview_*.deb)"
echo
echo "=== $deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
dpkg-deb --contents "$deb" | awk '{print "  " $6}'
echo "Install:   sudo apt-get install ./$deb"
echo "Uninstall: sudo apt-get remove nzview"
