# Fieldbase: make run (build and serve on ./fb_data), make test (the whole suite).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GO ?= go

.PHONY: run build assets test test-short bench screenshots clean

run: build
	./fieldbase serve

build: assets
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o fieldbase .

# Pinned browser libraries (web/package.json + lockfile) copied into web/static/vendor/.
assets:
	bash web/vendor.sh

test: assets
	$(GO) vet ./...
	$(GO) test -race -timeout 15m ./...

bench: assets
	$(GO) test -run '^$$' -bench . -benchmem ./bench/

# PNGs of the main pages for the README, taken by the browser walk in headless Chromium.
screenshots: assets
	mkdir -p docs/screenshots
	FIELDBASE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestBrowserWalk$$' ./app/

clean:
	rm -f fieldbase
	rm -rf web/static/vendor
