"""The HTTP side of the dashboard: what runs before Streamlit runs a page (config, sign-in form,
guard). dashboard/server.py mounts it with `st.App(routes=..., middleware=...)`."""
