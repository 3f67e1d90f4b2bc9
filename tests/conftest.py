"""Configuração comum dos testes."""

import os

from hypothesis import HealthCheck, settings

# Sem prazo por exemplo: a primeira chamada ao torch é lenta e tempo não é o que se testa aqui.
settings.register_profile("padrao", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Em CI, exemplos derivados de forma determinística: a mesma execução sempre testa o mesmo.
settings.register_profile(
    "ci", parent=settings.get_profile("padrao"), derandomize=True, print_blob=True
)
# Para uma bateria longa: HYPOTHESIS_PROFILE=exaustivo make testes
settings.register_profile("exaustivo", parent=settings.get_profile("padrao"), max_examples=3000)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "padrao")
)
