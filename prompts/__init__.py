"""The LLM prompt templates, as `<name>.txt` files beside this module (shipped in the wheel as package data)."""
