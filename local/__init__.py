"""The embedded local run: moto in server mode as AWS, and the same handlers Lambda runs."""
