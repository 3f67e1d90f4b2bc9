# Softmax na Prática — comandos do projeto.
#   make livro      prepara o ambiente (.venv) e constrói o livro em _build/html
#   make testes     prepara o ambiente e roda todos os testes (pytest, hypothesis, nbval)
#   make executar   reexecuta todos os notebooks do início ao fim, num kernel novo, e grava as saídas
#   make estudante  grava as edições do estudante (sem soluções, sem saídas) e a roda do companion
#                   em _estudante/ (a construção do livro também as grava)
#   make benchmarks mede o desempenho (razões contra scipy e torch)
#   make compatibilidade  testa o companion (sem o torch) nos Pythons 3.11 e 3.12 com o numpy 2.0,
#                   o mais antigo que ele declara, em venvs novos (scripts/compatibilidade.py)
#   make lint       ruff no pacote, nos testes e nos benchmarks
#   make pdf        o livro inteiro em PDF, _build/pdf/softmax-na-pratica.pdf (precisa do TeX com o
#                   XeLaTeX; README, seção «O livro em PDF»). Rodado antes de `make livro`, o site
#                   oferece o PDF para baixar
#
# Fora da máquina do projeto, `make livro TORCH_CPU=1` instala o torch só de CPU (≈200 MB) em vez
# do build CUDA que o PyPI entrega no Linux (vários GB).

SHELL  := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
AMBIENTE := $(VENV)/.instalado

.PHONY: livro pdf testes executar estudante benchmarks compatibilidade lint limpar ambiente

ambiente: $(AMBIENTE)

$(AMBIENTE): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	if [ -n "$(TORCH_CPU)" ]; then \
	  $(PY) -m pip install --quiet torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu; \
	fi
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

livro: $(AMBIENTE)
	$(VENV)/bin/jupyter-book build . --builder html -W -n --keep-going

pdf: $(AMBIENTE)
	$(PY) book/_ext/pdf.py

# o cache de fontes do matplotlib fica na cópia do repositório e é montado antes dos testes: um cache
# velho (que aponta para fontes de outro ambiente) faria o matplotlib escrever no stderr na primeira
# figura de cada notebook, e o nbval recusaria essa saída.
# Os testes rodam em paralelo (pytest-xdist, um processo por núcleo); --dist loadfile mantém
# cada arquivo (e cada notebook, cujas células dividem um kernel) num só processo.
testes: export MPLCONFIGDIR := $(CURDIR)/.mplconfig
testes: $(AMBIENTE)
	$(VENV)/bin/ruff check companion tests benchmarks scripts book/_ext
	$(PY) -c "import matplotlib.font_manager" 2>/dev/null
	$(PY) -m pytest --nbval --nbval-current-env -p no:cacheprovider -n auto --dist loadfile

executar: $(AMBIENTE)
	$(PY) scripts/executar_notebooks.py

estudante: $(AMBIENTE)
	$(PY) book/_ext/edicao_estudante.py

benchmarks: $(AMBIENTE)
	$(PY) benchmarks/bench_softmax.py
	$(PY) benchmarks/bench_familia.py
	$(PY) benchmarks/bench_gradientes.py

compatibilidade:
	$(PYTHON) scripts/compatibilidade.py

lint: $(AMBIENTE)
	$(VENV)/bin/ruff check companion tests benchmarks scripts book/_ext

limpar:
	rm -rf _build _estudante
