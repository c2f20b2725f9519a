# Fieldbase: make run (build and serve on ./fb_data), make test (the whole suite).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo none)
DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
GO ?= go
# The release targets: GOOS/GOARCH pairs, all static (CGO_ENABLED=0); linux/arm64 is the Raspberry Pi build.
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
DIST := dist

.PHONY: run build assets test test-short bench screenshots clean cross release

run: build
	./fieldbase serve

build: assets
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o fieldbase .

# Cross-compile every release target into dist/bin/OS-ARCH/ (no archives): CI's check that all six build.
cross:
	@set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; if [ "$$os" = windows ]; then ext=.exe; fi; \
	  echo "cross $$os/$$arch"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" \
	    -o $(DIST)/bin/$$os-$$arch/fieldbase$$ext . ; \
	done

# Release archives in dist/: fieldbase-VERSION-OS-ARCH.tar.gz (.zip for Windows) holding the binary, README.md,
# LICENSE and config.example.toml, and SHA256SUMS over them. The browser assets are built first: the binary
# embeds them.
release: assets cross
	@set -e; cd $(DIST); rm -f fieldbase-*.tar.gz fieldbase-*.zip SHA256SUMS; \
	for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; name=fieldbase-$(VERSION)-$$os-$$arch; \
	  rm -rf $$name; mkdir $$name; \
	  cp bin/$$os-$$arch/* ../README.md ../LICENSE ../config.example.toml $$name/; \
	  if [ "$$os" = windows ]; then (cd .. && $(GO) run ./tools/distzip $(DIST)/$$name.zip $(DIST)/$$name); \
	  else tar -czf $$name.tar.gz $$name; fi; \
	  rm -rf $$name; \
	done; \
	sha256sum fieldbase-*.tar.gz fieldbase-*.zip > SHA256SUMS; \
	ls -l fieldbase-*.tar.gz fieldbase-*.zip SHA256SUMS

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
	rm -rf $(DIST)
	rm -rf web/static/vendor
