# Shortcuts for the three commands of the README.
.PHONY: setup run test lint bench
setup:
	tools/setup.sh
run:
	tools/run.sh
test:
	tools/test.sh
lint:
	tools/setup.sh && $${FCL_VENV:-$${XDG_CACHE_HOME:-$$HOME/.cache}/five_customer_loop/venv}/bin/pre-commit run --all-files
