"""Every automation definition in include/automations/ becomes one Airflow DAG here.

(Airflow's safe-mode scan only parses files that mention both "airflow" and "dag": this docstring does.)
Invalid definitions never remove the valid ones; they surface as an import error of automation_errors.py.
"""

from automations.dagfile import build_dags

globals().update(build_dags())
