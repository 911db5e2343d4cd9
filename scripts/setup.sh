#!/usr/bin/env bash
# Installs what Mini's demo and tests need on a Debian or Ubuntu machine, when it is missing.
# Idempotent: does nothing when everything is there.
#
#   scripts/setup.sh                    install what is missing, with apt-get (the network)
#   scripts/setup.sh --from BUNDLE      with no network, from the offline bundle scripts/bundle made
#                                       (BUNDLE.tar, or its extracted mini-bundle directory): also
#                                       Go, the module cache, the busybox rootfs and image
#   scripts/setup.sh --print-packages   the Debian packages it installs, one a line
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
  # the VM lab (scripts/vm/lab: a VM beside a container) and the test command's cgroup v2 VM
  "qemu-system-x86_64:qemu-system-x86"
)

from=""
case "${1:-}" in
"") ;;
--from) [[ $# -eq 2 && -n $2 ]] || { echo "setup: --from needs the bundle: scripts/setup.sh --from mini-bundle.tar" >&2; exit 1; }
  from=$2 ;;
--from=?*) from=${1#--from=} ;;
--print-packages) printf '%s\n' "${need[@]#*:}"; exit 0 ;;
*) echo "setup: unknown argument $1: scripts/setup.sh [--from BUNDLE | --print-packages]" >&2; exit 1 ;;
esac
if [[ -n $from ]]; then
  # shellcheck source=scripts/setup-from.sh
  source "$(dirname "${BASH_SOURCE[0]}")/setup-from.sh"
  bundle_open "$from" # checks every file and the release, and installs Go when there is none
fi

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
  if [[ -n $from ]]; then
    bundle_apt_install "${missing[@]}"
  else
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
if [[ -n $from ]]; then
  bundle_finish # the module cache, the busybox rootfs and image
fi
