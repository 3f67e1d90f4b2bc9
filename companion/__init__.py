"""companion — o pacote que acompanha o livro “Softmax na Prática”.

Funções da família softmax com a semântica do PyTorch (numpy na entrada, numpy na saída) e os
exercícios que se corrigem sozinhos (:mod:`companion.exercicios`).
"""

from companion.alternativas import (
    AdaptiveLogSoftmaxWithLoss,
    entmax15,
    entmax_bisect,
    gumbel_max_sample,
    gumbel_softmax,
    sampled_softmax_loss,
    sparsemax,
)
from companion.atencao import (
    scaled_dot_product_attention,
    softcap,
    softcap_backward,
    softmax_one,
    z_loss,
    z_loss_backward,
)
from companion.exercicios import dica, solucao, verificar
from companion.gradientes import (
    binary_cross_entropy_backward,
    binary_cross_entropy_with_logits_backward,
    check_grad,
    cross_entropy_backward,
    entmax15_backward,
    entmax_bisect_backward,
    log_softmax_backward,
    nll_loss_backward,
    sigmoid_backward,
    softmax_backward,
    softmax_jacobian,
    sparsemax_backward,
)
from companion.online import chunked_cross_entropy as chunked_cross_entropy
from companion.perdas import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    nll_loss,
)
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
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy",
    "softmax_backward",
    "log_softmax_backward",
    "sigmoid_backward",
    "cross_entropy_backward",
    "nll_loss_backward",
    "binary_cross_entropy_backward",
    "binary_cross_entropy_with_logits_backward",
    "softmax_jacobian",
    "check_grad",
    "scaled_dot_product_attention",
    "softcap",
    "softcap_backward",
    "z_loss",
    "z_loss_backward",
    "softmax_one",
    "sparsemax",
    "entmax15",
    "entmax_bisect",
    "gumbel_softmax",
    "gumbel_max_sample",
    "AdaptiveLogSoftmaxWithLoss",
    "sampled_softmax_loss",
    "sparsemax_backward",
    "entmax15_backward",
    "entmax_bisect_backward",
    "verificar",
    "dica",
    "solucao",
]

__version__ = "0.1.0"
