#!/usr/bin/env bash
# Installs every Debian package that building, testing, the demo and packaging need.
# Idempotent: when everything is present it returns in well under a second.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config dpkg-dev file
  qt6-base-dev libqt6opengl6-dev libvtk9-dev
  libcurl4-openssl-dev libblosc-dev libisal-dev nlohmann-json3-dev zlib1g-dev libzstd-dev libssl-dev
  liblz4-dev libbz2-dev liblzma-dev
  xvfb xauth libgl1-mesa-dri
  nginx-light openssl ca-certificates nodejs
  python3 python3-numpy python3-nibabel python3-zarr python3-numcodecs
  desktop-file-utils appstream clang llvm lld
  mricron-data
  slurm-wlm munge
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
