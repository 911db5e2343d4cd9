#!/usr/bin/env bash
# Installs what Mini's demo and tests need on a Debian or Ubuntu machine, when it is missing.
# Idempotent: does nothing when everything is there.
set -euo pipefail

# command-or-file → Debian package
need=(
  "/bin/busybox:busybox-static"
  "iptables:iptables"
  "ip:iproute2"
  "git:git"
  "nft:nftables"
  # the lessons' by-hand labs and debugging sections
  "strace:strace"
  "/usr/sbin/capsh:libcap2-bin"
  "getfattr:attr"
  "/usr/sbin/conntrack:conntrack"
  "tcpdump:tcpdump"
  "curl:curl"
  "ping:iputils-ping"
  "docker-registry:docker-registry"
  "skopeo:skopeo"
  "umoci:umoci"
  "htpasswd:apache2-utils"
  # chapter 06's interop tests: podman loads what mini save writes (runc: its runtime here)
  "podman:podman"
  "runc:runc"
  # chapter 07's browser test: headless Chromium renders `mini ui`
  "chromium:chromium"
)

missing=()
for entry in "${need[@]}"; do
  what=${entry%%:*} pkg=${entry#*:}
  if [[ $what == /* ]]; then [[ -x $what ]] && continue
  else command -v "$what" >/dev/null 2>&1 && continue
  fi
  # A static busybox is what the rootfs needs; a dynamic one from the busybox package is not.
  missing+=("$pkg")
done

if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go is not installed: install Go 1.26 or newer from https://go.dev/dl/ and put it on PATH" >&2
  exit 1
fi

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages: ${missing[*]}: run as root (sudo), or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
