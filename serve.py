"""The server: the Streamlit app (``app.py``) plus the workshop room's poll route (``/api/room``).

``streamlit run serve.py`` finds ``app`` and serves it with uvicorn, reading ``.streamlit/config.toml``
and the ``--server.*`` flags as for ``streamlit run app.py``. ``app.py`` alone still works (tests
run it through AppTest): the workshop room then reruns its live fragment on every poll instead.
"""

import streamlit as st

from components.room_watch import routes

app = st.App("app.py", routes=routes())  # the route under server.baseUrlPath, read before this runs
