"""Pydantic models for everything that crosses an edge: API bodies, files, queue messages."""
