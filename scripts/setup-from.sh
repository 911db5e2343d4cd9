# shellcheck shell=bash
# `scripts/setup.sh --from BUNDLE`: installs from the offline bundle that scripts/bundle made, with
# no network at all. Sourced by setup.sh, never run. In order:
#   bundle_open          every file against the MANIFEST's sha256 (nothing is installed from a
#                        damaged bundle), the release, and Go from the bundle when there is none
#   bundle_apt_install   the missing packages from the bundle's local apt repository
#   bundle_finish        the Go module cache (root's, and the sudo user's), the busybox rootfs,
#                        bin/mini, the busybox:latest image and the lab VM's kernel package
# Each step looks first and does nothing when its part is in place: a second run changes nothing.

bundle_course="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle=""      # the mini-bundle directory
bundle_work="" # this run's temporary directory (the extracted tar, apt's private state)
bundle_done=() # what this run installed, for the closing line

bundle_fail() {
	echo "setup: $*" >&2
	exit 1
}

bundle_open() {
	local src=$1 err
	((EUID == 0)) || bundle_fail "--from installs packages, Go, the busybox root filesystem and image: run it as root (sudo)"
	# sudo resets PATH to a "secure path" without Go's usual home: look there too.
	export PATH="$PATH:/usr/local/go/bin"
	bundle_work="$(mktemp -d "${TMPDIR:-/var/tmp}/mini-bundle.XXXXXX")"
	trap 'rm -rf "$bundle_work"' EXIT
	# The sudo user's go reads the module proxy in here.
	chmod 0755 "$bundle_work"
	if [[ -f $src ]]; then
		mkdir "$bundle_work/tar"
		if ! err="$(tar -C "$bundle_work/tar" -xf "$src" 2>&1)"; then
			bundle_fail "$src is damaged or cut short (${err%%$'\n'*}): copy it again, or make it again with scripts/bundle"
		fi
		bundle="$bundle_work/tar/mini-bundle"
		[[ -f $bundle/MANIFEST ]] ||
			bundle_fail "$src has no mini-bundle/MANIFEST: it is not a bundle scripts/bundle made, or it was cut short: copy it again"
		# From the tar, everything is checked, the course's copy in it too.
		bundle_verify "$src" "$bundle_work/tar" grep -v '^#'
	elif [[ -d $src ]]; then
		if [[ -f $src/MANIFEST ]]; then bundle="$src"
		elif [[ -f $src/mini-bundle/MANIFEST ]]; then bundle="$src/mini-bundle"
		else bundle_fail "$src has no MANIFEST: name the bundle's tar, or the mini-bundle directory it holds"
		fi
		bundle="$(cd "$bundle" && pwd)"
		# From a directory, the bundle's own files: the course next to it is the student's now.
		bundle_verify "$bundle" "$bundle" sed -n 's,^\([0-9a-f]\{64\}\)  mini-bundle/,\1  ,p'
	else
		bundle_fail "no such bundle: $src (scripts/bundle makes one: scripts/bundle mini-bundle.tar)"
	fi

	# .deb files install only on the release they were built for: a bookworm libc on jammy
	# would break the machine, so refuse before apt is asked anything.
	local want have
	want="$(sed -n 's/^# release: //p' "$bundle/MANIFEST")"
	# shellcheck disable=SC1091
	have="$(. /etc/os-release && echo "${ID:-} ${VERSION_CODENAME:-}") $(dpkg --print-architecture)"
	[[ $want == "$have" ]] ||
		bundle_fail "the bundle was made for ${want:-an unknown release} but this machine is $have: its .deb files would not fit; make the bundle on a $have machine (scripts/bundle)"
	echo "setup: the bundle checks out (every file matches its MANIFEST; $want)"

	if ! command -v go >/dev/null && [[ -f $bundle/go.tar.gz ]]; then
		[[ ! -e /usr/local/go ]] || bundle_fail "/usr/local/go is there but holds no bin/go: move it away and run setup again"
		echo "setup: installing Go from the bundle into /usr/local/go"
		tar -C /usr/local -xzf "$bundle/go.tar.gz"
		# Everyone's login shells find it; sudo's secure_path does not (the scripts add it).
		# shellcheck disable=SC2016
		echo 'case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) PATH="$PATH:/usr/local/go/bin" ;; esac' >/etc/profile.d/mini-go.sh
		bundle_done+=("Go ($(/usr/local/go/bin/go env GOVERSION), in /usr/local/go)")
	fi
}

# bundle_verify NAME DIR FILTER...: sha256sum --check, in DIR, of the MANIFEST's lines that the
# filter command passes (and rewrites). The first file that is missing or differs is named.
bundle_verify() {
	local name=$1 dir=$2 out bad
	shift 2
	if out="$(cd "$dir" && "$@" "$bundle/MANIFEST" | sha256sum --check --quiet --strict 2>&1)"; then
		return 0
	fi
	bad="$(grep -m1 ': FAILED' <<<"$out" || true)"
	case "$bad" in
	*"FAILED open or read") bundle_fail "the bundle $name is missing ${bad%: FAILED*}, which its MANIFEST lists: copy the bundle again" ;;
	?*) bundle_fail "the bundle $name is damaged: ${bad%: FAILED*} does not match its sha256 in the MANIFEST: copy the bundle again" ;;
	*) bundle_fail "the bundle $name has an unreadable MANIFEST (${out%%$'\n'*}): copy the bundle again" ;;
	esac
}

# bundle_apt_install PACKAGE...: apt-get install from the bundle's debs/ alone. A private sources
# list, package lists and cache keep the machine's own apt configuration untouched, and with no
# other source apt cannot try the network. [trusted=yes]: the repository has no signed Release;
# bundle_open checked every .deb against the MANIFEST instead.
bundle_apt_install() {
	local apt="$bundle_work/apt"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
	ln -s "$bundle/debs" "$apt/repo" # a path without spaces for the sources line
	echo "deb [trusted=yes] file:$apt/repo ./" >"$apt/sources.list"
	local opts=(-o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=-
		-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Sandbox::User=root)
	echo "setup: installing $* from the bundle's packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -qq "${opts[@]}" update >/dev/null || bundle_fail "apt-get update from the bundle's debs/ failed (see above)"
	apt-get -qq "${opts[@]}" install -y --no-install-recommends "$@" >/dev/null ||
		bundle_fail "apt-get could not install $* from the bundle (see above): was it made for this release?"
	bundle_done+=("$# packages")
}

bundle_finish() {
	cd "$bundle_course"
	bundle_safe_directory
	bundle_gomod
	bundle_rootfs
	bundle_image
	bundle_vm_kernel
	if ((${#bundle_done[@]})); then
		local list
		printf -v list '%s, ' "${bundle_done[@]}"
		echo "setup: from the bundle, installed: ${list%, }"
	else
		echo "setup: from the bundle: everything was in place already, nothing changed"
	fi
}

# bundle_safe_directory: git refuses to read a repository another user owns (CVE-2022-24765), and
# go build asks git for the commit it stamps into bin/mini; root builds in the student's checkout
# (setup here, scripts/demo and scripts/test later), so git is told this checkout is safe.
bundle_safe_directory() {
	[[ -d $bundle_course/.git && $(stat -c %u "$bundle_course") != 0 ]] || return 0
	git config --system --get-all safe.directory 2>/dev/null | grep -qxF "$bundle_course" && return 0
	echo "setup: telling git that root may use $bundle_course (git config --system safe.directory)"
	git config --system --add safe.directory "$bundle_course"
	bundle_done+=("git's safe.directory for the course")
}

# bundle_gomod fills the Go module cache of root and of the user who ran sudo (the student runs
# `go run ./lessons` as themself) with what every module of the course needs, from the bundle's
# gomod/ used as a proxy on disk. A module whose needs are cached already is left alone: with
# GOPROXY=off, `go mod download` succeeds exactly when nothing is missing.
bundle_gomod() {
	local users=(root) user home as mods dir filled
	[[ -n ${SUDO_USER:-} && $SUDO_USER != root ]] && users+=("$SUDO_USER")
	mapfile -t mods < <(find "$bundle_course" -name go.mod -not -path '*/.git/*' | sort)
	for user in "${users[@]}"; do
		as=(env)
		if [[ $user != root ]]; then
			# As the user, with their home and none of root's Go settings: their go then fills
			# their own module cache, with files they own.
			home="$(getent passwd "$user" | cut -d: -f6)"
			[[ -d $home ]] || bundle_fail "the sudo user $user has no home directory ($home) for a Go module cache"
			as=(runuser -u "$user" -- env -u GOPATH -u GOMODCACHE -u GOCACHE -u GOENV -u XDG_CACHE_HOME
				-u XDG_CONFIG_HOME "HOME=$home" "PATH=$PATH")
		fi
		filled=0
		for dir in "${mods[@]%/go.mod}"; do
			if (cd "$dir" && "${as[@]}" GOTOOLCHAIN=local GOFLAGS=-mod=readonly GOPROXY=off go mod download) >/dev/null 2>&1; then
				continue
			fi
			if ((!filled)); then
				echo "setup: filling $user's Go module cache from the bundle"
				filled=1
			fi
			(cd "$dir" && "${as[@]}" GOTOOLCHAIN=local GOFLAGS=-mod=readonly GOPROXY="file://$bundle/gomod" GOSUMDB=off go mod download) ||
				bundle_fail "the bundle's Go modules lack what ${dir#"$bundle_course/"} needs: make the bundle from this checkout's commit"
		done
		((filled)) && bundle_done+=("$user's Go module cache")
	done
	return 0
}

# bundle_rootfs puts the bundle's busybox root filesystem where rootfs/build.sh builds it, with
# build.sh's stamp (the sha256 of the busybox binary and of build.sh): build.sh then says it is up
# to date, or rebuilds it, offline, from the machine's own busybox-static when that differs.
bundle_rootfs() {
	local build="$bundle_course/rootfs/build" tmp
	[[ -x $build/busybox/bin/busybox && -f $build/busybox.tar ]] && return 0
	echo "setup: unpacking the busybox root filesystem into rootfs/build/busybox"
	mkdir -p "$build"
	tmp="$(mktemp -d "$build/.busybox.tmp.XXXXXX")"
	mkdir "$tmp/busybox"
	tar -C "$tmp/busybox" --numeric-owner -xf "$bundle/rootfs/busybox.tar"
	rm -rf "$build/busybox"
	mv -T "$tmp/busybox" "$build/busybox"
	cp "$bundle/rootfs/busybox.tar" "$build/busybox.tar"
	echo "$(sha256sum "$build/busybox/bin/busybox" | cut -d' ' -f1) $(sha256sum "$bundle_course/rootfs/build.sh" | cut -d' ' -f1)" >"$build/.busybox.stamp"
	rmdir "$tmp"
	bundle_done+=("the busybox root filesystem")
}

# bundle_vm_kernel puts the lab VM's kernel package where scripts/vm/prepare looks before it
# downloads one: the VM lab and the test command's cgroup v2 VM then need no network either.
bundle_vm_kernel() {
	local deb dir="${MINI_VM_CACHE:-$bundle_course/scripts/vm/.cache}/deb"
	for deb in "$bundle"/vm/*.deb; do
		[[ -f $deb ]] || continue
		[[ -f $dir/$(basename "$deb") ]] && continue
		mkdir -p "$dir"
		cp "$deb" "$dir/"
		bundle_done+=("the lab VM's kernel package")
	done
}

# bundle_image builds bin/mini when there is none and loads busybox:latest when the store
# (MINI_ROOT, else /var/lib/mini) lacks it, so chapter 06's image commands work offline.
bundle_image() {
	if [[ ! -x bin/mini ]]; then
		echo "setup: building bin/mini"
		mkdir -p bin
		GOTOOLCHAIN=local GOFLAGS=-mod=readonly GOPROXY=off go build -o bin/ ./mini/cmd/mini ./mini/cmd/mini-shim
		bundle_done+=("bin/mini")
	fi
	if ! bin/mini image inspect busybox:latest >/dev/null 2>&1; then
		echo "setup: loading the image busybox:latest"
		bin/mini load -q -i "$bundle/images/busybox.tar"
		bundle_done+=("the image busybox:latest")
	fi
}
