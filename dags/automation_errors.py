"""Re-validates the definitions and raises one import error listing each invalid file, field path and reason.

It defines no DAG. Keeping this apart from automations.py means a bad definition is visible in the Airflow UI
(Import Errors) while every valid automation keeps its DAG.
"""

from automations.dagfile import raise_definition_errors

raise_definition_errors()
