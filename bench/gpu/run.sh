#!/usr/bin/env bash
# The GPU bench on a Linux x86-64 machine with an NVIDIA GPU, Python + PyTorch, and no Node.js:
# resnetc on webgpu (Dawn over Vulkan) against PyTorch on the same GPU. Needs the kit that
# `node bench/gpu/build.mjs` leaves in bench/gpu/dist (see docs/gpu.md). From the repository root:
#
#   bash bench/gpu/run.sh
#
# Writes results.json, gpu-<date>-<machine>.json, run.log and environment.txt to $OUT (or to
# bench/results/ when OUT is unset). Each half has its own time limit, so the other half and the
# results file come out whatever happens: about 10 minutes at the very most, 3 to 5 expected.
set -u
cd "$(dirname "$0")/../.."
KIT=bench/gpu/dist
DEST=${OUT:-bench/results}
WEBGPU_LIMIT_S=${WEBGPU_LIMIT_S:-360}
TORCH_LIMIT_S=${TORCH_LIMIT_S:-150}
mkdir -p "$DEST"
LOG="$DEST/run.log"
: >"$LOG"
log() { echo "[run.sh $(date +%T)] $*" | tee -a "$LOG"; }

if [ ! -f "$KIT/bench/bench.mjs" ]; then
  log "no kit in $KIT: build it with \`node bench/gpu/build.mjs\` and carry bench/gpu/dist"
  exit 2
fi

WORK=$(mktemp -d /tmp/resnetc-gpu.XXXXXX)
cp -r "$KIT" "$WORK/kit"
unxz_to() { # file.xz -> file
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$1" >"$2"
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}
unxz_to "$WORK/kit/node.xz" "$WORK/kit/node" && chmod +x "$WORK/kit/node" && rm "$WORK/kit/node.xz"
DAWN="$WORK/kit/node_modules/webgpu/dist/linux-x64/dawn.node"
unxz_to "$DAWN.xz" "$DAWN" && rm "$DAWN.xz"
NODE="$WORK/kit/node"
log "node $("$NODE" --version 2>&1) unpacked in $WORK/kit"

# Libraries Dawn's Vulkan path needs: the machine's own where it has them, the kit's otherwise.
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)
mkdir -p "$WORK/lib"
for lib in libvulkan.so.1 libGLdispatch.so.0; do
  have=$("$LDCONFIG" -p 2>/dev/null | grep -E "^[[:space:]]*$lib[[:space:]]" | head -1 | sed 's/.*=> //')
  if [ -n "$have" ]; then
    log "$lib: the machine's ($have)"
  elif [ -f "$WORK/kit/lib/$lib" ]; then
    cp "$WORK/kit/lib/$lib" "$WORK/lib/$lib"
    log "$lib: the kit's (the machine has none)"
  else
    log "$lib: missing on the machine and not in the kit"
  fi
done
export LD_LIBRARY_PATH="$WORK/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# The Vulkan driver (ICD). On these machines NVIDIA's lies under /usr/local/nvidia; the loader
# looks in /usr/share/vulkan/icd.d and /etc/vulkan/icd.d unless told.
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  found=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json 2>/dev/null | head -5)
  if [ -z "$found" ] && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    log "Vulkan driver: VK_DRIVER_FILES=$VK_DRIVER_FILES"
  else
    log "Vulkan driver files: ${found:-none found}"
  fi
fi

# What a failure would need to be understood, in one file.
{
  echo "== date"; date -u
  echo "== uname"; uname -a
  echo "== nvidia-smi"; nvidia-smi -L 2>&1; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
  echo "== ldconfig (vulkan, GL)"; "$LDCONFIG" -p 2>/dev/null | grep -E "vulkan|GLX_nvidia|GLdispatch|libX11\.so|libXext\.so" || true
  echo "== ICD files"; ls -l /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1
  for f in ${VK_DRIVER_FILES:-} /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$f" ] && { echo "-- $f"; cat "$f"; }
  done
  icdlib=$("$LDCONFIG" -p 2>/dev/null | grep -m1 "libGLX_nvidia.so.0" | sed 's/.*=> //')
  [ -n "$icdlib" ] && { echo "== ldd $icdlib"; ldd "$icdlib" 2>&1; }
  echo "== ldd dawn.node"; ldd "$DAWN" 2>&1
  echo "== env"; env | grep -E "^(VK_|LD_LIBRARY_PATH|NVIDIA_|CUDA_VISIBLE)" || true
} >"$DEST/environment.txt" 2>&1

# 1. resnetc on webgpu. Its stderr (Dawn's and tfjs's warnings) goes to the log too.
log "webgpu half (limit ${WEBGPU_LIMIT_S} s)"
timeout -k 10 "$WEBGPU_LIMIT_S" "$NODE" "$WORK/kit/bench/bench.mjs" --out "$WORK/webgpu.json" \
  ${WEBGPU_ARGS:-} 2>&1 | tee -a "$LOG"
log "webgpu half exited ${PIPESTATUS[0]}"

# 2. PyTorch at the batch webgpu managed for ResNet-50 (64 if it managed none).
R50_BATCH=$(python3 -c '
import json, sys
try:
    nets = json.load(open(sys.argv[1])).get("nets", [])
    print(next((n["batch"] for n in nets if n["net"] == "ResNet-50" and n.get("batch")), 64))
except Exception:
    print(64)' "$WORK/webgpu.json")
log "PyTorch half, ResNet-50 batch $R50_BATCH (limit ${TORCH_LIMIT_S} s)"
PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 timeout -k 10 "$TORCH_LIMIT_S" python3 bench/gpu/torch_gpu.py \
  --r50-batch "$R50_BATCH" --out "$WORK/torch.json" 2>&1 | tee -a "$LOG" | grep -v '^{'
log "PyTorch half exited ${PIPESTATUS[0]}"

# 3. One results file.
PYTHONDONTWRITEBYTECODE=1 python3 bench/gpu/combine.py "$WORK/webgpu.json" "$WORK/torch.json" "$DEST/results.json" 2>&1 | tee -a "$LOG"
MACHINE=$(python3 -c '
import json, re, sys
r = json.load(open(sys.argv[1]))
print(re.sub(r"[^a-z0-9]+", "-", str(r.get("machine", "unknown")).lower()).strip("-") or "unknown")' "$DEST/results.json" 2>/dev/null || echo unknown)
NAME="gpu-$(date -u +%Y-%m-%d)-$MACHINE.json"
cp "$DEST/results.json" "$DEST/$NAME"
log "wrote $DEST/results.json and $DEST/$NAME"
rm -rf "$WORK"
