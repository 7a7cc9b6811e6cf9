# The Airflow image of docker-compose.yaml: the official Airflow image plus this project's pinned requirements.
FROM apache/airflow:3.3.2-python3.11
COPY requirements.txt /requirements.txt
RUN pip install --no-cache-dir -r /requirements.txt
