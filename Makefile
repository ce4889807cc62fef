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

.PHONY: venv test demo bench lint clean

venv: $(VENV)/.installed

$(VENV)/.installed: tests/moto/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/moto/requirements.txt
	touch $@

# Only test-profile cargo commands: a plain `cargo build` here would compile every SDK crate a
# second time with other features.
test: venv
	$(CARGO) fmt --check
	$(VENV)/bin/cfn-lint template.yaml
	$(CARGO) clippy --all-targets -- -D warnings
	$(CARGO) test

demo: venv
	$(CARGO) build --bin apigw-doctor
	scripts/demo.sh

# Figures, not a test: AWS calls, run time, process wall time and peak RSS per scenario.
bench: venv
	$(CARGO) build --bin apigw-doctor
	scripts/bench.sh

clean:
	rm -rf $(VENV) target
