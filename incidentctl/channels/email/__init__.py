"""E-mail channels: the `sendgrid` type (`sendgrid.py`) and the parts an e-mail is made of."""
