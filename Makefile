# Softmax na Prática — comandos do projeto.
#   make livro      prepara o ambiente (.venv) e constrói o livro em _build/html
#   make testes     prepara o ambiente e roda todos os testes (pytest, hypothesis, nbval)
#   make executar   reexecuta todos os notebooks do início ao fim, num kernel novo, e grava as saídas
#   make benchmarks mede o desempenho (razões contra scipy e torch)
#   make lint       ruff no pacote, nos testes e nos benchmarks

SHELL  := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
AMBIENTE := $(VENV)/.instalado

.PHONY: livro testes executar benchmarks lint limpar ambiente

ambiente: $(AMBIENTE)

$(AMBIENTE): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

livro: $(AMBIENTE)
	$(VENV)/bin/jupyter-book build . --builder html -W -n --keep-going

testes: $(AMBIENTE)
	$(VENV)/bin/ruff check companion tests benchmarks scripts
	$(PY) -m pytest --nbval --nbval-current-env -p no:cacheprovider

executar: $(AMBIENTE)
	$(PY) scripts/executar_notebooks.py

benchmarks: $(AMBIENTE)
	$(PY) benchmarks/bench_softmax.py

lint: $(AMBIENTE)
	$(VENV)/bin/ruff check companion tests benchmarks scripts

limpar:
	rm -rf _build
