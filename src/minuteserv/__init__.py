"""Minuteserv: the backend of an at-home beauty and salon service."""
