#!/usr/bin/env bash
# Build the kit's busybox root filesystem from Debian's busybox-static.
#
#   rootfs/build.sh                 build rootfs/build/busybox and rootfs/build/busybox.tar
#   rootfs/build.sh --force         rebuild even when the stamp says it is up to date
#   rootfs/build.sh --out DIR       write DIR/busybox and DIR/busybox.tar instead (tests use this)
#   rootfs/build.sh --print-path    print the root filesystem's path and exit (builds nothing)
#
# The result is a tiny but complete root filesystem: one static busybox binary, a relative
# symlink for every applet, a few files in /etc and the empty directories the engine mounts on
# (proc, sys, dev, tmp). A static binary matters: inside the container there is no ld.so and no
# libc, so a dynamically linked busybox would fail with "No such file or directory" on exec.
#
# It never downloads anything except the busybox-static package through apt-get.
set -euo pipefail
umask 022

script="$(readlink -f "${BASH_SOURCE[0]}")"
here="$(dirname "$script")"
out="$here/build"
force=0
print_path=0

usage() { sed -n '2,7s/^# \{0,1\}//p' "$script"; }
die() { echo "rootfs/build.sh: $*" >&2; exit "${2:-1}"; }

while (($#)); do
	case "$1" in
	--force) force=1 ;;
	--print-path) print_path=1 ;;
	--out) [[ $# -ge 2 ]] || die "--out needs a directory"; out="$2"; shift ;;
	--out=*) out="${1#--out=}" ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument: $1" 2 ;;
	esac
	shift
done

mkdir -p "$out"
out="$(readlink -f "$out")"
root="$out/busybox"
tarball="$out/busybox.tar"
stamp="$out/.busybox.stamp"

if ((print_path)); then
	echo "$root"
	exit 0
fi

# is_static FILE: true when FILE asks for no program interpreter (no PT_INTERP), i.e. the
# kernel can run it without a dynamic loader being present in the container.
is_static() {
	local f="$1"
	if command -v readelf >/dev/null; then
		readelf -l "$f" 2>/dev/null | grep -q 'ELF\|Elf' || return 1
		! readelf -l "$f" 2>/dev/null | grep -qi 'interpreter\|INTERP'
	elif command -v ldd >/dev/null; then
		ldd "$f" 2>&1 | grep -q 'not a dynamic executable\|statically linked'
	elif command -v file >/dev/null; then
		file -L "$f" | grep -q 'statically linked\|static-pie linked'
	else
		return 1
	fi
}

# find_busybox prints the path of a static busybox: Debian's busybox-static (installed with
# apt-get when missing and we are root), else a static busybox already on the host.
find_busybox() {
	if dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' &&
		[[ -x /bin/busybox ]] && is_static /bin/busybox; then
		echo /bin/busybox
		return
	fi
	if ((EUID == 0)) && command -v apt-get >/dev/null; then
		echo "rootfs/build.sh: installing busybox-static with apt-get" >&2
		export DEBIAN_FRONTEND=noninteractive
		if ! apt-get install -y -qq busybox-static >&2; then
			apt-get update -qq >&2 && apt-get install -y -qq busybox-static >&2 || true
		fi
		if [[ -x /bin/busybox ]] && is_static /bin/busybox; then
			echo /bin/busybox
			return
		fi
	fi
	local c
	for c in "$(command -v busybox || true)" /bin/busybox /usr/bin/busybox /sbin/busybox; do
		if [[ -n "$c" && -x "$c" ]] && is_static "$c"; then
			echo "$c"
			return
		fi
	done
	if ((EUID != 0)); then
		die "busybox-static is not installed and no static busybox was found: run 'sudo $script' (it installs busybox-static with apt-get)" 3
	fi
	die "could not install busybox-static with apt-get and no static busybox was found on this host" 3
}

busybox="$(readlink -f "$(find_busybox)")"
want="$(sha256sum "$busybox" | cut -d' ' -f1) $(sha256sum "$script" | cut -d' ' -f1)"

if ((!force)) && [[ -f "$stamp" && -x "$root/bin/busybox" && -f "$tarball" ]] &&
	[[ "$(cat "$stamp")" == "$want" ]]; then
	echo "up to date: $root (stamp matches; --force rebuilds)"
	exit 0
fi

# Build next to the output so the final rename stays on one filesystem (rename(2) is atomic
# only within a filesystem), and clean up whatever is left if anything fails.
tmp="$(mktemp -d "$out/.busybox.tmp.XXXXXX")"
old=""
cleanup() { rm -rf "$tmp" ${old:+"$old"}; }
trap cleanup EXIT

new="$tmp/busybox"
mkdir -p "$new"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,run,var}
chmod 1777 "$new/tmp" # sticky and world-writable, like every /tmp
chmod 0700 "$new/root"
cp "$busybox" "$new/bin/busybox"
chmod 0755 "$new/bin/busybox"

# One relative symlink per applet, so the tree works wherever it is mounted: an absolute
# link would point into the host when viewed from outside the container.
applets=0
while IFS= read -r applet; do
	[[ -z "$applet" || "$applet" == bin/busybox ]] && continue
	dir=.
	[[ "$applet" == */* ]] && dir="${applet%/*}"
	case "$dir" in
	bin) target=busybox ;;
	.) target=bin/busybox ;;
	*)
		slashes="${dir//[!\/]/}" # one "../" per directory level
		up="../${slashes//\//../}"
		target="${up}bin/busybox"
		;;
	esac
	[[ -d "$new/$dir" ]] || mkdir -p "$new/$dir"
	ln -s "$target" "$new/$applet"
	applets=$((applets + 1))
done < <("$busybox" --list-full)

cat >"$new/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$new/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
echo mini >"$new/etc/hostname"
cat >"$new/etc/hosts" <<'EOF'
127.0.0.1	localhost mini
::1	localhost ip6-localhost ip6-loopback
EOF
: >"$new/etc/resolv.conf" # empty: the network chapter writes or bind-mounts the real one
# sed, not head: head would close the pipe early and busybox's SIGPIPE would trip pipefail.
version="$("$busybox" --help 2>&1 | sed -n '1s/^BusyBox v\([^ ]*\).*/\1/p')"
cat >"$new/etc/os-release" <<EOF
NAME="Mini busybox rootfs"
ID=mini-busybox
PRETTY_NAME="Mini busybox rootfs (BusyBox ${version:-unknown})"
VERSION_ID="${version:-unknown}"
HOME_URL="https://github.com/minikit/kit"
EOF

# A reproducible tarball owned by root, whoever built it (the image chapter imports it).
tar --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 \
	-C "$new" -cf "$tmp/busybox.tar" .

# Swap the new tree in. With no old tree the rename is atomic; with one, the old tree is
# moved aside first (bash has no renameat2(RENAME_EXCHANGE)), then deleted by cleanup.
if [[ -e "$root" ]]; then
	old="$out/.busybox.old.$$"
	mv -T "$root" "$old"
fi
mv -T "$new" "$root"
mv -f "$tmp/busybox.tar" "$tarball"
echo "$want" >"$stamp"

echo "built $root and $(basename "$tarball") (BusyBox ${version:-unknown}, $applets applets, from $busybox)"
