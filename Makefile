.PHONY: test run bench golden

test:
	go test ./...

run:
	go run ./cmd/wenshu query '{"metrics":["sales"],"dimensions":["channel"]}'

bench:
	go run ./cmd/wenshu bench --scale 1

golden:
	go test ./semantic -update
