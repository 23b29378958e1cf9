"""Hugging Face ``datasets`` as udebench splits (``udebench data register-hf``) and splits as datasets (``export``)."""
