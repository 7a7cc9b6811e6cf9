"""Airflow plugin of this project: registers the automations' timetable, which Airflow requires of a custom one
before the scheduler and the DAG processor may deserialize DAGs that use it. Airflow imports this file itself
because it sits directly in the plugins folder (AIRFLOW__CORE__PLUGINS_FOLDER = this project's plugins/)."""

from airflow.plugins_manager import AirflowPlugin

from automations.timetable import AutomationTimetable


class AutomationsPlugin(AirflowPlugin):
    name = "automations"
    timetables = [AutomationTimetable]
