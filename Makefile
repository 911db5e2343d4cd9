# Conveniences; the README's two commands (scripts/demo, scripts/test) need no make.
.PHONY: all build test demo bench gen check rootfs

all: build

build:
	mkdir -p bin && go build -o bin/mini ./mini/cmd/mini

rootfs:
	bash rootfs/build.sh

test:
	scripts/test

demo:
	scripts/demo

# Speed and memory are measured here, never asserted in tests. Needs root.
bench: rootfs
	go test -run '^$$' -bench . -benchmem -count 5 ./mini/...

gen:
	go run ./scripts/gen

check:
	go run ./scripts/gen --check
