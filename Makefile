# csp-hotspots: `make run` serves the dashboard, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STORE ?= var/hotspots.duckdb
HOST ?= 127.0.0.1
PORT ?= 8050
WORKERS ?= 2

.PHONY: run test bench lint demo clean browser-deps

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(STORE): $(STAMP)
	$(VENV)/bin/hotspots demo --store $(STORE)

demo: $(STORE)

run: $(STAMP) $(STORE)
	$(VENV)/bin/hotspots user demo --store $(STORE)
	HOTSPOTS_ALLOWED_HOSTS="$(HOST),$$HOTSPOTS_ALLOWED_HOSTS" \
		$(VENV)/bin/hotspots serve --store $(STORE) --host $(HOST) --port $(PORT) --workers $(WORKERS)

# Debian packages the tests need: Chromium for the browser tests, Pango for WeasyPrint's PDF report,
# poppler (pdfinfo, pdftoppm) to count and look at its pages.
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v pdfinfo >/dev/null && \
		ldconfig -p | grep -q libpangoft2 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
			poppler-utils libpango-1.0-0 libpangoft2-1.0-0 >/dev/null)

test: $(STAMP) browser-deps
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

bench: $(STAMP) browser-deps
	$(PY) -m bench.run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf var bench/out tests/_artifacts
