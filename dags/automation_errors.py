"""Re-validates the definitions and raises one import error listing each invalid file, field path and reason.

It defines no DAG. Keeping this apart from automations.py means a bad definition is visible in the Airflow UI
(Import Errors) while every valid automation keeps its DAG. Both files share one validated result per definition
file (automations/parse_cache.py), so the second one costs little.
"""

# The DAG processor imports the airflow modules a DAG file imports at top level once, in its long-lived manager
# (parsing_pre_import_modules), and every parse forks from it. Naming the default backend's operator module here
# saves each parse of automations.py its import (~2.5 s), as a hand-written DAG file's own imports do. It sits in
# this file, not in automations.py, because a task start parses automations.py alone and needs only its backend.
import airflow.providers.cncf.kubernetes.operators.pod  # noqa: F401

from automations.dagfile import raise_definition_errors

raise_definition_errors()
