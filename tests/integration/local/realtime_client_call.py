"""Run in the qwak-inference venv: the real RealTimeClient against MODEL_API; prints what each call returned.

Qwak's auth is skipped the way its session allows: an Authorization header already set, with a future expiry.
"""

import datetime
import json
import sys

import pandas as pd
from qwak_inference import RealTimeClient
from qwak_inference.realtime_client.client import InferenceOutputFormat

model_id, model_api = sys.argv[1], sys.argv[2]
client = RealTimeClient(model_id=model_id, model_api=model_api)
client.r_session.headers["Authorization"] = "Bearer local-test"
client.r_session.jwt_expiration = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
frame = pd.DataFrame({"x": [1, 2]})
out = {
    "records_dictionary": client.predict([{"x": 1}, {"x": 2}]),
    "frame_split_pandas": client.predict(frame, output_format=InferenceOutputFormat.PANDAS).to_dict("list"),
    "frame_records": client.predict(frame, orient="records"),
    "frame_index": client.predict(frame, orient="index"),
    "frame_columns": client.predict(frame, orient="columns"),
    "one_vector": client.predict({"x": 5}),
}
print(json.dumps(out))
