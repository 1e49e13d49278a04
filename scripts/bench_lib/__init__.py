"""The benchmark behind scripts/bench: the integration in a real Home Assistant.

Home Assistant runs as its own process (`python -m homeassistant`) with a
generated configuration folder; the simulated Dinstar gateways run inside the
benchmark process, so every HTTP request Home Assistant makes to a gateway is
counted there. Home Assistant is reached over HTTP and its websocket API
only, and its CPU time and memory are read from /proc.
"""
