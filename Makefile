# 学时通 — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: run test install mutate system-deps pdf-font lint bench-heartbeat bench-booking bench-uploads bench-faults bench-rules bench-roster demo migrate clean vendor-pdfjs vendor-jsqr vendor-echarts bench-scale bench-reminders bench-exchange

$(BIN)/activate: pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/activate

install: $(BIN)/activate

# The TrueType CJK fonts embedded in PDFs (lms/pdf.py): WenQuanYi Micro Hei (Debian fonts-wqy-microhei) and,
# for the rare characters it lacks, Droid Sans Fallback (fonts-droid-fallback); both Apache-2.0.
PDF_FONT_PATH ?= /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
PDF_FALLBACK_FONT_PATH ?= /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf
pdf-font:
	@if [ ! -f "$(PDF_FONT_PATH)" ] || [ ! -f "$(PDF_FALLBACK_FONT_PATH)" ]; then \
	  echo "installing fonts-wqy-microhei and fonts-droid-fallback (Debian), the fonts embedded in PDFs"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq fonts-wqy-microhei fonts-droid-fallback >/dev/null; \
	  test -f "$(PDF_FONT_PATH)" -a -f "$(PDF_FALLBACK_FONT_PATH)" || { echo "PDF fonts still missing"; exit 1; }; \
	fi

# Debian's chromium and a CJK font for the browser tests (Playwright's own browser download does not work here).
system-deps: pdf-font
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
	  echo "installing chromium and fonts-noto-cjk (Debian)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

migrate: install
	$(BIN)/flask --app lms db-upgrade

demo: migrate
	$(BIN)/flask --app lms demo

# `make run`: refuse a port already in use (lms/ports.py: gunicorn's reuse_port would share it silently), migrate,
# load or renew the demo once, then serve; the demo's lines (accounts and password) are printed once the server
# answers. Rate-limit counters are shared by all gunicorn workers through Redis when it answers; memory otherwise.
# gunicorn reads its settings from gunicorn.conf.py (WEB_BIND, exported here). If the web server or the scheduler
# stops, the other is stopped too.
WEB_BIND ?= 127.0.0.1:5000
export WEB_BIND
run: pdf-font install
	@$(BIN)/python -m lms.ports $(WEB_BIND)
	@$(BIN)/flask --app lms db-upgrade
	@RL=memory://; \
	  if $(BIN)/python -c "import redis; redis.Redis(socket_connect_timeout=0.5).ping()" 2>/dev/null; then RL=redis://127.0.0.1:6379/0; fi; \
	  export RATELIMIT_STORAGE_URI=$${RATELIMIT_STORAGE_URI:-$$RL}; \
	  DEMO="$$($(BIN)/flask --app lms demo)" || exit 1; \
	  trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/gunicorn & \
	  $(BIN)/flask --app lms scheduler & \
	  $(BIN)/python -m lms.ports --wait $(WEB_BIND) || exit 1; \
	  echo "$$DEMO"; \
	  echo "学时通: http://$(WEB_BIND)  (rate limits: $$RATELIMIT_STORAGE_URI; the scheduler runs beside the web server; Ctrl-C stops both)"; \
	  wait -n

test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n 2 --dist loadgroup

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# make mutate (not part of make test): mutmut over rules/ against tests/rules; the survivors the README explains as
# equivalent are listed under "Equivalent mutants". Last line: mutate: <K> killed, <S> survived, <U> unexplained.
# On a shared machine: make mutate MUTATE_CHILDREN=1 (mutants tested at once; it runs at nice 19 either way).
MUTATE_CHILDREN ?= 2
mutate: install
	$(BIN)/pip install -q "mutmut==3.8.1"
	rm -rf mutants
	nice -n 19 $(BIN)/mutmut run --max-children $(MUTATE_CHILDREN) || true
	$(BIN)/python tools/mutate_report.py

# A city of half a million practitioners on PostgreSQL (issue 14): SCALE=0.1 for a tenth.
bench-scale: install
	$(BIN)/python bench/bench_scale.py

bench-reminders: install
	$(BIN)/python bench/bench_reminders.py

bench-exchange: install
	$(BIN)/python bench/bench_exchange.py

bench-heartbeat: install
	$(BIN)/python bench/bench_heartbeat.py

bench-booking: install
	$(BIN)/python bench/bench_booking.py

# 200 courseware uploads of 1-20 MB over reused keep-alive connections (BENCH_UPLOADS): none may be dropped.
bench-uploads: install
	$(BIN)/python bench/bench_uploads.py

# PostgreSQL faults on a private cluster (never the shared server): heartbeats through a restart and a 10-s stop,
# three schedulers beside them, a worker killed during a booking rush. Last line: faults: recovery <S> s, ...
bench-faults: install
	$(BIN)/python bench/bench_faults.py

bench-rules: install
	$(BIN)/python bench/bench_rules.py

bench-roster: install
	$(BIN)/python bench/bench_roster.py

# PDF.js for the player's PDF chapters, from its npm package (see lms/static/vendor/README.md); run by hand to update.
PDFJS_VERSION := 6.5.438
vendor-pdfjs:
	rm -rf /tmp/xst-pdfjs && mkdir -p /tmp/xst-pdfjs
	cd /tmp/xst-pdfjs && npm pack --silent pdfjs-dist@$(PDFJS_VERSION) && tar xzf pdfjs-dist-$(PDFJS_VERSION).tgz
	rm -rf lms/static/vendor/pdfjs && mkdir -p lms/static/vendor/pdfjs
	cp /tmp/xst-pdfjs/package/legacy/build/pdf.min.mjs /tmp/xst-pdfjs/package/legacy/build/pdf.worker.min.mjs \
	   /tmp/xst-pdfjs/package/LICENSE lms/static/vendor/pdfjs/
	cp -r /tmp/xst-pdfjs/package/cmaps /tmp/xst-pdfjs/package/standard_fonts lms/static/vendor/pdfjs/
	rm -rf /tmp/xst-pdfjs

# jsQR for the proctor's camera scanner, from its npm package (see lms/static/vendor/README.md); run by hand to update.
JSQR_VERSION := 1.4.0
vendor-jsqr:
	rm -rf /tmp/xst-jsqr && mkdir -p /tmp/xst-jsqr
	cd /tmp/xst-jsqr && npm pack --silent jsqr@$(JSQR_VERSION) && tar xzf jsqr-$(JSQR_VERSION).tgz
	rm -rf lms/static/vendor/jsqr && mkdir -p lms/static/vendor/jsqr
	cp /tmp/xst-jsqr/package/dist/jsQR.js /tmp/xst-jsqr/package/LICENSE lms/static/vendor/jsqr/
	rm -rf /tmp/xst-jsqr

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache

# Apache ECharts for the statistics pages' charts, from its npm package (see lms/static/vendor/README.md); run by hand
# to update.
ECHARTS_VERSION := 6.1.0
vendor-echarts:
	rm -rf /tmp/xst-echarts && mkdir -p /tmp/xst-echarts
	cd /tmp/xst-echarts && npm pack --silent echarts@$(ECHARTS_VERSION) && tar xzf echarts-$(ECHARTS_VERSION).tgz
	rm -rf lms/static/vendor/echarts && mkdir -p lms/static/vendor/echarts
	cp /tmp/xst-echarts/package/dist/echarts.min.js /tmp/xst-echarts/package/LICENSE lms/static/vendor/echarts/
	rm -rf /tmp/xst-echarts
