from local_backend_support import cleanup, settings  # noqa: F401 - fixtures shared by this folder's tests
