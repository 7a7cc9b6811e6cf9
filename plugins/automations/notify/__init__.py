"""on_success / on_error: what a run reports (report), how it reads (message), where it goes (target), how it is
sent (http), the Airflow notifier that ties them together (notifier), and validation warnings (lint)."""
