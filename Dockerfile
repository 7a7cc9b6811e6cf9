# The Airflow image of docker-compose.yaml: an Airflow 3.3 base image plus this project's pinned requirements and
# the Celery executor (requirements-compose.txt). AIRFLOW_BASE_IMAGE is the official image by default;
# scripts/compose/build_standins.sh builds a Debian stand-in where no registry is reachable (its venv already
# holds every pin, so this pip finds them satisfied and needs no index).
ARG AIRFLOW_BASE_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_BASE_IMAGE}
COPY requirements.txt requirements-compose.txt /tmp/requirements/
RUN pip install --no-cache-dir -r /tmp/requirements/requirements-compose.txt
