"""Live updates pushed to open pages: server-sent events held by the ASGI server (asgi.py), one
Redis subscription per web process and the fan-out to its pages (hub.py), and the pieces they
carry (render.py)."""
