"""The `slack` channel type (`channel.py`): its two transports, the Web API client, the layout."""
