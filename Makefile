# The two everyday commands. Both work on a fresh machine with Go installed.

.PHONY: demo test build bench

demo: ## build and run a live demo city at http://127.0.0.1:8080
	go run ./cmd/cityline demo

test: ## every test, on SQLite and PostgreSQL, with the browser tests in headless Chromium
	./scripts/test.sh

build:
	go build -o bin/cityline ./cmd/cityline

bench:
	go test -run '^$$' -bench . -benchmem ./...
