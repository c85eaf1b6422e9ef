# Blurline. The two commands a newcomer needs: make run, make test.
GO        ?= go
BIN       ?= bin/blurline
ADDR      ?= 127.0.0.1:8080
DATA      ?= data
BENCHTIME ?= 1x

.PHONY: run build test test-short check fmt vet race bench assets clean

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

## check: formatting, vet and the race-enabled tests
check: fmt vet race

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

race:
	$(GO) test -race -count=1 -timeout 40m ./...

## bench: the benchmarks (BENCHTIME=3x for steadier figures)
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./...

## assets: re-fetch the embedded front-end libraries (GraphiQL, React, cytoscape) from npm into server/assets
assets:
	bash server/assets/fetch.sh

clean:
	rm -rf bin
