"""Batch inference: a BatchExecution automation's one task reads each input file, sends its rows to the model's
serving endpoint ``batch_size`` at a time, and writes the predictions beside the input's name.

``folders`` (date templates, bucket + folder -> ObjectStoragePath), ``files`` (csv / parquet / feather through
pandas), ``endpoint`` (which server answers: the deployed model or a named build), ``client`` (HTTP predict),
``runner`` (the loop: progress, per-file timeout, a bad file fails with its name).
"""
