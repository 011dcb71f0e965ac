#!/usr/bin/env bash
# Installs the Debian packages the tests and GPU path need, if they are missing:
#  gdal-bin (outside oracle for vectorizing), chromium (SwiftShader Vulkan for the webgpu path, and the
#  browser for UI tests), libvulkan1 (Vulkan loader for onnxruntime-node's webgpu provider),
#  redis-server (the queue tests start their own on a loopback port), time (/usr/bin/time: peak memory of
#  the hostile-input CLI runs).
set -euo pipefail
need=()
command -v gdal_rasterize >/dev/null 2>&1 || need+=(gdal-bin)
command -v gdal_polygonize.py >/dev/null 2>&1 || need+=(python3-gdal)
[ -x /usr/bin/chromium ] || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 || need+=(libvulkan1)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "installing Debian packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "missing Debian packages (${need[*]}) and not root: install them with apt-get install ${need[*]}" >&2
    exit 1
  fi
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
