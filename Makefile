# moat — one command runs the main job, one command runs every test.
GO      ?= go
PKGS    ?= ./...
E2E_DIR := testdata/e2e/node

.PHONY: build demo test e2e-deps eval bench fuzz lint

build:
	$(GO) build -o bin/moat ./cmd/moat

# The main job on a fresh machine: scan this machine's MCP clients; when none
# has a server configured, run the bundled live demo, which starts the official
# reference servers (node) and a malicious demo server (go run) and inspects
# what they tell the model. See docs/scan.md.
demo: build
	@[ -f $(E2E_DIR)/node_modules/@modelcontextprotocol/server-everything/package.json ] || \
	  npm ci --prefix $(E2E_DIR) --no-audit --no-fund --loglevel=error
	@$(GO) build -o /dev/null ./examples/demo/servers/evil  # warm the build cache: the demo starts it with go run
	@out=$$(./bin/moat scan --fail-on none) || exit $$?; printf '%s\n' "$$out"; \
	if printf '%s\n' "$$out" | grep -q '^0 servers in'; then \
	  echo; echo "== No MCP server is configured on this machine: running the bundled live demo"; \
	  echo "== ./bin/moat scan --connect --fail-on none examples/demo"; echo; \
	  ./bin/moat scan --connect --fail-on none examples/demo; \
	fi

# Every test: unit, golden, fuzz seed corpora, evaluation thresholds, end to end.
test: e2e-deps
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout 25m $(PKGS)

# Node packages for end-to-end tests (official reference servers and the TypeScript SDK client).
e2e-deps:
	@if [ -f $(E2E_DIR)/package.json ]; then npm ci --prefix $(E2E_DIR) --no-audit --no-fund --loglevel=error; fi

# Recall and false-positive rate per data set (reads ../shared/eval).
eval:
	$(GO) test -count=1 -run TestEval -v ./internal/eval/

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Fuzz each target for FUZZTIME (default 60s).
FUZZTIME ?= 60s
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done
