#!/usr/bin/env bash
# Runs every test on a fresh machine: installs Chromium for the browser tests when it is missing,
# gives the run a fresh PostgreSQL database so the store suite runs on both engines, then runs the
# unit, store, HTTP and browser tests, and each benchmark once (so they stay runnable; the heaviest
# skip under -short and are run by hand, as the README says).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
	echo "== installing chromium for the browser tests"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

cleanup=""
if [ -z "${CITYLINE_TEST_POSTGRES:-}" ]; then
	if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && [ -d /etc/postgresql ]; then
		pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
	fi
	if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
		db="cityline_run_$(date +%s)_$$"
		psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $db" >/dev/null
		cleanup="$db"
		export CITYLINE_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
		echo "== PostgreSQL tests on fresh database $db"
	else
		echo "== PostgreSQL is not reachable on 127.0.0.1:5432: its half of the store tests will be skipped"
	fi
fi
drop_db() {
	if [ -n "$cleanup" ]; then
		psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $cleanup WITH (FORCE)" >/dev/null || true
	fi
}
trap drop_db EXIT

go vet ./...
go test -count=1 -timeout 40m ./...
echo "== each benchmark once"
bench_out=$(mktemp)
if ! go test -count=1 -short -run '^$' -bench . -benchtime 1x -timeout 20m ./... >"$bench_out" 2>&1; then
	cat "$bench_out"
	exit 1
fi
grep -E '^Benchmark' "$bench_out" || true
