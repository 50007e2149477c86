# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
INPUT ?= data/raw
OUT ?= data/out

.PHONY: setup run test eval schemas lint bench model clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(PY) -m pipeline run --input $(INPUT) --out $(OUT)
	@$(PY) -m pipeline report --out $(OUT) --screenshot >/dev/null 2>&1 || echo "report.png skipped (headless Chromium failed)"
	@echo "open $(OUT)/report.html"

# Headless Chromium for the browser test; never fails the build (the test skips without it).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "no browser: the browser test will skip"

test: $(STAMP) lint browser
	$(PY) -m pipeline.schemas --check
	$(PY) -m pytest

eval: $(STAMP)
	$(PY) -m pipeline eval --holdout --out $(OUT)

schemas: $(STAMP)
	$(PY) -m pipeline.schemas

lint: $(STAMP)
	$(PY) -m ruff check pipeline tests
	$(PY) -m ruff format --check pipeline tests
	$(PY) -m mypy pipeline tests

bench: $(STAMP)
	$(PY) -m pipeline.bench

model: $(STAMP)
	@$(PY) -m pip install --quiet de_core_news_lg 2>/dev/null || { echo "make model: de_core_news_lg is published only on spaCy's release site, which this machine cannot reach; the pipeline runs without it (blank de + rules)."; exit 1; }

clean:
	rm -rf $(OUT)/* build *.egg-info .pytest_cache .mypy_cache .ruff_cache
	touch $(OUT)/.gitkeep
