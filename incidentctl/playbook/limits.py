"""The documented limits on what a playbook may make incidentctl read or build (README, "Lint").

`lint` runs in other people's CI on files anyone can send: every playbook gets an answer in
well under a second and 100 MB. Real playbooks sit far below each of these (a few KB, a few
hundred nodes, a nesting of about 6); past one of them a file is a mistake or an attack, and is
refused, located, before it is turned into Python objects.
"""

from __future__ import annotations

MAX_BYTES = 1024 * 1024  # size of the playbook file
MAX_NODES = 50_000  # YAML nodes, counting every expansion of an alias
MAX_DEPTH = 64  # nesting of mappings and lists, through aliases too
MAX_EXPANDED_CHARS = MAX_BYTES  # text in all scalars, counting every expansion of an alias
MAX_ID_LENGTH = 64  # an incident id, as `incident_id_format` renders it
MAX_ID_FORMAT_WIDTH = 32  # a width or precision in `incident_id_format`
MAX_TEMPLATE_FILES = 500  # *.j2 files in the playbook's templates folder
MAX_TEMPLATE_BYTES = 256 * 1024  # size of one template file
