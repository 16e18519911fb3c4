"""nnd-competence: NND's competence and career development process as an event-sourced library.

The public surface other systems use: ``open_store`` and the models it returns, the
command classes in ``nnd_competence.application.commands``, and ``Actor``/``Role``.
"""

from nnd_competence.api import CompetenceStore, open_store
from nnd_competence.domain.errors import DomainError
from nnd_competence.domain.values import Actor, Role

__all__ = ["Actor", "CompetenceStore", "DomainError", "Role", "open_store"]
__version__ = "0.1.0"
