# Blurline. The two commands a newcomer needs: make run, make test.
GO        ?= go
BIN       ?= bin/blurline
ADDR      ?= 127.0.0.1:8080
DATA      ?= data
BENCHTIME ?= 1x
BENCH_SIZE ?= 1000000
FUZZTIME  ?= 60s
SOAKTIME  ?= 2m

.PHONY: run build test test-short check fmt vet lint race bench gobench fuzz soak vuln assets clean

## run: build and serve the seeded graph on http://$(ADDR) (data in ./$(DATA))
run: build
	./$(BIN) serve --addr $(ADDR) --data $(DATA)

## build: build the blurline binary into bin/
build:
	$(GO) build -o $(BIN) ./cmd/blurline

## test: every test, with the race detector, and one pass of every benchmark
test:
	$(GO) test -race -count=1 -timeout 40m ./...
	$(GO) test -run='^$$' -bench=. -benchtime=$(BENCHTIME) -timeout 30m ./...

## test-short: the quick tests only
test-short:
	$(GO) test -short ./...

## check: formatting, vet, staticcheck, the race-enabled tests and govulncheck (which needs the vulnerability database online; CI runs the rest offline)
check: fmt vet lint race vuln

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	cd bench && $(GO) vet ./...

## lint: staticcheck, at the version go.mod pins with its tool directive
lint:
	$(GO) tool staticcheck ./...

race:
	$(GO) test -race -count=1 -timeout 40m ./...

## bench: Blurline against cayley's own CLI on generated data; rewrites docs/performance.md (BENCH_SIZE=100000 for a quick run)
bench:
	cd bench && BENCH_SIZE=$(BENCH_SIZE) $(GO) run .

## gobench: the Go benchmarks of every package (BENCHTIME=3x for steadier figures)
gobench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

## fuzz: each fuzz target for FUZZTIME
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzNQuads$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=5s -timeout=0 ./graph
	$(GO) test -run='^$$' -fuzz='^FuzzGraphQLHandler$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=5s -timeout=0 ./server

## soak: the concurrency soak for SOAKTIME per backend, under the race detector
soak:
	$(GO) test -race -count=1 -run='^TestSoak$$' -timeout=0 ./internal/soak -soak=$(SOAKTIME)

## vuln: known vulnerabilities reachable from the code (needs the Go vulnerability database online)
vuln:
	$(GO) run golang.org/x/vuln/cmd/govulncheck@v1.9.0 ./...

## assets: re-fetch the embedded front-end libraries (GraphiQL, React, cytoscape) from npm into server/assets
assets:
	bash server/assets/fetch.sh

clean:
	rm -rf bin
