# Thin veneer over npm scripts: package.json is the source of truth.
.PHONY: run test install build typecheck lint format bench-ingress bench-store bench-rebuild bench-rebuild-limits bench-background-rebuild bench-verify clean

INSTALL_STAMP := node_modules/.install-stamp

$(INSTALL_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: $(INSTALL_STAMP)

build: install
	npm run build

# The newcomer's path: a development secret and query token are generated into a git-ignored
# .env on first run, and the service starts on the embedded SQLite store.
run: build
	node --enable-source-maps dist/src/cli/main.js dev

test: install
	npm run typecheck
	npm run lint
	npm run build
	npm test

typecheck: install
	npm run typecheck

lint: install
	npm run lint

format: install
	npm run format

bench-ingress: install
	npm run bench:ingress

bench-store: install
	npm run bench:store

bench-rebuild: install
	npm run bench:rebuild

bench-rebuild-limits: install
	npm run bench:rebuild-limits

bench-background-rebuild: install
	npm run bench:background-rebuild

bench-verify: install
	npm run bench:verify

clean:
	rm -rf dist .tap
