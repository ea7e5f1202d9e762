# Two commands for a newcomer: `make demo` and `make test`. Both set up .venv on their own.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test venv clean templates bench bench-addin dist fuzz docs-images

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench,report]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/xltools demo --dir demo --force

# Two worker processes; each test module runs whole on one of them (its module fixtures are made once).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# The fuzz and fault harness with a large budget (make test runs it with 25 examples per strategy), and
# the reader's grammars against the XML parser on mutated sheets and string tables;
# FUZZ_EXAMPLES=N to change it. Fixed seed: the same examples every run.
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	XLTOOLS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q tests/test_fuzz.py \
		tests/test_xlsxsheet.py tests/test_xlsxstrings.py

clean:
	rm -rf $(VENV) demo .pytest_cache .hypothesis

# Regenerate the committed templates (the .xlsx to circulate and the .xlsm with the 检查评分 button);
# next year's version: make templates YEAR=2027
YEAR_FLAG := $(if $(YEAR),--year $(YEAR),)
templates: $(STAMP)
	$(BIN)/xltools template $(YEAR_FLAG) -o "workbook_templates/朝阳区项目支出绩效自评表.xlsx" --force
	$(BIN)/xltools template $(YEAR_FLAG) --macro -o "workbook_templates/朝阳区项目支出绩效自评表.xlsm" --force

# Start-up of the commands against python -c pass; speed and memory of xltools combine against openpyxl
# and the python-calamine floor; the per-file cost of .xls/.ods against .xlsx, and of .xlsx against main
# (prints figures).
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_combine.py
	$(BIN)/python benchmarks/bench_formats.py

# The 检查评分 button's Python side: import CPU, a click's work, actions per click (prints figures).
bench-addin: $(STAMP)
	$(BIN)/python benchmarks/bench_addin.py

# The offline installer for district PCs: dist/ with the wheel, every dependency as Windows 64-bit
# wheels for CPython 3.10-3.13, both templates, 安装.bat and 安装说明.txt; dist/linux/ the server bundle
# (manylinux wheels, install.sh, systemd unit). Needs the package index.
dist: $(STAMP)
	$(BIN)/python installer/build_dist.py --out dist
	$(BIN)/python installer/build_linux.py --out dist/linux

# The documentation's pictures (docs/images/*.png named in docs/images/manifest.json), made from the current
# code: sheets by LibreOffice (soffice → PDF → pdftoppm), web pages by Debian's chromium (with chromium-l10n)
# through Playwright against a real xltools serve on loopback; pictures it does not make are removed.
# tests/test_docs_images.py fails when they are older than the layout, edited, left over or unused.
docs-images: $(STAMP)
	$(BIN)/python scripts/docs_images.py --out docs/images
