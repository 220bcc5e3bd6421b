"""The `sms` channel type (`channel.py`, Twilio): segment counting, masked numbers, failures."""
