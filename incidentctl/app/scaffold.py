"""`init`: a starter playbook and editable copies of the built-in message templates."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from incidentctl.errors import ConflictError, StateError, UsageError
from incidentctl.render.paths import builtin_playbooks_dir, builtin_templates_dir

LANGUAGES = ("en", "fr")
PLAYBOOK_FILE = "incidentctl.yaml"
TEMPLATES_DIR = "templates"
# the example playbooks carry this line commented out: the starter switches it on
_TEMPLATES_LINE = re.compile(r"^# templates: templates[ \t]*$", re.MULTILINE)

_README = {
    "en": """\
# Message templates

The files in this folder override incidentctl's built-in templates of the same name, so
edit them freely: this is the wording your responders will send, approved in advance.

- `<stage>.<part>.j2`, with stage `investigating`, `identified`, `monitoring` or `resolved`
  and part `chat` (chat rooms, status pages, webhooks, outbox: plain text), `short` (SMS and
  X: at most 280 characters), `email-subject`, `email-text`, `email-html`, `support` and
  `support-subject` (the support desk's brief).
- `postmortem.md.j2`: the review document written by `incidentctl postmortem`.
- Files starting with `_` are shared pieces (e-mail layout, footer) that the others use.

Delete a file to go back to the built-in version. A channel can also use its own files:
`templates: {text: "slack-{stage}.j2"}` under the channel in `incidentctl.yaml`.

Templates are Jinja, sandboxed: a missing variable is an error, never an empty hole, and
HTML is escaped only in `email-html` templates. The variables (`incident`, `update`,
`next_update`, `org`, `channel`…) are listed in the incidentctl README. Titles and messages
typed by responders are data: they are never run as templates.

Check your changes with `incidentctl lint`, which renders every template with a sample
incident, and preview a message with `incidentctl declare … --dry-run`.
""",
    "fr": """\
# Modèles de messages

Les fichiers de ce dossier remplacent les modèles intégrés d'incidentctl de même nom :
modifiez-les librement, c'est le texte que vos équipes enverront, validé à l'avance.

- `<étape>.<partie>.j2`, l'étape étant `investigating`, `identified`, `monitoring` ou
  `resolved`, et la partie `chat` (salons, pages de statut, webhooks, outbox : texte brut),
  `short` (SMS et X : 280 caractères au plus), `email-subject`, `email-text`, `email-html`,
  `support` et `support-subject` (le point pour le support).
- `postmortem.md.j2` : le document d'analyse écrit par `incidentctl postmortem`.
- Les fichiers commençant par `_` sont des éléments partagés (gabarit d'e-mail, pied de
  message) utilisés par les autres.

Supprimez un fichier pour revenir à la version intégrée. Un canal peut aussi avoir ses
propres fichiers : `templates: {text: "slack-{stage}.j2"}` sous le canal dans
`incidentctl.yaml`.

Les modèles sont en Jinja, dans un bac à sable : une variable inconnue est une erreur, jamais
un blanc, et le HTML n'est échappé que dans les modèles `email-html`. Les variables
(`incident`, `update`, `next_update`, `org`, `channel`…) sont décrites dans le README
d'incidentctl. Les titres et messages saisis par les équipes sont des données : ils ne sont
jamais exécutés comme des modèles.

Vérifiez vos changements avec `incidentctl lint`, qui rend chaque modèle avec un incident
d'exemple, et prévisualisez un message avec `incidentctl declare … --dry-run`.
""",
}


class ScaffoldResult(list[Path]):
    """The files written (the list itself) and, in `skipped`, those left as they were."""

    def __init__(self, written: Iterable[Path] = (), skipped: Iterable[Path] = ()) -> None:
        super().__init__(written)
        self.skipped: list[Path] = list(skipped)

    @property
    def written(self) -> list[Path]:
        return list(self)


def starter_playbook(language: str) -> str:
    """The example playbook of `language`, using the `templates/` folder next to it."""
    source = builtin_playbooks_dir() / f"example-{language}.yaml"
    text = source.read_text(encoding="utf-8")
    if _TEMPLATES_LINE.search(text):
        return _TEMPLATES_LINE.sub(f"templates: {TEMPLATES_DIR}", text, count=1)
    return text.rstrip("\n") + f"\n\ntemplates: {TEMPLATES_DIR}\n"


def _builtin_templates(language: str) -> list[Path]:
    root = builtin_templates_dir()
    # the language's own files, and the shared layouts they extend
    return sorted((root / language).glob("*.j2")) + sorted(root.glob("*.j2"))


def _write_new(path: Path, text: str) -> bool:
    """Create `path` with `text`; False when something is already there (never overwritten)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        return False
    except OSError as exc:
        raise StateError(f"cannot write {path}: {exc.strerror or exc}") from None
    return True


def scaffold(target_dir: Path, language: str) -> ScaffoldResult:
    """Write `incidentctl.yaml` and `templates/` (README and copies of the built-ins) into
    `target_dir`; existing files are kept and listed in the result's `skipped`."""
    if language not in LANGUAGES:
        raise UsageError(f"unknown language {language!r} (known: {', '.join(LANGUAGES)})")
    if target_dir.exists() and not target_dir.is_dir():
        raise ConflictError(f"{target_dir} exists and is not a folder")
    templates = target_dir / TEMPLATES_DIR
    try:
        files = [
            (target_dir / PLAYBOOK_FILE, starter_playbook(language)),
            (templates / "README.md", _README[language]),
        ]
        files += [
            (templates / source.name, source.read_text(encoding="utf-8"))
            for source in _builtin_templates(language)
        ]
    except OSError as exc:  # a broken installation, not the user's doing
        raise StateError(f"cannot read the built-in examples: {exc}") from None
    result = ScaffoldResult()
    for path, text in files:
        if _write_new(path, text):
            result.append(path)
        else:
            result.skipped.append(path)
    return result
