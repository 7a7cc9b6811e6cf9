"""The Models view inside the Airflow UI: deployed builds, last runs, and metric history per automation."""
