# apigw-doctor — `make demo` shows the tool on a broken private API; `make test` runs every check CI runs.

VENV    ?= .venv
PYTHON  ?= python3
CARGO   ?= cargo

# Tests and the demo never leave loopback: dummy credentials, a region, no instance metadata.
export AWS_EC2_METADATA_DISABLED = true
export AWS_ACCESS_KEY_ID         = testing
export AWS_SECRET_ACCESS_KEY     = testing
export AWS_REGION                = us-east-1
export APIGW_DOCTOR_PYTHON       = $(abspath $(VENV))/bin/python

.PHONY: venv test test-core docs demo bench bench-fleet deny deny-advisories package package-tools clean

venv: $(VENV)/.installed

$(VENV)/.installed: tests/moto/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/moto/requirements.txt
	touch $@

# Only test-profile cargo commands: a plain `cargo build` here would compile every SDK crate a
# second time with other features (the tests turn on the SDK's test-util).
test: venv
	$(CARGO) fmt --all --check
	$(VENV)/bin/cfn-lint template.yaml member-role.yaml
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	$(CARGO) test --locked --workspace

# The pure core alone: no SDK crate is compiled, so an edit to a check is tested in seconds.
test-core:
	$(CARGO) test -p apigw-doctor-core

# Regenerates docs/findings.md from the catalog (a core test fails while it is stale).
docs:
	UPDATE_DOCS=1 $(CARGO) test -p apigw-doctor-core the_findings_reference

# The demo and the benchmark run the binary the test build made: `cargo test --no-run` is the
# same build as `make test`'s, so after `make test` it compiles nothing.
demo: venv
	$(CARGO) test --locked --workspace --no-run
	scripts/demo.sh

# Figures, not a test: AWS calls, run time, process wall time and peak RSS per scenario.
bench: venv
	$(CARGO) test --locked --workspace --no-run
	scripts/bench.sh

# Figures for a fleet (issue 15): N = 50 and 200 APIs (BENCH_SIZES=50,200,800 for more; BENCH_RUNS
# per size) seeded on moto, swept under the emulator's API Gateway throttle (10/s burst 40), and
# read by Cloud Custodian under the same throttle (c7n installed once outside the clone).
bench-fleet: venv
	$(CARGO) test --locked --workspace --no-run
	$(VENV)/bin/python scripts/bench-fleet.py $(if $(BENCH_SIZES),--sizes $(BENCH_SIZES)) $(if $(BENCH_RUNS),--runs $(BENCH_RUNS))

# Licences, banned and duplicate crates, sources (deny.toml). cargo-deny is built once into a
# cache outside the clone (about 3 min on a 2-core machine). CI runs it after `make test`.
DENY_VERSION ?= 0.20.2
DENY_ROOT    ?= /var/tmp/apigw-doctor-tools
CARGO_DENY   := $(DENY_ROOT)/bin/cargo-deny

deny: $(CARGO_DENY)
	@echo "cargo deny: advisories not checked (their database is fetched from GitHub, which this machine cannot reach)"
	$(CARGO_DENY) --locked check --hide-inclusion-graph licenses bans sources

# The same with advisories, against a local clone of github.com/rustsec/advisory-db
# (ADVISORY_DB=<path>): the build machine cannot fetch it, so CI cannot run this one.
deny-advisories: $(CARGO_DENY)
	@test -n "$(ADVISORY_DB)" || { echo "deny-advisories: set ADVISORY_DB to a clone of rustsec/advisory-db"; exit 2; }
	@rm -rf $(DENY_ROOT)/advisory-dbs && mkdir -p $(DENY_ROOT)/advisory-dbs
	git clone -q $(ADVISORY_DB) $(DENY_ROOT)/advisory-dbs/advisory-db-3157b0e258782691
	@{ cat deny.toml; printf '\n[advisories]\ndb-path = "%s"\ndb-urls = ["https://github.com/rustsec/advisory-db"]\n' "$(DENY_ROOT)/advisory-dbs"; } > $(DENY_ROOT)/deny-advisories.toml
	@echo "advisory database of $$(git -C $(DENY_ROOT)/advisory-dbs/advisory-db-3157b0e258782691 show -s --format=%cI HEAD)"
	$(CARGO_DENY) --config $(DENY_ROOT)/deny-advisories.toml --offline check --hide-inclusion-graph advisories

$(CARGO_DENY):
	$(CARGO) install cargo-deny --locked --version $(DENY_VERSION) --root $(DENY_ROOT)

# The Lambda artefact: `cargo lambda build --release` into a zip (bootstrap at its root), with
# cargo-lambda and zig from PyPI (requirements-package.txt) in the same venv, installed only here
# so `make test` never waits for them. x86_64: these build machines have no aarch64 Rust target;
# `sam build` builds the template's arm64 function itself (README, Deploying). Not part of
# `make test` or CI: a release build takes minutes.
LAMBDA_DIR ?= $(or $(CARGO_TARGET_DIR),target)/lambda
package: $(VENV)/.package-installed
	PATH="$(abspath $(VENV))/bin:$$PATH" $(CARGO) lambda build --release --locked --x86-64 \
	  --bin apigw-doctor --output-format zip --lambda-dir $(LAMBDA_DIR)
	@ls -l $(LAMBDA_DIR)/apigw-doctor/bootstrap.zip

# cargo-lambda and zig alone, for `sam build` (README, Deploying).
package-tools: $(VENV)/.package-installed

$(VENV)/.package-installed: requirements-package.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-package.txt
	touch $@

clean:
	rm -rf $(VENV) target
