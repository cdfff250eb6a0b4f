.PHONY: test run bench golden vendor-echarts

# The two commands of README.md.
run:
	go run ./cmd/wenshu serve

test:
	go test ./...

bench:
	go run ./cmd/wenshu bench --scale 1

golden:
	go test ./semantic ./nlq/llm -update

# The chat page has no build step; ECharts is vendored from the npm registry.
ECHARTS_VERSION ?= 5.6.0
vendor-echarts:
	tmp=$$(mktemp -d) && cd $$tmp && npm pack echarts@$(ECHARTS_VERSION) >/dev/null && tar xzf echarts-$(ECHARTS_VERSION).tgz && \
	cp package/dist/echarts.min.js $(CURDIR)/web/static/vendor/echarts.min.js && \
	cp package/LICENSE $(CURDIR)/web/static/vendor/echarts.LICENSE && rm -rf $$tmp
