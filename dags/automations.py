"""Every automation definition in include/automations/ becomes one DAG here.

Invalid definitions never remove the valid ones; they surface as an import error of automation_errors.py.
"""

from automations.dagfile import build_dags

globals().update(build_dags())
