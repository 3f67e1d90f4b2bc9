"""companion — o pacote que acompanha o livro «Softmax na Prática».

Funções da família softmax com a semântica do PyTorch (numpy na entrada, numpy na saída) e os
exercícios que se corrigem sozinhos (:mod:`companion.exercicios`).
"""

from companion.exercicios import dica, solucao, verificar
from companion.sigmoid import log_sigmoid, sigmoid
from companion.softmax import log_softmax, logsumexp, softmax, softmax2d, spatial_softmax

__all__ = [
    "softmax",
    "log_softmax",
    "logsumexp",
    "softmax2d",
    "spatial_softmax",
    "sigmoid",
    "log_sigmoid",
    "verificar",
    "dica",
    "solucao",
]

__version__ = "0.1.0"
