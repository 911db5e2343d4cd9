# Conveniences; the README's two commands (scripts/demo, scripts/test) need no make.
.PHONY: all build test demo bench bench-tools gen check rootfs

all: build

# Static (CGO_ENABLED=0): every run starts mini three times (the command, the monitor, the
# container's init), and a static binary needs no dynamic loader (docs/performance.md).
# mini-shim is what stays of each container's monitor while the container runs: mini looks
# for it beside itself (mini/engine/shim.go).
build:
	mkdir -p bin && CGO_ENABLED=0 go build -o bin/ ./mini/cmd/mini ./mini/cmd/mini-shim

rootfs:
	bash rootfs/build.sh

test:
	scripts/test

demo:
	scripts/demo

# Speed and memory are measured here, never asserted in tests. Needs root. Chapter 07's
# benchmarks start hundreds of containers in each engine: the time limit is raised for them.
bench: rootfs bench-tools
	go test -run '^$$' -bench . -benchmem -count 5 -timeout 60m ./mini/...

# The engines the benchmarks compare Mini with (crun, runc, podman), installed when missing.
bench-tools:
	scripts/bench-tools

gen:
	go run ./scripts/gen

check:
	go run ./scripts/gen --check
