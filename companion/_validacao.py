"""Validação de entradas comum a todo o pacote.

Cada função pública converte e confere seus argumentos aqui, para que uma entrada ruim produza
sempre um ``ValueError``/``TypeError`` em português que nomeia o parâmetro, diz o que foi recebido
e o que se esperava — nunca um traceback vindo de dentro do numpy, nunca uma resposta errada
em silêncio.

As regras que valem para todo o pacote (ver :func:`converter_array`):

* **tensores do torch** de CPU são aceitos onde se aceita um array: convertidos para numpy
  (sem cópia quando possível) e destacados do autograd; ``bfloat16`` é calculado em ``float32``
  e o resultado sai em ``float32``, porque o numpy não tem ``bfloat16``. O resultado é sempre um
  array numpy. Tensores em GPU, esparsos ou quantizados são recusados;
* **arrays mascarados** (``numpy.ma``): a máscara nunca é descartada em silêncio. Onde o valor
  é um logit (ou uma log-probabilidade) — ``softmax``, ``log_softmax``, ``logsumexp``,
  ``softmax2d``, ``spatial_softmax``, ``cross_entropy``, ``nll_loss`` e a amostragem —, uma
  posição mascarada vale ``-inf``: probabilidade zero, a convenção das máscaras de atenção.
  Em qualquer outro parâmetro (alvos, pesos, probabilidades, a sigmoide e as perdas binárias,
  os gradientes), um array mascarado é recusado com ``TypeError``;
* **listas irregulares** e **inteiros grandes demais para um float64** são recusados com
  ``ValueError``.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "converter_array",
    "como_array_real",
    "normalizar_eixo",
    "normalizar_eixos",
    "real_positivo_finito",
    "descrever",
]


def descrever(valor: object, limite: int = 60) -> str:
    """Descrição curta de um valor recebido, para mensagens de erro."""
    if isinstance(valor, np.ndarray):
        return f"array de formato {valor.shape} e dtype {valor.dtype}"
    texto = repr(valor)
    if len(texto) > limite:
        texto = texto[: limite - 3] + "..."
    return f"{texto} (tipo {type(valor).__name__})"


def _tensor_do_torch(valor: object) -> bool:
    """``valor`` é um ``torch.Tensor``? (sem importar o torch: se ele não foi importado, não é)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(valor, torch.Tensor)


def _de_tensor(tensor, nome: str) -> np.ndarray:
    """Um ``torch.Tensor`` de CPU como array numpy: destacado do grafo do autograd, ``bfloat16``
    promovido a ``float32`` (o numpy não tem ``bfloat16``). Tensores em outro dispositivo, esparsos
    ou quantizados são recusados."""
    import torch

    if tensor.device.type != "cpu":
        raise TypeError(
            f"{nome} é um tensor do torch no dispositivo {tensor.device}; o companion calcula em "
            f"numpy, na CPU: passe {nome}.cpu()"
        )
    t = tensor.detach()
    if t.dtype == torch.bfloat16:
        t = t.float()
    try:
        return t.resolve_conj().resolve_neg().numpy()
    except (TypeError, RuntimeError) as erro:
        raise TypeError(
            f"{nome} é um tensor do torch que não vira array numpy (layout {t.layout}, dtype "
            f"{t.dtype}); passe um tensor denso comum, por exemplo {nome}.to_dense()"
        ) from erro


def converter_array(
    valor: object, nome: str = "x", mascarados_viram: float | None = None
) -> np.ndarray:
    """Converte ``valor`` num ``numpy.ndarray``, sem mudar o dtype; a regra do pacote para o que
    não é um array comum.

    * **Tensores do torch** (de CPU) são aceitos: convertidos sem cópia quando possível e
      destacados do autograd (``requires_grad`` não importa; nenhum gradiente volta por aqui).
      ``bfloat16``, que o numpy não tem, vira ``float32``. Tensores em GPU, esparsos ou
      quantizados são recusados com ``TypeError``.
    * **Arrays mascarados** (``numpy.ma``): com ``mascarados_viram=None`` (o padrão), recusados
      com ``TypeError`` — ignorar a máscara em silêncio daria uma resposta errada. Para logits,
      quem chama passa ``mascarados_viram=-np.inf``: as posições mascaradas viram ``-inf`` numa
      cópia (inteiros passam a ``float64``).
    * **Listas irregulares** (linhas de comprimentos diferentes) são recusadas com ``ValueError``.
    * Listas de números Python que o numpy guardaria como objetos (inteiros maiores que
      ``2**64``) viram ``float64``; um inteiro grande demais até para um ``float64`` é recusado
      com ``ValueError``.

    Raises
    ------
    TypeError
        Array mascarado, tensor que não é de CPU, objeto que não vira array.
    ValueError
        Lista irregular ou inteiro grande demais.
    """
    if type(valor) is np.ndarray and valor.dtype != object:
        return valor  # o caso comum, sem mais conferências
    if isinstance(valor, np.ma.MaskedArray):
        if mascarados_viram is None:
            raise TypeError(
                f"{nome} é um array mascarado (numpy.ma); aqui a máscara não tem um sentido "
                "único (só logits aceitam máscara, como -inf), e ignorá-la daria outra conta: "
                f"preencha as posições mascaradas com o valor certo, com {nome}.filled(...), ou "
                f"passe {nome}.data se a máscara não importa"
            )
        return _preencher_mascara(valor, mascarados_viram)
    if _tensor_do_torch(valor):
        return _de_tensor(valor, nome)
    try:
        arr = np.asarray(valor)
    except ValueError as erro:  # listas irregulares: [[1, 2], [3]]
        raise ValueError(
            f"{nome} deve ser um array retangular de números; recebido {descrever(valor)}, "
            "cujas linhas têm comprimentos diferentes"
        ) from erro
    except (TypeError, RuntimeError) as erro:  # um __array__ que falha (tensor em lista etc.)
        raise TypeError(
            f"{nome} deve ser um array de números; recebido {descrever(valor)}, que não vira "
            f"um array numpy ({type(erro).__name__})"
        ) from erro
    if arr.dtype == object and arr.size:
        arr = _objetos_numericos(arr, valor, nome)
    return arr


def _preencher_mascara(valor: np.ma.MaskedArray, preenchimento: float) -> np.ndarray:
    """Os dados de ``valor`` com as posições mascaradas trocadas por ``preenchimento`` (cópia)."""
    dados = np.asarray(np.ma.getdata(valor))
    mascara = np.ma.getmaskarray(valor)
    if not mascara.any():
        return dados
    if dados.dtype.kind in "biu":
        dados = dados.astype(np.float64)
    if dados.dtype.kind != "f":
        return dados  # texto, objetos: quem chama recusa o conteúdo
    return np.where(mascara, dados.dtype.type(preenchimento), dados)


def _objetos_numericos(arr: np.ndarray, valor: object, nome: str) -> np.ndarray:
    """Um array de objetos que são todos números reais (inteiros enormes, Fraction...) vira
    ``float64``; qualquer outro conteúdo volta como está (e a função que chamou o recusa)."""
    elementos = arr.ravel()
    for e in elementos:
        if isinstance(e, np.ma.core.MaskedConstant):
            raise TypeError(
                f"{nome} contém um valor mascarado (numpy.ma.masked); o companion não usa "
                "máscaras: troque-o por um número"
            )
        if _tensor_do_torch(e) or not isinstance(e, numbers.Real):
            return arr
    try:
        return arr.astype(np.float64)
    except OverflowError as erro:
        grande = next(e for e in elementos if isinstance(e, numbers.Integral) and _estoura(e))
        digitos = len(str(grande))
        texto = str(grande) if digitos <= 20 else f"um inteiro de {digitos} dígitos"
        raise ValueError(
            f"{nome} contém um inteiro grande demais para um float64: recebido {texto}; o "
            "maior float64 é cerca de 1,8e308"
        ) from erro


def _estoura(inteiro: numbers.Integral) -> bool:
    try:
        float(inteiro)
    except OverflowError:
        return True
    return False


def como_array_real(
    x: ArrayLike, nome: str = "x", mascarados_viram: float | None = None
) -> tuple[np.ndarray, np.dtype]:
    """Converte ``x`` num array de ponto flutuante pronto para o cálculo.

    Regras de tipo (as do PyTorch, salvo inteiros): ``float32`` e ``float64`` mantêm o dtype;
    ``float16`` é calculado em ``float32`` e devolvido em ``float16``; inteiros, booleanos e
    listas de números viram ``float64``. Tensores do torch de CPU são aceitos (ver
    :func:`converter_array`); ``bfloat16`` é calculado e devolvido em ``float32``. Arrays
    mascarados são recusados, salvo com ``mascarados_viram`` (``-np.inf`` para logits). O array
    devolvido pode ser o próprio ``x`` (ou compartilhar a memória de um tensor): quem chama
    nunca escreve nele.

    Returns
    -------
    tuple
        ``(array_de_calculo, dtype_de_saida)``.

    Raises
    ------
    TypeError
        Se ``x`` não contém números reais (texto, ``None``, objetos, complexos), é um array
        mascarado ou um tensor fora da CPU.
    ValueError
        Se ``x`` é uma lista irregular (linhas de comprimentos diferentes) ou tem um inteiro
        grande demais para um ``float64``.
    """
    arr = converter_array(x, nome, mascarados_viram)
    tipo = arr.dtype
    if tipo.kind == "c":
        raise TypeError(
            f"{nome} deve conter números reais; recebido {descrever(x)}: "
            "números complexos não são suportados"
        )
    if tipo.kind not in "biuf":
        raise TypeError(
            f"{nome} deve conter números reais (int, float ou bool); recebido {descrever(x)}"
        )
    if tipo == np.float16:
        return arr.astype(np.float32), np.dtype(np.float16)
    if tipo.kind == "f":
        return arr, tipo
    return arr.astype(np.float64), np.dtype(np.float64)


def _inteiro(valor: object) -> bool:
    return isinstance(valor, numbers.Integral) and not isinstance(valor, (bool, np.bool_))


def normalizar_eixo(axis: object, ndim: int, nome: str = "axis") -> int:
    """Confere ``axis`` (um inteiro) e o devolve não negativo.

    Como no PyTorch, um array de 0 dimensões aceita ``axis`` igual a 0 ou -1.
    """
    n = max(ndim, 1)
    if type(axis) is int and -n <= axis < n:  # o caso comum, sem mais conferências
        return axis % n
    if not _inteiro(axis):
        raise TypeError(f"{nome} deve ser um inteiro; recebido {descrever(axis)}")
    eixo = int(axis)  # type: ignore[arg-type]
    if not -n <= eixo < n:
        raise ValueError(
            f"{nome} fora do intervalo: recebido {eixo} para um array de {ndim} dimensões; "
            f"esperado um inteiro de {-n} a {n - 1}"
        )
    return eixo % n


def normalizar_eixos(axis: object, ndim: int, nome: str = "axis") -> tuple[int, ...]:
    """Confere ``axis`` para uma redução: ``None`` (todos os eixos), um inteiro ou uma tupla."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, Sequence) and not isinstance(axis, str):
        eixos = tuple(normalizar_eixo(a, ndim, nome) for a in axis)
        if len(set(eixos)) != len(eixos):
            raise ValueError(f"{nome} repete um eixo: recebido {tuple(axis)}; cada eixo uma vez só")
        return eixos
    return (normalizar_eixo(axis, ndim, nome),)


def real_positivo_finito(valor: object, nome: str) -> float:
    """Confere que ``valor`` é um número real, finito e maior que zero (uma temperatura, p. ex.)."""
    if type(valor) is float and 0.0 < valor < math.inf:  # o caso comum, sem mais conferências
        return valor
    if isinstance(valor, (bool, np.bool_)) or not isinstance(valor, numbers.Real):
        raise TypeError(f"{nome} deve ser um número real; recebido {descrever(valor)}")
    try:
        numero = float(valor)
    except OverflowError:  # um int do Python maior que o maior float64
        numero = math.inf
    if not math.isfinite(numero) or numero <= 0:
        raise ValueError(f"{nome} deve ser um número finito maior que zero; recebido {numero!r}")
    return numero
